/**
 * The upstream HTTP client (node:http/https under openapi-fetch) against real servers on 127.0.0.1: redirects and
 * where credentials go, compressed answers, streamed bodies, cancellation, a kept-alive connection the server closed,
 * transport errors shaped as fetch's, and TLS with a private CA.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/argocd/http-client.ts';
import { describeTransportError } from '../../src/argocd/errors.ts';

const TLS = path.join(import.meta.dirname, '../fixtures/tls');
const servers: Server[] = [];

/** A server on 127.0.0.1 (https when given a key and certificate); resolves to its base URL. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: { key: Buffer; cert: Buffer }): Promise<string> {
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

describe('upstream HTTP client', () => {
  it('sends method, headers and a string body, and reads status, headers and text', async () => {
    let seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    const base = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen = { method: req.method, headers: req.headers, body };
        res.writeHead(201, { 'content-type': 'application/json', 'x-a': 'b' }).end('{"ok":true}');
      });
    });
    const http = createHttpClient();
    const res = await http(`${base}/api/v1/applications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"x":"é"}' });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('X-A')).toBe('b');
    expect(await res.json()).toEqual({ ok: true });
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('{"x":"é"}');
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength('{"x":"é"}')));
    expect(seen.headers?.authorization).toBe('Bearer t');
  });

  it('sends Content-Length: 0 on a bodiless POST (argocd-server expects a complete request)', async () => {
    let length: string | undefined;
    const base = await serve((req, res) => {
      length = req.headers['content-length'];
      res.end('{}');
    });
    await (await createHttpClient()(`${base}/x`, { method: 'POST' })).text();
    expect(length).toBe('0');
  });

  it('decodes gzip answers', async () => {
    const base = await serve((req, res) => {
      expect(req.headers['accept-encoding']).toContain('gzip');
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' }).end(gzipSync('{"items":[1,2,3]}'));
    });
    expect(await (await createHttpClient()(`${base}/`)).json()).toEqual({ items: [1, 2, 3] });
  });

  it('follows redirects within the origin, keeping its headers; a POST answered 303 becomes a GET', async () => {
    const seen: Array<{ url?: string; auth?: string; method?: string }> = [];
    const base = await serve((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization, method: req.method });
      if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
      else if (req.url === '/post') res.writeHead(303, { location: '/b2' }).end();
      else res.end('{"where":"here"}');
    });
    const http = createHttpClient();
    const res = await http(`${base}/a`, { headers: { authorization: 'Bearer secret' } });
    expect(await res.json()).toEqual({ where: 'here' });
    expect(seen.map((s) => s.auth)).toEqual(['Bearer secret', 'Bearer secret']);
    const posted = await http(`${base}/post`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await posted.json()).toEqual({ where: 'here' });
    expect(seen.at(-1)).toMatchObject({ url: '/b2', method: 'GET' });
  });

  it('never follows a redirect to another origin: nothing secret (token, configured headers, a login body) leaves', async () => {
    const other: Array<{ url?: string; headers: IncomingMessage['headers']; body: string }> = [];
    const otherBase = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        other.push({ url: req.url, headers: req.headers, body });
        res.end('{"where":"other"}');
      });
    });
    const base = await serve((req, res) => {
      if (req.url === '/api/v1/session') res.writeHead(307, { location: `${otherBase}/api/v1/session` }).end();
      else res.writeHead(302, { location: `${otherBase}/steal?x=1` }).end();
    });
    const http = createHttpClient();
    const secretHeaders = { authorization: 'Bearer secret', 'cf-access-client-secret': 'cf-secret', cookie: 'argocd.token=jwt' };
    const got = await http(`${base}/api/v1/applications`, { headers: secretHeaders }).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(TypeError);
    const login = await http(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin","password":"hunter2"}' }).catch((e: unknown) => e);
    expect(login).toBeInstanceOf(TypeError);
    expect(other).toEqual([]);
    const message = describeTransportError(got, base, 30_000);
    expect(message).toContain(`Not following a redirect of Argo CD at ${base}`);
    expect(message).toContain(new URL(otherBase).origin);
    expect(message).toContain('set ARGOCD_BASE_URL');
    expect(message).not.toContain('steal');
  });

  it('gives the body as a web stream that yields chunks as they come, and cancellation ends it', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    const base = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"result":1}\n');
      req.socket.once('close', () => closed());
    });
    const abort = new AbortController();
    const res = await createHttpClient()(`${base}/watch`, { signal: abort.signal });
    const reader = res.body.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('{"result":1}\n');
    const pending = reader.read();
    abort.abort();
    await expect(pending).rejects.toThrow();
    await serverSawClose;
  });

  it('sends a GET once more when a kept-alive connection was closed by the server meanwhile', async () => {
    let calls = 0;
    const base = await serve((req, res) => {
      calls++;
      // The second request on a connection: drop it without an answer, as a server whose idle timeout passed.
      if (calls === 2) {
        req.socket.destroy();
        return;
      }
      res.end('{"n":' + calls + '}');
    });
    const http = createHttpClient();
    expect(await (await http(`${base}/`)).json()).toEqual({ n: 1 });
    expect(await (await http(`${base}/`)).json()).toEqual({ n: 3 });
  });

  it('throws transport errors as fetch does, so they are described the same way', async () => {
    const base = await serve(() => undefined);
    const port = new URL(base).port;
    await new Promise((r) => servers.pop()!.close(r));
    const err = await createHttpClient()(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('fetch failed');
    expect(((err as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(describeTransportError(err, `http://127.0.0.1:${port}`, 1000)).toContain('Nothing listens there');
  });

  it('rejects with the abort reason when cancelled before the answer', async () => {
    const base = await serve(() => undefined);
    const err = await createHttpClient()(`${base}/slow`, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
  });

  it('trusts a private CA from caFile, refuses an unknown certificate, and skips checks when insecure', async () => {
    const key = readFileSync(path.join(TLS, 'server.key'));
    const cert = readFileSync(path.join(TLS, 'server.crt'));
    const base = await serve((_req, res) => res.end('{"tls":true}'), { key, cert });
    expect(base.startsWith('https://')).toBe(true);
    expect(await (await createHttpClient({ ca: cert.toString() })(`${base}/`)).json()).toEqual({ tls: true });
    const refused = await createHttpClient()(`${base}/`).catch((e: unknown) => e);
    expect(describeTransportError(refused, base, 1000)).toContain('TLS verification failed');
    expect(await (await createHttpClient({ insecure: true })(`${base}/`)).json()).toEqual({ tls: true });
  });
});
