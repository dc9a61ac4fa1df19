/**
 * Issue 7, part 2: /healthz, /readyz (Argo CD reachable and the token accepted), /metrics (Prometheus), and one
 * structured log line with a request id per HTTP request.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { metric, post, INITIALIZE, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let sim: Simulator;
const gateways: Gateway[] = [];
beforeAll(async () => {
  sim = await startSimulator({});
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop('SIGKILL').catch(() => undefined)));
  await sim?.close();
});

async function gateway(env: Record<string, string>): Promise<Gateway> {
  const g = await startGateway({ env: { ARGOCD_MCP_RATE_LIMIT: 'off', ...env } });
  gateways.push(g);
  return g;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('health and readiness', () => {
  it('is live and ready when Argo CD answers and accepts the token', async () => {
    const gw = await gateway({ ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin });
    const live = await fetch(`${gw.origin}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${gw.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, argocdVersion: 'v3.5.1+sim' });
  });

  it('is live but not ready (503, with the reason) when Argo CD refuses the token; the token is never shown', async () => {
    const gw = await gateway({ ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: 'not-a-valid-token-12345' });
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.origin}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; reason: string };
    expect(body.ready).toBe(false);
    expect(body.reason).toMatch(/token/);
    expect(JSON.stringify(body) + gw.stderr()).not.toContain('not-a-valid-token-12345');
  });

  it('is not ready while Argo CD is unreachable, and caches the answer for a few seconds', async () => {
    const gw = await gateway({ ARGOCD_BASE_URL: `http://127.0.0.1:${await closedPort()}`, ARGOCD_API_TOKEN: sim.tokens.admin });
    const first = await fetch(`${gw.origin}/readyz`);
    expect(first.status).toBe(503);
    const a = (await first.json()) as { reason: string; checkedAt: string };
    expect(a.reason).toMatch(/not reachable/);
    const b = (await (await fetch(`${gw.origin}/readyz`)).json()) as { checkedAt: string };
    expect(b.checkedAt).toBe(a.checkedAt);
  });
});

describe('metrics and request logs', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await gateway({ ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin });
  });

  it('counts tool calls by tool and outcome, Argo CD latency and status codes, and live sessions', async () => {
    const a = await gw.connect();
    const b = await gw.connect();
    await a.callTool({ name: 'version_get', arguments: {} });
    await a.callTool({ name: 'version_get', arguments: {} });
    // Argo CD answers 403 for an application that does not exist (names cannot be probed).
    await b.callTool({ name: 'application_get', arguments: { name: 'no-such-app' } });
    // Read-only by default: a write tool is refused without reaching Argo CD.
    await b.callTool({ name: 'application_sync', arguments: { name: 'x' } });

    const res = await fetch(`${gw.origin}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metric(gw.origin, 'argocd_mcp_tool_calls_total', { tool: 'version_get', outcome: 'ok' })).toBe(2);
    expect(await metric(gw.origin, 'argocd_mcp_tool_calls_total', { tool: 'application_get', outcome: 'error' })).toBe(1);
    expect(await metric(gw.origin, 'argocd_mcp_tool_calls_total', { tool: 'application_sync', outcome: 'refused' })).toBe(1);
    expect(await metric(gw.origin, 'argocd_mcp_upstream_responses_total', { code: '200' })).toBeGreaterThanOrEqual(2);
    expect(await metric(gw.origin, 'argocd_mcp_upstream_responses_total', { code: '403' })).toBeGreaterThanOrEqual(1);
    expect(await metric(gw.origin, 'argocd_mcp_upstream_request_duration_seconds_count', { method: 'GET' })).toBeGreaterThanOrEqual(3);
    expect(await metric(gw.origin, 'argocd_mcp_active_sessions')).toBe(2);
    expect(await metric(gw.origin, 'argocd_mcp_rate_limited_total')).toBe(0);
    expect(await metric(gw.origin, 'argocd_mcp_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('logs each HTTP request as one JSON line with a request id (the caller\'s X-Request-Id when given)', async () => {
    const res = await post(gw.url, INITIALIZE, { 'x-request-id': 'trace-abc-123' });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const session = res.headers.get('mcp-session-id');
    await res.body?.cancel();
    const line = await gw.waitForLog((l) => l.requestId === 'trace-abc-123' && l.msg === 'http request');
    expect(line).toMatchObject({ method: 'POST', path: '/mcp', status: 200, rpc: 'initialize', session });
    expect(typeof line.ms).toBe('number');
    const other = await post(gw.url, INITIALIZE);
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await other.body?.cancel();
    expect(gw.stderr()).not.toContain(sim.tokens.admin);
  });
});
