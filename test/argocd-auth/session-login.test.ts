/** Username/password session login: login, sharing, renewal before expiry, retry after a 401, failures, secrecy. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthHttp } from '../../src/argocd/auth/auth-requests.ts';
import { sessionLoginSource } from '../../src/argocd/auth/session-login.ts';
import { startSimulator } from 'argocd-simulator';
import { PASSWORD, USER, startAuthServer } from './auth-server.ts';
import type { AuthServer } from './auth-server.ts';
import { authGateway, memoryLogger, text } from './helpers.ts';

let server: AuthServer;
beforeEach(async () => {
  server = await startAuthServer();
});
afterEach(async () => {
  await server.close();
});

const logins = () => server.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/session');
const bearer = (i: number) => String(server.requests[i].headers.authorization ?? '');

describe('session login with username and password', () => {
  it('logs in with POST /api/v1/session and sends the session token as a bearer token', async () => {
    const { gateway } = authGateway(server.url, { username: USER, password: PASSWORD });
    const result = await gateway.callTool('application_list', {});
    expect(result.isError).toBeFalsy();
    const [login, call] = server.requests;
    expect(login).toMatchObject({ method: 'POST', path: '/api/v1/session' });
    expect(login.headers['content-type']).toBe('application/json');
    expect(JSON.parse(login.body)).toEqual({ username: USER, password: PASSWORD });
    expect(call.path).toBe('/api/v1/applications');
    expect(bearer(1)).toMatch(/^Bearer ey[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('lets concurrent calls share one login', async () => {
    server.loginDelayMs = 150;
    const { gateway } = authGateway(server.url, { username: USER, password: PASSWORD });
    const results = await Promise.all(Array.from({ length: 6 }, () => gateway.callTool('application_list', {})));
    expect(results.every((r) => !r.isError)).toBe(true);
    expect(logins()).toHaveLength(1);
  });

  it('logs in again, once, when Argo CD starts refusing the token (401), and the call succeeds', async () => {
    const { gateway } = authGateway(server.url, { username: USER, password: PASSWORD });
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    server.invalidateAll();
    const results = await Promise.all([gateway.callTool('application_list', {}), gateway.callTool('application_list', {})]);
    expect(results.map((r) => r.isError ?? false)).toEqual([false, false]);
    expect(logins()).toHaveLength(2);
    const refused = server.requests.filter((r) => r.path === '/api/v1/applications').length;
    expect(refused).toBe(5); // 1 before, 2 refused, 2 retried
  });

  it('renews the token at about 80% of its lifetime, before it expires, without delaying calls', async () => {
    let now = Date.now();
    const log = memoryLogger();
    const source = sessionLoginSource({
      baseUrl: server.url,
      username: USER,
      password: { value: PASSWORD },
      http: createAuthHttp({ timeoutMs: 5_000, userAgent: 'test' }),
      logger: log.logger,
      now: () => now,
    });
    server.lifetimeSec = 1000;
    const first = await source.token();
    expect(logins()).toHaveLength(1);
    now += 780_000; // 78% of the lifetime: keep the token
    expect(await source.token()).toBe(first);
    expect(logins()).toHaveLength(1);
    now += 30_000; // 81%: the current token is still served while a new login runs in the background
    expect(await source.token()).toBe(first);
    await expect.poll(() => logins().length).toBe(2);
    const second = await source.token();
    expect(second).not.toBe(first);
    expect(log.text()).toContain('obtained an Argo CD token');
  });

  it('waits for a new login once the token has expired', async () => {
    let now = Date.now();
    const source = sessionLoginSource({
      baseUrl: server.url,
      username: USER,
      password: { value: PASSWORD },
      http: createAuthHttp({ timeoutMs: 5_000, userAgent: 'test' }),
      logger: memoryLogger().logger,
      now: () => now,
    });
    server.lifetimeSec = 60;
    const first = await source.token();
    now += 61_000;
    const second = await source.token();
    expect(second).not.toBe(first);
    expect(logins()).toHaveLength(2);
  });

  it('reads the password file at each login, so a rotated password is used', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pw-'));
    const file = path.join(dir, 'password');
    writeFileSync(file, 'an-old-password\n');
    const { gateway } = authGateway(server.url, { username: USER, passwordFile: file });
    const refused = await gateway.callTool('application_list', {});
    expect(refused.isError).toBe(true);
    writeFileSync(file, `${PASSWORD}\n`);
    // The failed login pauses further attempts briefly (Argo CD locks accounts out after repeated failures).
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    expect(JSON.parse(logins().at(-1)!.body).password).toBe(PASSWORD);
  });

  it('answers a wrong password with an error result naming the user and the fix, and pauses before trying again', async () => {
    const wrong = 'wrong-secret-password';
    const { gateway, logs } = authGateway(server.url, { username: USER, password: wrong });
    const first = await gateway.callTool('application_list', {});
    expect(first.isError).toBe(true);
    expect(text(first)).toContain(`session login as ${USER}`);
    expect(text(first)).toContain('Invalid username or password');
    expect(text(first)).toContain('check the username and password');
    const second = await gateway.callTool('application_list', {});
    expect(second.isError).toBe(true);
    expect(logins()).toHaveLength(1);
    for (const out of [text(first), text(second), logs()]) expect(out).not.toContain(wrong);
    expect(logs()).toContain('could not obtain an Argo CD token');
  });

  it('never logs the password or the session tokens, even at trace level', async () => {
    const { gateway, logs } = authGateway(server.url, { username: USER, password: PASSWORD });
    await gateway.callTool('application_list', {});
    server.invalidateAll();
    await gateway.callTool('application_list', {});
    const tokens = server.requests.map((r) => String(r.headers.authorization ?? '').replace('Bearer ', '')).filter(Boolean);
    expect(tokens.length).toBeGreaterThan(1);
    for (const secret of [PASSWORD, ...tokens]) expect(logs()).not.toContain(secret);
  });

  it('explains a login that reaches something other than argocd-server', async () => {
    // argocd-server answers paths outside its API with the UI's HTML page, the login included.
    const { gateway, logs } = authGateway(`${server.url}/wrong-root`, { username: USER, password: PASSWORD });
    const result = await gateway.callTool('application_list', {});
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('--rootpath');
    expect(logs()).toContain('is this argocd-server (and is its --rootpath in the address)?');
  });
});

describe('session login against the Argo CD simulator', () => {
  it('logs in as admin and lists applications', async () => {
    const sim = await startSimulator({ appCount: 3 });
    try {
      const { gateway } = authGateway(sim.url, { username: 'admin', password: 'password' });
      const result = await gateway.callTool('application_list', {});
      expect(result.isError).toBeFalsy();
      expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/session' });
      expect(sim.requests.at(-1)!.headers.authorization).toMatch(/^Bearer /);
    } finally {
      await sim.close();
    }
  });
});
