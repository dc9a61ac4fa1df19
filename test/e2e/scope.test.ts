/**
 * Scoping of writes end to end: the built gateway over stdio, the SDK's real client, the simulator recording every
 * request. Each case names the requirement: a write is judged on the app as Argo CD has it and as the write leaves
 * it, workflows included, and a refused write sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, call, json, startSimulator, stdioGateway, textOf } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

const WRITES = { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never' };

interface App {
  metadata: { name: string; namespace?: string };
  spec: { project: string; destination: { server?: string; name?: string; namespace?: string }; source?: { targetRevision?: string } };
}

describe('scoping of writes, end to end', () => {
  let sim: Simulator;
  let admin: StdioGateway;
  let apps: App[];
  const writesSent = () => sim.requests.filter((r) => r.method !== 'GET').length;
  const get = async (name: string) => json<App>(await call(admin.client, 'application_get', { name, raw: true }));

  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 200 });
    admin = await stdioGateway(baseEnv(sim, WRITES));
    apps = json<{ items: App[] }>(await call(admin.client, 'application_list', { raw: true })).items;
  });
  afterAll(async () => {
    await admin?.close();
    await sim?.close();
  });

  describe('under projects: [payments]', () => {
    let gw: StdioGateway;
    const payments = () => apps.find((a) => a.spec.project === 'payments' && a.spec.source)!;
    const foreign = () => apps.find((a) => a.spec.project !== 'payments')!;
    beforeAll(async () => {
      gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_PROJECTS: 'payments' }));
    });
    afterAll(async () => {
      await gw?.close();
    });

    it('refuses application_update that names a foreign app only in its body, and the app stays where it was', async () => {
      const target = foreign();
      const before = writesSent();
      const result = await call(gw.client, 'application_update', { application: { metadata: { name: target.metadata.name }, spec: { ...payments().spec } } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/not visible through this gateway/);
      expect(writesSent()).toBe(before);
      expect((await get(target.metadata.name)).spec.project).toBe(target.spec.project);
    });

    it('refuses application_create with upsert over a foreign app of the same name', async () => {
      const target = foreign();
      const before = writesSent();
      const result = await call(gw.client, 'application_create', { upsert: true, application: { metadata: { name: target.metadata.name }, spec: { ...payments().spec } } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/cannot be created with upsert/);
      expect(writesSent()).toBe(before);
    });

    it('runs application_update_spec on an app of the project (its spec is judged with the app it belongs to)', async () => {
      const target = payments();
      const spec = { ...target.spec, source: { ...target.spec.source, targetRevision: 'release/scope-e2e' } };
      const result = await call(gw.client, 'application_update_spec', { name: target.metadata.name, spec });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect((await get(target.metadata.name)).spec.source?.targetRevision).toBe('release/scope-e2e');
    });

    it('refuses a patch that moves an app of the project to another project', async () => {
      const target = payments();
      const before = writesSent();
      const result = await call(gw.client, 'application_patch', { name: target.metadata.name, patchType: 'merge', patch: JSON.stringify({ spec: { project: 'platform' } }) });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/would be outside the scope of this gateway .*project "platform"/);
      expect(writesSent()).toBe(before);
      expect((await get(target.metadata.name)).spec.project).toBe('payments');
    });

    it('lets the set_revision workflow patch an app of the project, and refuses it on a foreign app', async () => {
      const target = payments();
      const ok = await call(gw.client, 'set_revision', { name: target.metadata.name, revision: 'v9.9.9' });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      expect((await get(target.metadata.name)).spec.source?.targetRevision).toBe('v9.9.9');
      const before = writesSent();
      const refused = await call(gw.client, 'set_revision', { name: foreign().metadata.name, revision: 'v9.9.9' });
      expect(refused.isError).toBe(true);
      expect(writesSent()).toBe(before);
    });
  });

  it('under namespaces: [argocd], writes the default namespace into a create that names none', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_NAMESPACES: 'argocd' }));
    try {
      const spec = { ...apps.find((a) => a.spec.project === 'payments')!.spec };
      const result = await call(gw.client, 'application_create', { application: { metadata: { name: 'scope-e2e-new' }, spec } });
      expect(result.isError, textOf(result)).toBeFalsy();
      const sent = sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/api/v1/applications')).at(-1)!;
      expect(JSON.parse(sent.body).application?.metadata ?? JSON.parse(sent.body).metadata).toMatchObject({ name: 'scope-e2e-new', namespace: 'argocd' });
    } finally {
      await gw.close();
    }
  });

  it('under namespaces: [team-a], refuses a create that names no namespace (Argo CD would put it in its own)', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_NAMESPACES: 'team-a' }));
    try {
      const before = writesSent();
      const spec = { ...apps.find((a) => a.spec.project === 'payments')!.spec };
      const result = await call(gw.client, 'application_create', { application: { metadata: { name: 'scope-e2e-other' }, spec } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/namespace "argocd" is not one of "team-a"/);
      expect(writesSent()).toBe(before);
    } finally {
      await gw.close();
    }
  });

  it('under clusters: [<production URL>], syncs an app whose destination names the cluster by name, and refuses one elsewhere', async () => {
    const production = 'https://prod.k8s.example.com';
    const byName = apps.find((a) => a.spec.destination.name === 'production');
    expect(byName, 'the simulator seeds apps whose destination is a cluster name').toBeDefined();
    // Every seeded app deploys to production: one more goes to the in-cluster cluster.
    const base = apps.find((a) => a.spec.project === 'payments')!;
    const elsewhere = { metadata: { name: 'scope-e2e-in-cluster' }, spec: { ...base.spec, destination: { server: 'https://kubernetes.default.svc', namespace: base.spec.destination.namespace } } };
    const created = await call(admin.client, 'application_create', { application: elsewhere });
    expect(created.isError, textOf(created)).toBeFalsy();
    const gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_CLUSTERS: production }));
    try {
      const ok = await call(gw.client, 'application_sync', { name: byName!.metadata.name, dryRun: true });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      const before = writesSent();
      const refused = await call(gw.client, 'application_sync', { name: elsewhere.metadata.name, dryRun: true });
      expect(refused.isError).toBe(true);
      expect(writesSent()).toBe(before);
    } finally {
      await gw.close();
    }
  });
});
