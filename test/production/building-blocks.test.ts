/**
 * The HTTP service's building blocks, in process: settings validation (through loadConfig, as the CLI runs it),
 * API keys, the token bucket, the memory event store and the Host/Origin guard.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import type { CliFlags } from '../../src/config/load-config.ts';
import { parseEventId } from '../../src/transports/http/event-store.ts';
import { createMemoryEventStore } from '../../src/transports/http/memory-event-store.ts';
import { createOriginGuard } from '../../src/transports/http/origin-guard.ts';
import { createMemoryRateLimiter } from '../../src/transports/http/rate-limit.ts';
import { defaultWorkerThreads, parseByteSize, parseRate } from '../../src/config/http-settings.ts';
import { hashApiKey, matchApiKey, parseApiKeys } from '../../src/credentials/api-keys.ts';
import { profileForScopes, scopesFromClaims } from '../../src/credentials/scopes.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-mcp-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BASE = { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 'tok' };

function load(flags: CliFlags = {}, env: Record<string, string> = {}) {
  return loadConfig({ flags, env: { ...BASE, ...env } });
}
function issues(flags: CliFlags = {}, env: Record<string, string> = {}): string[] {
  try {
    load(flags, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.setting}: ${i.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('HTTP settings', () => {
  it('has defaults for a loopback service: sessions, 30 min idle, 4 MiB bodies, 20/s per client, 20 s to drain', () => {
    expect(load().http).toMatchObject({
      stateless: false,
      sessionIdleTimeoutMs: 1_800_000,
      maxBodyBytes: 4 * 1024 * 1024,
      rateLimit: { perSecond: 20, burst: 100 },
      shutdownTimeoutMs: 20_000,
      allowedHosts: [],
      allowedOrigins: [],
      auth: {},
      workerThreads: defaultWorkerThreads(),
    });
    expect(defaultWorkerThreads()).toBe(os.availableParallelism() >= 2 ? 1 : 0);
  });

  it('takes flags over env over the config file', () => {
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, 'rateLimit: 1/s\nstateless: true\nmaxBodyBytes: 1m\n');
    expect(load({ config: file }).http).toMatchObject({ rateLimit: { perSecond: 1 }, stateless: true, maxBodyBytes: 1024 * 1024 });
    expect(load({ config: file }, { ARGOCD_MCP_RATE_LIMIT: '120/m' }).http!.rateLimit.perSecond).toBe(2);
    expect(load({ config: file, rateLimit: 'off' }, { ARGOCD_MCP_RATE_LIMIT: '120/m' }).http!.rateLimit.perSecond).toBe(0);
    writeFileSync(file, 'workerThreads: 2\n');
    expect(load({ config: file }).http!.workerThreads).toBe(2);
    expect(load({ config: file }, { ARGOCD_MCP_WORKER_THREADS: '0' }).http!.workerThreads).toBe(0);
    expect(load({ config: file, workerThreads: '3' }, { ARGOCD_MCP_WORKER_THREADS: '0' }).http!.workerThreads).toBe(3);
    expect(issues({}, { ARGOCD_MCP_WORKER_THREADS: '17' })).toEqual([expect.stringMatching(/^ARGOCD_MCP_WORKER_THREADS: "17" must be a whole number from 0 to 16/)]);
    expect(issues({}, { ARGOCD_MCP_WORKER_THREADS: '-1' })).toHaveLength(1);
  });

  it('reports every bad HTTP setting at once, each naming where it came from and the fix', () => {
    const found = issues(
      { rateLimit: 'fast', maxBodyBytes: '12', allowedOrigins: '*,chat.example.com', redis: 'http://:secret@cache:6379', workerThreads: 'many' },
      { ARGOCD_MCP_SESSION_IDLE_TIMEOUT: 'soon', ARGOCD_MCP_AUTH_ISSUER: 'http://idp.example.com' },
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--rate-limit: "fast" is not a rate; use .*10\/s/),
        expect.stringMatching(/^--max-body-bytes: "12" is not a size/),
        expect.stringMatching(/^--allowed-origins: "\*" would let any web page/),
        expect.stringMatching(/^--allowed-origins: "chat\.example\.com" is not an origin/),
        expect.stringMatching(/^--redis: is not a Redis URL/),
        expect.stringMatching(/^--worker-threads: "many" must be a whole number from 0 to 16: .*0 = on the main thread/),
        expect.stringMatching(/^ARGOCD_MCP_SESSION_IDLE_TIMEOUT: "soon" is not a duration/),
        expect.stringMatching(/^ARGOCD_MCP_AUTH_ISSUER: .*plain http to another machine; use https/),
      ]),
    );
    // A Redis URL may carry a password: never echoed.
    expect(found.join('\n')).not.toContain('secret');
  });

  it('needs inbound auth (or --allow-unauthenticated) to bind a non-loopback address over HTTP', () => {
    expect(issues({ transport: 'http', host: '0.0.0.0' })[0]).toMatch(/^host: binding 0\.0\.0\.0 .*authIssuer.*apiKeysFile.*--allow-unauthenticated/);
    expect(load({ transport: 'http', host: '0.0.0.0', allowUnauthenticated: true, allowedHosts: 'mcp.example.com' }).http!.allowUnauthenticated).toBe(true);
    expect(load({ transport: 'stdio', host: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(load({ transport: 'http', host: '127.0.0.2' }).host).toBe('127.0.0.2');
    expect(issues({ transport: 'http', host: '0.0.0.0', authIssuer: 'https://idp.example.com' })[0]).toMatch(/authAudience .*or publicUrl/);
    expect(load({ transport: 'http', host: '0.0.0.0', authIssuer: 'https://idp.example.com', publicUrl: 'https://mcp.example.com' }).http!.publicUrl).toBe(
      'https://mcp.example.com/mcp',
    );
  });

  it('needs allowedHosts to serve a non-loopback address without inbound auth (the only DNS-rebinding guard then)', () => {
    expect(issues({ transport: 'http', host: '0.0.0.0', allowUnauthenticated: true })).toEqual([
      expect.stringMatching(/^allowedHosts: serving 0\.0\.0\.0 without inbound auth needs allowedHosts \(--allowed-hosts, ARGOCD_MCP_ALLOWED_HOSTS\).*DNS rebinding/),
    ]);
    expect(load({ transport: 'http', host: '127.0.0.1', allowUnauthenticated: true }).http!.allowedHosts).toEqual([]);
    const keys = path.join(dir, 'keys.txt');
    writeFileSync(keys, `${hashApiKey('k')} ci\n`);
    expect(load({ transport: 'http', host: '0.0.0.0', apiKeysFile: keys }).http!.allowedHosts).toEqual([]);
  });

  it('takes a metrics port apart from the MCP port, and names a bad one', () => {
    expect(load().http!.metricsPort).toBeUndefined();
    expect(load({}, { ARGOCD_MCP_METRICS_PORT: '9090' }).http!.metricsPort).toBe(9090);
    expect(issues({ metricsPort: 'http' })).toEqual([expect.stringMatching(/^--metrics-port: "http" is not a port number \(0-65535\)/)]);
  });

  it('caps open sessions, in all and per authenticated client', () => {
    expect(load().http).toMatchObject({ maxSessions: 1000, maxSessionsPerClient: 100 });
    expect(load({ maxSessions: '5' }, { ARGOCD_MCP_MAX_SESSIONS_PER_CLIENT: '2' }).http).toMatchObject({ maxSessions: 5, maxSessionsPerClient: 2 });
    expect(issues({ maxSessions: '0', maxSessionsPerClient: 'lots' })).toEqual([
      expect.stringMatching(/^--max-sessions: "0" must be a whole number, at least 1/),
      expect.stringMatching(/^--max-sessions-per-client: "lots" must be a whole number, at least 1/),
    ]);
  });

  it('parses rates and sizes', () => {
    expect([parseRate('10/s'), parseRate('600/m'), parseRate('3600/h'), parseRate('off'), parseRate('x')]).toEqual([10, 10, 1, 0, undefined]);
    expect([parseByteSize('512k'), parseByteSize('4MiB'), parseByteSize(2048), parseByteSize('1g')]).toEqual([524288, 4194304, 2048, undefined]);
  });
});

describe('API keys', () => {
  it('stores only hashes and matches a presented key in constant time', () => {
    const { keys, problems } = parseApiKeys(`# team keys\n${hashApiKey('k-one')} alice argocd:read,argocd:write\n${hashApiKey('k-two')} bob\n`);
    expect(problems).toEqual([]);
    expect(matchApiKey(keys, 'k-one')).toMatchObject({ subject: 'alice', scopes: ['argocd:read', 'argocd:write'] });
    expect(matchApiKey(keys, 'k-two')).toMatchObject({ subject: 'bob', scopes: ['argocd:read'] });
    expect(matchApiKey(keys, 'k-three')).toBeUndefined();
  });

  it('reports a line holding a raw key by its number, never its content', () => {
    const { problems } = parseApiKeys('my-raw-secret-key alice\n');
    expect(problems).toEqual([expect.stringMatching(/^line 1: the first field must be sha256:/)]);
    expect(problems.join()).not.toContain('my-raw-secret-key');
  });

  it('maps scopes to a profile: write beats read, neither is none', () => {
    expect(profileForScopes(scopesFromClaims({ scope: 'openid argocd:read' }))).toBe('read');
    expect(profileForScopes(scopesFromClaims({ scp: ['argocd:read', 'argocd:write'] }))).toBe('write');
    expect(profileForScopes(scopesFromClaims({ scope: 'openid' }))).toBeUndefined();
  });
});

describe('token bucket (memory)', () => {
  it('allows a burst, then one request per 1/rate, answering how long to wait', async () => {
    const limiter = createMemoryRateLimiter({ perSecond: 2, burst: 3 });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.take('a'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3].retryAfterMs).toBeGreaterThan(0);
    expect(decisions[3].retryAfterMs).toBeLessThanOrEqual(500);
    expect((await limiter.take('b')).allowed).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    expect((await limiter.take('a')).allowed).toBe(true);
  });
});

describe('event store (memory)', () => {
  const message = (id: number, result = true): JSONRPCMessage =>
    (result ? { jsonrpc: '2.0', id, result: {} } : { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: id } }) as JSONRPCMessage;

  it('replays after an event id, then relays new events until the response, for the owner only', async () => {
    const store = createMemoryEventStore();
    const scoped = store.forScope('session-1', 'alice');
    const priming = await scoped.storeEvent('s1', {} as JSONRPCMessage);
    const first = await scoped.storeEvent('s1', message(1, false));
    expect(parseEventId(first)).toEqual({ scope: 'session-1', stream: 's1', seq: expect.any(String) });

    const got: unknown[] = [];
    const abort = new AbortController();
    const following = store.follow(priming, { owner: 'alice', signal: abort.signal, idleMs: 5_000, send: (_id, m) => got.push(m) });
    await new Promise((r) => setTimeout(r, 20));
    await scoped.storeEvent('s1', message(2, false));
    await scoped.storeEvent('s1', message(7));
    expect(await following).toEqual({ ok: true, stoppedBecause: 'completed' });
    expect(got).toEqual([message(1, false), message(2, false), message(7)]);

    expect(await store.follow(priming, { owner: 'mallory', signal: abort.signal, idleMs: 10, send: () => undefined })).toMatchObject({ ok: false, status: 403 });
    expect(await store.follow('session-2~s1~1', { signal: abort.signal, idleMs: 10, send: () => undefined })).toMatchObject({ ok: false, status: 404 });
    expect(await store.follow('garbage', { signal: abort.signal, idleMs: 10, send: () => undefined })).toMatchObject({ ok: false, status: 400 });
    await expect(store.forScope('session-2').replayEventsAfter(first, { send: async () => undefined })).rejects.toThrow(/another session/);
    await store.close();
  });

  it('stops relaying when the client goes away or nothing arrives for idleMs', async () => {
    const store = createMemoryEventStore();
    const id = await store.forScope('s').storeEvent('x', message(1, false));
    const abort = new AbortController();
    const following = store.follow(id, { signal: abort.signal, idleMs: 60_000, send: () => undefined });
    abort.abort();
    expect(await following).toEqual({ ok: true, stoppedBecause: 'client-closed' });
    expect(await store.follow(id, { signal: new AbortController().signal, idleMs: 30, send: () => undefined })).toEqual({ ok: true, stoppedBecause: 'idle' });
    await store.close();
  });
});

describe('event store: delivered streams', () => {
  const response = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} }) as JSONRPCMessage;
  const follow = (store: ReturnType<typeof createMemoryEventStore>, id: string) =>
    store.follow(id, { signal: new AbortController().signal, idleMs: 30, send: () => undefined });

  it('drops a stream once its response was delivered, and keeps one whose client did not get it', async () => {
    const store = createMemoryEventStore();
    const scoped = store.forScope('session-1');
    const delivered = await scoped.storeEvent('a', {} as JSONRPCMessage);
    await scoped.storeEvent('a', response(1));
    const undelivered = await scoped.storeEvent('b', {} as JSONRPCMessage);
    await scoped.storeEvent('b', response(2));

    store.delivered('session-1', [1]);
    expect(await follow(store, delivered)).toMatchObject({ ok: false, status: 404 });
    expect(await follow(store, undelivered)).toEqual({ ok: true, stoppedBecause: 'completed' });
    // Another session's request with the same JSON-RPC id is not touched.
    store.delivered('session-2', [2]);
    expect(await follow(store, undelivered)).toEqual({ ok: true, stoppedBecause: 'completed' });
    await store.close();
  });

  it('keeps a delivered stream for deliveredRetentionMs when one is set', async () => {
    const store = createMemoryEventStore({ deliveredRetentionMs: 40 });
    const scoped = store.forScope('s');
    const priming = await scoped.storeEvent('a', {} as JSONRPCMessage);
    await scoped.storeEvent('a', response(5));
    store.delivered('s', [5]);
    expect(await follow(store, priming)).toEqual({ ok: true, stoppedBecause: 'completed' });
    await new Promise((r) => setTimeout(r, 60));
    // The grace ends when the store next looks (any stored event, or its sweep).
    await scoped.storeEvent('other', {} as JSONRPCMessage);
    expect(await follow(store, priming)).toMatchObject({ ok: false, status: 404 });
    await store.close();
  });

  it('drops the oldest streams when over its byte cap, down to three quarters of it', async () => {
    const store = createMemoryEventStore({ maxBytes: 1000, serializeEveryMs: 10 });
    const scoped = store.forScope('s');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(await scoped.storeEvent(`stream-${i}`, { jsonrpc: '2.0', method: 'notifications/message', params: { data: 'x'.repeat(60) } } as JSONRPCMessage));
    }
    // Counted when serialized, at the next pass.
    await new Promise((r) => setTimeout(r, 50));
    expect(await follow(store, ids[0])).toMatchObject({ ok: false, status: 404 });
    expect(await follow(store, ids[19])).toEqual({ ok: true, stoppedBecause: 'idle' });
    await store.close();
  });
});

describe('Host and Origin guard', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('on loopback: only loopback Host and Origin, unless configured', () => {
    const guard = createOriginGuard({ bindHost: '127.0.0.1', allowedHosts: [], allowedOrigins: ['https://chat.example.com'] });
    expect(guard(req({ host: '127.0.0.1:3000' }))).toBeUndefined();
    expect(guard(req({ host: 'localhost:3000', origin: 'http://localhost:5173' }))).toBeUndefined();
    expect(guard(req({ host: '[::1]:3000' }))).toBeUndefined();
    expect(guard(req({ host: 'localhost:3000', origin: 'https://chat.example.com' }))).toBeUndefined();
    expect(guard(req({ host: 'evil.example.com' }))).toMatch(/not a loopback address/);
    expect(guard(req({ host: 'localhost', origin: 'http://evil.example.com' }))).toMatch(/allowedOrigins/);
  });

  it('elsewhere: Host from allowedHosts, Origin from allowedOrigins or the same origin', () => {
    const open = createOriginGuard({ bindHost: '0.0.0.0', allowedHosts: [], allowedOrigins: [] });
    expect(open(req({ host: 'mcp.example.com' }))).toBeUndefined();
    expect(open(req({ host: 'mcp.example.com', origin: 'https://mcp.example.com' }))).toBeUndefined();
    expect(open(req({ host: 'mcp.example.com', origin: 'https://evil.example.com' }))).toMatch(/allowedOrigins/);
    const strict = createOriginGuard({ bindHost: '0.0.0.0', allowedHosts: ['mcp.example.com'], allowedOrigins: ['https://chat.example.com'] });
    expect(strict(req({ host: 'mcp.example.com:443' }))).toBeUndefined();
    expect(strict(req({ host: 'other.example.com' }))).toMatch(/allowedHosts/);
    expect(strict(req({ host: 'mcp.example.com', origin: 'https://chat.example.com' }))).toBeUndefined();
    expect(strict(req({ host: 'mcp.example.com', origin: 'https://mcp.example.com' }))).toMatch(/allowedOrigins/);
  });
});
