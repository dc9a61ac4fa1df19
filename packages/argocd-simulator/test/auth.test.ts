import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from 'argocd-simulator';
import { call } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ syncDurationMs: 100 });
});
afterAll(() => sim.close());

describe('authentication', () => {
  it('answers 401 code 16 "no session information" without credentials', async () => {
    const r = await call(sim, '/api/v1/applications', { token: null });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'no session information', code: 16, message: 'no session information', details: [] });
  });

  it('answers 401 code 16 for a token with a bad signature', async () => {
    const forged = `${sim.tokens.admin.split('.').slice(0, 2).join('.')}.AAAA`;
    const r = await call(sim, '/api/v1/applications', { token: forged });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe(16);
    expect(r.body.message).toMatch(/^invalid session: token signature is invalid/);
  });

  it('accepts the argocd.token cookie like the UI', async () => {
    const r = await call(sim, '/api/v1/session/userinfo', { token: null, headers: { cookie: `foo=bar; argocd.token=${sim.tokens.readonly}` } });
    expect(r.body).toEqual({ loggedIn: true, username: 'readonly', iss: 'argocd', groups: [] });
  });

  it('serves version, settings and swagger.json without a session', async () => {
    expect((await call(sim, '/api/version', { token: null })).body).toEqual({ Version: 'v3.5.1+sim' });
    const full = await call(sim, '/api/version');
    expect(Object.keys(full.body)).toEqual(expect.arrayContaining(['Version', 'BuildDate', 'GitCommit', 'GoVersion', 'Compiler', 'Platform', 'KustomizeVersion', 'HelmVersion', 'KubectlVersion', 'JsonnetVersion']));
    const settings = await call(sim, '/api/v1/settings', { token: null });
    expect(settings.status).toBe(200);
    expect(settings.body.appLabelKey).toBe('app.kubernetes.io/instance');
    expect(settings.body.passwordPattern).toBeUndefined();
    expect((await call(sim, '/api/v1/settings')).body.passwordPattern).toBe('^.{8,32}$');
    const swagger = await call(sim, '/swagger.json', { token: null });
    expect(swagger.body.swagger).toBe('2.0');
    expect(swagger.body.paths['/api/v1/applications/{name}/sync'].post.operationId).toBe('ApplicationService_Sync');
  });

  it('logs in admin/password and rejects wrong passwords', async () => {
    const ok = await call(sim, '/api/v1/session', { method: 'POST', token: null, json: { username: 'admin', password: 'password' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ token: sim.tokens.admin });
    const bad = await call(sim, '/api/v1/session', { method: 'POST', token: null, json: { username: 'admin', password: 'nope' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ code: 16, message: 'Invalid username or password' });
  });

  it('reports the caller in userinfo and an anonymous caller as not logged in', async () => {
    expect((await call(sim, '/api/v1/session/userinfo')).body).toEqual({ loggedIn: true, username: 'admin', iss: 'argocd', groups: [] });
    expect((await call(sim, '/api/v1/session/userinfo', { token: null })).body).toEqual({});
  });
});

describe('RBAC', () => {
  it('lets the readonly token read', async () => {
    const r = await call(sim, '/api/v1/applications/payments-api', { token: sim.tokens.readonly });
    expect(r.status).toBe(200);
  });

  it('refuses a readonly sync with Argo CD wording (403 code 7)', async () => {
    const r = await call(sim, '/api/v1/applications/payments-api/sync', { method: 'POST', token: sim.tokens.readonly, json: {} });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 7, message: 'permission denied: applications, sync, payments/payments-api, sub: readonly, iat: 2023-11-14T22:13:20Z' });
  });

  it.each([
    ['POST', '/api/v1/applications', { metadata: { name: 'x' }, spec: { project: 'default' } }, /^permission denied: applications, create, default\/x, sub: readonly/],
    ['DELETE', '/api/v1/applications/payments-api', undefined, /^permission denied: applications, delete, payments\/payments-api, sub: readonly/],
    ['POST', '/api/v1/projects', { project: { metadata: { name: 'p' } } }, /^permission denied: projects, create, p, sub: readonly/],
    ['POST', '/api/v1/repositories', { repo: 'https://github.com/acme/x' }, /^permission denied: repositories, create, https:\/\/github.com\/acme\/x, sub: readonly/],
  ])('refuses readonly %s %s', async (method, path, json, message) => {
    const r = await call(sim, path, { method, token: sim.tokens.readonly, json: json ?? {} });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe(7);
    expect(r.body.message).toMatch(message);
  });

  it('hides whether an application exists from callers who omit the project', async () => {
    const missing = await call(sim, '/api/v1/applications/no-such-app');
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ code: 7, message: 'permission denied' });
    const withProject = await call(sim, '/api/v1/applications/no-such-app?project=payments');
    expect(withProject.status).toBe(404);
    expect(withProject.body).toMatchObject({ code: 5, message: 'applications.argoproj.io "no-such-app" not found' });
    const readonly = await call(sim, '/api/v1/applications/no-such-app', { token: sim.tokens.readonly });
    expect(readonly.status).toBe(403);
  });

  it('answers can-i consistently with the token', async () => {
    expect((await call(sim, '/api/v1/account/can-i/applications/sync/payments%2Fpayments-api')).body).toEqual({ value: 'yes' });
    expect((await call(sim, '/api/v1/account/can-i/applications/sync/payments%2Fpayments-api', { token: sim.tokens.readonly })).body).toEqual({ value: 'no' });
    expect((await call(sim, '/api/v1/account/can-i/applications/get/payments%2Fpayments-api', { token: sim.tokens.readonly })).body).toEqual({ value: 'yes' });
    const bad = await call(sim, '/api/v1/account/can-i/applications/fly/x');
    expect(bad.status).toBe(400);
  });

  it('issues project role tokens that act within the role', async () => {
    const created = await call(sim, '/api/v1/projects/payments/roles/ci-deployer/token', { method: 'POST', json: { id: 'test-token' } });
    expect(created.status).toBe(200);
    const token = created.body.token as string;
    expect(token.split('.')).toHaveLength(3);
    expect((await call(sim, '/api/v1/applications/payments-api', { token })).status).toBe(200);
    const other = await call(sim, '/api/v1/applications/checkout-frontend', { token });
    expect(other.status).toBe(403);
    const proj = await call(sim, '/api/v1/projects/payments');
    const role = proj.body.spec.roles.find((r: any) => r.name === 'ci-deployer');
    const entry = role.jwtTokens.find((t: any) => t.id === 'test-token');
    expect((await call(sim, `/api/v1/projects/payments/roles/ci-deployer/token/${entry.iat}?id=test-token`, { method: 'DELETE', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    expect((await call(sim, '/api/v1/applications/payments-api', { token })).status).toBe(401);
  });
});
