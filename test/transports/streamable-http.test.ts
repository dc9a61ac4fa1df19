/**
 * The Streamable HTTP transport on node:http, on a real server on 127.0.0.1 with the SDK's Server behind it: how a
 * POST is answered (JSON when the answer comes first and soon, an SSE stream otherwise), resuming a slow call's
 * stream with Last-Event-ID, the standalone GET stream, sessions, and the SDK client end to end.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createMemoryEventStore } from '../../src/transports/http/memory-event-store.ts';
import { StreamableHttpTransport } from '../../src/transports/http/streamable.ts';
import type { StreamableHttpOptions } from '../../src/transports/http/streamable.ts';

const VERSION = '2025-11-25';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An MCP server with tools that answer at once, slowly, after a log message, or with progress. */
function mcpServer(): Server {
  const server = new Server({ name: 't', version: '1' }, { capabilities: { tools: {}, logging: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: ['quick', 'slow', 'chatty', 'progress'].map((name) => ({ name, inputSchema: { type: 'object' as const } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const name = req.params.name;
    if (name === 'slow') await sleep(Number(req.params.arguments?.ms ?? 300));
    if (name === 'chatty') await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'working on it' } });
    if (name === 'progress') {
      const token = req.params._meta?.progressToken;
      for (let i = 1; i <= 2; i++) {
        if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: 2 } });
        await sleep(10);
      }
    }
    return { content: [{ type: 'text', text: `${name} done` }] };
  });
  return server;
}

let closeAll: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closeAll.reverse()) await close();
  closeAll = [];
});

/** One session (one transport) served on a real HTTP server; the body is read and parsed as the gateway does. */
async function serve(options: StreamableHttpOptions = {}) {
  const eventStore = createMemoryEventStore({ deliveredRetentionMs: 60_000 });
  const transport = new StreamableHttpTransport({ sessionIdGenerator: () => 'session-1', eventStore: eventStore.forScope('s1'), retryInterval: 100, ...options });
  const server = mcpServer();
  await server.connect(transport);
  const http = createServer(async (req, res) => {
    let body: unknown;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  closeAll.push(async () => {
    await server.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
    await eventStore.close();
  });
  return { url, transport };
}

const headers = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': VERSION,
  ...extra,
});

async function initialize(url: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  expect(res.status).toBe(200);
  await res.text();
  const session = res.headers.get('mcp-session-id')!;
  await fetch(url, { method: 'POST', headers: headers({ 'mcp-session-id': session }), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return session;
}

const call = (url: string, session: string, id: number, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) =>
  fetch(url, {
    method: 'POST',
    headers: headers({ 'mcp-session-id': session }),
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } }),
  });

/** The events of an SSE body: their ids and parsed data (empty data, as in a priming event, is null). */
function events(text: string): Array<{ id?: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      return { id, data: data ? JSON.parse(data) : null };
    });
}

describe('StreamableHttpTransport: how a POST is answered', () => {
  it('answers a quick call with plain JSON carrying the session id', async () => {
    const { url } = await serve();
    const session = await initialize(url);
    const res = await call(url, session, 1, 'quick');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('mcp-session-id')).toBe(session);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'quick done' }] } });
  });

  it('streams a call that asked for progress: a priming event with the retry hint, the progress, then the result', async () => {
    const { url } = await serve();
    const session = await initialize(url);
    const res = await call(url, session, 2, 'progress', {}, { progressToken: 'p1' });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text.startsWith('id: ')).toBe(true);
    expect(text).toContain('retry: 100\n');
    const got = events(text);
    expect(got[0].data).toBeNull();
    expect(got.slice(1).map((e) => (e.data as { method?: string; id?: number }).method ?? (e.data as { id: number }).id)).toEqual([
      'notifications/progress',
      'notifications/progress',
      2,
    ]);
    expect(got.every((e) => e.id)).toBe(true);
  });

  it('turns into a stream when the server sends something else before the answer', async () => {
    const { url } = await serve();
    const session = await initialize(url);
    const res = await call(url, session, 3, 'chatty');
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const got = events(await res.text());
    expect(got.map((e) => (e.data === null ? 'priming' : ((e.data as { method?: string }).method ?? 'result')))).toEqual(['priming', 'notifications/message', 'result']);
  });

  it('turns into a stream once a call takes longer than streamAfterMs, and still delivers the answer', async () => {
    const { url } = await serve({ streamAfterMs: 50 });
    const session = await initialize(url);
    const res = await call(url, session, 4, 'slow', { ms: 250 });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const got = events(await res.text());
    expect(got[0].data).toBeNull();
    expect(got[1].data).toMatchObject({ id: 4, result: { content: [{ text: 'slow done' }] } });
  });

  it('answers a batch of requests with one JSON array, in the order asked', async () => {
    const { url } = await serve();
    const session = await initialize(url);
    const res = await fetch(url, {
      method: 'POST',
      headers: headers({ 'mcp-session-id': session }),
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'slow', arguments: { ms: 30 } } },
        { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'quick', arguments: {} } },
      ]),
    });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as Array<{ id: number }>).map((m) => m.id)).toEqual([10, 11]);
  });

  it('sends a batch answer already held as an event when the batch turns into a stream', async () => {
    const { url } = await serve({ streamAfterMs: 50 });
    const session = await initialize(url);
    const res = await fetch(url, {
      method: 'POST',
      headers: headers({ 'mcp-session-id': session }),
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 12, method: 'tools/call', params: { name: 'quick', arguments: {} } },
        { jsonrpc: '2.0', id: 13, method: 'tools/call', params: { name: 'slow', arguments: { ms: 200 } } },
      ]),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const ids = events(await res.text()).map((e) => (e.data as { id?: number } | null)?.id);
    expect(ids).toEqual([undefined, 12, 13]);
  });

  it('accepts notifications alone with 202 and no body', async () => {
    const { url } = await serve();
    const session = await initialize(url);
    const res = await fetch(url, { method: 'POST', headers: headers({ 'mcp-session-id': session }), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } }) });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });
});

describe('StreamableHttpTransport: resuming and ending', () => {
  it('lets a client that lost a slow call’s stream resume it with Last-Event-ID and get the answer', async () => {
    const { url } = await serve({ streamAfterMs: 20 });
    const session = await initialize(url);
    const res = await call(url, session, 5, 'slow', { ms: 300 });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const primingId = events(first)[0].id!;
    expect(primingId).toBeTruthy();
    await reader.cancel();
    // The client comes back after the retry hint, once the server has seen the connection go.
    await sleep(100);
    const resumed = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': VERSION, 'last-event-id': primingId } });
    expect(resumed.status).toBe(200);
    const got = events(await resumed.text());
    expect(got.at(-1)!.data).toMatchObject({ id: 5, result: { content: [{ text: 'slow done' }] } });
  });

  it('answers a call still waiting when the session ends with an error, instead of leaving the client hanging', async () => {
    const { url, transport } = await serve({ streamAfterMs: 10_000 });
    const session = await initialize(url);
    const pending = call(url, session, 6, 'slow', { ms: 2_000 });
    await sleep(100);
    await transport.close();
    const res = await pending;
    expect(await res.json()).toMatchObject({ id: 6, error: { code: -32000 } });
  });

  it('keeps one standalone GET stream per session (409 for a second) and ends the session on DELETE', async () => {
    const { url } = await serve();
    const session = await initialize(url);
    const get = () => fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': VERSION } });
    const stream = await get();
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    expect((await get()).status).toBe(409);
    const del = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session, 'mcp-protocol-version': VERSION } });
    expect(del.status).toBe(200);
    await stream.text();
    const after = await call(url, session, 7, 'quick');
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { code: -32001 } });
  });

  it('refuses what the protocol does not allow, with the status and JSON-RPC error the SDK gives', async () => {
    const { url } = await serve();
    const session = await initialize(url);
    const post = (h: Record<string, string>, body: string) => fetch(url, { method: 'POST', headers: h, body });
    const quick = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quick' } });
    expect((await post({ ...headers({ 'mcp-session-id': session }), accept: 'application/json' }, quick)).status).toBe(406);
    expect((await post({ ...headers({ 'mcp-session-id': session }), 'content-type': 'text/plain' }, quick)).status).toBe(415);
    const notRpc = await post(headers({ 'mcp-session-id': session }), JSON.stringify({ hello: 1 }));
    expect([notRpc.status, ((await notRpc.json()) as { error: { code: number } }).error.code]).toEqual([400, -32700]);
    expect((await post(headers(), quick)).status).toBe(400);
    expect((await post(headers({ 'mcp-session-id': 'other' }), quick)).status).toBe(404);
    expect((await post(headers({ 'mcp-session-id': session, 'mcp-protocol-version': '1999-01-01' }), quick)).status).toBe(400);
    const again = await post(headers({ 'mcp-session-id': session }), JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 't', version: '1' } } }));
    expect([again.status, ((await again.json()) as { error: { code: number } }).error.code]).toEqual([400, -32600]);
  });
});

describe('StreamableHttpTransport with the SDK client', () => {
  it('lists and calls tools, receives log messages and progress, whichever way each answer comes', async () => {
    const { url } = await serve({ streamAfterMs: 50 });
    const client = new Client({ name: 't', version: '1' });
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.data);
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    closeAll.push(() => client.close());
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['quick', 'slow', 'chatty', 'progress']);
    expect(await client.callTool({ name: 'quick', arguments: {} })).toMatchObject({ content: [{ text: 'quick done' }] });
    expect(await client.callTool({ name: 'slow', arguments: { ms: 200 } })).toMatchObject({ content: [{ text: 'slow done' }] });
    expect(await client.callTool({ name: 'chatty', arguments: {} })).toMatchObject({ content: [{ text: 'chatty done' }] });
    expect(logs).toEqual(['working on it']);
    const progress: number[] = [];
    await client.callTool({ name: 'progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(progress).toEqual([1, 2]);
  });
});
