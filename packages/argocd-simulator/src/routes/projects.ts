/** ProjectService: list, get, create, update, delete, detailed, events, global projects, links, sync windows, role tokens. */
import { EPOCH_MS, isoSeconds } from '../clock.ts';
import { errors, k8sNotFound } from '../errors.ts';
import { applyFields, parseFields } from '../fields.ts';
import { k8sEvent } from '../k8s-event.ts';
import { createRng, hashString } from '../prng.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import { ARGOCD_NS } from '../seed/catalog.ts';
import { cloneJson } from '../store.ts';
import type { JsonObject } from '../types.ts';
import { bodyObject, validateObjectName } from './app-access.ts';
import { sanitizeCluster, sanitizeRepo } from './sanitize.ts';

function getProject(ctx: RouteContext, name: string): JsonObject {
  ctx.sim.enforcer.enforceErr(ctx.caller, 'projects', 'get', name);
  const proj = ctx.sim.store.projects.get(name);
  if (!proj) throw k8sNotFound('appprojects.argoproj.io', name);
  return proj;
}

function list(ctx: RouteContext): unknown {
  const name = ctx.query.str('name');
  const items = [...ctx.sim.store.projects.values()]
    .filter((p) => (!name || (p.metadata as JsonObject).name === name) && ctx.sim.enforcer.enforce(ctx.caller, 'projects', 'get', String((p.metadata as JsonObject).name)))
    .sort((a, b) => String((a.metadata as JsonObject).name).localeCompare(String((b.metadata as JsonObject).name)));
  return applyFields({ metadata: { resourceVersion: ctx.sim.store.listResourceVersion() }, items }, parseFields(ctx.query.get('fields')));
}

function validatePolicies(name: string, spec: JsonObject): void {
  for (const role of (spec.roles ?? []) as JsonObject[]) {
    for (const policy of (role.policies ?? []) as string[]) {
      const parts = policy.split(',').map((s) => s.trim());
      if (parts.length !== 6 || parts[0] !== 'p') throw errors.invalid(`policy syntax error: ${policy}`);
      if (parts[1] !== `proj:${name}:${String(role.name)}`) throw errors.invalid(`policy subject must be: 'proj:${name}:${String(role.name)}', not '${parts[1]}'`);
      if (!['allow', 'deny'].includes(parts[5] as string)) throw errors.invalid(`policy syntax error: ${policy}`);
    }
  }
}

function create(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'project.ProjectCreateRequest');
  const proj = body.project as JsonObject | undefined;
  if (!proj || typeof proj !== 'object') throw errors.invalid("missing payload 'project' in request");
  const md = (proj.metadata ?? {}) as JsonObject;
  const name = String(md.name ?? '');
  ctx.sim.enforcer.enforceErr(ctx.caller, 'projects', 'create', name);
  validateObjectName('AppProject.argoproj.io', name);
  const spec = (proj.spec ?? {}) as JsonObject;
  validatePolicies(name, spec);
  const existing = ctx.sim.store.projects.get(name);
  if (existing) {
    if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return existing;
    if (!body.upsert) throw errors.invalid('existing project spec is different; use upsert flag to force update');
    ctx.sim.enforcer.enforceErr(ctx.caller, 'projects', 'update', name);
    existing.spec = spec;
    const emd = existing.metadata as JsonObject;
    emd.resourceVersion = ctx.sim.store.nextResourceVersion();
    emd.generation = Number(emd.generation ?? 1) + 1;
    return existing;
  }
  const rng = createRng(hashString(`${ctx.sim.opts.seed}:project:${name}:${Date.now()}`));
  const created: JsonObject = {
    metadata: { name, namespace: ARGOCD_NS, uid: rng.uuid(), resourceVersion: ctx.sim.store.nextResourceVersion(), generation: 1, creationTimestamp: isoSeconds(Date.now()), ...(md.labels ? { labels: md.labels } : {}), ...(md.annotations ? { annotations: md.annotations } : {}) },
    spec,
    status: {},
  };
  ctx.sim.store.projects.set(name, created);
  return created;
}

function update(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'project.ProjectUpdateRequest');
  const proj = body.project as JsonObject | undefined;
  if (!proj || typeof proj !== 'object') throw errors.invalid("missing payload 'project' in request");
  // The path parameter overwrites project.metadata.name from the body.
  const name = ctx.params['project.metadata.name'] as string;
  ctx.sim.enforcer.enforceErr(ctx.caller, 'projects', 'update', name);
  const existing = ctx.sim.store.projects.get(name);
  if (!existing) throw k8sNotFound('appprojects.argoproj.io', name);
  const spec = (proj.spec ?? {}) as JsonObject;
  validatePolicies(name, spec);
  existing.spec = spec;
  const md = existing.metadata as JsonObject;
  const incoming = (proj.metadata ?? {}) as JsonObject;
  if (incoming.labels) md.labels = incoming.labels;
  if (incoming.annotations) md.annotations = incoming.annotations;
  md.resourceVersion = ctx.sim.store.nextResourceVersion();
  md.generation = Number(md.generation ?? 1) + 1;
  return existing;
}

function remove(ctx: RouteContext): unknown {
  const name = ctx.params.name as string;
  if (name === 'default') throw errors.invalid(`name '${name}' is reserved and cannot be deleted`);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'projects', 'delete', name);
  if (!ctx.sim.store.projects.has(name)) throw k8sNotFound('appprojects.argoproj.io', name);
  const apps = [...ctx.sim.store.apps.values()].filter((r) => ((r.app.spec as JsonObject).project || 'default') === name).length;
  if (apps > 0) throw errors.invalid(`project is referenced by ${apps} applications`);
  ctx.sim.store.projects.delete(name);
  return {};
}

function glob(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
}

function detailed(ctx: RouteContext): unknown {
  const proj = getProject(ctx, ctx.params.name as string);
  const spec = proj.spec as JsonObject;
  const repos = [...ctx.sim.store.repos.values()].filter((r) => ((spec.sourceRepos ?? []) as string[]).some((p) => glob(p, String(r.repo))) || r.project === (proj.metadata as JsonObject).name);
  const clusters = ctx.sim.store.clusters.filter((c) => ((spec.destinations ?? []) as JsonObject[]).some((d) => (d.server ? glob(String(d.server), String(c.server)) : false) || (d.name ? glob(String(d.name), String(c.name)) : false)));
  return { project: proj, globalProjects: [], repositories: repos.map(sanitizeRepo), clusters: clusters.map((c) => sanitizeCluster(c)) };
}

function events(ctx: RouteContext): unknown {
  const proj = getProject(ctx, ctx.params.name as string);
  const md = proj.metadata as JsonObject;
  const rng = createRng(hashString(`${String(md.uid)}:events`));
  const at = EPOCH_MS - rng.int(1, 48) * 3_600_000;
  return {
    metadata: { resourceVersion: ctx.sim.store.listResourceVersion() },
    items: [
      k8sEvent(
        ARGOCD_NS,
        { kind: 'AppProject', namespace: ARGOCD_NS, name: md.name, uid: md.uid, apiVersion: 'argoproj.io/v1alpha1', resourceVersion: md.resourceVersion },
        'ResourceUpdated',
        'admin updated project',
        at,
        { component: 'argocd-server', rng },
      ),
    ],
  };
}

function windows(ctx: RouteContext): unknown {
  // Only active windows are returned; the simulator does not evaluate cron schedules, so none is active.
  getProject(ctx, ctx.params.name as string);
  return { windows: [] };
}

function links(ctx: RouteContext): unknown {
  const proj = getProject(ctx, ctx.params.name as string);
  const name = String((proj.metadata as JsonObject).name);
  return { items: [{ title: 'Team dashboard', url: `https://grafana.acme.io/d/argocd-project/argo-cd-project?var-project=${name}`, iconClass: 'fa fa-chart-line' }] };
}

function createToken(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'project.ProjectTokenCreateRequest');
  const projectName = ctx.params.project as string;
  const roleName = ctx.params.role as string;
  const proj = ctx.sim.store.projects.get(projectName);
  if (!proj) throw k8sNotFound('appprojects.argoproj.io', projectName);
  const role = (((proj.spec as JsonObject).roles ?? []) as JsonObject[]).find((r) => r.name === roleName);
  if (!role) throw errors.notFound(`project '${projectName}' does not have role '${roleName}'`);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'projects', 'update', projectName);
  const id = typeof body.id === 'string' && body.id ? body.id : ctx.sim.rng.uuid();
  const tokens = (role.jwtTokens ?? []) as JsonObject[];
  if (tokens.some((t) => t.id === id)) throw errors.invalid(`Token id '${id}' has been used. `);
  const iat = Math.floor(Date.now() / 1000);
  const expiresIn = typeof body.expiresIn === 'number' ? body.expiresIn : 0;
  const exp = expiresIn > 0 ? iat + expiresIn : undefined;
  const token = ctx.sim.issuer.issue({ subject: `proj:${projectName}:${roleName}`, iat, id, exp, caller: { sub: `proj:${projectName}:${roleName}`, role: 'project', project: projectName, roleName } });
  const entry: JsonObject = { iat, id, ...(exp ? { exp } : {}) };
  tokens.push(entry);
  setRoleTokens(proj, role, roleName, tokens);
  (proj.metadata as JsonObject).resourceVersion = ctx.sim.store.nextResourceVersion();
  return { token };
}

/** A role's tokens live in spec (roles[].jwtTokens) and again in status (jwtTokensByRole), as Argo CD keeps them. */
function setRoleTokens(proj: JsonObject, role: JsonObject, roleName: string, tokens: JsonObject[]): void {
  role.jwtTokens = tokens;
  const status = (proj.status ?? {}) as JsonObject;
  const byRole = (status.jwtTokensByRole ?? {}) as JsonObject;
  byRole[roleName] = { items: cloneJson(tokens) };
  status.jwtTokensByRole = byRole;
  proj.status = status;
}

function deleteToken(ctx: RouteContext): unknown {
  const projectName = ctx.params.project as string;
  const roleName = ctx.params.role as string;
  const iat = Number(ctx.params.iat);
  if (!Number.isInteger(iat)) throw errors.invalid(`type mismatch, parameter: iat, error: strconv.ParseInt: parsing ${JSON.stringify(ctx.params.iat)}: invalid syntax`);
  const proj = ctx.sim.store.projects.get(projectName);
  if (!proj) throw k8sNotFound('appprojects.argoproj.io', projectName);
  const role = (((proj.spec as JsonObject).roles ?? []) as JsonObject[]).find((r) => r.name === roleName);
  if (!role) throw errors.notFound(`project '${projectName}' does not have role '${roleName}'`);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'projects', 'update', projectName);
  const id = ctx.query.str('id');
  const tokens = ((role.jwtTokens ?? []) as JsonObject[]).filter((t) => !(t.iat === iat && (!id || t.id === id)));
  setRoleTokens(proj, role, roleName, tokens);
  ctx.sim.issuer.revoke((c) => c.role === 'project' && c.project === projectName && c.roleName === roleName && c.iat === iat && (!id || c.id === id));
  return {};
}

/** Routes of this module. */
export const projectRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/projects', operationId: 'ProjectService_List', handler: list },
  { method: 'POST', path: '/api/v1/projects', operationId: 'ProjectService_Create', body: 'object', handler: create },
  { method: 'GET', path: '/api/v1/projects/{name}', operationId: 'ProjectService_Get', handler: (ctx) => getProject(ctx, ctx.params.name as string) },
  { method: 'PUT', path: '/api/v1/projects/{project.metadata.name}', operationId: 'ProjectService_Update', body: 'object', handler: update },
  { method: 'DELETE', path: '/api/v1/projects/{name}', operationId: 'ProjectService_Delete', handler: remove },
  { method: 'GET', path: '/api/v1/projects/{name}/detailed', operationId: 'ProjectService_GetDetailedProject', handler: detailed },
  { method: 'GET', path: '/api/v1/projects/{name}/events', operationId: 'ProjectService_ListEvents', handler: events },
  { method: 'GET', path: '/api/v1/projects/{name}/globalprojects', operationId: 'ProjectService_GetGlobalProjects', handler: (ctx) => (getProject(ctx, ctx.params.name as string), { items: [] }) },
  { method: 'GET', path: '/api/v1/projects/{name}/links', operationId: 'ProjectService_ListLinks', handler: links },
  { method: 'GET', path: '/api/v1/projects/{name}/syncwindows', operationId: 'ProjectService_GetSyncWindowsState', handler: windows },
  { method: 'POST', path: '/api/v1/projects/{project}/roles/{role}/token', operationId: 'ProjectService_CreateToken', body: 'object', handler: createToken },
  { method: 'DELETE', path: '/api/v1/projects/{project}/roles/{role}/token/{iat}', operationId: 'ProjectService_DeleteToken', handler: deleteToken },
];
