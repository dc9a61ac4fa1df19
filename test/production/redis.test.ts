/**
 * Issue 7, part 5: what replicas share through Redis — rate-limit counters and the SSE event store — tested with
 * a real redis-server and two gateway processes on 127.0.0.1: a limit that holds across both, and a stream that
 * one process produces and the other resumes (with the SDK client's own reconnection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { messagesOf, metric, post, rawSession, readSse, sleep, startGateway, textOf } from './harness.ts';
import type { Gateway } from './harness.ts';
import { redisAvailable, startRedis } from './redis.ts';
import type { RedisServer } from './redis.ts';

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

async function pair(env: Record<string, string>, args: string[] = []): Promise<[Gateway, Gateway]> {
  const start = () =>
    startGateway({ env: { ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_REDIS: redis.url, ...env }, args });
  const both = await Promise.all([start(), start()]);
  gateways.push(...both);
  return both;
}

/** Passes a response through until the first SSE event with an id has been delivered, then breaks the stream. */
function dropAfterFirstEventId(res: Response): Response {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  let cut = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (cut) {
        await reader.cancel().catch(() => undefined);
        controller.error(new TypeError('terminated: connection reset (test)'));
        return;
      }
      const { done, value } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(value);
      seen += decoder.decode(value, { stream: true });
      if (/(^|\n)id: [^\n]+\n[\s\S]*?\n\n/.test(seen)) cut = true;
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}

describe.skipIf(skip)('Redis shared by two gateway processes', () => {
  it('holds one rate limit across both processes', async () => {
    const [a, b] = await pair({ ARGOCD_MCP_RATE_LIMIT: '1/m', ARGOCD_MCP_RATE_LIMIT_BURST: '4' }, ['--stateless']);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await post((i % 2 ? b : a).url, { jsonrpc: '2.0', id: i, method: 'ping' });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.slice(4)).toEqual([429, 429]);
    expect((await metric(a.origin, 'argocd_mcp_rate_limited_total')) + (await metric(b.origin, 'argocd_mcp_rate_limited_total'))).toBe(2);
    expect(await redis.client.keys('argocd-mcp:rl:*')).toEqual(['argocd-mcp:rl:ip:127.0.0.1']);
  });

  it('resumes on process B a tool call streamed by process A (stateless, the SDK client reconnecting by itself)', async () => {
    const [a, b] = await pair({ ARGOCD_MCP_RATE_LIMIT: 'off' }, ['--stateless']);
    const seen: Array<{ method: string; to: string; lastEventId?: string; status: number }> = [];
    let dropped = false;
    const client = await a.connect({
      // A load balancer without affinity: POSTs reach A, GETs (the resume) reach B.
      fetch: async (input, init) => {
        const method = init?.method ?? 'GET';
        const to = method === 'GET' ? b.url : a.url;
        const res = await fetch(to, init);
        const headers = new Headers(init?.headers);
        seen.push({ method, to: to === a.url ? 'A' : 'B', lastEventId: headers.get('last-event-id') ?? undefined, status: res.status });
        const isCall = typeof init?.body === 'string' && init.body.includes('"tools/call"');
        if (isCall && !dropped && res.headers.get('content-type')?.includes('text/event-stream')) {
          dropped = true;
          return dropAfterFirstEventId(res);
        }
        return res;
      },
    });
    const progress: number[] = [];
    const result = await client.callTool({ name: 'application_watch', arguments: { maxItems: 1000, waitSeconds: 2 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
      timeout: 15_000,
    });
    expect(dropped).toBe(true);
    expect(JSON.parse(textOf(result)).stoppedBecause).toMatch(/waited 2 s/);
    // One resume was enough: B replayed what A had stored, then relayed the rest as A stored it.
    expect(seen.filter((s) => s.lastEventId)).toHaveLength(1);
    const resume = seen.find((s) => s.lastEventId);
    expect(resume).toMatchObject({ method: 'GET', to: 'B', status: 200 });
    expect(resume!.lastEventId).toMatch(/~/);
    // A ran the call, B only relayed what A stored.
    await a.waitForLog((l) => (l.audit as { tool?: string } | undefined)?.tool === 'application_watch');
    expect(b.logs().some((l) => l.audit !== undefined)).toBe(false);
  });

  it('resumes a session\'s stream on the other process too (sessions mode, raw Last-Event-ID)', async () => {
    const [a, b] = await pair({ ARGOCD_MCP_RATE_LIMIT: 'off' });
    const session = await rawSession(a.url);
    const abort = new AbortController();
    const res = await post(
      a.url,
      { jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'application_watch', arguments: { maxItems: 1000, waitSeconds: 1 } } },
      { 'mcp-session-id': session },
      abort.signal,
    );
    const first = await readSse(res, (e) => !!e.id);
    abort.abort();
    const resumed = await fetch(b.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': first.find((e) => e.id)!.id!, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(resumed.status).toBe(200);
    const events = await readSse(resumed, (e) => e.data.includes('"result"'));
    expect(messagesOf(events).some((m) => m.id === 42 && 'result' in m)).toBe(true);
  });

  it('keeps answering calls while Redis is down (no shared limit, streams not resumable), and logs why', async () => {
    const [a] = await pair({ ARGOCD_MCP_RATE_LIMIT: '100/s' }, ['--stateless']);
    const client = await a.connect();
    expect((await client.callTool({ name: 'version_get', arguments: {} })).isError).toBeFalsy();
    await redis.stop();
    const started = Date.now();
    const result = await client.callTool({ name: 'version_get', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(Date.now() - started).toBeLessThan(8_000);
    await a.waitForLog((l) => typeof l.msg === 'string' && /Redis/.test(l.msg as string) && l.level === 40);
  });
});
