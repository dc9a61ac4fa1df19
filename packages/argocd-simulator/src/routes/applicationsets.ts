/** ApplicationSetService: list, get, create (upsert, dryRun), delete, generate, events, resource tree. */
import { isoSeconds } from '../clock.ts';
import { errors } from '../errors.ts';
import { k8sEvent } from '../k8s-event.ts';
import { createRng, hashString } from '../prng.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import { ARGOCD_NS } from '../seed/catalog.ts';
import { parseSelector } from '../selector.ts';
import type { JsonObject } from '../types.ts';
import { bodyObject, projectsFromQuery, validateAppSpec, validateObjectName } from './app-access.ts';
import { maybeAutoSync, newAppRecord } from './applications.ts';
import { cloneJson } from '../store.ts';

function setProject(set: JsonObject): string {
  return String(((((set.spec as JsonObject | undefined)?.template as JsonObject | undefined)?.spec as JsonObject | undefined)?.project) ?? 'default');
}

function setRbacName(set: JsonObject): string {
  return `${setProject(set)}/${String((set.metadata as JsonObject).name)}`;
}

/** List/watch filters for application sets. */
export function parseAppSetQuery(ctx: RouteContext): { name: string; projects: string[]; selector: ReturnType<typeof parseSelector>; namespace: string } {
  let selector: ReturnType<typeof parseSelector>;
  try {
    selector = parseSelector(ctx.query.get('selector'));
  } catch (e) {
    throw errors.unknown(`error parsing the selector: ${(e as Error).message}`);
  }
  return { name: ctx.query.str('name'), projects: projectsFromQuery((n) => ctx.query.all(n)), selector, namespace: ctx.query.str('appsetNamespace') || ctx.query.str('appSetNamespace') };
}

/** Whether an application set passes the filters and RBAC. */
export function appSetMatches(ctx: RouteContext, set: JsonObject, q: ReturnType<typeof parseAppSetQuery>): boolean {
  const md = set.metadata as JsonObject;
  if (q.name && md.name !== q.name) return false;
  if (q.namespace && q.namespace !== ARGOCD_NS) return false;
  if (q.projects.length && !q.projects.includes(setProject(set))) return false;
  if (!q.selector.matches(md.labels as Record<string, string> | undefined)) return false;
  return ctx.sim.enforcer.enforce(ctx.caller, 'applicationsets', 'get', setRbacName(set));
}

function getEnforced(ctx: RouteContext, action: string): JsonObject {
  const name = ctx.params.name as string;
  const ns = ctx.query.str('appsetNamespace');
  if (ns && ns !== ARGOCD_NS) throw errors.denied(`namespace '${ns}' is not permitted`);
  const set = ctx.sim.store.appSets.get(name);
  if (!set) throw errors.notFound(`error getting ApplicationSet: applicationset.argoproj.io "${name}" not found`);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applicationsets', action, setRbacName(set));
  return set;
}

function list(ctx: RouteContext): unknown {
  const q = parseAppSetQuery(ctx);
  const items = [...ctx.sim.store.appSets.values()].filter((s) => appSetMatches(ctx, s, q)).sort((a, b) => String((a.metadata as JsonObject).name).localeCompare(String((b.metadata as JsonObject).name)));
  return { metadata: { resourceVersion: ctx.sim.store.listResourceVersion() }, items };
}

function lookup(params: JsonObject, path: string): unknown {
  let v: unknown = params;
  for (const seg of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as JsonObject)[seg];
  }
  return v;
}

function render(value: unknown, params: JsonObject, goTemplate: boolean): unknown {
  if (typeof value === 'string') {
    const re = goTemplate ? /\{\{-?\s*\.([\w.-]+)\s*-?\}\}/g : /\{\{\s*([\w.-]+)\s*\}\}/g;
    return value.replace(re, (m, path: string) => {
      const v = lookup(params, path);
      if (v === undefined) {
        if (goTemplate) throw errors.unknown(`failed to execute go template ${m}: map has no entry for key "${path}"`);
        return m;
      }
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => render(v, params, goTemplate));
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, params, goTemplate);
    return out;
  }
  return value;
}

/** Expands the generators of an application set into Applications (list and clusters generators). */
function generateApps(ctx: RouteContext, set: JsonObject): JsonObject[] {
  const spec = (set.spec ?? {}) as JsonObject;
  const goTemplate = Boolean(spec.goTemplate);
  const template = (spec.template ?? {}) as JsonObject;
  const paramSets: JsonObject[] = [];
  for (const gen of (spec.generators ?? []) as JsonObject[]) {
    if (gen.list) {
      for (const el of (((gen.list as JsonObject).elements ?? []) as JsonObject[])) paramSets.push(el);
    } else if (gen.clusters) {
      const selector = (((gen.clusters as JsonObject).selector as JsonObject | undefined)?.matchLabels ?? {}) as Record<string, string>;
      for (const c of ctx.sim.store.clusters) {
        const labels = (c.labels ?? {}) as Record<string, string>;
        if (Object.entries(selector).every(([k, v]) => labels[k] === v)) paramSets.push({ name: c.name, nameNormalized: String(c.name).replace(/[^a-z0-9-]/g, '-'), server: c.server, metadata: { labels, annotations: c.annotations ?? {} } });
      }
    } else {
      const kind = Object.keys(gen).find((k) => k !== 'selector') ?? 'unknown';
      throw errors.unknown(`unable to generate Applications of ApplicationSet: the simulator supports only list and clusters generators, not ${kind}`);
    }
  }
  return paramSets.map((params) => {
    const rendered = render(template, params, goTemplate) as JsonObject;
    const md = (rendered.metadata ?? {}) as JsonObject;
    return {
      metadata: { name: md.name, namespace: ARGOCD_NS, ...(md.labels ? { labels: md.labels } : {}), ...(md.annotations ? { annotations: md.annotations } : {}), finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: rendered.spec ?? {},
      status: { sync: { comparedTo: { source: { repoURL: '' }, destination: {} } }, health: {}, summary: {} },
    };
  });
}

function validateSet(ctx: RouteContext, set: JsonObject): string {
  const md = (set.metadata ?? {}) as JsonObject;
  validateObjectName('ApplicationSet.argoproj.io', String(md.name ?? ''));
  const project = setProject(set);
  if (project.includes('{{')) throw errors.unknown('error validating ApplicationSets: the Argo CD API does not currently support creating ApplicationSets with templated `project` fields');
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applicationsets', 'create', `${project}/${String(md.name)}`);
  if (!ctx.sim.store.projects.has(project)) throw errors.invalid(`ApplicationSet references project ${project} which does not exist`);
  return project;
}

function create(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'v1alpha1.ApplicationSet');
  if (!body.metadata && !body.spec) throw errors.unknown('error creating ApplicationSets: ApplicationSets is nil in request');
  validateSet(ctx, body);
  const md = body.metadata as JsonObject;
  const name = String(md.name);
  const apps = generateApps(ctx, body);
  const existing = ctx.sim.store.appSets.get(name);
  const now = Date.now();
  const statusOf = (): JsonObject => ({
    conditions: [{ type: 'ResourcesUpToDate', status: 'True', message: 'All applications have been generated successfully', lastTransitionTime: isoSeconds(now), reason: 'ApplicationSetUpToDate' }],
    resources: apps.map((a) => ({ group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', namespace: ARGOCD_NS, name: (a.metadata as JsonObject).name, status: 'OutOfSync', health: { status: 'Missing' } })),
    resourcesCount: apps.length,
  });
  if (ctx.query.bool('dryRun')) {
    return { metadata: { ...md, namespace: ARGOCD_NS }, spec: body.spec, status: statusOf() };
  }
  if (existing) {
    if (JSON.stringify(existing.spec) === JSON.stringify(body.spec)) return existing;
    if (!ctx.query.bool('upsert')) throw errors.invalid('existing ApplicationSet spec is different, use upsert flag to force update');
    ctx.sim.enforcer.enforceErr(ctx.caller, 'applicationsets', 'update', setRbacName(existing));
    existing.spec = body.spec;
    const emd = existing.metadata as JsonObject;
    if (md.labels) emd.labels = md.labels;
    if (md.annotations) emd.annotations = md.annotations;
    emd.generation = Number(emd.generation ?? 1) + 1;
    existing.status = statusOf();
    ctx.sim.store.touchAppSet(name);
    return existing;
  }
  const rng = createRng(hashString(`${ctx.sim.opts.seed}:appset:${name}:${now}`));
  const set: JsonObject = {
    metadata: { name, namespace: ARGOCD_NS, uid: rng.uuid(), resourceVersion: ctx.sim.store.nextResourceVersion(), generation: 1, creationTimestamp: isoSeconds(now), ...(md.labels ? { labels: md.labels } : {}), ...(md.annotations ? { annotations: md.annotations } : {}) },
    spec: body.spec,
    status: statusOf(),
  };
  ctx.sim.store.appSets.set(name, set);
  ctx.sim.store.touchAppSet(name, 'ADDED');
  // The ApplicationSet controller then creates the generated Applications it owns.
  ctx.sim.schedule(() => createOwnedApps(ctx, set, apps), 50);
  return set;
}

function createOwnedApps(ctx: RouteContext, set: JsonObject, apps: JsonObject[]): void {
  const md = set.metadata as JsonObject;
  const failures: string[] = [];
  for (const generated of apps) {
    const gmd = generated.metadata as JsonObject;
    const appName = String(gmd.name ?? '');
    if (!appName || ctx.sim.store.apps.has(appName)) continue;
    try {
      validateObjectName('Application.argoproj.io', appName);
      validateAppSpec(ctx.sim, appName, generated.spec as JsonObject);
    } catch (e) {
      failures.push((e as Error).message);
      continue;
    }
    const rec = newAppRecord(ctx.sim, generated, appName);
    const amd = rec.app.metadata as JsonObject;
    amd.labels = { ...((amd.labels ?? {}) as JsonObject), 'app.kubernetes.io/managed-by': 'argocd-applicationset' };
    amd.ownerReferences = [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', name: md.name, uid: md.uid, controller: true, blockOwnerDeletion: true }];
    rec.generatedSpec = cloneJson(rec.app.spec as JsonObject);
    ctx.sim.store.addApp(rec);
    maybeAutoSync(ctx.sim, rec);
  }
  if (failures.length) {
    const st = set.status as JsonObject;
    st.conditions = [{ type: 'ErrorOccurred', status: 'True', message: failures[0], lastTransitionTime: isoSeconds(Date.now()), reason: 'ApplicationGenerationFromParamsError' }];
    ctx.sim.store.touchAppSet(String(md.name));
  }
}

function remove(ctx: RouteContext): unknown {
  const name = ctx.params.name as string;
  const set = ctx.sim.store.appSets.get(name);
  if (!set) throw errors.notFound(`error getting ApplicationSets: applicationsets.argoproj.io "${name}" not found`);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applicationsets', 'delete', setRbacName(set));
  ctx.sim.store.appSets.delete(name);
  ctx.sim.store.deletedAppSets.set(name, set);
  ctx.sim.store.touchAppSet(name, 'DELETED');
  // Kubernetes garbage collection removes the Applications it owned.
  const uid = (set.metadata as JsonObject).uid;
  ctx.sim.schedule(() => {
    for (const [appName, rec] of [...ctx.sim.store.apps]) {
      const owners = ((rec.app.metadata as JsonObject).ownerReferences ?? []) as JsonObject[];
      if (owners.some((o) => o.kind === 'ApplicationSet' && o.uid === uid)) ctx.sim.store.removeApp(appName);
    }
  }, 50);
  return {};
}

function generate(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'applicationset.ApplicationSetGenerateRequest');
  const set = body.applicationSet as JsonObject | undefined;
  if (!set || typeof set !== 'object') throw errors.unknown('error creating ApplicationSets: ApplicationSets is nil in request');
  const md = (set.metadata ?? {}) as JsonObject;
  const project = setProject(set);
  if (project.includes('{{')) throw errors.unknown('error validating ApplicationSets: the Argo CD API does not currently support creating ApplicationSets with templated `project` fields');
  if (!ctx.sim.enforcer.enforce(ctx.caller, 'applicationsets', 'create', `${project}/${String(md.name ?? '')}`)) {
    ctx.sim.enforcer.enforceErr(ctx.caller, 'applicationsets', 'create', `${project}/${String(md.name ?? '')}`);
  }
  if (!ctx.sim.store.projects.has(project)) throw errors.invalid(`error checking create permissions for ApplicationSets ${String(md.name ?? '')} : ApplicationSet references project ${project} which does not exist`);
  return { applications: generateApps(ctx, set) };
}

function events(ctx: RouteContext): unknown {
  const set = getEnforced(ctx, 'get');
  const md = set.metadata as JsonObject;
  const rng = createRng(hashString(`${String(md.uid)}:events`));
  const involved = { kind: 'ApplicationSet', namespace: md.namespace, name: md.name, uid: md.uid, apiVersion: 'argoproj.io/v1alpha1', resourceVersion: md.resourceVersion };
  const items = (((set.status as JsonObject | undefined)?.resources ?? []) as JsonObject[]).map((r, i) => {
    const at = Date.parse(String(md.creationTimestamp)) + (i + 1) * 3_600_000;
    return k8sEvent(md.namespace, involved, 'ResourceUpdated', `Updated Application "${String(r.name)}"`, at, { component: 'applicationset-controller', rng });
  });
  return { metadata: { resourceVersion: ctx.sim.store.listResourceVersion() }, items };
}

function tree(ctx: RouteContext): unknown {
  const set = getEnforced(ctx, 'get');
  const md = set.metadata as JsonObject;
  const parent = { group: 'argoproj.io', version: 'v1alpha1', kind: 'ApplicationSet', namespace: md.namespace, name: md.name, uid: md.uid };
  const nodes = (((set.status as JsonObject | undefined)?.resources ?? []) as JsonObject[]).map((r) => {
    const app = ctx.sim.store.apps.get(String(r.name));
    const amd = (app?.app.metadata ?? {}) as JsonObject;
    return { group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, uid: amd.uid ?? '', parentRefs: [parent], health: app ? { status: ((app.app.status as JsonObject).health as JsonObject).status } : r.health, resourceVersion: amd.resourceVersion ?? '', createdAt: amd.creationTimestamp };
  });
  return { nodes };
}

/** Routes of this module. */
export const applicationSetRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/applicationsets', operationId: 'ApplicationSetService_List', handler: list },
  { method: 'POST', path: '/api/v1/applicationsets', operationId: 'ApplicationSetService_Create', body: 'object', handler: create },
  { method: 'POST', path: '/api/v1/applicationsets/generate', operationId: 'ApplicationSetService_Generate', body: 'object', handler: generate },
  { method: 'GET', path: '/api/v1/applicationsets/{name}', operationId: 'ApplicationSetService_Get', handler: (ctx) => getEnforced(ctx, 'get') },
  { method: 'DELETE', path: '/api/v1/applicationsets/{name}', operationId: 'ApplicationSetService_Delete', handler: remove },
  { method: 'GET', path: '/api/v1/applicationsets/{name}/events', operationId: 'ApplicationSetService_ListResourceEvents', handler: events },
  { method: 'GET', path: '/api/v1/applicationsets/{name}/resource-tree', operationId: 'ApplicationSetService_ResourceTree', handler: tree },
];

