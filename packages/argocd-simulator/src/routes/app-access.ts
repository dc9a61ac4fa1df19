/** Shared checks for application routes: RBAC-aware lookup (Argo's getAppEnforceRBAC) and spec validation. */
import type { Caller } from '../auth.ts';
import type { RouteContext } from '../router.ts';
import type { SimContext } from '../context.ts';
import { type ApiError, errors, k8sNotFound } from '../errors.ts';
import { ARGOCD_NS } from '../seed/catalog.ts';
import { type AppRecord, cloneJson } from '../store.ts';
import type { JsonObject } from '../types.ts';

/** `<project>/<name>`, the RBAC object of an application. */
export function rbacName(rec: AppRecord): string {
  const spec = rec.app.spec as JsonObject;
  return `${String(spec.project || 'default')}/${String((rec.app.metadata as JsonObject).name)}`;
}

/** The application's project. */
export function appProject(rec: AppRecord): string {
  return String((rec.app.spec as JsonObject).project || 'default');
}

/**
 * Looks an application up the way argocd-server does: without `project`, a missing app and a forbidden app are
 * both 403 "permission denied"; with `project`, a missing app (or one in another project) is 404.
 */
export function getAppEnforced(sim: SimContext, caller: Caller | undefined, input: { name: string; action?: string; project?: string; appNamespace?: string }): AppRecord {
  const action = input.action ?? 'get';
  const project = input.project ?? '';
  const name = input.name;
  if (project && !sim.enforcer.enforce(caller, 'applications', action, `${project}/${name}`)) throw errors.denied();
  const ns = input.appNamespace ?? '';
  const rec = ns === '' || ns === ARGOCD_NS ? sim.store.apps.get(name) : undefined;
  if (!rec) {
    if (project) throw k8sNotFound('applications.argoproj.io', name);
    throw errors.denied();
  }
  if (!sim.enforcer.enforce(caller, 'applications', action, rbacName(rec))) {
    if (project) throw k8sNotFound('applications.argoproj.io', name);
    throw errors.denied();
  }
  if (project && appProject(rec) !== project) throw k8sNotFound('applications.argoproj.io', name);
  return rec;
}

function glob(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** Normalizes a Git URL for comparisons (lower-case, no trailing ".git" or "/"). */
export function normalizeRepoUrl(url: string): string {
  return url.trim().toLowerCase().replace(/\/+$/, '').replace(/\.git$/, '');
}

/** Validates and normalizes an application spec like validateAndNormalizeApp; throws code 3 with Argo's wording. */
export function validateAppSpec(sim: SimContext, name: string, spec: JsonObject): void {
  if (!spec.project) spec.project = 'default';
  const projName = String(spec.project);
  const proj = sim.store.projects.get(projName);
  if (!proj) throw errors.invalid(`app is not allowed in project "${projName}", or the project does not exist`);
  const pspec = proj.spec as JsonObject;
  const sources = (spec.sources as JsonObject[] | undefined)?.length ? (spec.sources as JsonObject[]) : spec.source ? [spec.source as JsonObject] : [];
  const invalid = (msg: string) => errors.invalid(`application spec for ${name} is invalid: InvalidSpecError: ${msg}`);
  if (sources.length === 0) throw invalid('spec.source or spec.sources must be specified');
  for (const src of sources) {
    if (!src.repoURL || (!src.path && !src.chart && !src.ref)) throw invalid('spec.source.repoURL and either spec.source.path, spec.source.chart, or spec.source.ref are required');
    const repos = (pspec.sourceRepos ?? []) as string[];
    if (!repos.some((r) => glob(r, String(src.repoURL)) || normalizeRepoUrl(r) === normalizeRepoUrl(String(src.repoURL)))) {
      throw invalid(`application repo ${String(src.repoURL)} is not permitted in project '${projName}'`);
    }
  }
  const dest = (spec.destination ?? {}) as JsonObject;
  const server = String(dest.server ?? '');
  const destName = String(dest.name ?? '');
  if (server && destName) throw errors.invalid(`application destination spec for ${name} is invalid: application destination can't have both name and server defined: ${destName} ${server}`);
  if (!server && !destName) throw errors.invalid(`application destination spec for ${name} is invalid: unable to find destination server: destination server missing from app spec`);
  const cluster = sim.store.clusters.find((c) => (server ? c.server === server : c.name === destName));
  if (!cluster) {
    throw errors.invalid(`application destination spec for ${name} is invalid: unable to find destination server: there are no clusters with this ${server ? `URL: ${server}` : `name: ${destName}`}`);
  }
  const ns = String(dest.namespace ?? '');
  const allowed = ((pspec.destinations ?? []) as JsonObject[]).some((d) => {
    const serverOk = d.server ? glob(String(d.server), String(cluster.server)) : d.name ? glob(String(d.name), String(cluster.name)) : false;
    return serverOk && glob(String(d.namespace ?? '*'), ns);
  });
  if (!allowed) throw invalid(`application destination server '${String(cluster.server)}' and namespace '${ns}' do not match any of the allowed destinations in project '${projName}'`);
}

/** Validates a Kubernetes object name (RFC 1123 subdomain) for kind/resource wording. */
export function validateObjectName(kind: string, name: string): void {
  if (!name) throw errors.invalid(`${kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
  if (name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) {
    throw errors.invalid(`${kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
  }
}

/** The `project`/`projects` query values (both spellings, repeated). */
export function projectsFromQuery(all: (name: string) => string[]): string[] {
  return [...all('projects'), ...all('project')].filter((p) => p !== '');
}

/** Asserts the body is a JSON object (Go decoding into a struct). */
export function bodyObject(body: unknown, goType: string): JsonObject {
  if (body === null || body === undefined || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalid(`json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body === 'string' ? 'string' : typeof body === 'number' ? 'number' : 'bool'} into Go value of type ${goType}`);
  }
  return body as JsonObject;
}

/** The app a route names (path parameter `paramName`), with `project`/`appNamespace` from the query, after RBAC. */
export function appFromQuery(ctx: RouteContext, paramName = 'name', action = 'get'): AppRecord {
  return getAppEnforced(ctx.sim, ctx.caller, { name: ctx.params[paramName] as string, action, project: ctx.query.str('project'), appNamespace: ctx.query.str('appNamespace') });
}

/** Which resource of the app a request names (query parameters, or the body's fields for the v2 action). */
export function resourceQuery(ctx: RouteContext, body?: JsonObject): { group: string; kind: string; namespace: string; name: string; version: string } {
  const get = (k: string, alt?: string) => (body && typeof body[alt ?? k] === 'string' ? String(body[alt ?? k]) : ctx.query.str(k));
  return { group: get('group'), kind: get('kind'), namespace: get('namespace'), name: get('resourceName'), version: get('version') };
}

/** The error argocd-server gives for a resource that is not part of the app. */
export function notPartOf(q: { group: string; kind: string; name: string }, app: string): ApiError {
  return errors.invalid(`${q.kind} ${q.group} ${q.name} not found as part of application ${app}`);
}

/** A Secret as argocd-server shows it: every data value replaced by `++++++++`. */
export function masked(obj: JsonObject | null): JsonObject | null {
  if (!obj || obj.kind !== 'Secret') return obj;
  const copy = cloneJson(obj);
  for (const k of ['data', 'stringData']) {
    const d = copy[k] as JsonObject | undefined;
    if (d) for (const key of Object.keys(d)) d[key] = '++++++++';
  }
  return copy;
}
