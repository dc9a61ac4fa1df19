/** ApplicationService CRUD: list, get, create, update, updateSpec, patch, delete. */
import { isoSeconds } from '../clock.ts';
import type { SimContext } from '../context.ts';
import { Code, ApiError, errors } from '../errors.ts';
import { applyFields, parseFields } from '../fields.ts';
import { JsonParts } from '../http-io.ts';
import { applyJsonPatch, applyMergePatch, PatchError } from '../wire/patch.ts';
import { scheduleAppSetRevert } from '../appset-controller.ts';
import { reconcile, refreshDerivedStatus, scheduleReconcile } from '../operations.ts';
import { fakeSha, hashString, createRng } from '../prng.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import { ARGOCD_NS, NODES, type AppProfile } from '../seed/catalog.ts';
import { buildDrafts } from '../seed/k8s-objects.ts';
import { type AppModel, resourceStatuses, aggregateStatus } from '../seed/model.ts';
import { parseSelector } from '../selector.ts';
import { type AppRecord, cloneJson } from '../store.ts';
import type { JsonObject } from '../types.ts';
import { appProject, bodyObject, getAppEnforced, normalizeRepoUrl, projectsFromQuery, rbacName, validateAppSpec, validateObjectName } from './app-access.ts';

/** Whether an app passes the list/watch filters of an ApplicationQuery. */
export function appMatchesQuery(ctx: RouteContext, rec: AppRecord, q: { name: string; projects: string[]; selector: ReturnType<typeof parseSelector>; repo: string; appNamespace: string }): boolean {
  const md = rec.app.metadata as JsonObject;
  if (q.name && md.name !== q.name) return false;
  if (q.projects.length && !q.projects.includes(appProject(rec))) return false;
  if (q.appNamespace && q.appNamespace !== ARGOCD_NS) return false;
  if (q.repo) {
    const spec = rec.app.spec as JsonObject;
    const sources = (spec.sources as JsonObject[] | undefined) ?? (spec.source ? [spec.source as JsonObject] : []);
    if (!sources.some((s) => normalizeRepoUrl(String(s.repoURL ?? '')) === normalizeRepoUrl(q.repo))) return false;
  }
  if (!q.selector.matches(md.labels as Record<string, string> | undefined)) return false;
  return ctx.sim.enforcer.enforce(ctx.caller, 'applications', 'get', rbacName(rec));
}

/** Parses the ApplicationQuery filters shared by list and watch. */
export function parseAppQuery(ctx: RouteContext): Parameters<typeof appMatchesQuery>[2] {
  let selector: ReturnType<typeof parseSelector>;
  try {
    selector = parseSelector(ctx.query.get('selector'));
  } catch (e) {
    throw errors.unknown(`error parsing the selector: ${(e as Error).message}`);
  }
  return { name: ctx.query.str('name'), projects: projectsFromQuery((n) => ctx.query.all(n)), selector, repo: ctx.query.str('repo'), appNamespace: ctx.query.str('appNamespace') };
}

function listApps(ctx: RouteContext): unknown {
  const q = parseAppQuery(ctx);
  const { store } = ctx.sim;
  const recs = [...store.apps.values()].filter((r) => appMatchesQuery(ctx, r, q));
  recs.sort((a, b) => String((a.app.metadata as JsonObject).name).localeCompare(String((b.app.metadata as JsonObject).name)));
  const fields = parseFields(ctx.query.get('fields'));
  if (!fields) {
    const parts = [`{"metadata":{"resourceVersion":"${store.listResourceVersion()}"},"items":[`];
    recs.forEach((r, i) => parts.push(i ? `,${store.appJson(r)}` : store.appJson(r)));
    parts.push(']}');
    return new JsonParts(parts);
  }
  // The projection reads the stored objects and copies only what it keeps (nothing is mutated), so a 10,000-app
  // list with a few fields serializes kilobytes per app instead of parsing the full JSON of each.
  return applyFields({ metadata: { resourceVersion: store.listResourceVersion() }, items: recs.map((r) => r.app) }, fields);
}

async function getApp(ctx: RouteContext): Promise<unknown> {
  const projects = projectsFromQuery((n) => ctx.query.all(n));
  if (projects.length > 1) throw errors.invalid('multiple projects specified - the get endpoint accepts either zero or one project');
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name: ctx.params.name as string, project: projects[0], appNamespace: ctx.query.str('appNamespace') });
  // server/application/application.go Get with `refresh`: asks the controller to reconcile and answers once it has.
  // A stalled controller (reconcile delay 'never') answers at once with the app as it is.
  if (ctx.query.get('refresh') !== undefined) {
    const ms = ctx.sim.controller.reconcileDelay(String((rec.app.metadata as JsonObject).name));
    if (ms !== undefined) {
      await new Promise<void>((resolve) => ctx.sim.schedule(resolve, ms));
      if (ctx.sim.store.apps.get(String((rec.app.metadata as JsonObject).name)) === rec) reconcile(ctx.sim, rec);
    }
  }
  return ctx.sim.store.appJson(rec);
}

function profileFor(spec: JsonObject): AppProfile {
  const src = (spec.source ?? ((spec.sources as JsonObject[] | undefined)?.[0]) ?? {}) as JsonObject;
  if (src.chart) return 'addon';
  if (String(src.path ?? '').includes('guestbook')) return 'guestbook';
  return 'web';
}

/** Builds the record of an application created through the API: nothing deployed yet (OutOfSync / Missing). */
export function newAppRecord(sim: SimContext, input: JsonObject, name: string): AppRecord {
  const spec = input.spec as JsonObject;
  const md = (input.metadata ?? {}) as JsonObject;
  const src = (spec.source ?? ((spec.sources as JsonObject[] | undefined)?.[0]) ?? {}) as JsonObject;
  const dest = (spec.destination ?? {}) as JsonObject;
  const cluster = sim.store.clusters.find((c) => (dest.server ? c.server === dest.server : c.name === dest.name));
  const profile = profileFor(spec);
  const labels = (md.labels ?? {}) as Record<string, string>;
  const team = labels.team ?? String(spec.project);
  const rng = createRng(hashString(`${sim.opts.seed}:${name}:created`));
  const namespace = String(dest.namespace || 'default');
  const chart = src.chart ? { name: String(src.chart), repo: 'ingress-nginx' as const, versions: [String(src.targetRevision ?? '0.1.0')], images: [`docker.io/library/${String(src.chart)}:${String(src.targetRevision ?? 'latest')}`] } : undefined;
  const drafts = buildDrafts({ template: { name, profile, team, namespace, chart }, appName: name, namespace, image: `ghcr.io/acme/${name}:${String(src.targetRevision ?? 'latest').replace(/[^\w.-]/g, '') || 'latest'}`, version: 'v0.1.0', replicas: 2, rng: createRng(hashString(`${name}:drafts`)), chartLabel: chart ? `${chart.name}-${chart.versions[0]}` : undefined });
  const now = Date.now();
  const model: AppModel = {
    profile,
    team,
    resources: drafts.map((d) => ({ group: d.group, version: d.version, kind: d.kind, namespace: d.namespace, name: d.name, uid: rng.uuid(), createdAtMs: now, target: d.target, live: null, syncStatus: 'OutOfSync', hasHealth: d.hasHealth, ...(d.hasHealth ? { health: { status: 'Missing' } } : {}) })),
    replicaSets: [],
    jobs: [],
    pods: [],
    nodes: NODES[String(cluster?.server)] ?? ['node-1'],
    logSeed: hashString(`${name}:logs`),
    rng,
  };
  const head = src.chart ? String(src.targetRevision ?? '') : fakeSha(`${sim.opts.seed}:${name}:${JSON.stringify(src)}`);
  const agg = aggregateStatus(model);
  const app: JsonObject = {
    metadata: {
      name,
      namespace: ARGOCD_NS,
      uid: rng.uuid(),
      resourceVersion: '0',
      generation: 1,
      creationTimestamp: isoSeconds(now),
      ...(md.labels ? { labels: md.labels } : {}),
      ...(md.annotations ? { annotations: md.annotations } : {}),
      ...(md.finalizers ? { finalizers: md.finalizers } : {}),
      managedFields: [{ manager: 'argocd-server', operation: 'Update', apiVersion: 'argoproj.io/v1alpha1', time: isoSeconds(now), fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { '.': {}, 'f:destination': {}, 'f:project': {}, 'f:source': {} }, 'f:status': { '.': {}, 'f:health': {}, 'f:summary': {}, 'f:sync': {} } } }],
    },
    spec,
    status: {
      resources: resourceStatuses(model),
      sync: { status: agg.sync, comparedTo: { source: spec.source, destination: spec.destination }, revision: head },
      health: { status: agg.health, lastTransitionTime: isoSeconds(now) },
      reconciledAt: isoSeconds(now),
      sourceType: src.chart || (src.helm as unknown) ? 'Helm' : src.kustomize ? 'Kustomize' : 'Directory',
      summary: {},
      resourceHealthSource: 'appTree',
      controllerNamespace: ARGOCD_NS,
    },
  };
  return { app, model, events: [] };
}

/** A spec change or a new app: the controller reconciles it soon, and auto-sync runs then (operations.ts `autoSync`). */
export function maybeAutoSync(sim: SimContext, rec: AppRecord): void {
  scheduleReconcile(sim, rec);
}

/** Reacts to a spec change: new desired state means a new head revision and OutOfSync workloads. */
function onSpecChanged(sim: SimContext, rec: AppRecord, oldSpec: JsonObject): void {
  const spec = rec.app.spec as JsonObject;
  const st = rec.app.status as JsonObject;
  const sync = (st.sync ?? {}) as JsonObject;
  sync.comparedTo = { source: spec.source, destination: spec.destination, ...(spec.ignoreDifferences ? { ignoreDifferences: spec.ignoreDifferences } : {}) };
  st.sync = sync;
  if (JSON.stringify(oldSpec.source) !== JSON.stringify(spec.source) || JSON.stringify(oldSpec.sources) !== JSON.stringify(spec.sources)) {
    const src = (spec.source ?? {}) as JsonObject;
    sync.revision = src.chart ? String(src.targetRevision ?? '') : fakeSha(`${sim.opts.seed}:${String((rec.app.metadata as JsonObject).name)}:${JSON.stringify(spec.source ?? spec.sources)}`);
    for (const r of rec.model.resources) {
      if (!r.target || !['Deployment', 'CronJob', 'DaemonSet', 'ConfigMap'].includes(r.kind)) continue;
      const md = r.target.metadata as JsonObject;
      md.annotations = { ...(md.annotations as JsonObject), 'acme.io/source-revision': String(sync.revision).slice(0, 12) };
      r.syncStatus = 'OutOfSync';
    }
    refreshDerivedStatus(rec);
  }
  const md = rec.app.metadata as JsonObject;
  md.generation = Number(md.generation ?? 0) + 1;
}

function sameDesired(existing: JsonObject, incoming: JsonObject): boolean {
  const em = existing.metadata as JsonObject;
  const im = (incoming.metadata ?? {}) as JsonObject;
  return JSON.stringify(existing.spec) === JSON.stringify(incoming.spec) && JSON.stringify(em.labels ?? {}) === JSON.stringify(im.labels ?? {}) && JSON.stringify(stripLastApplied(em.annotations)) === JSON.stringify(stripLastApplied(im.annotations));
}

function stripLastApplied(a: unknown): JsonObject {
  const copy = { ...((a ?? {}) as JsonObject) };
  delete copy['kubectl.kubernetes.io/last-applied-configuration'];
  return copy;
}

/** Applies spec/labels/annotations/finalizers like updateApp. */
function updateAppFrom(ctx: RouteContext, rec: AppRecord, incoming: JsonObject, merge: boolean): void {
  const oldSpec = cloneJson(rec.app.spec as JsonObject);
  const md = rec.app.metadata as JsonObject;
  const im = (incoming.metadata ?? {}) as JsonObject;
  rec.app.spec = incoming.spec;
  if (merge) {
    md.labels = { ...((md.labels ?? {}) as JsonObject), ...((im.labels ?? {}) as JsonObject) };
    md.annotations = { ...((md.annotations ?? {}) as JsonObject), ...((im.annotations ?? {}) as JsonObject) };
  } else {
    if (im.labels) md.labels = im.labels;
    else delete md.labels;
    if (im.annotations) md.annotations = im.annotations;
    else delete md.annotations;
  }
  if (im.finalizers) md.finalizers = im.finalizers;
  else if (!merge) delete md.finalizers;
  onSpecChanged(ctx.sim, rec, oldSpec);
  ctx.sim.store.touchApp(rec);
  maybeAutoSync(ctx.sim, rec);
  scheduleAppSetRevert(ctx.sim, rec, (spec) => {
    const before = cloneJson(rec.app.spec as JsonObject);
    rec.app.spec = spec;
    onSpecChanged(ctx.sim, rec, before);
    ctx.sim.store.touchApp(rec);
    maybeAutoSync(ctx.sim, rec);
  });
}

function createApp(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'v1alpha1.Application');
  const md = (body.metadata ?? {}) as JsonObject;
  const name = String(md.name ?? '');
  const spec = (body.spec ?? {}) as JsonObject;
  body.spec = spec;
  if (!spec.project) spec.project = 'default';
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'create', `${String(spec.project)}/${name}`);
  validateObjectName('Application.argoproj.io', name);
  if (md.namespace && md.namespace !== ARGOCD_NS) throw errors.denied(`namespace '${String(md.namespace)}' is not permitted`);
  if (ctx.query.bool('validate') !== false) validateAppSpec(ctx.sim, name, spec);
  const existing = ctx.sim.store.apps.get(name);
  if (existing) {
    if (sameDesired(existing.app, body)) return ctx.sim.store.appJson(existing);
    if (!ctx.query.bool('upsert')) throw errors.invalid('existing application spec is different, use upsert flag to force update');
    ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'update', rbacName(existing));
    updateAppFrom(ctx, existing, body, false);
    return ctx.sim.store.appJson(existing);
  }
  const rec = newAppRecord(ctx.sim, body, name);
  ctx.sim.store.addApp(rec);
  maybeAutoSync(ctx.sim, rec);
  return ctx.sim.store.appJson(rec);
}

function updateApp(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'v1alpha1.Application');
  // grpc-gateway copies the path parameter over the body field, so the path name always wins.
  const name = ctx.params['application.metadata.name'] as string;
  body.metadata = { ...((body.metadata ?? {}) as JsonObject), name };
  const spec = (body.spec ?? {}) as JsonObject;
  body.spec = spec;
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, project: ctx.query.str('project'), appNamespace: String((body.metadata as JsonObject).namespace ?? '') });
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'update', rbacName(rec));
  if (!spec.project) spec.project = 'default';
  if (spec.project !== appProject(rec)) ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'update', `${String(spec.project)}/${name}`);
  if (ctx.query.bool('validate') !== false) validateAppSpec(ctx.sim, name, spec);
  updateAppFrom(ctx, rec, body, false);
  return ctx.sim.store.appJson(rec);
}

function updateSpec(ctx: RouteContext): unknown {
  const spec = bodyObject(ctx.body, 'v1alpha1.ApplicationSpec');
  const name = ctx.params.name as string;
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, project: ctx.query.str('project'), appNamespace: ctx.query.str('appNamespace') });
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'update', rbacName(rec));
  if (!spec.project) spec.project = 'default';
  if (ctx.query.bool('validate') !== false) validateAppSpec(ctx.sim, name, spec);
  const md = rec.app.metadata as JsonObject;
  updateAppFrom(ctx, rec, { metadata: { labels: md.labels, annotations: md.annotations, finalizers: md.finalizers }, spec }, false);
  return rec.app.spec;
}

function patchApp(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'application.ApplicationPatchRequest');
  const name = ctx.params.name as string;
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, project: String(body.project ?? ''), appNamespace: String(body.appNamespace ?? '') });
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'update', rbacName(rec));
  const patchType = String(body.patchType ?? '');
  const patchText = String(body.patch ?? '');
  const original = JSON.parse(ctx.sim.store.appJson(rec)) as JsonObject;
  let patched: JsonObject;
  try {
    if (patchType === 'json' || patchType === '') {
      let ops: unknown;
      try {
        ops = JSON.parse(patchText);
      } catch (e) {
        throw new ApiError(Code.Unknown, `error decoding json patch: ${(e as Error).message}`);
      }
      patched = applyJsonPatch(original, ops) as JsonObject;
    } else if (patchType === 'merge') {
      let doc: unknown;
      try {
        doc = JSON.parse(patchText);
      } catch (e) {
        throw new ApiError(Code.Unknown, `error calculating merge patch: ${(e as Error).message}`);
      }
      patched = applyMergePatch(original, doc) as JsonObject;
    } else {
      throw errors.invalid(`Patch type '${patchType}' is not supported`);
    }
  } catch (e) {
    if (e instanceof PatchError) throw new ApiError(Code.Unknown, `error applying patch: ${e.message}`);
    throw e;
  }
  if (typeof patched !== 'object' || patched === null || typeof patched.spec !== 'object' || patched.spec === null) {
    throw new ApiError(Code.Unknown, 'error unmarshaling patched app: json: cannot unmarshal into Go value of type v1alpha1.Application');
  }
  const spec = patched.spec as JsonObject;
  if (!spec.project) spec.project = 'default';
  if (spec.project !== appProject(rec)) ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'update', `${String(spec.project)}/${name}`);
  validateAppSpec(ctx.sim, name, spec);
  updateAppFrom(ctx, rec, patched, false);
  return ctx.sim.store.appJson(rec);
}

function deleteApp(ctx: RouteContext): unknown {
  const name = ctx.params.name as string;
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, project: ctx.query.str('project'), appNamespace: ctx.query.str('appNamespace') });
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'delete', rbacName(rec));
  const cascade = ctx.query.bool('cascade');
  const policy = ctx.query.get('propagationPolicy');
  if (cascade === false && policy) throw errors.invalid('cannot set propagation policy when cascading is disabled');
  if (policy && !['foreground', 'background'].includes(policy.toLowerCase())) throw errors.invalid(`invalid propagation policy: ${policy}`);
  const md = rec.app.metadata as JsonObject;
  if (cascade === false || !(md.finalizers as unknown[] | undefined)?.length) {
    delete md.finalizers;
    ctx.sim.store.removeApp(name);
    return {};
  }
  if (!md.deletionTimestamp) {
    md.deletionTimestamp = isoSeconds(Date.now());
    md.deletionGracePeriodSeconds = 0;
    ctx.sim.store.touchApp(rec);
    // The controller deletes the managed resources, then drops the finalizer.
    rec.deleteTimer = ctx.sim.schedule(() => ctx.sim.store.removeApp(name), Math.min(500, Math.max(50, Math.round(ctx.sim.opts.syncDurationMs / 3))));
  }
  return {};
}

/** Routes of this module. */
export const applicationRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/applications', operationId: 'ApplicationService_List', handler: listApps },
  { method: 'POST', path: '/api/v1/applications', operationId: 'ApplicationService_Create', body: 'object', handler: createApp },
  { method: 'GET', path: '/api/v1/applications/{name}', operationId: 'ApplicationService_Get', handler: getApp },
  { method: 'PUT', path: '/api/v1/applications/{application.metadata.name}', operationId: 'ApplicationService_Update', body: 'object', handler: updateApp },
  { method: 'PUT', path: '/api/v1/applications/{name}/spec', operationId: 'ApplicationService_UpdateSpec', body: 'object', handler: updateSpec },
  { method: 'PATCH', path: '/api/v1/applications/{name}', operationId: 'ApplicationService_Patch', body: 'object', handler: patchApp },
  { method: 'DELETE', path: '/api/v1/applications/{name}', operationId: 'ApplicationService_Delete', handler: deleteApp },
];

