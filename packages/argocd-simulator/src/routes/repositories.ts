/** RepositoryService (repositories and write-repositories) and RepoCredsService (repocreds and write-repocreds). */
import { isoSeconds } from '../clock.ts';
import { errors } from '../errors.ts';
import { fakeSha } from '../prng.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import { HELM_REPOS } from '../seed/catalog.ts';
import type { JsonObject } from '../types.ts';
import { bodyObject, normalizeRepoUrl } from './app-access.ts';
import { sanitizeCreds, sanitizeRepo } from './sanitize.ts';

type Kind = 'read' | 'write';

function repoMap(ctx: RouteContext, kind: Kind): Map<string, JsonObject> {
  return kind === 'write' ? ctx.sim.store.writeRepos : ctx.sim.store.repos;
}

function resource(kind: Kind): string {
  return kind === 'write' ? 'write-repositories' : 'repositories';
}

function rbacObject(project: unknown, url: string): string {
  return project ? `${String(project)}/${url}` : url;
}

function findRepo(ctx: RouteContext, kind: Kind, url: string): JsonObject | undefined {
  const map = repoMap(ctx, kind);
  return map.get(url) ?? [...map.values()].find((r) => normalizeRepoUrl(String(r.repo)) === normalizeRepoUrl(url));
}

function list(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const filter = ctx.query.str('repo');
    const items = [...repoMap(ctx, kind).values()]
      .filter((r) => !filter || normalizeRepoUrl(String(r.repo)) === normalizeRepoUrl(filter))
      .filter((r) => ctx.sim.enforcer.enforce(ctx.caller, resource(kind), 'get', rbacObject(r.project, String(r.repo))))
      .map(sanitizeRepo);
    return { metadata: {}, items };
  };
}

function get(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const url = ctx.params.repo as string;
    const repo = findRepo(ctx, kind, url);
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'get', rbacObject(repo?.project ?? ctx.query.str('appProject'), url));
    if (!repo) throw errors.notFound(`${kind === 'write' ? 'write ' : ''}repo '${url}' not found`);
    return sanitizeRepo(repo);
  };
}

function guessType(url: string): string {
  return Object.values(HELM_REPOS).includes(url as never) ? 'helm' : 'git';
}

function create(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const body = bodyObject(ctx.body, 'v1alpha1.Repository');
    const url = String(body.repo ?? '');
    if (!url) throw errors.invalid('missing payload in request');
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'create', rbacObject(body.project, url));
    if (kind === 'write' && !body.password && !body.sshPrivateKey && !body.githubAppPrivateKey && !body.bearerToken) throw errors.invalid('missing credentials in request');
    const fresh: JsonObject = { ...body, repo: url, type: body.type || guessType(url), connectionState: { status: 'Successful', message: '', attemptedAt: isoSeconds(Date.now()) } };
    const existing = findRepo(ctx, kind, url);
    if (existing) {
      const { connectionState: _a, ...e } = existing;
      const { connectionState: _b, ...f } = fresh;
      if (JSON.stringify(e) === JSON.stringify(f)) return sanitizeRepo(existing);
      if (!ctx.query.bool('upsert')) throw errors.invalid(`existing ${kind === 'write' ? 'write repository' : 'repository'} spec is different; use upsert flag to force update`);
      ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'update', rbacObject(existing.project, url));
      repoMap(ctx, kind).delete(String(existing.repo));
    }
    repoMap(ctx, kind).set(url, fresh);
    return sanitizeRepo(fresh);
  };
}

function update(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const body = bodyObject(ctx.body, 'v1alpha1.Repository');
    // The path parameter {repo.repo} overwrites the body's repo field.
    const url = ctx.params['repo.repo'] as string;
    const existing = findRepo(ctx, kind, url);
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'update', rbacObject(existing?.project ?? body.project, url));
    if (!existing) throw errors.notFound(`${kind === 'write' ? 'write ' : ''}repo '${url}' not found`);
    const updated: JsonObject = { ...existing, ...body, repo: existing.repo, connectionState: { status: 'Successful', message: '', attemptedAt: isoSeconds(Date.now()) } };
    repoMap(ctx, kind).set(String(existing.repo), updated);
    return sanitizeRepo(updated);
  };
}

function remove(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const url = ctx.params.repo as string;
    const existing = findRepo(ctx, kind, url);
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'delete', rbacObject(existing?.project ?? ctx.query.str('appProject'), url));
    if (!existing) throw errors.notFound(`repo '${url}' not found`);
    repoMap(ctx, kind).delete(String(existing.repo));
    return {};
  };
}

function readable(ctx: RouteContext, url: string): JsonObject {
  const repo = findRepo(ctx, 'read', url);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'repositories', 'get', rbacObject(repo?.project ?? ctx.query.str('appProject'), url));
  if (!repo) throw errors.notFound(`repo '${url}' not found`);
  return repo;
}

function refs(ctx: RouteContext): unknown {
  const url = ctx.params.repo as string;
  const repo = readable(ctx, url);
  if (repo.type === 'helm') throw errors.unknown(`error listing refs: ${url} is a Helm repository, not a Git repository`);
  const name = url.split('/').pop()?.replace(/\.git$/, '') ?? 'repo';
  return {
    branches: ['main', 'develop', 'release/2025.12', 'release/2026.01', `feature/${name}-rollouts`, 'renovate/ghcr.io-acme-base-images-1.x'],
    tags: ['v1.38.0', 'v1.39.0', 'v1.40.0', 'v1.40.1', 'v1.41.0', 'v1.42.0', 'v1.42.1', 'v1.43.0'],
  };
}

function helmCharts(ctx: RouteContext): unknown {
  const url = ctx.params.repo as string;
  const repo = readable(ctx, url);
  if (repo.type !== 'helm') throw errors.unknown(`error getting helm charts: ${url} is not a Helm repository`);
  const byRepo: Record<string, Array<{ name: string; versions: string[] }>> = {
    [HELM_REPOS['ingress-nginx']]: [{ name: 'ingress-nginx', versions: ['4.12.0', '4.11.3', '4.11.2', '4.11.1', '4.10.4', '4.10.1'] }],
    [HELM_REPOS.jetstack]: [{ name: 'cert-manager', versions: ['v1.16.3', 'v1.16.2', 'v1.16.1', 'v1.15.3', 'v1.15.1', 'v1.14.5'] }, { name: 'trust-manager', versions: ['v0.15.0', 'v0.14.0'] }],
    [HELM_REPOS['external-dns']]: [{ name: 'external-dns', versions: ['1.15.2', '1.15.1', '1.15.0', '1.14.5', '1.14.3'] }],
    [HELM_REPOS['prometheus-community']]: [{ name: 'kube-prometheus-stack', versions: ['68.3.0', '67.9.0', '66.3.1', '65.1.1', '62.7.0', '61.3.2'] }, { name: 'prometheus-node-exporter', versions: ['4.43.1', '4.42.0'] }],
    [HELM_REPOS.grafana]: [{ name: 'grafana', versions: ['8.8.5', '8.6.4', '8.5.2', '8.4.9', '8.3.6'] }, { name: 'loki', versions: ['6.25.0', '6.24.0', '6.21.0', '6.16.0', '6.10.0'] }, { name: 'tempo', versions: ['1.18.1', '1.16.0', '1.14.0', '1.10.3'] }],
    [HELM_REPOS.kedacore]: [{ name: 'keda', versions: ['2.16.1', '2.16.0', '2.15.1', '2.15.0', '2.14.2'] }],
  };
  return { items: byRepo[String(repo.repo)] ?? [{ name: 'service', versions: ['0.9.0', '0.8.3', '0.8.2'] }] };
}

function ociTags(ctx: RouteContext): unknown {
  const url = ctx.params.repo as string;
  const repo = readable(ctx, url);
  if (!repo.enableOCI) throw errors.unknown(`error listing OCI tags: ${url} is not an OCI repository`);
  return { tags: ['0.9.0', '0.8.3', '0.8.2', '0.8.1', '0.8.0'] };
}

function apps(ctx: RouteContext): unknown {
  const url = ctx.params.repo as string;
  readable(ctx, url);
  const seen = new Map<string, string>();
  for (const rec of ctx.sim.store.apps.values()) {
    const spec = rec.app.spec as JsonObject;
    const src = (spec.source ?? {}) as JsonObject;
    if (normalizeRepoUrl(String(src.repoURL ?? '')) !== normalizeRepoUrl(url) || !src.path) continue;
    const type = String((rec.app.status as JsonObject).sourceType ?? 'Directory');
    seen.set(String(src.path), type);
  }
  const items = [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, type]) => ({ path, type }));
  return { items };
}

function validate(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    if (typeof ctx.body !== 'string') throw errors.invalid('json: cannot unmarshal object into Go value of type string');
    const url = ctx.body || (ctx.params.repo as string);
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), kind === 'write' ? 'create' : 'create', rbacObject(ctx.query.str('project'), url));
    const ok = /^(https?:\/\/|ssh:\/\/|git@[\w.-]+:|oci:\/\/)/.test(url) || (ctx.query.bool('enableOci') ?? false);
    if (!ok) throw errors.invalid(`repository not accessible: repository not found`);
    if (/does-not-exist|invalid/.test(url)) throw errors.invalid(`repository not accessible: repositories not accessible: &Repository{Repo: "${url}", Type: "${ctx.query.str('type') || 'git'}"}: repo client error while testing repository: rpc error: code = Unknown desc = authentication required: Repository not found.`);
    return {};
  };
}

function appDetails(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'repository.RepoAppDetailsQuery');
  const url = ctx.params['source.repoURL'] as string;
  const source: JsonObject = { ...((body.source ?? {}) as JsonObject), repoURL: url };
  readable(ctx, url);
  if (source.chart) {
    return { type: 'Helm', helm: { name: source.chart, valueFiles: ['values.yaml'], parameters: [{ name: 'replicaCount', value: '1' }, { name: 'image.tag', value: '' }, { name: 'metrics.enabled', value: 'false' }], values: 'replicaCount: 1\nimage:\n  tag: ""\nmetrics:\n  enabled: false\n' } };
  }
  const path = String(source.path ?? '');
  const app = [...ctx.sim.store.apps.values()].find((r) => {
    const s = ((r.app.spec as JsonObject).source ?? {}) as JsonObject;
    return normalizeRepoUrl(String(s.repoURL ?? '')) === normalizeRepoUrl(url) && s.path === path;
  });
  const type = app ? String((app.app.status as JsonObject).sourceType) : path.includes('overlays') ? 'Kustomize' : 'Directory';
  if (type === 'Kustomize') return { type, kustomize: { images: app ? (((((app.app.spec as JsonObject).source as JsonObject).kustomize as JsonObject | undefined)?.images ?? []) as string[]) : [] } };
  if (type === 'Helm') return { type, helm: { name: String(app ? (app.app.metadata as JsonObject).name : 'service'), valueFiles: ['values.yaml'], parameters: [{ name: 'image.tag', value: fakeSha(path).slice(0, 7) }], values: 'image:\n  repository: ghcr.io/acme/service\n' } };
  return { type: 'Directory', directory: {} };
}

function credsMap(ctx: RouteContext, kind: Kind): Map<string, JsonObject> {
  return kind === 'write' ? ctx.sim.store.writeRepoCreds : ctx.sim.store.repoCreds;
}

function credsList(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const filter = ctx.query.str('url');
    const items = [...credsMap(ctx, kind).values()]
      .filter((c) => !filter || c.url === filter)
      .filter((c) => ctx.sim.enforcer.enforce(ctx.caller, resource(kind), 'get', String(c.url)))
      .map(sanitizeCreds);
    return { metadata: {}, items };
  };
}

function credsCreate(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const body = bodyObject(ctx.body, 'v1alpha1.RepoCreds');
    const url = String(body.url ?? '');
    if (!url) throw errors.invalid('must specify URL');
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'create', url);
    const existing = credsMap(ctx, kind).get(url);
    if (existing && JSON.stringify(existing) !== JSON.stringify(body)) {
      if (!ctx.query.bool('upsert')) throw errors.invalid('existing repository credentials spec is different; use upsert flag to force update');
      ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'update', url);
    }
    credsMap(ctx, kind).set(url, { ...body, url });
    return { url };
  };
}

function credsUpdate(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const body = bodyObject(ctx.body, 'v1alpha1.RepoCreds');
    const url = ctx.params['creds.url'] as string;
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'update', url);
    if (!credsMap(ctx, kind).has(url)) throw errors.notFound(`repository credentials '${url}' not found`);
    credsMap(ctx, kind).set(url, { ...body, url });
    return { url };
  };
}

function credsDelete(kind: Kind) {
  return (ctx: RouteContext): unknown => {
    const url = ctx.params.url as string;
    ctx.sim.enforcer.enforceErr(ctx.caller, resource(kind), 'delete', url);
    if (!credsMap(ctx, kind).delete(url)) throw errors.notFound(`repository credentials '${url}' not found`);
    return {};
  };
}

/** Routes of this module. */
export const repositoryRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/repositories', operationId: 'RepositoryService_ListRepositories', handler: list('read') },
  { method: 'POST', path: '/api/v1/repositories', operationId: 'RepositoryService_CreateRepository', body: 'object', handler: create('read') },
  { method: 'GET', path: '/api/v1/repositories/{repo}', operationId: 'RepositoryService_Get', handler: get('read') },
  { method: 'PUT', path: '/api/v1/repositories/{repo.repo}', operationId: 'RepositoryService_UpdateRepository', body: 'object', handler: update('read') },
  { method: 'DELETE', path: '/api/v1/repositories/{repo}', operationId: 'RepositoryService_DeleteRepository', handler: remove('read') },
  { method: 'GET', path: '/api/v1/repositories/{repo}/refs', operationId: 'RepositoryService_ListRefs', handler: refs },
  { method: 'GET', path: '/api/v1/repositories/{repo}/helmcharts', operationId: 'RepositoryService_GetHelmCharts', handler: helmCharts },
  { method: 'GET', path: '/api/v1/repositories/{repo}/oci-tags', operationId: 'RepositoryService_ListOCITags', handler: ociTags },
  { method: 'GET', path: '/api/v1/repositories/{repo}/apps', operationId: 'RepositoryService_ListApps', handler: apps },
  { method: 'POST', path: '/api/v1/repositories/{repo}/validate', operationId: 'RepositoryService_ValidateAccess', body: 'string', handler: validate('read') },
  { method: 'POST', path: '/api/v1/repositories/{source.repoURL}/appdetails', operationId: 'RepositoryService_GetAppDetails', body: 'object', handler: appDetails },
  { method: 'GET', path: '/api/v1/write-repositories', operationId: 'RepositoryService_ListWriteRepositories', handler: list('write') },
  { method: 'POST', path: '/api/v1/write-repositories', operationId: 'RepositoryService_CreateWriteRepository', body: 'object', handler: create('write') },
  { method: 'GET', path: '/api/v1/write-repositories/{repo}', operationId: 'RepositoryService_GetWrite', handler: get('write') },
  { method: 'PUT', path: '/api/v1/write-repositories/{repo.repo}', operationId: 'RepositoryService_UpdateWriteRepository', body: 'object', handler: update('write') },
  { method: 'DELETE', path: '/api/v1/write-repositories/{repo}', operationId: 'RepositoryService_DeleteWriteRepository', handler: remove('write') },
  { method: 'POST', path: '/api/v1/write-repositories/{repo}/validate', operationId: 'RepositoryService_ValidateWriteAccess', body: 'string', handler: validate('write') },
  { method: 'GET', path: '/api/v1/repocreds', operationId: 'RepoCredsService_ListRepositoryCredentials', handler: credsList('read') },
  { method: 'POST', path: '/api/v1/repocreds', operationId: 'RepoCredsService_CreateRepositoryCredentials', body: 'object', handler: credsCreate('read') },
  { method: 'PUT', path: '/api/v1/repocreds/{creds.url}', operationId: 'RepoCredsService_UpdateRepositoryCredentials', body: 'object', handler: credsUpdate('read') },
  { method: 'DELETE', path: '/api/v1/repocreds/{url}', operationId: 'RepoCredsService_DeleteRepositoryCredentials', handler: credsDelete('read') },
  { method: 'GET', path: '/api/v1/write-repocreds', operationId: 'RepoCredsService_ListWriteRepositoryCredentials', handler: credsList('write') },
  { method: 'POST', path: '/api/v1/write-repocreds', operationId: 'RepoCredsService_CreateWriteRepositoryCredentials', body: 'object', handler: credsCreate('write') },
  { method: 'PUT', path: '/api/v1/write-repocreds/{creds.url}', operationId: 'RepoCredsService_UpdateWriteRepositoryCredentials', body: 'object', handler: credsUpdate('write') },
  { method: 'DELETE', path: '/api/v1/write-repocreds/{url}', operationId: 'RepoCredsService_DeleteWriteRepositoryCredentials', handler: credsDelete('write') },
];
