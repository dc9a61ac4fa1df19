/**
 * The end of an operation, as controller/appcontroller.go `setOperationState` writes it: a completed phase gets
 * `finishedAt` and clears `app.operation` in the same write; Error, Failed (with per-resource results and a
 * SyncError condition), a dry run (nothing applied, no history), or Succeeded (applied, history appended unless
 * partial); then a reconcile follows.
 */
import { isoSeconds } from './clock.ts';
import type { SimContext } from './context.ts';
import type { OperationOutcome } from './controller.ts';
import { applyResources } from './operation-apply.ts';
import { appStatus, defaultFailure, mainWorkload, recordAppEvent, selected } from './operation-state.ts';
import { scheduleReconcile } from './reconcile.ts';
import { applyMessage } from './seed/app-factory.ts';
import type { AppRecord } from './store.ts';
import type { JsonObject, OperationRequest } from './types.ts';

/** What every ending shares: the operation that ran, when it started and ended, and the " (dry run)" suffix. */
interface Ending {
  sim: SimContext;
  rec: AppRecord;
  req: OperationRequest;
  operation: JsonObject;
  startedMs: number;
  now: number;
  dry: string;
}

function operationState(e: Ending, phase: string, message: string, resources: unknown[]): JsonObject {
  return { operation: e.operation, phase, message, syncResult: { resources, revision: e.req.revision, source: e.req.source }, startedAt: isoSeconds(e.startedMs), finishedAt: isoSeconds(e.now) };
}

function endWithError(e: Ending, outcome: OperationOutcome): void {
  const msg = outcome.message || `rpc error: code = Unknown desc = Manifest generation error (cached): failed to generate manifests for source 1 of 1: kustomize build failed`;
  appStatus(e.rec).operationState = operationState(e, 'Error', msg, []);
  recordAppEvent(e.sim, e.rec, 'OperationCompleted', `Sync operation to ${e.req.revision} failed: ${msg}`, 'Warning');
  e.sim.store.touchApp(e.rec);
  if (!e.req.dryRun) scheduleReconcile(e.sim, e.rec);
}

function endFailed(e: Ending, outcome: OperationOutcome): void {
  const { rec, req, dry } = e;
  const st = appStatus(rec);
  const msg = outcome.message || defaultFailure(rec);
  const main = mainWorkload(rec);
  const failing = rec.model.resources.filter((r) => selected(req, r) && (r === main || r.syncStatus === 'OutOfSync'));
  const resources = rec.model.resources
    .filter((r) => selected(req, r))
    .map((r) => ({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: failing.includes(r) ? 'SyncFailed' : 'Synced', message: failing.includes(r) ? msg : `${applyMessage(r, 'unchanged')}${dry}`, hookPhase: failing.includes(r) ? 'Failed' : 'Running', syncPhase: 'Sync' }));
  st.operationState = operationState(e, 'Failed', `one or more objects failed to apply${dry}, reason: ${msg}`, resources);
  if (!req.dryRun) {
    const conditions = ((st.conditions ?? []) as JsonObject[]).filter((c) => c.type !== 'SyncError');
    conditions.push({ type: 'SyncError', message: `Failed sync attempt to ${req.revision}: one or more objects failed to apply, reason: ${msg}`, lastTransitionTime: isoSeconds(e.now) });
    st.conditions = conditions;
  }
  recordAppEvent(e.sim, rec, 'OperationCompleted', `Sync operation to ${req.revision} failed: one or more objects failed to apply${dry}, reason: ${msg}`, 'Warning');
  e.sim.store.touchApp(rec);
  if (!req.dryRun) scheduleReconcile(e.sim, rec);
}

/** A dry run applies nothing: the result lists what would change, and no history or reconcile follows. */
function endDryRun(e: Ending): void {
  const { rec, req, dry } = e;
  const results = rec.model.resources
    .filter((r) => selected(req, r))
    .map((r) => ({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: r.target ? 'Synced' : req.prune ? 'Pruned' : 'PruneSkipped', message: r.target ? `${applyMessage(r, !r.live ? 'created' : r.syncStatus === 'OutOfSync' ? 'configured' : 'unchanged')}${dry}` : req.prune ? `pruned${dry}` : 'ignored (requires pruning)', hookPhase: 'Running', syncPhase: 'Sync' }));
  appStatus(rec).operationState = operationState(e, 'Succeeded', 'successfully synced (all tasks run)', results);
  recordAppEvent(e.sim, rec, 'OperationCompleted', `Sync operation to ${req.revision} succeeded`);
  e.sim.store.touchApp(rec);
}

/** The outcome knob for the rollout after a successful sync: the main workload starts Progressing, to end Degraded or stay so. */
function planSettle(rec: AppRecord, outcome: OperationOutcome | undefined): void {
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
}

/** Partial syncs do not add a history entry (as in the controller); the list keeps `revisionHistoryLimit` entries. */
function appendHistory(e: Ending): void {
  const { rec, req } = e;
  if (req.resources?.length) return;
  const st = appStatus(rec);
  const history = (st.history ?? []) as JsonObject[];
  const nextId = history.reduce((m, h) => Math.max(m, Number(h.id) || 0), -1) + 1;
  history.push({ revision: req.revision, deployedAt: isoSeconds(e.now), id: nextId, source: req.source, deployStartedAt: isoSeconds(e.startedMs), initiatedBy: req.automated ? { automated: true } : { username: req.username } });
  const limit = Number((rec.app.spec as JsonObject).revisionHistoryLimit ?? 10) || 10;
  if (history.length > limit) history.splice(0, history.length - limit);
  st.history = history;
}

function endSucceeded(e: Ending, outcome: OperationOutcome | undefined): void {
  const { sim, rec, req } = e;
  const results = applyResources(sim, rec, req, e.now);
  planSettle(rec, outcome);
  const st = appStatus(rec);
  st.operationState = operationState(e, 'Succeeded', 'successfully synced (all tasks run)', results);
  if (st.conditions) {
    const rest = (st.conditions as JsonObject[]).filter((c) => c.type !== 'SyncError');
    if (rest.length) st.conditions = rest;
    else delete st.conditions;
  }
  appendHistory(e);
  recordAppEvent(sim, rec, 'OperationCompleted', `Sync operation to ${req.revision} succeeded`);
  sim.store.touchApp(rec);
  scheduleReconcile(sim, rec);
}

/** Ends the running operation with the outcome the test asked for (Succeeded by default). */
export function complete(sim: SimContext, rec: AppRecord, req: OperationRequest, outcome: OperationOutcome | undefined, startedMs: number): void {
  if (!sim.store.apps.has(String((rec.app.metadata as JsonObject).name))) return;
  const opState = appStatus(rec).operationState as JsonObject | undefined;
  if (!opState || opState.phase !== 'Running') return;
  const operation = rec.app.operation as JsonObject;
  delete rec.app.operation;
  rec.op = undefined;
  rec.pending = undefined;
  const ending: Ending = { sim, rec, req, operation, startedMs, now: Date.now(), dry: req.dryRun ? ' (dry run)' : '' };
  if (outcome?.phase === 'Error') endWithError(ending, outcome);
  else if (outcome?.phase === 'Failed') endFailed(ending, outcome);
  else if (req.dryRun) endDryRun(ending);
  else endSucceeded(ending, outcome);
}
