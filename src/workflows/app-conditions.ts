/**
 * The application's state as `argocd app wait` judges it (cmd/argocd/commands/app.go, `checkAppWaitConditions`,
 * `checkResourceStatus`): whether an operation is still in progress, whether the wait conditions hold, and, when
 * they do not, why, in words an agent can act on.
 */

/** What to wait for, as the CLI's flags: --operation, --sync, --health, --suspended, --degraded. */
export type WaitFor = 'operation' | 'sync' | 'health' | 'suspended' | 'degraded';
export const WAIT_FOR_VALUES: WaitFor[] = ['operation', 'sync', 'health', 'suspended', 'degraded'];

interface SyncResultResource {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  status?: string;
  message?: string;
  hookPhase?: string;
}

/** The parts of an Application the wait reads. */
export interface WatchedApp {
  metadata?: { resourceVersion?: string };
  operation?: { sync?: { dryRun?: boolean; source?: { targetRevision?: string }; sources?: Array<{ targetRevision?: string }> } };
  status?: {
    reconciledAt?: string;
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
      operation?: { sync?: { dryRun?: boolean; source?: { targetRevision?: string }; sources?: Array<{ targetRevision?: string }> } };
      syncResult?: { revision?: string; resources?: SyncResultResource[] };
    };
    resources?: Array<{ kind?: string; name?: string; namespace?: string; status?: string; health?: { status?: string; message?: string } }>;
  };
}

/** `checkAppWaitConditions`' operationInProgress. */
export function operationInProgress(app: WatchedApp): boolean {
  if (app.operation) return true;
  const op = app.status?.operationState;
  if (!op) return false;
  if (!op.finishedAt) return true;
  if (op.operation?.sync?.dryRun) return false;
  const reconciledAt = app.status?.reconciledAt;
  return !reconciledAt || Date.parse(reconciledAt) < Date.parse(op.finishedAt);
}

/** `checkResourceStatus` for the app as a whole. */
export function conditionsMet(app: WatchedApp, waitFor: ReadonlySet<WaitFor>): boolean {
  const health = app.status?.health?.status;
  const healthChecked = waitFor.has('health') || waitFor.has('suspended') || waitFor.has('degraded');
  const healthOk =
    !healthChecked || (waitFor.has('health') && health === 'Healthy') || (waitFor.has('suspended') && health === 'Suspended') || (waitFor.has('degraded') && health === 'Degraded');
  const synced = !waitFor.has('sync') || app.status?.sync?.status === 'Synced';
  const operational = !waitFor.has('operation') || !app.operation;
  return synced && healthOk && operational;
}

/** The resources whose sync result failed, with their messages. */
export function failedResources(app: WatchedApp): Array<{ kind?: string; name?: string; namespace?: string; status?: string; message?: string }> {
  return (app.status?.operationState?.syncResult?.resources ?? [])
    .filter((r) => (r.status && !['Synced', 'Pruned', 'PruneSkipped'].includes(r.status)) || r.hookPhase === 'Failed' || r.hookPhase === 'Error')
    .map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace, status: r.status, message: r.message }));
}

export function describeResource(r: { kind?: string; name?: string; namespace?: string }): string {
  return `${r.kind ?? '?'}/${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '?'}`;
}

/** Why the conditions are not met yet: what an agent needs to decide whether to wait longer or act. */
export function whyNotDone(app: WatchedApp, waitFor: ReadonlySet<WaitFor>): string {
  if (app.metadata === undefined) return 'Argo CD has not yet answered with the application as this request left it (every answer was older)';
  const st = app.status ?? {};
  const op = st.operationState;
  if (waitFor.has('operation') && app.operation && !op) {
    return "the operation was requested but Argo CD's application controller has not picked it up (the controller may be busy or stalled)";
  }
  if (waitFor.has('operation') && op && !op.finishedAt) {
    const running = (op.syncResult?.resources ?? []).filter((r) => r.hookPhase === 'Running' && r.status !== 'Synced').map(describeResource);
    return `the operation is still ${op.phase ?? 'Running'}${op.message ? `: "${op.message}"` : ''}${running.length ? `; in progress: ${running.slice(0, 5).join(', ')}` : ''}`;
  }
  if (waitFor.has('operation') && op?.finishedAt && operationInProgress(app)) {
    return `the operation finished (${op.phase}) at ${op.finishedAt}, but the controller has not reconciled the app since (reconciledAt ${st.reconciledAt ?? 'never'}), so its sync and health are not current yet`;
  }
  const parts: string[] = [];
  if (waitFor.has('sync') && st.sync?.status !== 'Synced') parts.push(`sync status is ${st.sync?.status ?? 'Unknown'}`);
  if ((waitFor.has('health') || waitFor.has('suspended') || waitFor.has('degraded')) && !conditionsMet({ status: { health: st.health } }, new Set([...waitFor].filter((w) => w !== 'operation' && w !== 'sync')))) {
    const progressing = (st.resources ?? []).filter((r) => r.health?.status && r.health.status !== 'Healthy').slice(0, 5);
    const detail = progressing.map((r) => `${describeResource(r)} ${r.health?.status}${r.health?.message ? ` (${r.health.message})` : ''}`).join(', ');
    parts.push(`health is ${st.health?.status ?? 'Unknown'}${st.health?.message ? ` (${st.health.message})` : ''}${detail ? `; ${detail}` : ''}`);
  }
  return parts.join('; ') || 'the conditions were not met';
}
