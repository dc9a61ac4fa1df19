/**
 * Issue 7, part 1: Streamable HTTP hardened for a team service. Each case starts the built CLI on 127.0.0.1 against
 * the simulator and speaks to it with the SDK's client or raw HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { INITIALIZE, messagesOf, metric, post, rawSession, readSse, runCli, sleep, startGateway, textOf } from './harness.ts';
import type { Gateway } from './harness.ts';

let sim: Simulator;
const gateways: Gateway[] = [];
beforeAll(async () => {
  sim = await startSimulator({ syncDurationMs: 200 });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop('SIGKILL').catch(() => undefined)));
  await sim?.close();
});

async function gateway(env: Record<string, string> = {}, args: string[] = []): Promise<Gateway> {
  const g = await startGateway({ env: { ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_RATE_LIMIT: 'off', ...env }, args });
  gateways.push(g);
  return g;
}

const watchCall = (id: number, waitSeconds: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'application_watch', arguments: { maxItems: 1000, waitSeconds }, _meta: { progressToken: `p${id}` } },
});

describe('sessions (Mcp-Session-Id)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await gateway({ ARGOCD_MCP_SESSION_IDLE_TIMEOUT: '1s' });
  });

  it('streams a tool call as SSE, with progress notifications before the result', async () => {
    const contentTypes: string[] = [];
    const client = await gw.connect({
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method === 'POST') contentTypes.push(res.headers.get('content-type') ?? '');
        return res;
      },
    });
    const progress: number[] = [];
    const result = await client.callTool({ name: 'application_watch', arguments: { maxItems: 20, waitSeconds: 3 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(JSON.parse(textOf(result)).count).toBe(20);
    expect(progress.length).toBeGreaterThan(0);
    expect(contentTypes).toContain('text/event-stream');
  });

  it('closes a session idle longer than sessionIdleTimeout (1s here): the id then answers 404', async () => {
    const id = await rawSession(gw.url);
    const ok = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': id });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    await sleep(1_800);
    const gone = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-session-id': id });
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe(-32001);
    await gw.waitForLog((l) => l.msg === 'session expired after being idle' && l.session === id);
  });

  it('resumes a dropped response stream with Last-Event-ID and delivers the result', async () => {
    const id = await rawSession(gw.url);
    const abort = new AbortController();
    const res = await post(gw.url, watchCall(7, 1), { 'mcp-session-id': id }, abort.signal);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const first = await readSse(res, (e) => !!e.id);
    const lastEventId = first.find((e) => e.id)!.id!;
    abort.abort();
    // A client waits the priming event's retry interval before reconnecting; by then the server saw the drop.
    await sleep(300);
    const resumed = await fetch(gw.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': id, 'last-event-id': lastEventId, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(resumed.status).toBe(200);
    const events = await readSse(resumed, (e) => e.data.includes('"result"'));
    const result = messagesOf(events).find((m) => m.id === 7) as { result: { content: Array<{ text: string }> } };
    expect(JSON.parse(result.result.content[0].text).stoppedBecause).toMatch(/waited/);
  });

  it('refuses GET and DELETE without a session, and POST of anything but initialize without one', async () => {
    expect((await fetch(gw.url, { headers: { accept: 'text/event-stream' } })).status).toBe(400);
    expect((await fetch(gw.url, { method: 'DELETE' })).status).toBe(400);
    const res = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/initialize/);
  });
});

describe('stateless (--stateless): no session state, any replica serves any request', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await gateway({}, ['--stateless']);
  });

  it('serves the SDK client: tools/list and calls, with no Mcp-Session-Id handed out', async () => {
    const sessionHeaders: Array<string | null> = [];
    const client = await gw.connect({
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        sessionHeaders.push(res.headers.get('mcp-session-id'));
        return res;
      },
    });
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(10);
    const apps = JSON.parse(textOf(await client.callTool({ name: 'application_list', arguments: {} })));
    expect(apps.items.length).toBeGreaterThan(0);
    expect(sessionHeaders.every((h) => h === null)).toBe(true);
  });

  it('answers requests of many clients at once, each on a fresh server', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => gw.connect()));
    const results = await Promise.all(clients.map((c) => c.callTool({ name: 'version_get', arguments: {} })));
    expect(results.every((r) => !r.isError)).toBe(true);
  });

  it('answers a call without a progress token with plain JSON, and one with a token as a stream with its progress', async () => {
    const plain = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'version_get', arguments: {} } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await plain.json()) as { id: number; result: { isError?: boolean } };
    expect(answer.id).toBe(3);
    expect(answer.result.isError).toBeFalsy();

    const streamed = await post(gw.url, watchCall(4, 1));
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages = messagesOf(await readSse(streamed, (e) => e.data.includes('"result"')));
    expect(messages.some((m) => m.method === 'notifications/progress')).toBe(true);
    expect(messages.some((m) => m.id === 4 && 'result' in m)).toBe(true);
  });

  it('has no standalone stream or session to delete (405), but resumes a response stream by Last-Event-ID', async () => {
    expect((await fetch(gw.url, { headers: { accept: 'text/event-stream' } })).status).toBe(405);
    expect((await fetch(gw.url, { method: 'DELETE' })).status).toBe(405);
    const abort = new AbortController();
    const res = await post(gw.url, watchCall(9, 1), {}, abort.signal);
    const first = await readSse(res, (e) => !!e.id);
    abort.abort();
    const resumed = await fetch(gw.url, { headers: { accept: 'text/event-stream', 'last-event-id': first.find((e) => e.id)!.id! } });
    expect(resumed.status).toBe(200);
    const events = await readSse(resumed, (e) => e.data.includes('"result"'));
    expect(messagesOf(events).some((m) => m.id === 9 && 'result' in m)).toBe(true);
    const unknown = await fetch(gw.url, { headers: { accept: 'text/event-stream', 'last-event-id': 'nope~x~1' } });
    expect(unknown.status).toBe(404);
  });
});

describe('binding and request guards', () => {
  it('refuses to bind a non-loopback address without inbound auth, naming the setting and the fix', async () => {
    const { code, stderr } = await runCli(['serve', '--transport', 'http', '--host', '0.0.0.0', '--port', '0'], {
      ARGOCD_BASE_URL: sim.url,
      ARGOCD_API_TOKEN: sim.tokens.admin,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/host: binding 0\.0\.0\.0 .*authIssuer.*apiKeysFile.*--allow-unauthenticated/);
    expect(stderr).not.toContain(sim.tokens.admin);
  });

  it('accepts configured Host names and Origins, and refuses others with 403 (DNS rebinding)', async () => {
    const gw = await gateway({ ARGOCD_MCP_ALLOWED_HOSTS: 'mcp.internal', ARGOCD_MCP_ALLOWED_ORIGINS: 'https://chat.example.com' });
    const { request } = await import('node:http');
    const port = Number(new URL(gw.url).port);
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(INITIALIZE));
      });
    expect(await status({ host: 'mcp.internal' })).toBe(200);
    expect(await status({ host: `127.0.0.1:${port}` })).toBe(200);
    expect(await status({ host: 'evil.example.com' })).toBe(403);
    expect(await status({ host: 'mcp.internal', origin: 'https://chat.example.com' })).toBe(200);
    expect(await status({ host: 'mcp.internal', origin: 'https://evil.example.com' })).toBe(403);
    // A browser client from the accepted origin gets its preflight answered and may read the session id.
    const preflight = await fetch(gw.url, { method: 'OPTIONS', headers: { origin: 'https://chat.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/mcp-session-id/);
    const init = await post(gw.url, INITIALIZE, { origin: 'https://chat.example.com' });
    expect(init.headers.get('access-control-expose-headers')).toMatch(/mcp-session-id/);
    await init.body?.cancel();
  });

  it('answers 413 for a body over maxBodyBytes', async () => {
    const gw = await gateway({ ARGOCD_MCP_MAX_BODY_BYTES: '2k' });
    const big = { ...INITIALIZE, params: { ...INITIALIZE.params, padding: 'x'.repeat(4096) } };
    const res = await post(gw.url, big);
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toMatch(/2048 bytes/);
  });

  it('rate-limits a client: 429 with Retry-After past the burst, counted in /metrics', async () => {
    const gw = await gateway({ ARGOCD_MCP_RATE_LIMIT: '1/m', ARGOCD_MCP_RATE_LIMIT_BURST: '3' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.body?.cancel();
    }
    expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await metric(gw.origin, 'argocd_mcp_rate_limited_total')).toBe(2);
  });

  it('counts each tool call of a JSON-RPC batch against the rate limit; a batch over the burst or an empty one is an error', async () => {
    const gw = await gateway({ ARGOCD_MCP_RATE_LIMIT: '1/m', ARGOCD_MCP_RATE_LIMIT_BURST: '6', ARGOCD_MCP_STATELESS: 'true' });
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'version_get', arguments: {} } });
    const versionCalls = () => sim.requests.filter((r) => r.path === '/api/version').length;
    const three = await post(gw.url, [call(1), call(2), call(3)]);
    expect(three.status).toBe(200);
    expect(await three.json()).toHaveLength(3);
    // Three tokens spent; three left.
    const empty = await post(gw.url, []);
    expect(empty.status).toBe(400);
    expect((await empty.json()).error).toMatchObject({ code: -32600, message: 'Invalid Request: an empty batch' });
    const tooBig = await post(gw.url, [call(1), call(2), call(3), call(4), call(5), call(6), call(7)]);
    expect(tooBig.status).toBe(400);
    expect((await tooBig.json()).error.message).toMatch(/a batch of 7 tool calls is more than the rate limit's burst \(6\)/);
    // One token left: a batch of two calls does not fit, and none of it reaches Argo CD.
    const before = versionCalls();
    const two = await post(gw.url, [call(1), call(2)]);
    expect(two.status).toBe(429);
    expect((await two.json()).error.message).toMatch(/a batch of 2 tool calls is over 1\/m/);
    expect(two.headers.get('retry-after')).not.toBeNull();
    expect(versionCalls()).toBe(before);
  });
});

describe('a port for operations', () => {
  it('serves /metrics, /healthz and /readyz on metricsPort only, and no longer /metrics on the MCP port', async () => {
    const gw = await gateway({ ARGOCD_MCP_METRICS_PORT: '0' });
    const line = await gw.waitForLog((l) => typeof l.metrics === 'string');
    const metricsUrl = String(line.metrics);
    const ops = new URL(metricsUrl).origin;
    expect(ops).not.toBe(gw.origin);
    const scraped = await fetch(metricsUrl);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/argocd_mcp_/);
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    const mcpThere = await fetch(`${ops}/mcp`, { method: 'POST' });
    expect(mcpThere.status).toBe(404);
    const onMcpPort = await fetch(`${gw.origin}/metrics`);
    expect(onMcpPort.status).toBe(404);
    expect(await onMcpPort.text()).toMatch(/metrics are served on port \d+/);
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  it('stops accepting, lets an in-flight call finish, then exits 0', async () => {
    const gw = await gateway({ ARGOCD_MCP_SHUTDOWN_TIMEOUT: '10s' });
    const client = await gw.connect();
    const started = Date.now();
    const call = client.callTool({ name: 'application_watch', arguments: { maxItems: 1000, waitSeconds: 2 } });
    await sleep(400);
    gw.child.kill('SIGTERM');
    await gw.waitForLog((l) => l.signal === 'SIGTERM');
    // Out of rotation at once, but still listening: a load balancer that has not noticed yet gets a 503, not a refusal.
    const ready = await fetch(`${gw.origin}/readyz`).then((r) => r.status, () => 'refused');
    expect(ready).toBe(503);
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(textOf(result)).stoppedBecause).toMatch(/waited 2 s/);
    expect(await gw.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not wait past shutdownTimeout for a call that runs longer, and answers it with an error saying so', async () => {
    const gw = await gateway({ ARGOCD_MCP_SHUTDOWN_TIMEOUT: '500ms' });
    const client = await gw.connect();
    const call = client.callTool({ name: 'application_watch', arguments: { maxItems: 1000, waitSeconds: 20 } }, undefined, { timeout: 4_000 }).then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await sleep(300);
    const stopped = Date.now();
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(5_000);
    expect(await call).toMatch(/shut down before it finished.*send the request again/);
    await gw.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('stopping with calls still running (shutdownTimeout reached)'));
  });
});
