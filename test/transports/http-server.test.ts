/**
 * The HTTP transport's listeners in-process (serveStreamableHttp on 127.0.0.1 with the SDK's Server behind it): the
 * route table, the body limit, the session caps, the operations port and a graceful drain. The same service as a
 * child process, with the gateway behind it, is covered in test/production/http-service.test.ts.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { defaultHttpSettings } from '../../src/config/http-settings.ts';
import type { HttpSettings } from '../../src/config/http-settings.ts';
import { createMetrics } from '../../src/gateway/metrics.ts';
import { createLogger } from '../../src/log.ts';
import { createMemoryEventStore } from '../../src/transports/http/memory-event-store.ts';
import { serveStreamableHttp } from '../../src/transports/http/server.ts';
import type { HttpTransportHandle, HttpTransportOptions } from '../../src/transports/http/server.ts';

const VERSION = '2025-11-25';

/** A tool that answers at once, and one that answers only when the test releases it. */
function mcpServer(blocked: { release?: () => void }): Server {
  const server = new Server({ name: 't', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: ['quick', 'blocked'].map((name) => ({ name, inputSchema: { type: 'object' as const } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    if (req.params.name === 'blocked') await new Promise<void>((resolve) => (blocked.release = resolve));
    return { content: [{ type: 'text', text: `${req.params.name} done` }] };
  });
  return server;
}

let handles: HttpTransportHandle[] = [];
afterEach(async () => {
  for (const h of handles) await h.close();
  handles = [];
});

async function start(settings: Partial<HttpSettings> = {}, extra: Partial<HttpTransportOptions> = {}) {
  const blocked: { release?: () => void } = {};
  const eventStore = createMemoryEventStore();
  const handle = await serveStreamableHttp({
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('silent'),
    settings: { ...defaultHttpSettings(), workerThreads: 0, ...settings },
    createServer: () => mcpServer(blocked),
    eventStore,
    ...extra,
  });
  handles.push(handle);
  return { handle, blocked, origin: new URL(handle.url).origin };
}

const mcpHeaders = (session?: string) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': VERSION,
  ...(session ? { 'mcp-session-id': session } : {}),
});

/** The JSON-RPC answer of a response, whether it came as JSON or as the last event of an SSE stream. */
async function answerOf(res: Response): Promise<{ result?: { content?: Array<{ text: string }> }; error?: { code: number; message: string } }> {
  const text = await res.text();
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) return JSON.parse(text);
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length + 1)
    .map((line) => JSON.parse(line.slice('data: '.length)));
  return data.at(-1);
}

/**
 * A request on a connection of its own: drain() closes idle keep-alive connections, and one that fetch's pool
 * reuses at that moment would fail for a reason that has nothing to do with the answer under test.
 */
function onNewConnection(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'test', version: '1' } } });

function initialize(url: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: mcpHeaders(),
    body: INITIALIZE,
  });
}

async function openSession(url: string): Promise<string> {
  const res = await initialize(url);
  expect(res.status).toBe(200);
  await res.text();
  const session = res.headers.get('mcp-session-id')!;
  const initialized = await fetch(url, { method: 'POST', headers: mcpHeaders(session), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  expect(initialized.status).toBe(202);
  return session;
}

function callTool(url: string, session: string, name: string, id = 1): Promise<Response> {
  return fetch(url, { method: 'POST', headers: mcpHeaders(session), body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }) });
}

describe('the HTTP transport in-process: routes', () => {
  it('serves /healthz, says where MCP is on an unknown path, and 404s /metrics and OAuth metadata that are not configured', async () => {
    const { origin } = await start();
    const health = await fetch(`${origin}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    expect(health.headers.get('x-request-id')).toMatch(/\S/);
    const other = await fetch(`${origin}/nowhere`);
    expect([other.status, await other.text()]).toEqual([404, 'Not found: the MCP endpoint is /mcp\n']);
    const metrics = await fetch(`${origin}/metrics`);
    expect([metrics.status, await metrics.text()]).toEqual([404, 'metrics are not enabled\n']);
    const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect([metadata.status, await metadata.text()]).toEqual([404, 'no OAuth issuer is configured\n']);
    const callback = await fetch(`${origin}/oauth/callback`);
    expect(callback.status).toBe(404);
  });

  it('keeps a sane X-Request-Id from the caller and replaces one that is not', async () => {
    const { origin } = await start();
    expect((await fetch(`${origin}/healthz`, { headers: { 'x-request-id': 'proxy-42' } })).headers.get('x-request-id')).toBe('proxy-42');
    expect((await fetch(`${origin}/healthz`, { headers: { 'x-request-id': 'a b' } })).headers.get('x-request-id')).not.toBe('a b');
  });

  it('serves /metrics, /healthz and /readyz on metricsPort only; the MCP port says where /metrics went', async () => {
    const { handle, origin } = await start({ metricsPort: 0 }, { metrics: createMetrics({ defaultMetrics: false }) });
    expect(handle.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const ops = new URL(handle.metricsUrl!).origin;
    expect((await fetch(`${ops}/metrics`)).status).toBe(200);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    const mcpOnOps = await fetch(`${ops}/mcp`);
    expect([mcpOnOps.status, await mcpOnOps.text()]).toEqual([404, 'Not found: this port serves /metrics, /healthz and /readyz\n']);
    const moved = await fetch(`${origin}/metrics`);
    expect([moved.status, await moved.text()]).toEqual([404, `metrics are served on port ${new URL(ops).port}\n`]);
  });
});

describe('the HTTP transport in-process: requests to /mcp', () => {
  it('refuses a body over maxBodyBytes with 413 naming the setting, and a body that is not JSON with a parse error', async () => {
    const { handle } = await start({ maxBodyBytes: 64 });
    const big = await fetch(handle.url, { method: 'POST', headers: mcpHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x'.repeat(100) }) });
    expect(big.status).toBe(413);
    expect((await big.json()).error.message).toMatch(/over 64 bytes \(maxBodyBytes\)/);
    const garbled = await fetch(handle.url, { method: 'POST', headers: mcpHeaders(), body: '{not json' });
    expect(garbled.status).toBe(400);
    expect((await garbled.json()).error.code).toBe(-32700);
  });

  it('opens sessions up to maxSessions, then answers 503 with Retry-After naming the setting; DELETE frees a place', async () => {
    const { handle } = await start({ maxSessions: 2 });
    const first = await openSession(handle.url);
    await openSession(handle.url);
    const third = await initialize(handle.url);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('60');
    expect((await third.json()).error.message).toMatch(/maximum of 2 sessions \(maxSessions\)/);
    const deleted = await fetch(handle.url, { method: 'DELETE', headers: mcpHeaders(first) });
    expect(deleted.status).toBe(200);
    expect(handle.sessionCount()).toBe(1);
    await openSession(handle.url);
    expect(handle.sessionCount()).toBe(2);
  });

  it('answers a session id it does not hold with 404 and a request without one (not an initialize) with 400', async () => {
    const { handle } = await start();
    const unknown = await callTool(handle.url, 'no-such-session', 'quick');
    expect([unknown.status, (await unknown.json()).error.code]).toEqual([404, -32001]);
    const none = await fetch(handle.url, { method: 'POST', headers: mcpHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(none.status).toBe(400);
    expect((await none.json()).error.message).toMatch(/first request must be initialize/);
  });
});

describe('the HTTP transport in-process: drain', () => {
  it('leaves rotation at once, refuses new sessions, and lets a running call of an open session finish', async () => {
    const { handle, blocked, origin } = await start();
    const session = await openSession(handle.url);
    const running = callTool(handle.url, session, 'blocked');
    await expect.poll(() => blocked.release).toBeTypeOf('function');
    const drained = handle.drain(60_000);
    const ready = await onNewConnection(`${origin}/readyz`);
    expect([ready.status, JSON.parse(ready.body)]).toEqual([503, { ready: false, reason: 'shutting down' }]);
    const refused = await onNewConnection(handle.url, { method: 'POST', headers: mcpHeaders(), body: INITIALIZE });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body).error.message).toMatch(/shutting down/);
    blocked.release!();
    const answer = await answerOf(await running);
    expect(answer.result?.content?.[0].text).toBe('blocked done');
    expect(await drained).toEqual({ unfinished: 0 });
  });

  it('answers a call that outlasts the drain timeout with an error naming shutdownTimeout', async () => {
    const { handle, blocked } = await start();
    const session = await openSession(handle.url);
    const running = callTool(handle.url, session, 'blocked');
    await expect.poll(() => blocked.release).toBeTypeOf('function');
    expect(await handle.drain(200)).toEqual({ unfinished: 1 });
    const answer = await answerOf(await running);
    expect(answer.error?.message).toMatch(/shut down before it finished \(it waited shutdownTimeout, 0.2 s/);
  });
});
