/** The application controller part: runs sync/rollback operations through Running → Succeeded/Failed and settles health. */
import { isoSeconds } from './clock.ts';
import type { SimContext } from './context.ts';
import { k8sEvent } from './k8s-event.ts';
import { fakeSha } from './prng.ts';
import { applyMessage } from './seed/app-factory.ts';
import { materialize, statusFor } from './seed/k8s-objects.ts';
import { matchWindows, type SyncWindow, windowsState } from './windows/sync-windows.ts';
import type { OperationOutcome } from './controller.ts';
import { errors } from './errors.ts';
import { aggregateStatus, containerImages, liveImages, resourceStatuses, type SimPod, type SimResource } from './seed/model.ts';
import { type AppRecord, cloneJson } from './store.ts';
import type { JsonObject, OperationRequest } from './types.ts';

export type { OperationRequest } from './types.ts';

const DEFAULT_FAILURE = (rec: AppRecord) => {
  const main = mainWorkload(rec);
  const name = main?.name ?? String((rec.app.metadata as JsonObject).name);
  return `error when patching "/dev/shm/3207429391": ${main?.kind ?? 'Deployment'}.apps "${name}" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`;
};

function mainWorkload(rec: AppRecord): SimResource | undefined {
  return rec.model.resources.find((r) => r.kind === 'Deployment' || r.kind === 'CronJob' || r.kind === 'DaemonSet') ?? rec.model.resources[0];
}

function status(rec: AppRecord): JsonObject {
  return rec.app.status as JsonObject;
}

function selected(req: OperationRequest, r: SimResource): boolean {
  if (!req.resources || req.resources.length === 0) return true;
  return req.resources.some((s) => (s.kind ?? '') === r.kind && (s.name ?? '') === r.name && (s.group ?? '') === r.group && (!s.namespace || s.namespace === r.namespace));
}

/** The revision Git/Helm "HEAD" resolves to for the app right now. */
export function headRevision(rec: AppRecord): string {
  return String((status(rec).sync as JsonObject | undefined)?.revision ?? fakeSha(JSON.stringify((rec.app.spec as JsonObject).source)));
}

/** Records a Kubernetes Event about the Application (what argocd-server/controller emit). */
export function recordAppEvent(sim: SimContext, rec: AppRecord, reason: string, message: string, type = 'Normal'): void {
  const md = rec.app.metadata as JsonObject;
  const now = Date.now();
  rec.events.push(
    k8sEvent(md.namespace, { kind: 'Application', namespace: md.namespace, name: md.name, uid: md.uid, apiVersion: 'argoproj.io/v1alpha1', resourceVersion: md.resourceVersion }, reason, message, now, {
      type,
      component: reason.startsWith('Operation') || reason === 'ResourceUpdated' ? 'argocd-application-controller' : 'argocd-server',
      rng: sim.rng,
      resourceVersion: sim.store.nextResourceVersion(),
    }),
  );
  if (rec.events.length > 200) rec.events.splice(0, rec.events.length - 200);
}

/**
 * `SetAppOperation` (util/argo/argo.go): refuses while `app.operation` is set, else sets it and CLEARS
 * `status.operationState`, then returns; nothing runs yet. The controller picks the operation up later.
 */
export function setAppOperation(sim: SimContext, rec: AppRecord, req: OperationRequest): void {
  if (rec.app.operation) throw errors.precondition('error setting app operation: another operation is already in progress');
  const syncOp: JsonObject = { revision: req.revision };
  if (req.prune) syncOp.prune = true;
  if (req.dryRun) syncOp.dryRun = true;
  syncOp.syncStrategy = req.syncStrategy ?? (req.kind === 'rollback' ? { apply: {} } : { hook: {} });
  if (req.resources?.length) syncOp.resources = req.resources;
  syncOp.source = req.source;
  if (req.syncOptions?.length) syncOp.syncOptions = req.syncOptions;
  if (req.selfHealAttemptsCount) syncOp.selfHealAttemptsCount = req.selfHealAttemptsCount;
  const operation: JsonObject = { sync: syncOp, initiatedBy: req.automated ? { automated: true } : { username: req.username } };
  if (req.info?.length) operation.info = req.info;
  operation.retry = req.retry ?? {};
  rec.app.operation = operation;
  delete status(rec).operationState;
  const name = String((rec.app.metadata as JsonObject).name);
  const outcome = sim.controller.takeOutcome(name);
  rec.pending = { req, outcome };
  const verb = req.automated ? `initiated automated sync to '${req.revision}'` : req.kind === 'rollback' ? `initiated rollback to ${req.rollbackId}` : `initiated ${req.resources?.length ? 'partial ' : ''}sync to ${displayRevision(rec, req.revision)}`;
  recordAppEvent(sim, rec, 'OperationStarted', req.automated ? verb : `${req.username} ${verb}`);
  sim.store.touchApp(rec);
  sim.controller.enqueue(rec);
}

/** `processRequestedAppOperation` (controller/appcontroller.go): the controller picked the operation up. */
function pickUp(sim: SimContext, rec: AppRecord): void {
  const pending = rec.pending;
  const operation = rec.app.operation as JsonObject | undefined;
  if (!pending || !operation) return;
  const now = Date.now();
  status(rec).operationState = { operation: cloneJson(operation), phase: 'Running', message: 'one or more tasks are running', startedAt: isoSeconds(now) };
  rec.op = { timers: [], startedAtMs: now };
  sim.store.touchApp(rec);
  runWhenWindowAllows(sim, rec, pending.req, pending.outcome, now);
}

/**
 * controller/sync.go `SyncAppState`: while `syncWindowPreventsSync`, the operation stays Running with the message
 * "Sync operation blocked by sync window" and is retried on the next pass; otherwise it runs.
 */
function runWhenWindowAllows(sim: SimContext, rec: AppRecord, req: OperationRequest, outcome: OperationOutcome | undefined, startedMs: number): void {
  const opState = status(rec).operationState as JsonObject | undefined;
  if (!opState || opState.phase !== 'Running' || !rec.op) return;
  if (!windowsAllowSync(sim, rec, !req.automated)) {
    if (opState.message !== 'Sync operation blocked by sync window') {
      opState.message = 'Sync operation blocked by sync window';
      sim.store.touchApp(rec);
    }
    rec.op.timers = [sim.schedule(() => runWhenWindowAllows(sim, rec, req, outcome, startedMs), WINDOW_RECHECK_MS)];
    return;
  }
  if (opState.message === 'Sync operation blocked by sync window') opState.message = 'one or more tasks are running';
  const duration = sim.opts.syncDurationMs;
  rec.op.timers = [
    sim.schedule(() => progress(sim, rec, req), Math.floor(duration / 2)),
    sim.schedule(() => complete(sim, rec, req, outcome, startedMs), duration),
  ];
}

/** How often a blocked operation re-checks the windows (the controller requeues it). */
const WINDOW_RECHECK_MS = 500;

/** The project's sync windows that match the app (`SyncWindows.Matches`). */
export function windowsFor(sim: SimContext, rec: AppRecord): SyncWindow[] {
  const spec = rec.app.spec as JsonObject;
  const project = sim.store.projects.get(String(spec.project));
  const windows = (((project?.spec as JsonObject | undefined)?.syncWindows ?? []) as SyncWindow[]);
  return matchWindows(windows, { name: String((rec.app.metadata as JsonObject).name), destination: spec.destination as { server?: string; name?: string; namespace?: string } });
}

/** `SyncWindows.Matches(app).CanSync(isManual)` now; an unparsable window refuses, as Argo CD does. */
export function windowsAllowSync(sim: SimContext, rec: AppRecord, isManual: boolean): boolean {
  return windowsState(windowsFor(sim, rec), { isManual, now: new Date() }).canSync;
}

/** Wires the controller's queue to this module (called once per simulator). */
export function attachController(sim: SimContext): void {
  sim.controller.onPickup = (rec) => pickUp(sim, rec);
}

function displayRevision(rec: AppRecord, revision: string): string {
  const target = String(((rec.app.spec as JsonObject).source as JsonObject | undefined)?.targetRevision ?? 'HEAD') || 'HEAD';
  return /^[0-9a-f]{40}$/.test(revision) ? `${target} (${revision})` : revision;
}

function progress(sim: SimContext, rec: AppRecord, req: OperationRequest): void {
  const opState = status(rec).operationState as JsonObject | undefined;
  if (!opState || opState.phase !== 'Running') return;
  const chosen = rec.model.resources.filter((r) => selected(req, r));
  const half = chosen.slice(0, Math.ceil(chosen.length / 2));
  const main = mainWorkload(rec);
  opState.message = main ? `waiting for healthy state of ${main.group ? `${main.group}/` : '/'}${main.kind}/${main.name}` : 'one or more tasks are running';
  opState.syncResult = {
    resources: half.map((r) => ({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: 'Synced', message: applyMessage(r, r.syncStatus === 'OutOfSync' ? 'configured' : 'unchanged'), hookPhase: 'Running', syncPhase: 'Sync' })),
    revision: req.revision,
    source: req.source,
  };
  sim.store.touchApp(rec);
}

function replaceWorkloadPods(rec: AppRecord, r: SimResource, now: number): void {
  const model = rec.model;
  const rng = model.rng;
  if (!r.live) return;
  const spec = r.live.spec as JsonObject;
  const template = spec.template as JsonObject | undefined;
  const containers = (((template?.spec as JsonObject | undefined)?.containers ?? []) as JsonObject[]).map((c) => ({ name: String(c.name), image: String(c.image) }));
  const podLabels = { ...((((template?.metadata as JsonObject | undefined)?.labels) ?? {}) as Record<string, string>) };
  if (r.kind === 'Deployment') {
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const owned = model.replicaSets.filter((rs) => rs.deployment === r.name && rs.namespace === r.namespace);
    const revision = Math.max(0, ...owned.map((rs) => rs.revision)) + 1;
    for (const rs of owned) rs.replicas = 0;
    const hash = rng.suffix(10);
    const rs = { name: `${r.name}-${hash}`, namespace: r.namespace, uid: rng.uuid(), deployment: r.name, revision, replicas, createdAtMs: now, images: containers.map((c) => c.image) };
    // Keep the newest old ReplicaSet, drop the rest (revisionHistoryLimit in spirit).
    const keep = owned.sort((a, b) => b.revision - a.revision).slice(0, 1);
    model.replicaSets = model.replicaSets.filter((x) => x.deployment !== r.name || x.namespace !== r.namespace || keep.includes(x));
    model.replicaSets.push(rs);
    const oldNames = new Set(owned.map((x) => x.name));
    model.pods = model.pods.filter((p) => !(p.owner.kind === 'ReplicaSet' && oldNames.has(p.owner.name)));
    for (let i = 0; i < replicas; i++) {
      model.pods.push({
        name: `${rs.name}-${rng.suffix(5)}`,
        namespace: r.namespace,
        uid: rng.uuid(),
        nodeName: model.nodes[i % model.nodes.length] as string,
        owner: { group: 'apps', kind: 'ReplicaSet', name: rs.name, uid: rs.uid },
        containers,
        reason: 'ContainerCreating',
        restarts: 0,
        createdAtMs: now,
        ip: `10.20.${rng.int(10, 39)}.${rng.int(2, 250)}`,
        labels: { ...podLabels, 'pod-template-hash': hash },
      } satisfies SimPod);
    }
    const md = r.live.metadata as JsonObject;
    md.annotations = { ...(md.annotations as JsonObject), 'deployment.kubernetes.io/revision': String(revision) };
  } else if (r.kind === 'DaemonSet') {
    model.pods = model.pods.filter((p) => !(p.owner.kind === 'DaemonSet' && p.owner.name === r.name));
    for (const node of model.nodes) {
      model.pods.push({ name: `${r.name}-${rng.suffix(5)}`, namespace: r.namespace, uid: rng.uuid(), nodeName: node, owner: { group: 'apps', kind: 'DaemonSet', name: r.name, uid: r.uid }, containers, reason: 'ContainerCreating', restarts: 0, createdAtMs: now, ip: `10.20.${rng.int(10, 39)}.${rng.int(2, 250)}`, labels: podLabels });
    }
  }
}

/** Applies desired state to the selected resources (what a successful sync does to the cluster). */
function applyResources(sim: SimContext, rec: AppRecord, req: OperationRequest, now: number): JsonObject[] {
  const results: JsonObject[] = [];
  // Deploying anything but the revision HEAD resolves to leaves the workloads OutOfSync.
  const offHead = req.revision !== headRevision(rec);
  const rollbackImage = offHead ? imageFromSource(req.source) : undefined;
  const keep: SimResource[] = [];
  for (const r of rec.model.resources) {
    if (!selected(req, r)) {
      keep.push(r);
      continue;
    }
    if (!r.target) {
      if (req.prune) {
        results.push({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: 'Pruned', message: 'pruned', hookPhase: 'Running', syncPhase: 'Sync' });
        continue;
      }
      results.push({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: 'PruneSkipped', message: 'ignored (requires pruning)', hookPhase: 'Running', syncPhase: 'Sync' });
      keep.push(r);
      continue;
    }
    const before = r.live ? JSON.stringify(r.live.spec ?? r.live.data ?? null) : undefined;
    let desired = r.target;
    const isMainKind = r.kind === 'Deployment' || r.kind === 'CronJob' || r.kind === 'DaemonSet';
    if (rollbackImage && isMainKind) desired = withImage(r.target, rollbackImage);
    const workload = r.kind === 'Deployment' || r.kind === 'DaemonSet';
    const created = !r.live;
    r.live = materialize(desired, { uid: r.uid, resourceVersion: sim.store.nextResourceVersion(), createdAtMs: created ? now : r.createdAtMs, generation: (Number(((r.live?.metadata as JsonObject | undefined)?.generation) ?? 0) || 0) + 1, status: statusFor(r.kind, desired, workload ? 'Progressing' : 'Healthy', now, rec.model.rng) });
    if (created) r.createdAtMs = now;
    const changed = before !== JSON.stringify(r.live.spec ?? r.live.data ?? null);
    r.syncStatus = offHead && isMainKind ? 'OutOfSync' : 'Synced';
    if (r.hasHealth) r.health = workload && (changed || r.health?.status !== 'Healthy') ? { status: 'Progressing', message: r.kind === 'Deployment' ? `Waiting for rollout to finish: 0 of ${Number((desired.spec as JsonObject).replicas ?? 1)} updated replicas are available...` : undefined } : { status: 'Healthy' };
    if (r.health && r.health.message === undefined) delete r.health.message;
    if (workload && (changed || created || rec.model.pods.some((p) => p.reason !== 'Running' && p.owner.name.startsWith(r.name)))) replaceWorkloadPods(rec, r, now);
    const result: JsonObject = { group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: 'Synced', message: applyMessage(r, created ? 'created' : changed ? 'configured' : 'unchanged'), hookPhase: 'Running', syncPhase: 'Sync' };
    if (['Deployment', 'DaemonSet', 'CronJob'].includes(r.kind)) result.images = containerImages(desired);
    results.push(result);
    keep.push(r);
  }
  rec.model.resources = keep;
  return results;
}

function imageFromSource(source: JsonObject): string | undefined {
  const images = (source.kustomize as JsonObject | undefined)?.images as string[] | undefined;
  if (images?.[0]) return images[0];
  return undefined;
}

function withImage(target: JsonObject, image: string): JsonObject {
  const copy = cloneJson(target);
  const spec = copy.spec as JsonObject;
  const tpl = (spec.template ?? ((spec.jobTemplate as JsonObject | undefined)?.spec as JsonObject | undefined)?.template) as JsonObject | undefined;
  const containers = ((tpl?.spec as JsonObject | undefined)?.containers ?? []) as JsonObject[];
  if (containers[0]) containers[0].image = image;
  return copy;
}

/** Recomputes status.resources / sync / health / summary from the model. */
export function refreshDerivedStatus(rec: AppRecord): { syncBefore: string; healthBefore: string } {
  const st = status(rec);
  const sync = (st.sync ?? {}) as JsonObject;
  const health = (st.health ?? {}) as JsonObject;
  const before = { syncBefore: String(sync.status ?? 'Unknown'), healthBefore: String(health.status ?? 'Unknown') };
  const agg = aggregateStatus(rec.model);
  st.resources = resourceStatuses(rec.model);
  st.sync = { ...sync, status: agg.sync };
  if (agg.health !== before.healthBefore) st.health = { status: agg.health, lastTransitionTime: isoSeconds(Date.now()) };
  const summary = (st.summary ?? {}) as JsonObject;
  st.summary = { ...summary, images: liveImages(rec.model) };
  return before;
}

function complete(sim: SimContext, rec: AppRecord, req: OperationRequest, outcome: OperationOutcome | undefined, startedMs: number): void {
  if (!sim.store.apps.has(String((rec.app.metadata as JsonObject).name))) return;
  const st = status(rec);
  const opState = st.operationState as JsonObject | undefined;
  if (!opState || opState.phase !== 'Running') return;
  const now = Date.now();
  const operation = rec.app.operation as JsonObject;
  // setOperationState: a completed phase gets finishedAt and clears app.operation in the same patch.
  delete rec.app.operation;
  rec.op = undefined;
  rec.pending = undefined;
  const dry = req.dryRun ? ' (dry run)' : '';
  if (outcome?.phase === 'Error') {
    const msg = outcome.message || `rpc error: code = Unknown desc = Manifest generation error (cached): failed to generate manifests for source 1 of 1: kustomize build failed`;
    st.operationState = { operation, phase: 'Error', message: msg, syncResult: { resources: [], revision: req.revision, source: req.source }, startedAt: isoSeconds(startedMs), finishedAt: isoSeconds(now) };
    recordAppEvent(sim, rec, 'OperationCompleted', `Sync operation to ${req.revision} failed: ${msg}`, 'Warning');
    sim.store.touchApp(rec);
    if (!req.dryRun) scheduleReconcile(sim, rec);
    return;
  }
  if (outcome?.phase === 'Failed') {
    const msg = outcome.message || DEFAULT_FAILURE(rec);
    const main = mainWorkload(rec);
    const failing = rec.model.resources.filter((r) => selected(req, r) && (r === main || r.syncStatus === 'OutOfSync'));
    st.operationState = {
      operation,
      phase: 'Failed',
      message: `one or more objects failed to apply${dry}, reason: ${msg}`,
      syncResult: {
        resources: rec.model.resources.filter((r) => selected(req, r)).map((r) => ({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: failing.includes(r) ? 'SyncFailed' : 'Synced', message: failing.includes(r) ? msg : `${applyMessage(r, 'unchanged')}${dry}`, hookPhase: failing.includes(r) ? 'Failed' : 'Running', syncPhase: 'Sync' })),
        revision: req.revision,
        source: req.source,
      },
      startedAt: isoSeconds(startedMs),
      finishedAt: isoSeconds(now),
    };
    if (!req.dryRun) {
      const conditions = ((st.conditions ?? []) as JsonObject[]).filter((c) => c.type !== 'SyncError');
      conditions.push({ type: 'SyncError', message: `Failed sync attempt to ${req.revision}: one or more objects failed to apply, reason: ${msg}`, lastTransitionTime: isoSeconds(now) });
      st.conditions = conditions;
    }
    recordAppEvent(sim, rec, 'OperationCompleted', `Sync operation to ${req.revision} failed: one or more objects failed to apply${dry}, reason: ${msg}`, 'Warning');
    sim.store.touchApp(rec);
    if (!req.dryRun) scheduleReconcile(sim, rec);
    return;
  }
  if (req.dryRun) {
    // A dry run applies nothing: the result lists what would change, and no history or reconcile follows.
    const results = rec.model.resources
      .filter((r) => selected(req, r))
      .map((r) => ({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: r.target ? 'Synced' : req.prune ? 'Pruned' : 'PruneSkipped', message: r.target ? `${applyMessage(r, !r.live ? 'created' : r.syncStatus === 'OutOfSync' ? 'configured' : 'unchanged')}${dry}` : req.prune ? `pruned${dry}` : 'ignored (requires pruning)', hookPhase: 'Running', syncPhase: 'Sync' }));
    st.operationState = { operation, phase: 'Succeeded', message: 'successfully synced (all tasks run)', syncResult: { resources: results, revision: req.revision, source: req.source }, startedAt: isoSeconds(startedMs), finishedAt: isoSeconds(now) };
    recordAppEvent(sim, rec, 'OperationCompleted', `Sync operation to ${req.revision} succeeded`);
    sim.store.touchApp(rec);
    return;
  }
  const results = applyResources(sim, rec, req, now);
  const main = mainWorkload(rec);
  rec.settleOutcome =
    outcome?.health === 'Degraded'
      ? { health: 'Degraded', message: outcome.message || `Deployment "${main?.name ?? 'app'}" exceeded its progress deadline` }
      : outcome?.health === 'Progressing'
        ? { health: 'Progressing', message: outcome.message }
        : undefined;
  // Either outcome is about the main workload's rollout: it starts Progressing whether or not its spec changed.
  if (rec.settleOutcome && main?.hasHealth && main.live) {
    const replicas = Number(((main.live.spec as JsonObject | undefined)?.replicas as number | undefined) ?? 1);
    main.health = { status: 'Progressing', message: `Waiting for rollout to finish: 0 of ${replicas} updated replicas are available...` };
  }
  const spec = rec.app.spec as JsonObject;
  st.operationState = {
    operation,
    phase: 'Succeeded',
    message: 'successfully synced (all tasks run)',
    syncResult: { resources: results, revision: req.revision, source: req.source },
    startedAt: isoSeconds(startedMs),
    finishedAt: isoSeconds(now),
  };
  if (st.conditions) {
    const rest = (st.conditions as JsonObject[]).filter((c) => c.type !== 'SyncError');
    if (rest.length) st.conditions = rest;
    else delete st.conditions;
  }
  // Partial syncs do not add a history entry (as in the controller).
  if (!req.resources?.length) {
    const history = (st.history ?? []) as JsonObject[];
    const nextId = history.reduce((m, h) => Math.max(m, Number(h.id) || 0), -1) + 1;
    history.push({ revision: req.revision, deployedAt: isoSeconds(now), id: nextId, source: req.source, deployStartedAt: isoSeconds(startedMs), initiatedBy: req.automated ? { automated: true } : { username: req.username } });
    const limit = Number(spec.revisionHistoryLimit ?? 10) || 10;
    if (history.length > limit) history.splice(0, history.length - limit);
    st.history = history;
  }
  recordAppEvent(sim, rec, 'OperationCompleted', `Sync operation to ${req.revision} succeeded`);
  sim.store.touchApp(rec);
  scheduleReconcile(sim, rec);
}

/** Requests a reconcile of the app after the controller's reconcile delay (as `requestAppRefresh` does). */
export function scheduleReconcile(sim: SimContext, rec: AppRecord): void {
  const name = String((rec.app.metadata as JsonObject).name);
  const ms = sim.controller.reconcileDelay(name);
  if (ms === undefined) return;
  sim.cancel(rec.reconcileTimer);
  rec.reconcileTimer = sim.schedule(() => {
    rec.reconcileTimer = undefined;
    if (sim.store.apps.get(name) === rec) reconcile(sim, rec);
  }, ms);
}

/**
 * `processAppRefreshQueueItem` (controller/appcontroller.go): compares desired and live state, then writes
 * `status.sync`, `status.health`, `status.resources` and `status.reconciledAt`, and runs auto-sync.
 */
export function reconcile(sim: SimContext, rec: AppRecord): void {
  const st = status(rec);
  const before = refreshDerivedStatus(rec);
  const spec = rec.app.spec as JsonObject;
  const sync = st.sync as JsonObject;
  sync.comparedTo = { source: spec.source, destination: spec.destination, ...(spec.ignoreDifferences ? { ignoreDifferences: spec.ignoreDifferences } : {}) };
  st.reconciledAt = isoSeconds(Date.now());
  if (before.syncBefore !== sync.status) recordAppEvent(sim, rec, 'ResourceUpdated', `Updated sync status: ${before.syncBefore} -> ${String(sync.status)}`);
  if (before.healthBefore !== (st.health as JsonObject).status) recordAppEvent(sim, rec, 'ResourceUpdated', `Updated health status: ${before.healthBefore} -> ${String((st.health as JsonObject).status)}`);
  sim.store.touchApp(rec);
  if (rec.model.resources.some((r) => r.health?.status === 'Progressing') || rec.model.pods.some((p) => p.reason === 'ContainerCreating')) scheduleSettle(sim, rec);
  autoSync(sim, rec);
}

/** `IsAutomatedSyncEnabled` (types.go, v3.1+): `automated` set and `enabled` not false. */
export function isAutomatedSyncEnabled(spec: JsonObject): boolean {
  const auto = ((spec.syncPolicy ?? {}) as JsonObject).automated as JsonObject | undefined;
  return Boolean(auto) && auto?.enabled !== false;
}

/**
 * `autoSync` (controller/appcontroller.go): only when enabled, no operation, not deleting, a window allows an
 * automated sync, and the app is OutOfSync. A sync to the same revision and source as the last operation is retried
 * only when that one succeeded and selfHeal is on (then only the resources out of sync); a failed last attempt
 * leaves a SyncError condition instead.
 */
export function autoSync(sim: SimContext, rec: AppRecord): void {
  const spec = rec.app.spec as JsonObject;
  const st = status(rec);
  if (!isAutomatedSyncEnabled(spec) || rec.app.operation || (rec.app.metadata as JsonObject).deletionTimestamp) return;
  if (!windowsAllowSync(sim, rec, false)) return;
  if ((st.sync as JsonObject | undefined)?.status !== 'OutOfSync') return;
  const policy = (spec.syncPolicy ?? {}) as JsonObject;
  const auto = policy.automated as JsonObject;
  // Without automated prune, an app that only needs pruning is left alone.
  const unsynced = rec.model.resources.filter((r) => r.syncStatus !== 'Synced' && !r.hook);
  if (!auto.prune && unsynced.every((r) => !r.target)) return;
  const revision = headRevision(rec);
  const source = cloneJson((spec.source ?? {}) as JsonObject);
  const last = st.operationState as JsonObject | undefined;
  const lastSync = ((last?.operation as JsonObject | undefined)?.sync ?? {}) as JsonObject;
  const alreadyAttempted = last !== undefined && lastSync.revision === revision && JSON.stringify(lastSync.source ?? null) === JSON.stringify(source);
  let resources: OperationRequest['resources'];
  let selfHealAttemptsCount = 0;
  if (alreadyAttempted) {
    if (last?.phase !== 'Succeeded') {
      const conditions = ((st.conditions ?? []) as JsonObject[]).filter((c) => c.type !== 'SyncError');
      conditions.push({ type: 'SyncError', message: `Failed last sync attempt to ${revision}: ${String(last?.message ?? '')}`, lastTransitionTime: isoSeconds(Date.now()) });
      st.conditions = conditions;
      sim.store.touchApp(rec);
      return;
    }
    if (!auto.selfHeal) return;
    // selfHealRemainingBackoff: 0 after a fresh sync, then 2 s, 6 s, 18 s ... up to 5 min (the controller's defaults).
    const attempts = Number(lastSync.selfHealAttemptsCount ?? 0);
    const backoffMs = attempts === 0 ? 0 : Math.min(2000 * 3 ** (attempts - 1), 300_000);
    const remaining = backoffMs - (Date.now() - Date.parse(String(last?.finishedAt ?? '')));
    if (remaining > 0) {
      sim.cancel(rec.reconcileTimer);
      rec.reconcileTimer = sim.schedule(() => {
        rec.reconcileTimer = undefined;
        if (sim.store.apps.get(String((rec.app.metadata as JsonObject).name)) === rec) reconcile(sim, rec);
      }, remaining);
      return;
    }
    selfHealAttemptsCount = attempts + 1;
    resources = unsynced.map((r) => ({ group: r.group, kind: r.kind, name: r.name }));
  }
  setAppOperation(sim, rec, { kind: 'sync', username: '', automated: true, revision, source, prune: Boolean(auto.prune), dryRun: false, resources, selfHealAttemptsCount, syncOptions: policy.syncOptions as string[] | undefined, retry: (policy.retry as JsonObject | undefined) ?? { limit: 5 } });
}

/** After a rollout: pods become Running and workloads Healthy (or Degraded when the outcome says so). */
export function scheduleSettle(sim: SimContext, rec: AppRecord): void {
  const delay = Math.max(50, Math.round(sim.opts.syncDurationMs / 2));
  sim.schedule(() => {
    if (!sim.store.apps.has(String((rec.app.metadata as JsonObject).name))) return;
    // The outcome knob: the main workload ends Degraded (once), or stays Progressing (a rollout that never finishes).
    const outcome = rec.settleOutcome;
    if (outcome?.health === 'Degraded') rec.settleOutcome = undefined;
    const main = outcome ? mainWorkload(rec) : undefined;
    const degraded = outcome?.health === 'Degraded' ? outcome.message : undefined;
    const stuck = outcome?.health === 'Progressing';
    let changed = false;
    for (const p of rec.model.pods) {
      if (p.reason === 'ContainerCreating') {
        const ofMain = main !== undefined && p.owner.name.startsWith(main.name);
        if (ofMain && stuck) continue;
        p.reason = ofMain ? 'CrashLoopBackOff' : 'Running';
        if (p.reason === 'CrashLoopBackOff') p.restarts = 5;
        changed = true;
      }
    }
    for (const r of rec.model.resources) {
      if (r.hasHealth && r.live && r.health?.status === 'Progressing') {
        const bad = r === main;
        if (bad && stuck) {
          if (outcome?.message && r.health.message !== outcome.message) {
            r.health = { status: 'Progressing', message: outcome.message };
            changed = true;
          }
          continue;
        }
        r.health = bad ? { status: 'Degraded', message: degraded } : { status: 'Healthy' };
        r.live.status = statusFor(r.kind, r.live, bad ? 'Degraded' : 'Healthy', Date.now(), rec.model.rng);
        changed = true;
      }
    }
    if (!changed) return;
    const st = rec.app.status as JsonObject;
    const before = refreshDerivedStatus(rec);
    const health = st.health as JsonObject;
    if (health.status === 'Degraded' && degraded) health.message = degraded;
    st.reconciledAt = isoSeconds(Date.now());
    const after = String(health.status);
    if (before.healthBefore !== after) recordAppEvent(sim, rec, 'ResourceUpdated', `Updated health status: ${before.healthBefore} -> ${after}`);
    sim.store.touchApp(rec);
  }, delay);
}

/** Terminates the running operation: Terminating now, Failed ("Operation terminated") shortly after. */
export function terminateOperation(sim: SimContext, rec: AppRecord): void {
  for (const t of rec.op?.timers ?? []) sim.cancel(t);
  rec.op = undefined;
  rec.pending = undefined;
  const st = status(rec);
  const opState = st.operationState as JsonObject;
  opState.phase = 'Terminating';
  sim.store.touchApp(rec);
  sim.schedule(() => {
    if (opState.phase !== 'Terminating') return;
    opState.phase = 'Failed';
    opState.message = 'Operation terminated';
    opState.finishedAt = isoSeconds(Date.now());
    delete rec.app.operation;
    recordAppEvent(sim, rec, 'OperationCompleted', `Sync operation to ${String(((opState.operation as JsonObject).sync as JsonObject).revision)} failed: Operation terminated`, 'Warning');
    sim.store.touchApp(rec);
    scheduleReconcile(sim, rec);
  }, Math.min(200, Math.max(20, Math.round(sim.opts.syncDurationMs / 5))));
}
