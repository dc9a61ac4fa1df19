/** The gateway over Streamable HTTP at /mcp on 127.0.0.1, with the SDK's real HTTP client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, call, httpGateway, json, startSimulator, textOf } from './harness.ts';
import type { HttpGateway, Simulator } from './harness.ts';

describe('HTTP gateway against the simulator', () => {
  let sim: Simulator;
  let gw: HttpGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300 });
    gw = await httpGateway(baseEnv(sim, { ARGOCD_MCP_ALLOW: '*', ARGOCD_MCP_READ_ONLY: 'false' }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('binds 127.0.0.1 and serves tools/list and tool calls', async () => {
    expect(gw.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await gw.connect();
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(113);
    const apps = json<{ items: Array<{ name: string }> }>(await call(client, 'application_list'));
    expect(apps.items.length).toBeGreaterThan(0);
  });

  it('keeps sessions apart and ends one with DELETE', async () => {
    const a = await gw.connect();
    const b = await gw.connect();
    expect((await call(a, 'version_get')).isError).toBeFalsy();
    expect((await call(b, 'version_get')).isError).toBeFalsy();
    const transport = a.transport as { sessionId?: string; terminateSession?: () => Promise<void> };
    const sessionId = transport.sessionId!;
    expect(sessionId).toBeTruthy();
    await transport.terminateSession!();
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    expect((await call(b, 'version_get')).isError).toBeFalsy();
  });

  it('refuses a request whose Host is not loopback (DNS rebinding)', async () => {
    const port = new URL(gw.url).port;
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { host: 'evil.example.com', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }));
    });
    expect(status).toBe(403);
  });

  it('reports errors as tool results, never as protocol failures', async () => {
    const client = await gw.connect();
    const result = await call(client, 'application_get', { name: 'no-such-application' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/404|NotFound|403|PermissionDenied/);
  });
});

describe('HTTP gateway with and without shaping threads', () => {
  let sim: Simulator;
  let threaded: HttpGateway;
  let inline: HttpGateway;
  beforeAll(async () => {
    sim = await startSimulator();
    [threaded, inline] = await Promise.all([
      httpGateway(baseEnv(sim), ['--worker-threads', '2']),
      httpGateway(baseEnv(sim), ['--worker-threads', '0']),
    ]);
  });
  afterAll(async () => {
    await Promise.all([threaded?.close(), inline?.close()]);
    await sim?.close();
  });

  it('says how many threads it runs', () => {
    expect(threaded.stderr()).toMatch(/"workerThreads":2/);
    expect(inline.stderr()).toMatch(/"workerThreads":0/);
  });

  it('answers the same results as plain JSON and on an SSE stream', async () => {
    const [a, b] = await Promise.all([threaded.connect(), inline.connect()]);
    const calls: Array<[string, Record<string, unknown>]> = [
      ['application_get', { name: 'guestbook' }],
      ['application_list', {}],
      ['application_resource_tree', { applicationName: 'guestbook' }],
      ['application_get', { name: 'guestbook', fields: ['status.sync'] }],
    ];
    for (const [name, args] of calls) {
      const expected = await b.callTool({ name, arguments: args });
      expect(expected.isError).toBeFalsy();
      expect(await a.callTool({ name, arguments: args }), name).toEqual(expected);
      // A progress token turns the answer into an SSE stream: the same result comes on it.
      const streamed = await a.callTool({ name, arguments: args }, undefined, { onprogress: () => undefined });
      expect(streamed, `${name} on a stream`).toEqual(expected);
    }
  });
});
