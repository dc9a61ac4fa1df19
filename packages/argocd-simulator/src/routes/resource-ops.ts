/**
 * ApplicationService calls on one live resource of an app: get, patch, delete (server/application/application.go
 * `GetResource`, `PatchResource`, `DeleteResource`) and resource actions (`ListResourceActions`,
 * `RunResourceAction`, `RunResourceActionV2`), each followed by the reconcile a live change triggers.
 */
import { ApiError, Code, errors } from '../errors.ts';
import { refreshDerivedStatus, scheduleReconcile, scheduleSettle } from '../operations.ts';
import type { RouteContext } from '../router.ts';
import { findLiveObject } from '../seed/model.ts';
import type { AppRecord } from '../store.ts';
import type { JsonObject } from '../types.ts';
import { applyJsonPatch, applyMergePatch, PatchError } from '../wire/patch.ts';
import { appFromQuery, bodyObject, getAppEnforced, masked, notPartOf, rbacName, resourceQuery } from './app-access.ts';
export function getResource(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const q = resourceQuery(ctx);
  const obj = findLiveObject(rec.model, q);
  if (!obj) throw notPartOf(q, ctx.params.name as string);
  return { manifest: JSON.stringify(masked(obj)) };
}

function resourceAction(q: { group: string; kind: string; namespace: string; name: string }, verb: string): string {
  return `${verb}/${q.group}/${q.kind}/${q.namespace}/${q.name}`;
}

export function patchResource(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const q = resourceQuery(ctx);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', resourceAction(q, 'update'), rbacName(rec));
  const obj = findLiveObject(rec.model, q);
  if (!obj) throw notPartOf(q, ctx.params.name as string);
  if (typeof ctx.body !== 'string') throw errors.invalid('json: cannot unmarshal object into Go value of type string');
  const patchType = ctx.query.str('patchType');
  let patched: JsonObject;
  try {
    const doc = JSON.parse(ctx.body) as unknown;
    if (patchType === 'application/json-patch+json') patched = applyJsonPatch(obj, doc) as JsonObject;
    else if (patchType === 'application/merge-patch+json' || patchType === 'application/strategic-merge-patch+json') patched = applyMergePatch(obj, doc) as JsonObject;
    else throw new ApiError(Code.Unknown, 'error patching resource: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(Code.Unknown, `error patching resource: ${e instanceof PatchError ? e.message : `invalid JSON: ${(e as Error).message}`}`);
  }
  const r = rec.model.resources.find((x) => x.kind === q.kind && x.name === q.name && x.group === q.group && (!q.namespace || x.namespace === q.namespace));
  if (r?.live) {
    (patched.metadata as JsonObject).resourceVersion = ctx.sim.store.nextResourceVersion();
    const before = JSON.stringify(r.live.spec ?? r.live.data ?? null);
    r.live = patched;
    if (r.target && before !== JSON.stringify(patched.spec ?? patched.data ?? null)) r.syncStatus = 'OutOfSync';
    refreshDerivedStatus(rec);
    ctx.sim.store.touchApp(rec);
    // The controller sees the live change and reconciles; self-heal reverts it.
    scheduleReconcile(ctx.sim, rec);
  }
  return { manifest: JSON.stringify(masked(patched)) };
}

export function deleteResource(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const q = resourceQuery(ctx);
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', resourceAction(q, 'delete'), rbacName(rec));
  if (!findLiveObject(rec.model, q)) throw notPartOf(q, ctx.params.name as string);
  const model = rec.model;
  if (q.kind === 'Pod') {
    const pod = model.pods.find((p) => p.name === q.name);
    if (pod) {
      model.pods = model.pods.filter((p) => p !== pod);
      if (pod.owner.kind !== 'Job') {
        model.pods.push({ ...pod, name: `${pod.owner.name}-${model.rng.suffix(5)}`, uid: model.rng.uuid(), reason: 'ContainerCreating', restarts: 0, createdAtMs: Date.now() });
        scheduleSettle(ctx.sim, rec);
      }
    }
  } else if (q.kind === 'ReplicaSet') {
    for (const p of model.pods) if (p.owner.name === q.name) Object.assign(p, { name: `${q.name}-${model.rng.suffix(5)}`, uid: model.rng.uuid(), reason: 'ContainerCreating', restarts: 0, createdAtMs: Date.now() });
    scheduleSettle(ctx.sim, rec);
  } else {
    const r = model.resources.find((x) => x.kind === q.kind && x.name === q.name && x.group === q.group && (!q.namespace || x.namespace === q.namespace));
    if (r) {
      r.live = null;
      if (r.target) {
        r.syncStatus = 'OutOfSync';
        if (r.hasHealth) r.health = { status: 'Missing' };
      } else {
        model.resources = model.resources.filter((x) => x !== r);
      }
      if (r.kind === 'Deployment') {
        const rsNames = new Set(model.replicaSets.filter((x) => x.deployment === r.name).map((x) => x.name));
        model.replicaSets = model.replicaSets.filter((x) => x.deployment !== r.name);
        model.pods = model.pods.filter((p) => !rsNames.has(p.owner.name));
      }
      if (r.kind === 'DaemonSet' || r.kind === 'CronJob') model.pods = model.pods.filter((p) => p.owner.name !== r.name && !p.owner.name.startsWith(`${r.name}-`));
    }
  }
  refreshDerivedStatus(rec);
  ctx.sim.store.touchApp(rec);
  scheduleReconcile(ctx.sim, rec);
  return {};
}

function actionsFor(kind: string, obj: JsonObject): JsonObject[] {
  const spec = (obj.spec ?? {}) as JsonObject;
  switch (kind) {
    case 'Deployment':
      return [
        { name: 'pause', disabled: Boolean(spec.paused), iconClass: 'fa fa-fw fa-pause-circle', displayName: 'Pause' },
        { name: 'restart', disabled: false, iconClass: 'fa fa-fw fa-redo', displayName: 'Restart' },
        { name: 'resume', disabled: !spec.paused, iconClass: 'fa fa-fw fa-play-circle', displayName: 'Resume' },
        { name: 'scale', disabled: false, iconClass: 'fa fa-fw fa-arrows-up-down', displayName: 'Scale', params: [{ name: 'replicas' }] },
      ];
    case 'StatefulSet':
    case 'DaemonSet':
      return [{ name: 'restart', disabled: false, iconClass: 'fa fa-fw fa-redo', displayName: 'Restart' }];
    case 'CronJob':
      return [
        { name: 'create-job', disabled: false, iconClass: 'fa fa-fw fa-plus', displayName: 'Create Job' },
        { name: 'resume', disabled: !spec.suspend, iconClass: 'fa fa-fw fa-play', displayName: 'Resume' },
        { name: 'suspend', disabled: Boolean(spec.suspend), iconClass: 'fa fa-fw fa-pause', displayName: 'Suspend' },
      ];
    case 'ExternalSecret':
      return [{ name: 'refresh', disabled: false, iconClass: 'fa fa-fw fa-sync', displayName: 'Refresh' }];
    case 'Pod':
      return [];
    default:
      return [];
  }
}

export function listActions(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const q = resourceQuery(ctx);
  const obj = findLiveObject(rec.model, q);
  if (!obj) throw notPartOf(q, ctx.params.name as string);
  return { actions: actionsFor(q.kind, obj) };
}

function runAction(ctx: RouteContext, rec: AppRecord, q: ReturnType<typeof resourceQuery>, action: string, params: JsonObject[]): unknown {
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', `action/${q.group}/${q.kind}/${action}`, rbacName(rec));
  const obj = findLiveObject(rec.model, q);
  if (!obj) throw notPartOf(q, ctx.params.name as string);
  if (!actionsFor(q.kind, obj).some((a) => a.name === action)) throw errors.unknown(`error getting Lua resource action: built-in script does not exist`);
  const r = rec.model.resources.find((x) => x.kind === q.kind && x.name === q.name && x.group === q.group);
  if (!r?.live) return {};
  const spec = r.live.spec as JsonObject;
  const now = Date.now();
  const model = rec.model;
  switch (`${q.kind}/${action}`) {
    case 'Deployment/restart':
    case 'DaemonSet/restart':
    case 'StatefulSet/restart': {
      const tpl = spec.template as JsonObject;
      const md = (tpl.metadata ?? {}) as JsonObject;
      md.annotations = { ...((md.annotations ?? {}) as JsonObject), 'kubectl.kubernetes.io/restartedAt': new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') };
      tpl.metadata = md;
      for (const p of model.pods.filter((p) => p.owner.name.startsWith(r.name))) Object.assign(p, { name: `${p.owner.name}-${model.rng.suffix(5)}`, uid: model.rng.uuid(), reason: 'ContainerCreating', restarts: 0, createdAtMs: now });
      if (r.health) r.health = { status: 'Progressing', message: `Waiting for rollout to finish: 0 of ${Number(spec.replicas ?? 1)} updated replicas are available...` };
      break;
    }
    case 'Deployment/pause':
      spec.paused = true;
      if (r.health) r.health = { status: 'Suspended', message: 'Deployment is paused' };
      break;
    case 'Deployment/resume':
      delete spec.paused;
      if (r.health) r.health = { status: 'Healthy' };
      break;
    case 'Deployment/scale': {
      const replicas = Number(params.find((p) => p.name === 'replicas')?.value);
      if (!Number.isInteger(replicas) || replicas < 0) throw errors.unknown('error running action: replicas parameter must be a non-negative integer');
      spec.replicas = replicas;
      break;
    }
    case 'CronJob/suspend':
      spec.suspend = true;
      if (r.health) r.health = { status: 'Suspended', message: 'CronJob is Suspended' };
      break;
    case 'CronJob/resume':
      spec.suspend = false;
      if (r.health) r.health = { status: 'Healthy' };
      break;
    case 'CronJob/create-job': {
      const job = { name: `${r.name}-${Math.floor(now / 60_000)}-${model.rng.suffix(3)}`, namespace: r.namespace, uid: model.rng.uuid(), cronJob: r.name, createdAtMs: now, succeeded: true };
      model.jobs.push(job);
      break;
    }
    default: {
      const md = r.live.metadata as JsonObject;
      md.annotations = { ...((md.annotations ?? {}) as JsonObject), 'force-sync': String(Math.floor(now / 1000)) };
    }
  }
  (r.live.metadata as JsonObject).resourceVersion = ctx.sim.store.nextResourceVersion();
  if (r.target && JSON.stringify(r.live.spec) !== JSON.stringify(r.target.spec) && ['Deployment/pause', 'Deployment/scale', 'CronJob/suspend'].includes(`${q.kind}/${action}`)) r.syncStatus = 'OutOfSync';
  refreshDerivedStatus(rec);
  ctx.sim.store.touchApp(rec);
  scheduleSettle(ctx.sim, rec);
  scheduleReconcile(ctx.sim, rec);
  return {};
}

export function runActionV1(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  if (typeof ctx.body !== 'string') throw errors.invalid('json: cannot unmarshal object into Go value of type string');
  return runAction(ctx, rec, resourceQuery(ctx), ctx.body, []);
}

export function runActionV2(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'application.ResourceActionRunRequestV2');
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name: ctx.params.name as string, project: String(body.project ?? ''), appNamespace: String(body.appNamespace ?? '') });
  const q = resourceQuery(ctx, body);
  q.name = String(body.resourceName ?? '');
  return runAction(ctx, rec, q, String(body.action ?? ''), (body.resourceActionParameters ?? []) as JsonObject[]);
}
