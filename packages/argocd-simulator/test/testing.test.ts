/** The test helpers of argocd-simulator/testing: a group of simulators for fan-out, and one that goes down and comes back. */
import { describe, expect, it } from 'vitest';
import { startSimulators, startStoppableSimulator } from 'argocd-simulator/testing';
import { call } from './helpers.ts';

describe('startSimulators', () => {
  it('starts named instances with their own seeds and sizes, and closes them together', async () => {
    const group = await startSimulators([
      { name: 'prod', seed: 1, appCount: 60 },
      { name: 'staging', seed: 2, appCount: 4 },
    ]);
    try {
      expect(group.instances.map((i) => i.name)).toEqual(['prod', 'staging']);
      const prod = await call(group.get('prod'), '/api/v1/applications?fields=items.metadata.name');
      const staging = await call(group.get('staging'), '/api/v1/applications?fields=items.metadata.name');
      expect(prod.body.items).toHaveLength(60);
      expect(staging.body.items).toHaveLength(4);
      expect(group.get('prod').url).not.toBe(group.get('staging').url);
      expect(() => group.get('dev')).toThrow('no instance named "dev" (the group has prod, staging)');
    } finally {
      await group.close();
    }
    await expect(fetch(`${group.get('prod').url}/api/version`)).rejects.toThrow();
  });

  it('refuses a name given twice, and closes the started ones when one cannot start', async () => {
    await expect(startSimulators([{ name: 'a' }, { name: 'a' }])).rejects.toThrow('the name "a" is given twice');
    await expect(startSimulators([{ name: 'ok' }, { name: 'bad', release: 'v9.9.9' }])).rejects.toThrow(/instance "bad" did not start: simulator option release/);
  });
});

describe('startStoppableSimulator', () => {
  it('is refused while stopped, and answers at the same URL with the same tokens once started again', async () => {
    const flaky = await startStoppableSimulator({ appCount: 3 });
    try {
      expect((await call(flaky.sim, '/api/v1/applications')).body.items).toHaveLength(3);
      await flaky.stop();
      expect(flaky.up).toBe(false);
      expect(() => flaky.sim).toThrow('is stopped: call start() first');
      const refused = await fetch(`${flaky.url}/api/version`).then(() => 'answered', (e: Error & { cause?: { code?: string } }) => e.cause?.code);
      expect(refused).toBe('ECONNREFUSED');
      await flaky.start();
      expect(flaky.sim.url).toBe(flaky.url);
      const back = await fetch(`${flaky.url}/api/v1/applications`, { headers: { authorization: `Bearer ${flaky.tokens.admin}` } });
      expect(back.status).toBe(200);
    } finally {
      await flaky.close();
    }
  });
});
