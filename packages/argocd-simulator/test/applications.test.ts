import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from 'argocd-simulator';
import { call, eventually } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ syncDurationMs: 100 });
});
afterAll(() => sim.close());

const names = (r: { body: any }) => (r.body.items as any[]).map((a) => a.metadata.name as string);

describe('seed data', () => {
  it('has 50 applications over payments, platform, frontend and default', async () => {
    const r = await call(sim, '/api/v1/applications');
    expect(r.body.items).toHaveLength(50);
    const projects = new Set((r.body.items as any[]).map((a) => a.spec.project));
    expect([...projects].sort()).toEqual(['default', 'frontend', 'payments', 'platform']);
    expect(names(r)).toEqual([...names(r)].sort());
    expect(names(r)).toEqual(expect.arrayContaining(['payments-api', 'payments-worker', 'checkout-frontend', 'platform-ingress-nginx', 'guestbook']));
  });

  it('mixes states, with at least one OutOfSync application per project', async () => {
    const items = (await call(sim, '/api/v1/applications')).body.items as any[];
    for (const p of ['payments', 'platform', 'frontend']) {
      expect(items.some((a) => a.spec.project === p && a.status.sync.status === 'OutOfSync')).toBe(true);
    }
    const health = items.map((a) => a.status.health.status);
    for (const h of ['Healthy', 'Degraded', 'Progressing', 'Missing']) expect(health).toContain(h);
    expect(health.filter((h) => h === 'Healthy').length).toBeGreaterThan(25);
  });

  it('serves realistically large applications (>= 10 KB each)', async () => {
    const r = await call(sim, '/api/v1/applications/payments-api');
    expect(r.text.length).toBeGreaterThanOrEqual(10_000);
    const app = r.body;
    expect(app.metadata.managedFields.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(app.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).metadata.name).toBe('payments-api');
    expect(app.status.resources.length).toBeGreaterThanOrEqual(5);
    expect(app.status.history.length).toBeGreaterThanOrEqual(3);
    expect(app.status.history[0].revision).toMatch(/^[0-9a-f]{40}$/);
    expect(app.status.operationState.syncResult.resources.length).toBeGreaterThan(0);
    expect(app.status.summary.images.length).toBeGreaterThan(0);
    const all = (await call(sim, '/api/v1/applications')).body.items as any[];
    for (const a of all) expect(JSON.stringify(a).length).toBeGreaterThanOrEqual(10_000);
  });

  it('is deterministic: the same seed serves byte-identical lists, another seed differs', async () => {
    const a = await startSimulator({ seed: 7, appCount: 20 });
    const b = await startSimulator({ seed: 7, appCount: 20 });
    const c = await startSimulator({ seed: 8, appCount: 20 });
    try {
      const la = await call(a, '/api/v1/applications');
      const lb = await call(b, '/api/v1/applications');
      const lc = await call(c, '/api/v1/applications');
      expect(la.text).toBe(lb.text);
      expect(la.text).not.toBe(lc.text);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('honours appCount', async () => {
    const small = await startSimulator({ appCount: 5 });
    try {
      expect((await call(small, '/api/v1/applications')).body.items).toHaveLength(5);
    } finally {
      await small.close();
    }
  });
});

describe('application list filters', () => {
  it('filters by name, repeated projects and project', async () => {
    expect(names(await call(sim, '/api/v1/applications?name=payments-api'))).toEqual(['payments-api']);
    const two = await call(sim, '/api/v1/applications?projects=payments&projects=frontend');
    expect(new Set((two.body.items as any[]).map((a) => a.spec.project))).toEqual(new Set(['payments', 'frontend']));
    const one = await call(sim, '/api/v1/applications?project=platform');
    expect(new Set((one.body.items as any[]).map((a) => a.spec.project))).toEqual(new Set(['platform']));
  });

  it('filters by repo URL', async () => {
    const r = await call(sim, `/api/v1/applications?repo=${encodeURIComponent('https://github.com/acme/payments-deploy')}`);
    expect(r.body.items.length).toBeGreaterThan(5);
    for (const a of r.body.items) expect(a.spec.source.repoURL).toBe('https://github.com/acme/payments-deploy');
  });

  it.each([
    ['team=payments', (l: any) => l.team === 'payments'],
    ['env!=production', (l: any) => l.env !== 'production'],
    ['tier in (frontend,platform)', (l: any) => ['frontend', 'platform'].includes(l.tier)],
    ['tier notin (frontend),env=production', (l: any) => l.tier !== 'frontend' && l.env === 'production'],
    ['!app.kubernetes.io/managed-by', (l: any) => !('app.kubernetes.io/managed-by' in l)],
  ])('applies label selector %s', async (selector, predicate) => {
    const all = (await call(sim, '/api/v1/applications')).body.items as any[];
    const r = await call(sim, `/api/v1/applications?selector=${encodeURIComponent(selector)}`);
    const expected = all.filter((a) => predicate(a.metadata.labels ?? {})).map((a) => a.metadata.name);
    expect(names(r)).toEqual(expected);
  });

  it('rejects a malformed selector like argocd-server (500 code 2)', async () => {
    const r = await call(sim, `/api/v1/applications?selector=${encodeURIComponent('team in (a')}`);
    expect(r.status).toBe(500);
    expect(r.body.code).toBe(2);
    expect(r.body.message).toMatch(/^error parsing the selector/);
  });

  it('projects fields server-side', async () => {
    const r = await call(sim, '/api/v1/applications?fields=items.metadata.name,items.status.sync.status,items.nope');
    expect(Object.keys(r.body)).toEqual(['items']);
    expect(r.body.items[0]).toEqual({ metadata: { name: expect.any(String) }, status: { sync: { status: expect.stringMatching(/Synced|OutOfSync/) } } });
    expect(r.text.length).toBeLessThan(10_000);
  });

  it('excludes fields with a leading "-"', async () => {
    const r = await call(sim, '/api/v1/applications?fields=-items.metadata.managedFields,items.status.resources');
    const app = r.body.items[0];
    expect(app.metadata.managedFields).toBeUndefined();
    expect(app.status.resources).toBeUndefined();
    expect(app.status.sync).toBeDefined();
    expect(r.body.metadata.resourceVersion).toBeDefined();
  });
});

describe('application CRUD', () => {
  const newApp = {
    metadata: { name: 'sim-test-app', labels: { team: 'payments' } },
    spec: {
      project: 'payments',
      source: { repoURL: 'https://github.com/acme/payments-deploy', path: 'apps/sim-test-app/overlays/production', targetRevision: 'main' },
      destination: { server: 'https://prod.k8s.example.com', namespace: 'payments' },
    },
  };

  it('creates, rejects a different duplicate without upsert, and upserts', async () => {
    const created = await call(sim, '/api/v1/applications', { method: 'POST', json: newApp });
    expect(created.status).toBe(200);
    expect(created.body.status.sync.status).toBe('OutOfSync');
    expect(created.body.status.health.status).toBe('Missing');
    const same = await call(sim, '/api/v1/applications', { method: 'POST', json: newApp });
    expect(same.status).toBe(200);
    const changed = { ...newApp, spec: { ...newApp.spec, source: { ...newApp.spec.source, targetRevision: 'develop' } } };
    const dup = await call(sim, '/api/v1/applications', { method: 'POST', json: changed });
    expect(dup.status).toBe(400);
    expect(dup.body).toMatchObject({ code: 3, message: 'existing application spec is different, use upsert flag to force update' });
    const up = await call(sim, '/api/v1/applications?upsert=true', { method: 'POST', json: changed });
    expect(up.status).toBe(200);
    expect(up.body.spec.source.targetRevision).toBe('develop');
  });

  it('validates project, destination and name', async () => {
    const badProject = await call(sim, '/api/v1/applications', { method: 'POST', json: { ...newApp, metadata: { name: 'x1' }, spec: { ...newApp.spec, project: 'nope' } } });
    expect(badProject.body).toMatchObject({ code: 3, message: 'app is not allowed in project "nope", or the project does not exist' });
    const badDest = await call(sim, '/api/v1/applications', { method: 'POST', json: { ...newApp, metadata: { name: 'x2' }, spec: { ...newApp.spec, destination: { server: 'https://nowhere.example.com', namespace: 'x' } } } });
    expect(badDest.status).toBe(400);
    expect(badDest.body.message).toContain('there are no clusters with this URL: https://nowhere.example.com');
    const badName = await call(sim, '/api/v1/applications', { method: 'POST', json: { ...newApp, metadata: { name: 'Bad_Name' } } });
    expect(badName.status).toBe(400);
  });

  it('updates with the path name winning, updates the spec, patches and deletes', async () => {
    const current = (await call(sim, '/api/v1/applications/sim-test-app')).body;
    const put = await call(sim, '/api/v1/applications/sim-test-app', { method: 'PUT', json: { ...current, metadata: { ...current.metadata, name: 'ignored', labels: { team: 'payments', extra: 'yes' } } } });
    expect(put.status).toBe(200);
    expect(put.body.metadata.name).toBe('sim-test-app');
    expect(put.body.metadata.labels.extra).toBe('yes');
    const spec = await call(sim, '/api/v1/applications/sim-test-app/spec', { method: 'PUT', json: { ...current.spec, revisionHistoryLimit: 3 } });
    expect(spec.body.revisionHistoryLimit).toBe(3);
    const merge = await call(sim, '/api/v1/applications/sim-test-app', { method: 'PATCH', json: { patch: JSON.stringify({ metadata: { labels: { merged: 'true' } } }), patchType: 'merge' } });
    expect(merge.body.metadata.labels.merged).toBe('true');
    const json = await call(sim, '/api/v1/applications/sim-test-app', { method: 'PATCH', json: { patch: JSON.stringify([{ op: 'replace', path: '/spec/source/targetRevision', value: 'v2' }]), patchType: 'json' } });
    expect(json.body.spec.source.targetRevision).toBe('v2');
    const badType = await call(sim, '/api/v1/applications/sim-test-app', { method: 'PATCH', json: { patch: '{}', patchType: 'strategic' } });
    expect(badType.body).toMatchObject({ code: 3, message: "Patch type 'strategic' is not supported" });
    const del = await call(sim, '/api/v1/applications/sim-test-app?cascade=false', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(del.status).toBe(200);
    expect((await call(sim, '/api/v1/applications/sim-test-app?project=payments')).status).toBe(404);
  });

  it('refuses to delete a project that applications still use', async () => {
    const r = await call(sim, '/api/v1/projects/payments', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^project is referenced by \d+ applications$/);
  });
});

describe('application views', () => {
  it('serves a resource tree with parent references', async () => {
    const tree = (await call(sim, '/api/v1/applications/payments-api/resource-tree')).body;
    const pod = tree.nodes.find((n: any) => n.kind === 'Pod');
    const rs = tree.nodes.find((n: any) => n.kind === 'ReplicaSet' && n.uid === pod.parentRefs[0].uid);
    expect(rs.parentRefs[0].kind).toBe('Deployment');
    expect(pod.info.map((i: any) => i.name)).toContain('Status Reason');
    expect(tree.hosts.length).toBeGreaterThan(0);
  });

  it('serves managed resources with live/target JSON strings and fields projection', async () => {
    const r = await call(sim, '/api/v1/applications/payments-worker/managed-resources');
    const modified = r.body.items.filter((i: any) => i.modified);
    expect(modified.length).toBeGreaterThan(0);
    expect(JSON.parse(modified[0].targetState).kind).toBe(modified[0].kind);
    const projected = await call(sim, '/api/v1/applications/payments-api/managed-resources?fields=items.name,items.kind');
    expect(projected.body.items[0]).toEqual({ kind: expect.any(String), name: expect.any(String) });
  });

  it('gets a live resource and answers 400 for one that is not part of the app', async () => {
    const r = await call(sim, '/api/v1/applications/payments-api/resource?namespace=payments&resourceName=payments-api&group=apps&kind=Deployment&version=v1');
    expect(JSON.parse(r.body.manifest).kind).toBe('Deployment');
    const missing = await call(sim, '/api/v1/applications/payments-api/resource?namespace=payments&resourceName=nope&group=apps&kind=Deployment&version=v1');
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('Deployment apps nope not found as part of application payments-api');
  });

  it('lists and runs resource actions', async () => {
    const q = 'namespace=payments&resourceName=payments-api&group=apps&kind=Deployment&version=v1';
    const list = await call(sim, `/api/v1/applications/payments-api/resource/actions?${q}`);
    expect(list.body.actions.map((a: any) => a.name)).toContain('restart');
    const run = await call(sim, `/api/v1/applications/payments-api/resource/actions?${q}`, { method: 'POST', json: 'restart' });
    expect(run.status).toBe(200);
    const v2 = await call(sim, '/api/v1/applications/payments-api/resource/actions/v2', { method: 'POST', json: { action: 'restart', namespace: 'payments', resourceName: 'payments-api', group: 'apps', kind: 'Deployment', version: 'v1' } });
    expect(v2.status).toBe(200);
  });

  it('serves events, links, manifests, revision metadata and sync windows', async () => {
    const events = await call(sim, '/api/v1/applications/payments-api/events');
    expect(events.body.items[0]).toMatchObject({ involvedObject: { kind: 'Application', name: 'payments-api' }, type: 'Normal' });
    const podEvents = await call(sim, '/api/v1/applications/payments-api/events?resourceName=payments-api&resourceNamespace=payments');
    expect(podEvents.body.items.some((e: any) => e.reason === 'ScalingReplicaSet')).toBe(true);
    expect((await call(sim, '/api/v1/applications/payments-api/links')).body.items.length).toBeGreaterThan(0);
    const manifests = await call(sim, '/api/v1/applications/payments-api/manifests');
    expect(JSON.parse(manifests.body.manifests[0]).apiVersion).toBeDefined();
    const rev = (await call(sim, '/api/v1/applications/payments-api')).body.status.history[0].revision;
    expect((await call(sim, `/api/v1/applications/payments-api/revisions/${rev}/metadata`)).body.author).toMatch(/</);
    // The payments project's windows do not depend on the hour: payments-api is in the open allow window only;
    // settlement-batch is also under the settlement freeze, which still lets manual syncs through.
    const windows = (await call(sim, '/api/v1/applications/payments-api/syncwindows')).body;
    expect(windows.assignedWindows.map((w: any) => w.kind)).toEqual(['allow']);
    expect(windows.canSync).toBe(true);
    const frozen = (await call(sim, '/api/v1/applications/settlement-batch/syncwindows')).body;
    expect(frozen.activeWindows.map((w: any) => w.kind).sort()).toEqual(['allow', 'deny']);
    expect(frozen.canSync).toBe(true);
    expect((await call(sim, '/api/v1/applications/platform-ingress-nginx/revisions/4.12.0/chartdetails')).body.home).toContain('ingress-nginx');
  });
});

describe('other services', () => {
  it('serves projects, appsets, accounts, certificates, gpg keys and notifications', async () => {
    expect((await call(sim, '/api/v1/projects')).body.items.map((p: any) => p.metadata.name)).toEqual(['default', 'frontend', 'payments', 'platform']);
    const sets = await call(sim, '/api/v1/applicationsets');
    expect(sets.body.items.map((s: any) => s.metadata.name)).toEqual(['frontend-apps', 'platform-addons']);
    const gen = await call(sim, '/api/v1/applicationsets/generate', { method: 'POST', json: { applicationSet: sets.body.items[1] } });
    expect(gen.body.applications.map((a: any) => a.metadata.name)).toContain('platform-ingress-nginx');
    expect((await call(sim, '/api/v1/applicationsets/nope')).status).toBe(404);
    expect((await call(sim, '/api/v1/account')).body.items.map((a: any) => a.name)).toEqual(['admin', 'ci', 'readonly']);
    expect((await call(sim, '/api/v1/certificates?hostNamePattern=github.com')).body.items.length).toBe(3);
    expect((await call(sim, '/api/v1/gpgkeys')).body.items.length).toBeGreaterThan(0);
    expect((await call(sim, '/api/v1/notifications/triggers')).body.items).toContainEqual({ name: 'on-sync-failed' });
    expect((await call(sim, `/api/v1/repositories/${encodeURIComponent('https://github.com/acme/apps')}/refs`)).body.branches).toContain('main');
  });

  it('creates the Applications an ApplicationSet generates and removes them with it', async () => {
    const set = {
      metadata: { name: 'sim-previews' },
      spec: {
        generators: [{ list: { elements: [{ pr: '101' }, { pr: '102' }] } }],
        template: {
          metadata: { name: 'preview-pr-{{pr}}' },
          spec: { project: 'frontend', source: { repoURL: 'https://github.com/acme/frontend-deploy', path: 'previews/pr-{{pr}}', targetRevision: 'main' }, destination: { server: 'https://prod.k8s.example.com', namespace: 'frontend' } },
        },
      },
    };
    const dry = await call(sim, '/api/v1/applicationsets?dryRun=true', { method: 'POST', json: set });
    expect(dry.body.status.resources).toHaveLength(2);
    expect((await call(sim, '/api/v1/applicationsets/sim-previews')).status).toBe(404);
    const created = await call(sim, '/api/v1/applicationsets', { method: 'POST', json: set });
    expect(created.status).toBe(200);
    await eventually(async () => (await call(sim, '/api/v1/applications/preview-pr-102')).status === 200);
    const app = (await call(sim, '/api/v1/applications/preview-pr-101')).body;
    expect(app.metadata.ownerReferences[0]).toMatchObject({ kind: 'ApplicationSet', name: 'sim-previews' });
    expect((await call(sim, '/api/v1/applicationsets/sim-previews', { method: 'DELETE', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    await eventually(async () => (await call(sim, '/api/v1/applications/preview-pr-101?project=frontend')).status === 404);
  });

  it('creates account tokens that authenticate', async () => {
    const r = await call(sim, '/api/v1/account/ci/token', { method: 'POST', json: { id: 'sim-ci' } });
    expect(r.status).toBe(200);
    expect((await call(sim, '/api/v1/session/userinfo', { token: r.body.token })).body.username).toBe('ci');
    const pw = await call(sim, '/api/v1/account/password', { method: 'PUT', json: { currentPassword: 'wrong', newPassword: 'new-password-1' } });
    expect(pw.body).toMatchObject({ code: 3, message: 'current password does not match' });
  });
});
