/**
 * Issue 7, part 6 (faults): whatever Argo CD does — down at start-up, timing out, resetting connections, 500,
 * HTML instead of JSON, a stream that stalls, a token that expired — the gateway keeps running and every call
 * gets an answer that says what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { startChaos } from './chaos.ts';
import type { Chaos, ChaosMode } from './chaos.ts';
import { sleep, startGateway, textOf, freePort } from './harness.ts';
import type { Gateway } from './harness.ts';


const readyz = async (gw: Gateway) => {
  const res = await fetch(`${gw.origin}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; reason?: string } };
};

describe('Argo CD down when the gateway starts', () => {
  let sim: Simulator | undefined;
  let gw: Gateway;
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await sim?.close();
  });

  it('starts anyway, is not ready, answers calls with a clear error, and recovers when Argo CD comes up', async () => {
    const port = await freePort();
    gw = await startGateway({ env: { ARGOCD_BASE_URL: `http://127.0.0.1:${port}`, ARGOCD_API_TOKEN: 'sim-token-placeholder', ARGOCD_MCP_RATE_LIMIT: 'off' } });
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    const down = await readyz(gw);
    expect(down.status).toBe(503);
    expect(down.body.reason).toMatch(/not reachable/);
    const client = await gw.connect();
    const failed = await client.callTool({ name: 'version_get', arguments: {} });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/127\.0\.0\.1:\d+|reach|refused/i);

    sim = await startSimulator({ port });
    // The simulator's admin token is not the placeholder: recovery needs a gateway whose token is valid.
    await gw.stop('SIGKILL');
    gw = await startGateway({ env: { ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_RATE_LIMIT: 'off' } });
    expect((await readyz(gw)).status).toBe(200);
  });

  it('becomes ready by itself once the same Argo CD answers (no restart)', async () => {
    const sim2 = await startSimulator({});
    const chaos = await startChaos(sim2.url);
    chaos.mode = 'reset';
    const g = await startGateway({ env: { ARGOCD_BASE_URL: chaos.url, ARGOCD_API_TOKEN: sim2.tokens.admin, ARGOCD_MCP_RATE_LIMIT: 'off' } });
    try {
      expect((await readyz(g)).status).toBe(503);
      const client = await g.connect();
      expect((await client.callTool({ name: 'version_get', arguments: {} })).isError).toBe(true);
      chaos.mode = 'pass';
      // Failures are cached for 2 s only.
      await sleep(2_200);
      expect((await readyz(g)).status).toBe(200);
      expect((await client.callTool({ name: 'version_get', arguments: {} })).isError).toBeFalsy();
    } finally {
      await g.stop('SIGKILL');
      await chaos.close();
      await sim2.close();
    }
  });
});

describe('Argo CD misbehaving mid-session', () => {
  let sim: Simulator;
  let chaos: Chaos;
  let gw: Gateway;
  beforeAll(async () => {
    sim = await startSimulator({});
    chaos = await startChaos(sim.url);
    gw = await startGateway({ env: { ARGOCD_BASE_URL: chaos.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_TIMEOUT: '1s', ARGOCD_MCP_RATE_LIMIT: 'off' } });
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await chaos?.close();
    await sim?.close();
  });

  const table: Array<{ mode: ChaosMode; want: RegExp; within: number }> = [
    { mode: 'hang', want: /timed? ?out|1 s|1000 ?ms/i, within: 5_000 },
    { mode: 'reset', want: /reset|closed|socket|fetch failed|terminated/i, within: 5_000 },
    { mode: 'error-500', want: /500/, within: 5_000 },
    { mode: 'html', want: /HTML|not JSON|JSON/i, within: 5_000 },
    { mode: 'expired-token', want: /401|expired|token/i, within: 5_000 },
  ];

  it.each(table)('answers a clear error when Argo CD does "$mode", then serves again when it behaves', async ({ mode, want, within }) => {
    const client = await gw.connect();
    expect((await client.callTool({ name: 'version_get', arguments: {} })).isError).toBeFalsy();
    chaos.mode = mode;
    const started = Date.now();
    const result = await client.callTool({ name: 'application_get', arguments: { name: 'guestbook' } });
    chaos.mode = 'pass';
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(want);
    expect(Date.now() - started).toBeLessThan(within);
    expect(textOf(result)).not.toContain(sim.tokens.admin);
    expect((await client.callTool({ name: 'application_get', arguments: { name: 'guestbook' } })).isError).toBeFalsy();
    expect(gw.child.exitCode).toBeNull();
  });

  it('ends a stalled stream after waitSeconds with what arrived, and says why', async () => {
    const client = await gw.connect();
    chaos.mode = 'stall-stream';
    try {
      const started = Date.now();
      const result = await client.callTool({ name: 'application_watch', arguments: { maxItems: 10, waitSeconds: 1 } });
      const body = JSON.parse(textOf(result)) as { count: number; stoppedBecause: string };
      expect(body.count).toBe(1);
      expect(body.stoppedBecause).toMatch(/waited 1 s/);
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      chaos.mode = 'pass';
    }
  });

  it('reports not ready while Argo CD refuses the token', async () => {
    chaos.mode = 'expired-token';
    try {
      await sleep(2_100);
      const state = await readyz(gw);
      expect(state.status).toBe(503);
      expect(state.body.reason).toMatch(/token/);
    } finally {
      chaos.mode = 'pass';
    }
    expect(gw.stderr()).not.toContain(sim.tokens.admin);
  });
});
