/** The application's operation state shared by the controller's steps: requesting an operation, events, windows. */
import type { SimContext } from './context.ts';
import { errors } from './errors.ts';
import { k8sEvent } from './k8s-event.ts';
import { fakeSha } from './prng.ts';
import type { SimResource } from './seed/model.ts';
import type { AppRecord } from './store.ts';
import type { JsonObject, OperationRequest } from './types.ts';
import { matchWindows, type SyncWindow, windowsState } from './windows/sync-windows.ts';

/** The message of a sync that failed without one given (a kubectl apply error on the main workload). */
export const defaultFailure = (rec: AppRecord) => {
  const main = mainWorkload(rec);
  const name = main?.name ?? String((rec.app.metadata as JsonObject).name);
  return `error when patching "/dev/shm/3207429391": ${main?.kind ?? 'Deployment'}.apps "${name}" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`;
};

/** The workload whose rollout an outcome is about. */
export function mainWorkload(rec: AppRecord): SimResource | undefined {
  return rec.model.resources.find((r) => r.kind === 'Deployment' || r.kind === 'CronJob' || r.kind === 'DaemonSet') ?? rec.model.resources[0];
}

/** The application's status object. */
export function appStatus(rec: AppRecord): JsonObject {
  return rec.app.status as JsonObject;
}

/** Whether a (partial) operation covers the resource. */
export function selected(req: OperationRequest, r: SimResource): boolean {
  if (!req.resources || req.resources.length === 0) return true;
  return req.resources.some((s) => (s.kind ?? '') === r.kind && (s.name ?? '') === r.name && (s.group ?? '') === r.group && (!s.namespace || s.namespace === r.namespace));
}

/** The revision Git/Helm "HEAD" resolves to for the app right now. */
export function headRevision(rec: AppRecord): string {
  return String((appStatus(rec).sync as JsonObject | undefined)?.revision ?? fakeSha(JSON.stringify((rec.app.spec as JsonObject).source)));
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
  delete appStatus(rec).operationState;
  const name = String((rec.app.metadata as JsonObject).name);
  const outcome = sim.controller.takeOutcome(name);
  rec.pending = { req, outcome };
  const verb = req.automated ? `initiated automated sync to '${req.revision}'` : req.kind === 'rollback' ? `initiated rollback to ${req.rollbackId}` : `initiated ${req.resources?.length ? 'partial ' : ''}sync to ${displayRevision(rec, req.revision)}`;
  recordAppEvent(sim, rec, 'OperationStarted', req.automated ? verb : `${req.username} ${verb}`);
  sim.store.touchApp(rec);
  sim.controller.enqueue(rec);
}


function displayRevision(rec: AppRecord, revision: string): string {
  const target = String(((rec.app.spec as JsonObject).source as JsonObject | undefined)?.targetRevision ?? 'HEAD') || 'HEAD';
  return /^[0-9a-f]{40}$/.test(revision) ? `${target} (${revision})` : revision;
}


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
