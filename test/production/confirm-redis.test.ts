/**
 * Confirmation tokens shared by replicas (docs/confirmation.md): two stateless gateway processes on one real
 * redis-server; a preview answered by one, its token redeemed on the other, once. Redis holds only the token's hash.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { ROOT, startGateway, textOf } from './harness.ts';
import type { Gateway } from './harness.ts';
import { redisAvailable, startRedis } from './redis.ts';
import type { RedisServer } from './redis.ts';
import { tableToObjects } from '../../src/shaping/shape.ts';

// Skipped only on a developer machine without redis-server; CI installs it, so there a missing one fails.
const skip = !redisAvailable() && !process.env.CI;

let sim: Simulator;
let redis: RedisServer;
const gateways: Gateway[] = [];

beforeAll(async () => {
  if (skip) return;
  [sim, redis] = await Promise.all([startSimulator({}), startRedis()]);
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop('SIGKILL').catch(() => undefined)));
  await Promise.all([sim?.close(), redis?.stop()]);
});

describe.skipIf(skip)('confirmation tokens across replicas', () => {
  it('a preview on replica A is confirmed on replica B, once; Redis keeps only the hash', async () => {
    const start = () =>
      startGateway({
        env: {
          ARGOCD_BASE_URL: sim.url,
          ARGOCD_API_TOKEN: sim.tokens.admin,
          ARGOCD_MCP_REDIS: redis.url,
          ARGOCD_MCP_READ_ONLY: 'false',
          ARGOCD_MCP_ALLOW: '*',
          ARGOCD_MCP_CONFIRM_FALLBACK: 'token',
          ARGOCD_MCP_RATE_LIMIT: 'off',
          // The catalogue of this checkout (the copied dist/ finds the package root through node_modules, which a
          // git worktree may share with another checkout).
          ARGOCD_MCP_CATALOGUE_DIR: path.join(ROOT, 'generated'),
        },
        args: ['--stateless'],
      });
    const [a, b] = await Promise.all([start(), start()]);
    gateways.push(a, b);
    const [clientA, clientB] = await Promise.all([a.connect(), b.connect()]);
    const list = await clientA.callTool({ name: 'application_list', arguments: {} });
    const [app] = tableToObjects<{ name: string }>(JSON.parse(textOf(list)));
    const writes = () => sim.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();

    const preview = textOf(await clientA.callTool({ name: 'application_delete', arguments: { name: app.name } }));
    const token = /confirmationToken: "(cfm_[A-Za-z0-9_-]+)"/.exec(preview)![1];
    const keys = await redis.client.keys('argocd-mcp:confirm:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(token);
    expect(await redis.client.get(keys[0])).not.toContain(token);
    expect(writes()).toBe(before);

    const done = await clientB.callTool({ name: 'application_delete', arguments: { name: app.name, confirmationToken: token } });
    expect(done.isError, textOf(done)).toBeFalsy();
    expect(writes()).toBe(before + 1);
    const again = await clientA.callTool({ name: 'application_delete', arguments: { name: app.name, confirmationToken: token } });
    expect(textOf(again)).toMatch(/already used/);
    expect(writes()).toBe(before + 1);
    expect(await redis.client.keys('argocd-mcp:confirm:*')).toEqual([]);
    await Promise.all([clientA.close(), clientB.close()]);
  });
});
