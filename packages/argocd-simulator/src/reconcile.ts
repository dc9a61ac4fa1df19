/**
 * The controller's reconcile: `processAppRefreshQueueItem` refreshes sync, health and resources after an
 * operation or a live change, runs `autoSync`, and lets a rollout settle (controller/appcontroller.go).
 */
import { isoSeconds } from './clock.ts';
import type { SimContext } from './context.ts';
import { refreshDerivedStatus } from './operation-apply.ts';
import { appStatus, headRevision, mainWorkload, recordAppEvent, setAppOperation, windowsAllowSync } from './operation-state.ts';
import { statusFor } from './seed/k8s-live.ts';
import { type AppRecord, cloneJson } from './store.ts';
import type { JsonObject, OperationRequest } from './types.ts';

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
  const st = appStatus(rec);
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
  const st = appStatus(rec);
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
