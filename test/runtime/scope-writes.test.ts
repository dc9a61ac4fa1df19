/**
 * Scoping holds for every write: each write operation of applications, ApplicationSets, projects, clusters,
 * repositories and credential templates, under each scope kind (`projects`, `namespaces`, `clusters`), is either
 * sent to Argo CD or refused with nothing written. nock stands in for argocd-server with a small world of objects
 * (some inside every scope, some outside) and records every request; the scope's lookups are GETs.
 */
import { describe, expect, it } from 'vitest';
import { ARGOCD, fakeArgocd, useNock } from '../fixtures/fake-argocd.ts';
import type { FakeAnswer, SentRequest } from '../fixtures/fake-argocd.ts';
import { gatewayFor, resultText } from '../helpers/gateway.ts';
import type { ScopeConfig } from '../../src/policy/scope/scope.ts';
import { createLookups } from '../../src/policy/scope/lookup.ts';
import { createUpstream } from '../../src/argocd/upstream.ts';

useNock();

const PROD = 'https://prod.example';
const STAGING = 'https://staging.example';
const PAY_REPO = 'https://git.example/payments.git';
const PLATFORM_REPO = 'https://git.example/platform.git';

/** Inside every scope below: project payments, destination by *name* (the scope lists the cluster by URL). */
const insideSpec = { project: 'payments', source: { repoURL: PAY_REPO, path: 'api' }, destination: { name: 'prod', namespace: 'pay' } };
/** Outside every scope below. */
const foreignSpec = { project: 'platform', source: { repoURL: PLATFORM_REPO, path: 'billing' }, destination: { server: STAGING, namespace: 'billing' } };

const app = (namespace: string, name: string, spec: object) => ({ metadata: { name, namespace, resourceVersion: '7' }, spec, status: { sync: { status: 'Synced' } } });
const appset = (namespace: string, name: string, spec: object) => ({ metadata: { name, namespace }, spec: { generators: [{ list: { elements: [] } }], template: { metadata: { name: '{{.name}}' }, spec } } });

/** Argo CD's objects: namespace/name → object. */
const WORLD = {
  apps: {
    'team-a/inside': app('team-a', 'inside', insideSpec),
    'argocd/foreign': app('argocd', 'foreign', foreignSpec),
    // In namespace team-a (inside `namespaces`), but in project platform on staging (outside the others).
    'team-a/mixed': app('team-a', 'mixed', foreignSpec),
  } as Record<string, object>,
  appsets: {
    'team-a/inside-set': appset('team-a', 'inside-set', insideSpec),
    'argocd/foreign-set': appset('argocd', 'foreign-set', foreignSpec),
    'team-a/mixed-set': appset('team-a', 'mixed-set', foreignSpec),
    // A destination filled in by the generator cannot be judged before the set generates.
    'team-a/templated-set': appset('team-a', 'templated-set', { ...insideSpec, destination: { server: '{{.server}}', namespace: 'pay' } }),
    // A generator's own template moves what it generates to another project.
    'team-a/override-set': {
      metadata: { name: 'override-set', namespace: 'team-a' },
      spec: { generators: [{ list: { elements: [], template: { metadata: {}, spec: { project: 'platform' } } } }], template: { metadata: { name: '{{.name}}' }, spec: insideSpec } },
    },
  } as Record<string, object>,
  clusters: [
    { server: PROD, name: 'prod', project: 'payments' },
    { server: STAGING, name: 'staging' },
  ],
  repos: [
    { repo: PAY_REPO, project: 'payments' },
    { repo: PLATFORM_REPO },
  ],
};

const notFound: FakeAnswer = { status: 403, body: { error: 'permission denied', code: 7, message: 'permission denied' } };

/** Answers lookups from WORLD (403 for what does not exist, as argocd-server does); writes answer `{}`. */
function answer(sent: SentRequest): FakeAnswer {
  if (sent.method !== 'GET') return { body: {} };
  const q = new URLSearchParams(sent.query);
  const seg = sent.path.split('/').map(decodeURIComponent);
  const [, , , kind, id] = seg;
  if (kind === 'applications' || kind === 'applicationsets') {
    const ns = q.get(kind === 'applications' ? 'appNamespace' : 'appsetNamespace') || 'argocd';
    const found = (kind === 'applications' ? WORLD.apps : WORLD.appsets)[`${ns}/${id}`];
    return found ? { body: found } : notFound;
  }
  if (kind === 'clusters') {
    const found = WORLD.clusters.find((c) => (q.get('id.type') === 'name' ? c.name === id : c.server === id));
    return found ? { body: found } : notFound;
  }
  if (kind === 'repositories' || kind === 'write-repositories') {
    const found = WORLD.repos.find((r) => r.repo === id);
    return found ? { body: found } : notFound;
  }
  if (kind === 'projects') return { body: { metadata: { name: id, namespace: 'argocd' }, spec: {} } };
  return notFound;
}

const SCOPES: Record<'projects' | 'namespaces' | 'clusters', ScopeConfig> = {
  projects: { projects: ['payments'] },
  namespaces: { namespaces: ['team-a'] },
  clusters: { clusters: [PROD] },
};

type Expect = 'sent' | 'refused';
/** Expected outcome under projects, namespaces, clusters. */
type Row = [tool: string, what: string, args: Record<string, unknown>, expect: [Expect, Expect, Expect]];
const S = 'sent';
const R = 'refused';

const inApp = { name: 'inside', appNamespace: 'team-a' };
const ROWS: Row[] = [
  // Applications
  ['application_create', 'an app inside', { application: { metadata: { name: 'new', namespace: 'team-a' }, spec: insideSpec } }, [S, S, S]],
  ['application_create', 'an app outside, namespace left to the default', { application: { metadata: { name: 'new' }, spec: foreignSpec } }, [R, R, R]],
  ['application_create', 'upsert over an existing app outside', { upsert: true, application: { metadata: { name: 'mixed', namespace: 'team-a' }, spec: insideSpec } }, [R, S, R]],
  ['application_update', 'a foreign app named only in the body', { application: { metadata: { name: 'foreign', namespace: 'argocd' }, spec: insideSpec } }, [R, R, R]],
  ['application_update', 'an app inside moved out', { application: { metadata: { name: 'inside', namespace: 'team-a' }, spec: foreignSpec } }, [R, S, R]],
  ['application_update', 'an app inside that stays inside', { application: { metadata: { name: 'inside', namespace: 'team-a' }, spec: insideSpec } }, [S, S, S]],
  ['application_update_spec', 'a foreign app', { name: 'foreign', spec: insideSpec }, [R, R, R]],
  ['application_update_spec', 'an app inside moved out', { ...inApp, spec: foreignSpec }, [R, S, R]],
  ['application_update_spec', 'an app inside that stays inside', { ...inApp, spec: insideSpec }, [S, S, S]],
  ['application_patch', 'a json patch moving a foreign app in', { name: 'foreign', patch: JSON.stringify([{ op: 'replace', path: '/spec/project', value: 'payments' }]) }, [R, R, R]],
  ['application_patch', 'a json patch moving an app to another project', { ...inApp, patchType: 'json', patch: JSON.stringify([{ op: 'replace', path: '/spec/project', value: 'platform' }]) }, [R, S, S]],
  ['application_patch', 'a merge patch moving an app to another cluster', { ...inApp, patchType: 'merge', patch: JSON.stringify({ spec: { destination: { name: null, server: STAGING } } }) }, [S, S, R]],
  ['application_patch', 'a merge patch changing the namespace', { ...inApp, patchType: 'merge', patch: JSON.stringify({ metadata: { namespace: 'argocd' } }) }, [R, R, R]],
  ['application_patch', 'a strategic patch (Argo CD takes json or merge)', { ...inApp, patchType: 'strategic', patch: '{}' }, [R, R, R]],
  ['application_patch', 'a merge patch of labels', { ...inApp, patchType: 'merge', patch: JSON.stringify({ metadata: { labels: { team: 'pay' } } }) }, [S, S, S]],
  ['application_delete', 'a foreign app', { name: 'foreign' }, [R, R, R]],
  ['application_delete', 'an app inside', inApp, [S, S, S]],
  ['application_sync', 'a foreign app', { name: 'foreign' }, [R, R, R]],
  ['application_sync', 'an app in namespace team-a of another project', { name: 'mixed', appNamespace: 'team-a' }, [R, S, R]],
  ['application_sync', 'an app inside', inApp, [S, S, S]],
  ['application_rollback', 'a foreign app', { name: 'foreign', id: 1 }, [R, R, R]],
  ['application_rollback', 'an app inside', { ...inApp, id: 1 }, [S, S, S]],
  ['application_terminate_operation', 'a foreign app', { name: 'foreign' }, [R, R, R]],
  ['application_delete_resource', 'a foreign app', { name: 'foreign', resourceName: 'web', kind: 'Pod', version: 'v1', namespace: 'billing' }, [R, R, R]],
  ['application_patch_resource', 'a foreign app', { name: 'foreign', patch: '{}', resourceName: 'web', kind: 'Deployment', version: 'v1', group: 'apps', namespace: 'billing' }, [R, R, R]],
  ['application_run_resource_action', 'a foreign app', { name: 'foreign', action: 'restart', resourceName: 'web', kind: 'Deployment', version: 'v1', group: 'apps', namespace: 'billing' }, [R, R, R]],
  ['application_run_resource_action_v2', 'a foreign app', { name: 'foreign', action: 'restart', resourceName: 'web', kind: 'Deployment', version: 'v1', group: 'apps', namespace: 'billing' }, [R, R, R]],
  ['application_run_resource_action_v2', 'an app inside', { ...inApp, action: 'restart', resourceName: 'web', kind: 'Deployment', version: 'v1', group: 'apps', namespace: 'pay' }, [S, S, S]],
  ['application_get_manifests_with_files', 'uploaded manifests (no app to judge)', {}, [R, R, R]],
  // ApplicationSets
  ['applicationset_create', 'a set inside', { applicationSet: appset('team-a', 'new-set', insideSpec) }, [S, S, S]],
  ['applicationset_create', 'a set outside, namespace left to the default', { applicationSet: { ...appset('x', 'new-set', foreignSpec), metadata: { name: 'new-set' } } }, [R, R, R]],
  ['applicationset_create', 'upsert over an existing set outside', { upsert: true, applicationSet: appset('team-a', 'mixed-set', insideSpec) }, [R, S, R]],
  ['applicationset_delete', 'a foreign set', { name: 'foreign-set' }, [R, R, R]],
  ['applicationset_delete', 'a set inside', { name: 'inside-set', appsetNamespace: 'team-a' }, [S, S, S]],
  ['applicationset_delete', 'a set whose destination is templated', { name: 'templated-set', appsetNamespace: 'team-a' }, [S, S, R]],
  ['applicationset_delete', 'a set whose generator template names another project', { name: 'override-set', appsetNamespace: 'team-a' }, [R, S, S]],
  ['applicationset_generate', 'a set outside', { applicationSet: appset('team-a', 'gen', foreignSpec) }, [R, S, R]],
  // Projects: only `projects` confines them.
  ['project_create', 'another project', { project: { metadata: { name: 'platform' } } }, [R, S, S]],
  ['project_create', 'an allowed project, upsert', { upsert: true, project: { metadata: { name: 'payments' } } }, [S, S, S]],
  ['project_update', 'another project named only in the body', { project: { metadata: { name: 'platform' }, spec: {} } }, [R, S, S]],
  ['project_delete', 'another project', { name: 'platform' }, [R, S, S]],
  ['project_create_token', 'another project', { project: 'platform', role: 'ci' }, [R, S, S]],
  ['project_delete_token', 'another project', { project: 'platform', role: 'ci', iat: 1 }, [R, S, S]],
  // Clusters: `projects` admits clusters scoped to them, `clusters` the listed ones.
  ['cluster_create', 'an allowed cluster, upsert', { upsert: true, cluster: { server: PROD, name: 'prod', project: 'payments' } }, [S, S, S]],
  ['cluster_create', 'a global cluster elsewhere', { cluster: { server: 'https://new.example', name: 'new' } }, [R, S, R]],
  ['cluster_create', 'upsert over a global cluster, claiming a project', { upsert: true, cluster: { server: STAGING, name: 'staging', project: 'payments' } }, [R, S, R]],
  ['cluster_update', 'a foreign cluster claimed for the project', { idValue: STAGING, cluster: { server: STAGING, project: 'payments' } }, [R, S, R]],
  ['cluster_update', 'an allowed cluster moved to another project', { idValue: 'prod', idType: 'name', cluster: { project: 'platform' }, updatedFields: ['project'] }, [R, S, S]],
  ['cluster_update', 'an allowed cluster renamed away from the list', { idValue: PROD, cluster: { server: 'https://other.example', name: 'other', project: 'payments' } }, [S, S, R]],
  ['cluster_delete', 'a foreign cluster', { idValue: STAGING }, [R, S, R]],
  ['cluster_delete', 'an allowed cluster', { idValue: PROD }, [S, S, S]],
  ['cluster_invalidate_cache', 'a foreign cluster', { idValue: STAGING }, [R, S, R]],
  ['cluster_rotate_auth', 'a foreign cluster', { idValue: STAGING }, [R, S, R]],
  // Repositories: `projects` admits repositories scoped to them.
  ['repository_create', 'a repository of the project', { repository: { repo: 'https://git.example/new.git', project: 'payments' } }, [S, S, S]],
  ['repository_create', 'a global repository', { repository: { repo: 'https://git.example/new.git' } }, [R, S, S]],
  ['repository_create', 'upsert over a global repository', { upsert: true, repository: { repo: PLATFORM_REPO, project: 'payments' } }, [R, S, S]],
  ['repository_create_write', 'a global repository', { repository: { repo: 'https://git.example/new.git' } }, [R, S, S]],
  ['repository_update', 'a global repository claimed for the project', { repository: { repo: PLATFORM_REPO, project: 'payments' } }, [R, S, S]],
  ['repository_update', 'a repository moved to another project', { repository: { repo: PAY_REPO, project: 'platform' } }, [R, S, S]],
  ['repository_update_write', 'a repository of the project', { repository: { repo: PAY_REPO, project: 'payments' } }, [S, S, S]],
  ['repository_delete', 'a global repository', { repo: PLATFORM_REPO }, [R, S, S]],
  ['repository_delete', 'a repository of the project', { repo: PAY_REPO, appProject: 'payments' }, [S, S, S]],
  ['repository_delete_write', 'a global repository', { repo: PLATFORM_REPO }, [R, S, S]],
  ['repository_validate_access', 'a check that writes nothing', { repo: PLATFORM_REPO }, [S, S, S]],
  ['repository_validate_write_access', 'a check that writes nothing', { repo: PLATFORM_REPO }, [S, S, S]],
  ['repository_get_app_details', 'a read of a source', { repoURL: PLATFORM_REPO, source: { repoURL: PLATFORM_REPO, path: 'billing' } }, [S, S, S]],
  // Credential templates belong to no project.
  ['repocreds_create', 'a credential template', { repoCreds: { url: 'https://git.example' } }, [R, S, S]],
  ['repocreds_create_write', 'a credential template', { repoCreds: { url: 'https://git.example' } }, [R, S, S]],
  ['repocreds_update', 'a credential template', { repoCreds: { url: 'https://git.example' } }, [R, S, S]],
  ['repocreds_update_write', 'a credential template', { repoCreds: { url: 'https://git.example' } }, [R, S, S]],
  ['repocreds_delete', 'a credential template', { url: 'https://git.example' }, [R, S, S]],
  ['repocreds_delete_write', 'a credential template', { url: 'https://git.example' }, [R, S, S]],
];

const writes = (argo: { requests: SentRequest[] }) => argo.requests.filter((r) => r.method !== 'GET');

describe('scoping of every write', () => {
  it('covers every write operation of the confined toolsets', async () => {
    const { loadCatalogue } = await import('../../src/catalogue/load-catalogue.ts');
    const confined = ['applications', 'applicationsets', 'projects', 'clusters', 'repositories', 'repocreds'];
    const expected = loadCatalogue()
      .tools.filter((t) => t.request.method !== 'GET' && confined.includes(t.toolset))
      .map((t) => t.name);
    expect(new Set(ROWS.map((r) => r[0]))).toEqual(new Set(expected));
  });

  for (const [k, kind] of (['projects', 'namespaces', 'clusters'] as const).entries()) {
    describe(`under ${kind}`, () => {
      it.each(ROWS.map((r) => ({ tool: r[0], what: r[1], args: r[2], want: r[3][k] })))('$tool, $what: $want', async ({ tool, args, want }) => {
        const argo = fakeArgocd(answer);
        const result = await gatewayFor(ARGOCD, { scope: SCOPES[kind] }).callTool(tool, structuredClone(args));
        if (want === 'refused') {
          expect(result.isError, resultText(result)).toBe(true);
          expect(resultText(result)).toMatch(/Nothing was sent to Argo CD|so it is refused/);
          expect(writes(argo)).toEqual([]);
        } else {
          expect(result.isError, resultText(result)).toBeFalsy();
          expect(writes(argo)).toHaveLength(1);
        }
      });
    });
  }
});

describe('what the scope sends and reads', () => {
  const lookups = (argo: { requests: SentRequest[] }) => argo.requests.filter((r) => r.method === 'GET').map((r) => `${r.path}${r.query ? `?${r.query}` : ''}`);

  it('writes the default namespace into a create that names none, after checking it', async () => {
    const argo = fakeArgocd(answer);
    const gw = gatewayFor(ARGOCD, { scope: { namespaces: ['argocd', 'team-a'] } });
    const result = await gw.callTool('application_create', { application: { metadata: { name: 'new' }, spec: insideSpec } });
    expect(result.isError, resultText(result)).toBeFalsy();
    // Argo CD's own namespace is where its AppProjects live: the app's project tells it.
    expect(lookups(argo)).toEqual(['/api/v1/projects/payments']);
    const [sent] = writes(argo);
    expect(JSON.parse(sent.body).metadata).toEqual({ name: 'new', namespace: 'argocd' });
  });

  it('refuses a create that names no namespace when the default is outside, naming the fix', async () => {
    const argo = fakeArgocd(answer);
    const result = await gatewayFor(ARGOCD, { scope: { namespaces: ['team-a'] } }).callTool('application_create', { application: { metadata: { name: 'new' }, spec: insideSpec } });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/namespace "argocd" is not one of "team-a"/);
    expect(writes(argo)).toEqual([]);
  });

  it('keeps upsert when the existing app is inside, and drops it when the caller cannot see one', async () => {
    const argo = fakeArgocd(answer);
    const gw = gatewayFor(ARGOCD, { scope: { projects: ['payments'] } });
    const over = await gw.callTool('application_create', { upsert: true, application: { metadata: { name: 'inside', namespace: 'team-a' }, spec: insideSpec } });
    expect(over.isError, resultText(over)).toBeFalsy();
    const fresh = await gw.callTool('application_create', { upsert: true, application: { metadata: { name: 'brand-new' }, spec: insideSpec } });
    expect(fresh.isError, resultText(fresh)).toBeFalsy();
    const [first, second] = writes(argo);
    expect(new URLSearchParams(first.query).get('upsert')).toBe('true');
    // Without upsert Argo CD refuses to overwrite an app it has and the caller cannot see ("use upsert flag").
    expect(new URLSearchParams(second.query).get('upsert')).toBeNull();
  });

  it.each([
    { clusters: [PROD], destination: { name: 'prod', namespace: 'pay' }, read: '/api/v1/clusters/prod?id.type=name' },
    { clusters: ['prod'], destination: { server: PROD, namespace: 'pay' }, read: `/api/v1/clusters/${encodeURIComponent(PROD)}` },
  ])('matches a destination against a clusters entry in the other form ($clusters)', async ({ clusters, destination, read }) => {
    const argo = fakeArgocd(answer);
    const result = await gatewayFor(ARGOCD, { scope: { clusters } }).callTool('application_create', { application: { metadata: { name: 'new' }, spec: { ...insideSpec, destination } } });
    expect(result.isError, resultText(result)).toBeFalsy();
    expect(lookups(argo)).toEqual([read]);
    expect(writes(argo)).toHaveLength(1);
  });

  it('refuses a destination cluster Argo CD does not know', async () => {
    const argo = fakeArgocd(answer);
    const result = await gatewayFor(ARGOCD, { scope: { clusters: [PROD] } }).callTool('application_create', { application: { metadata: { name: 'new' }, spec: { ...insideSpec, destination: { name: 'ghost', namespace: 'x' } } } });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/destination cluster "ghost" is not one of/);
    expect(writes(argo)).toEqual([]);
  });

  it('reads each object once per call, and again in the next call', async () => {
    const argo = fakeArgocd(answer);
    const gw = gatewayFor(ARGOCD, { scope: { clusters: [PROD] } });
    const args = { application: { metadata: { name: 'inside', namespace: 'team-a' }, spec: insideSpec } };
    for (let i = 0; i < 2; i++) expect((await gw.callTool('application_update', structuredClone(args))).isError).toBeFalsy();
    // The app as it is and as it will be both name cluster "prod": one cluster read per call.
    expect(lookups(argo)).toEqual([
      '/api/v1/applications/inside?appNamespace=team-a',
      '/api/v1/clusters/prod?id.type=name',
      '/api/v1/applications/inside?appNamespace=team-a',
      '/api/v1/clusters/prod?id.type=name',
    ]);
    expect(writes(argo)).toHaveLength(2);
  });

  it('reads with GET only, with the caller\'s token', async () => {
    const argo = fakeArgocd(answer);
    await gatewayFor(ARGOCD, { token: 'caller-token', scope: { projects: ['payments'], clusters: [PROD] } }).callTool('application_update_spec', { ...inApp, spec: insideSpec });
    const [write] = writes(argo);
    const reads = argo.requests.filter((r) => r !== write);
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) {
      expect(r.method).toBe('GET');
      expect(r.headers.authorization).toBe('Bearer caller-token');
    }
  });

  it('refuses a write when a lookup fails (Argo CD 503, or unreachable), saying what could not be read', async () => {
    const down = fakeArgocd((sent) => (sent.method === 'GET' ? { status: 503, body: { error: 'upstream connect error', code: 14, message: 'upstream connect error' } } : { body: {} }));
    const result = await gatewayFor(ARGOCD, { scope: { projects: ['payments'] } }).callTool('application_update_spec', { ...inApp, spec: insideSpec });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/could not be checked against this gateway's scope .*reading Application "inside" from Argo CD failed: Argo CD answered 503/s);
    expect(resultText(result)).toMatch(/Nothing was sent to Argo CD/);
    expect(writes(down)).toEqual([]);

    const unreachable = await gatewayFor('http://127.0.0.1:9', { scope: { clusters: [PROD] }, timeoutMs: 2_000 }).callTool('application_sync', inApp);
    expect(unreachable.isError).toBe(true);
    expect(resultText(unreachable)).toMatch(/could not be checked against this gateway's scope/);
  });

  it('reads as the signed-in caller when calls run with per-user tokens, and fails closed when the caller has none', async () => {
    const argo = fakeArgocd(answer);
    const upstream = createUpstream({ baseUrl: ARGOCD, token: () => 'gateway-token', timeoutMs: 5_000, userAgent: 'test' });
    const asUser = createLookups(upstream, { identity: async () => ({ ok: true, user: { token: 'user-token', who: { subject: 'alice' } } }) });
    expect(await asUser.read('application_get', { name: 'inside', appNamespace: 'team-a' })).toMatchObject({ state: 'found' });
    expect(argo.requests.map((r) => r.headers.authorization)).toEqual(['Bearer user-token']);
    const signedOut = createLookups(upstream, { identity: async () => ({ ok: false, message: 'Sign in to Argo CD first.' }) });
    expect(await signedOut.read('application_get', { name: 'inside', appNamespace: 'team-a' })).toEqual({ state: 'failed', message: 'Sign in to Argo CD first.' });
    expect(signedOut.identityProblem).toBe('Sign in to Argo CD first.');
    expect(argo.requests).toHaveLength(1);
  });
});
