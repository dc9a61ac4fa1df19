import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from 'argocd-simulator';
import { call } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ syncDurationMs: 100 });
});
afterAll(() => sim.close());

describe('HTTP front', () => {
  it('binds to 127.0.0.1 on a free port by default', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['no content type', undefined],
    ['a charset parameter (argocd-server compares the whole header)', 'application/json; charset=utf-8'],
  ])('answers 415 for a POST with %s', async (_label, contentType) => {
    const headers: Record<string, string> = { authorization: `Bearer ${sim.tokens.admin}` };
    if (contentType) headers['content-type'] = contentType;
    const res = await fetch(`${sim.url}/api/v1/applications/payments-api/sync`, { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(415);
    expect(await res.text()).toBe('Invalid content type\n');
  });

  it('answers 415 for a DELETE without content type, before authentication', async () => {
    const res = await fetch(`${sim.url}/api/v1/applications/payments-api`, { method: 'DELETE' });
    expect(res.status).toBe(415);
  });

  it('answers 400 code 3 for a body that is not JSON', async () => {
    const r = await call(sim, '/api/v1/applications/payments-api/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'not json' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 3, message: "invalid character 'o' looking for beginning of value", details: [] });
    const truncated = await call(sim, '/api/v1/applications/payments-api/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prune":' });
    expect(truncated.body).toMatchObject({ code: 3, message: 'unexpected EOF' });
  });

  it('answers unknown routes with 404 and wrong methods with 405, as grpc-gateway v1 does', async () => {
    const r = await call(sim, '/api/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.text).toBe('Not Found\n');
    const m = await call(sim, '/api/v1/applications/payments-api/sync');
    expect(m.status).toBe(405);
  });

  it('decodes a percent-encoded repository URL as one path segment', async () => {
    const r = await call(sim, `/api/v1/repositories/${encodeURIComponent('https://github.com/acme/apps')}`);
    expect(r.status).toBe(200);
    expect(r.body.repo).toBe('https://github.com/acme/apps');
    const ssh = await call(sim, `/api/v1/repositories/${encodeURIComponent('git@github.com:acme/platform-gitops.git')}`);
    expect(ssh.body.repo).toBe('git@github.com:acme/platform-gitops.git');
    const missing = await call(sim, `/api/v1/repositories/${encodeURIComponent('https://github.com/acme/none')}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 5, message: "repo 'https://github.com/acme/none' not found" });
  });

  it('never echoes repository, credential or cluster secrets', async () => {
    const repos = await call(sim, '/api/v1/repositories');
    const creds = await call(sim, '/api/v1/repocreds');
    const clusters = await call(sim, '/api/v1/clusters');
    const all = repos.text + creds.text + clusters.text;
    for (const secret of ['password', 'sshPrivateKey', 'githubAppPrivateKey', 'bearerToken', 'keyData', 'PRIVATE KEY']) expect(all).not.toContain(secret);
    expect(repos.body.items.length).toBeGreaterThanOrEqual(8);
  });

  it('finds clusters by server URL or, with id.type=name, by name', async () => {
    const byServer = await call(sim, `/api/v1/clusters/${encodeURIComponent('https://prod.k8s.example.com')}`);
    expect(byServer.body).toMatchObject({ name: 'production', server: 'https://prod.k8s.example.com' });
    const byName = await call(sim, '/api/v1/clusters/in-cluster?id.type=name');
    expect(byName.body).toMatchObject({ name: 'in-cluster', server: 'https://kubernetes.default.svc' });
    const missing = await call(sim, '/api/v1/clusters/nope?id.type=name');
    expect(missing.status).toBe(403);
    const list = await call(sim, '/api/v1/clusters?id.type=name&id.value=production');
    expect(list.body.items.map((c: any) => c.name)).toEqual(['production']);
  });

  it('records requests raw, with the token redacted', async () => {
    const before = sim.requests.length;
    await call(sim, '/api/v1/applications?projects=payments&projects=platform&fields=items.metadata.name');
    const rec = sim.requests[before];
    expect(rec).toMatchObject({ method: 'GET', path: '/api/v1/applications', query: 'projects=payments&projects=platform&fields=items.metadata.name', body: '' });
    expect(rec?.headers.authorization).toBe('Bearer <redacted>');
    await call(sim, `/api/v1/repositories/${encodeURIComponent('https://github.com/acme/apps')}`);
    expect(sim.requests.at(-1)?.path).toBe('/api/v1/repositories/https%3A%2F%2Fgithub.com%2Facme%2Fapps');
  });
});

describe('swaggerFile', () => {
  it('serves the given swagger.json verbatim', async () => {
    const file = '/work/shared/argocd-swagger/v3.5.1.json';
    const withFile = await startSimulator({ swaggerFile: file, appCount: 1 });
    try {
      const res = await fetch(`${withFile.url}/swagger.json`);
      expect(await res.text()).toBe(readFileSync(file, 'utf8'));
    } finally {
      await withFile.close();
    }
  });
});

describe('rootPath', () => {
  it('serves everything under the prefix and 404s without it', async () => {
    const rooted = await startSimulator({ rootPath: '/argocd/' });
    try {
      expect(rooted.url).toMatch(/\/argocd$/);
      expect((await call(rooted, '/api/version')).status).toBe(200);
      expect((await call(rooted, '/swagger.json', { token: null })).body.swagger).toBe('2.0');
      const origin = new URL(rooted.url).origin;
      expect((await fetch(`${origin}/api/version`)).status).toBe(404);
      expect((await fetch(`${origin}/swagger.json`)).status).toBe(404);
    } finally {
      await rooted.close();
    }
  });
});
