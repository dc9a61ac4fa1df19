/** ClusterService: list, get, create, update, delete, rotate-auth, invalidate-cache. */
import { isoSeconds } from '../clock.ts';
import { ApiError, Code, errors } from '../errors.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import type { JsonObject } from '../types.ts';
import { bodyObject } from './app-access.ts';
import { sanitizeCluster } from './sanitize.ts';

function rbacObject(c: JsonObject): string {
  return c.project ? `${String(c.project)}/${String(c.server)}` : String(c.server);
}

/** Resolves {id.value} with `id.type` (server URL by default, or name / name_escaped). */
function findCluster(ctx: RouteContext, idValue: string): JsonObject | undefined {
  const type = ctx.query.str('id.type');
  let name = '';
  let server = '';
  if (type === 'name') name = idValue;
  else if (type === 'name_escaped') name = decodeURIComponent(idValue.replace(/\+/g, ' '));
  else server = idValue;
  return ctx.sim.store.clusters.find((c) => (server ? c.server === server : c.name === name));
}

/** Unknown clusters answer 403, like getClusterWith403IfNotExist. */
function getForAction(ctx: RouteContext, action: string, prefix: string): JsonObject {
  const c = findCluster(ctx, ctx.params['id.value'] as string);
  if (!c || !ctx.sim.enforcer.enforce(ctx.caller, 'clusters', action, rbacObject(c))) {
    throw new ApiError(Code.PermissionDenied, `${prefix}failed to get cluster with permissions check: permission denied`);
  }
  return c;
}

function list(ctx: RouteContext): unknown {
  const q = ctx.query;
  let items = ctx.sim.store.clusters;
  const idValue = q.str('id.value');
  if (idValue) {
    const type = q.str('id.type');
    items = items.filter((c) => (type === 'name' || type === 'name_escaped' ? c.name === idValue : c.server === idValue));
  }
  if (q.str('name')) items = items.filter((c) => c.name === q.str('name'));
  if (q.str('server')) items = items.filter((c) => c.server === q.str('server'));
  items = items.filter((c) => ctx.sim.enforcer.enforce(ctx.caller, 'clusters', 'get', rbacObject(c)));
  return { metadata: {}, items: items.map(sanitizeCluster) };
}

function validateCluster(body: JsonObject): void {
  const server = String(body.server ?? '');
  if (!server) throw errors.invalid('server URL is required');
  if (!/^https?:\/\//.test(server)) throw errors.invalid(`invalid server URL "${server}": must be an http(s) URL`);
}

function create(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'v1alpha1.Cluster');
  ctx.sim.enforcer.enforceErr(ctx.caller, 'clusters', 'create', rbacObject(body));
  validateCluster(body);
  const existing = ctx.sim.store.clusters.find((c) => c.server === body.server);
  const now = Date.now();
  const fresh: JsonObject = {
    server: body.server,
    name: body.name || body.server,
    config: body.config ?? { tlsClientConfig: { insecure: false } },
    ...(body.namespaces ? { namespaces: body.namespaces } : {}),
    info: { connectionState: { status: 'Successful', message: '', attemptedAt: isoSeconds(now) }, serverVersion: '1.31', cacheInfo: {}, applicationsCount: 0 },
    ...(body.shard !== undefined ? { shard: body.shard } : {}),
    ...(body.clusterResources ? { clusterResources: true } : {}),
    ...(body.project ? { project: body.project } : {}),
    ...(body.labels ? { labels: body.labels } : {}),
    ...(body.annotations ? { annotations: body.annotations } : {}),
  };
  if (existing) {
    const comparable = (c: JsonObject) => JSON.stringify({ name: c.name, config: c.config, namespaces: c.namespaces, project: c.project, labels: c.labels, annotations: c.annotations });
    if (comparable(existing) === comparable(fresh)) return sanitizeCluster(existing);
    if (!ctx.query.bool('upsert')) throw errors.invalid('existing cluster spec is different; use upsert flag to force update');
    ctx.sim.enforcer.enforceErr(ctx.caller, 'clusters', 'update', rbacObject(existing));
    Object.assign(existing, { ...fresh, info: existing.info });
    return sanitizeCluster(existing);
  }
  ctx.sim.store.clusters.push(fresh);
  return sanitizeCluster(fresh);
}

const UPDATABLE = ['name', 'namespaces', 'config', 'shard', 'clusterResources', 'labels', 'annotations', 'project'];

function update(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'v1alpha1.Cluster');
  const c = getForAction(ctx, 'update', 'failed to verify access for updating cluster: ');
  const fields = ctx.query.all('updatedFields');
  const keys = fields.length ? fields.filter((f) => UPDATABLE.includes(f)) : UPDATABLE;
  for (const k of keys) {
    if (body[k] === undefined) {
      if (fields.length) delete c[k];
      continue;
    }
    // An update without credentials keeps the stored ones (the API never returned them).
    if (k === 'config') {
      const incoming = body.config as JsonObject;
      const stored = (c.config ?? {}) as JsonObject;
      c.config = { ...incoming, ...(incoming.bearerToken ? {} : stored.bearerToken ? { bearerToken: stored.bearerToken } : {}) };
      continue;
    }
    c[k] = body[k];
  }
  return sanitizeCluster(c);
}

function remove(ctx: RouteContext): unknown {
  const c = getForAction(ctx, 'delete', 'failed to get cluster with permissions check: ');
  const idx = ctx.sim.store.clusters.indexOf(c);
  ctx.sim.store.clusters.splice(idx, 1);
  return {};
}

function rotateAuth(ctx: RouteContext): unknown {
  const c = getForAction(ctx, 'update', 'failed to get cluster with permissions check: ');
  const config = (c.config ?? {}) as JsonObject;
  if (!config.bearerToken) throw errors.invalid(`Cluster '${String(c.server)}' does not use bearer token authentication`);
  config.bearerToken = `eyJhbGciOiJSUzI1NiIsImtpZCI6Ii${ctx.sim.rng.hex(40)}`;
  return {};
}

function invalidateCache(ctx: RouteContext): unknown {
  const c = getForAction(ctx, 'update', 'failed to get cluster with permissions check: ');
  c.refreshRequestedAt = isoSeconds(Date.now());
  return sanitizeCluster(c);
}

/** Routes of this module. */
export const clusterRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/clusters', operationId: 'ClusterService_List', handler: list },
  { method: 'POST', path: '/api/v1/clusters', operationId: 'ClusterService_Create', body: 'object', handler: create },
  { method: 'GET', path: '/api/v1/clusters/{id.value}', operationId: 'ClusterService_Get', handler: (ctx) => sanitizeCluster(getForAction(ctx, 'get', 'error verifying access to update cluster: ')) },
  { method: 'PUT', path: '/api/v1/clusters/{id.value}', operationId: 'ClusterService_Update', body: 'object', handler: update },
  { method: 'DELETE', path: '/api/v1/clusters/{id.value}', operationId: 'ClusterService_Delete', handler: remove },
  { method: 'POST', path: '/api/v1/clusters/{id.value}/rotate-auth', operationId: 'ClusterService_RotateAuth', handler: rotateAuth },
  { method: 'POST', path: '/api/v1/clusters/{id.value}/invalidate-cache', operationId: 'ClusterService_InvalidateCache', handler: invalidateCache },
];
