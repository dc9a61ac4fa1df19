/** The console's HTTP guards: token, cookie, Host (DNS rebinding), Origin and the CSRF header; loopback only. */
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { startConsoleServer } from '../../src/console/server.ts';
import type { ConsoleServer } from '../../src/console/server.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(server: ConsoleServer, opts: { path: string; method?: string; headers?: Record<string, string>; body?: unknown }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path: opts.path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${server.port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
    req.end();
  });
}

describe('console server guards', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'console-srv-')), 'allowlist.yaml');
    server = await startConsoleServer({ file, config: loadConfig({ flags: {}, env: {}, argocdOptional: true }) });
  });
  afterAll(() => server?.close());

  it('listens on 127.0.0.1 and prints a URL that carries the token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[\\w-]{32}$`));
  });

  it('exchanges the URL token for an HttpOnly, SameSite=Strict cookie and a clean address', async () => {
    const res = await send(server, { path: `/?token=${server.token}` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await send(server, { path: '/', headers: { cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.body).toContain('<table class="tools">');
  });

  const refusals: Array<[string, { path: string; headers?: Record<string, string> }, number]> = [
    ['no token', { path: '/' }, 401],
    ['a wrong URL token', { path: '/?token=nope' }, 403],
    ['a wrong cookie', { path: '/', headers: { cookie: 'argocd_mcp_console_1=x' } }, 401],
    ['a wrong header', { path: '/api/activity', headers: { 'x-console-token': 'nope' } }, 403],
    ['a foreign Host (DNS rebinding)', { path: '/api/activity', headers: { host: 'evil.example:80' } }, 403],
  ];
  it.each(refusals)('refuses %s', async (_label, opts, status) => {
    const withToken = opts.path.startsWith('/api') && !('x-console-token' in (opts.headers ?? {}));
    const headers: Record<string, string> = { ...(withToken ? { 'x-console-token': server.token } : {}), ...opts.headers };
    expect((await send(server, { ...opts, headers })).status).toBe(status);
  });

  it('refuses a POST from another origin, and one with only the cookie (no CSRF header)', async () => {
    const body = { selected: ['version_get'] };
    const cookie = `argocd_mcp_console_${server.port}=${server.token}`;
    const foreign = await send(server, { path: '/api/preview', method: 'POST', body, headers: { 'x-console-token': server.token, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const cookieOnly = await send(server, { path: '/api/preview', method: 'POST', body, headers: { cookie } });
    expect(cookieOnly.status).toBe(403);
    const ok = await send(server, { path: '/api/preview', method: 'POST', body, headers: { cookie, 'x-console-token': server.token, origin: server.origin } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ mode: 'static', count: 1, tools: [{ name: 'version_get' }] });
  });

  it('answers a bad request with a message that names the problem', async () => {
    const res = await send(server, { path: '/api/plan', method: 'POST', body: { selected: ['nope_tool'] }, headers: { 'x-console-token': server.token } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toBe('unknown tools: nope_tool');
  });
});
