/**
 * The application controller's operation loop: picks a requested operation up, holds it while a sync window
 * forbids it, runs it through Running (a partial result halfway) to its end (./operation-complete.ts), and
 * terminates it on request. The routes import the controller's steps from here.
 */
import { isoSeconds } from './clock.ts';
import type { SimContext } from './context.ts';
import type { OperationOutcome } from './controller.ts';
import { complete } from './operation-complete.ts';
import { appStatus, mainWorkload, recordAppEvent, selected, windowsAllowSync } from './operation-state.ts';
import { scheduleReconcile } from './reconcile.ts';
import { applyMessage } from './seed/app-factory.ts';
import { type AppRecord, cloneJson } from './store.ts';
import type { JsonObject, OperationRequest } from './types.ts';

export type { OperationRequest } from './types.ts';
export { refreshDerivedStatus } from './operation-apply.ts';
export { headRevision, setAppOperation, windowsAllowSync, windowsFor } from './operation-state.ts';
export { autoSync, isAutomatedSyncEnabled, reconcile, scheduleReconcile, scheduleSettle } from './reconcile.ts';

/** `processRequestedAppOperation` (controller/appcontroller.go): the controller picked the operation up. */
function pickUp(sim: SimContext, rec: AppRecord): void {
  const pending = rec.pending;
  const operation = rec.app.operation as JsonObject | undefined;
  if (!pending || !operation) return;
  const now = Date.now();
  appStatus(rec).operationState = { operation: cloneJson(operation), phase: 'Running', message: 'one or more tasks are running', startedAt: isoSeconds(now) };
  rec.op = { timers: [], startedAtMs: now };
  sim.store.touchApp(rec);
  runWhenWindowAllows(sim, rec, pending.req, pending.outcome, now);
}

/**
 * controller/sync.go `SyncAppState`: while `syncWindowPreventsSync`, the operation stays Running with the message
 * "Sync operation blocked by sync window" and is retried on the next pass; otherwise it runs.
 */
function runWhenWindowAllows(sim: SimContext, rec: AppRecord, req: OperationRequest, outcome: OperationOutcome | undefined, startedMs: number): void {
  const opState = appStatus(rec).operationState as JsonObject | undefined;
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

/** Wires the controller's queue to this module (called once per simulator). */
export function attachController(sim: SimContext): void {
  sim.controller.onPickup = (rec) => pickUp(sim, rec);
}

function progress(sim: SimContext, rec: AppRecord, req: OperationRequest): void {
  const opState = appStatus(rec).operationState as JsonObject | undefined;
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

/** Terminates the running operation: Terminating now, Failed ("Operation terminated") shortly after. */
export function terminateOperation(sim: SimContext, rec: AppRecord): void {
  for (const t of rec.op?.timers ?? []) sim.cancel(t);
  rec.op = undefined;
  rec.pending = undefined;
  const st = appStatus(rec);
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
