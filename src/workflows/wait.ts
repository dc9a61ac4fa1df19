/**
 * Waiting on an application as `argocd app wait` / `argocd app sync` do (cmd/argocd/commands/app.go,
 * `checkAppWaitConditions`, `checkResourceStatus`, `waitOnApplicationStatus`): an operation is in progress while
 * `app.operation` is set, or `operationState.finishedAt` is empty, or (for a real run) the app was not reconciled
 * since the operation finished; only then are sync and health current.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext } from '../gateway/gateway.ts';
import { type Call, json, parse, textOf } from './common.ts';

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

function describeResource(r: { kind?: string; name?: string; namespace?: string }): string {
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

/** The result of following an application. */
export interface Outcome {
  app: string;
  /** The operation's final phase (Succeeded, Failed, Error), or its phase when the wait stopped. */
  phase: string;
  message?: string;
  revision?: string;
  sync?: string;
  health?: string;
  healthMessage?: string;
  dryRun?: boolean;
  failedResources: Array<{ kind?: string; name?: string; namespace?: string; status?: string; message?: string }>;
  seconds: number;
  /** What the wait was for. */
  waitFor: WaitFor[];
  timedOut?: boolean;
  /** Why the wait had not ended, when it timed out or was cancelled. */
  waitingOn?: string;
  /** The health wait ended on Degraded. */
  degraded?: boolean;
  cancelled?: boolean;
  terminated?: boolean;
}

/** True for an outcome the caller should treat as success. */
export function succeeded(o: Outcome): boolean {
  return !o.cancelled && !o.timedOut && !o.degraded && o.phase === 'Succeeded';
}

/** How long a cancelled wait with terminateOnCancel waits for the controller to pick the operation up. */
const TERMINATE_PICKUP_WAIT_MS = 10_000;

const FIELDS = ['metadata.resourceVersion', 'operation', 'status.reconciledAt', 'status.sync', 'status.health', 'status.operationState', 'status.resources'];

/** Reads the app as the wait needs it (raw, so resourceVersion survives shaping); `refresh` asks Argo CD to reconcile first. */
export async function readApp(call: Call, ctx: CallContext, name: string, appNamespace?: string, refresh = false): Promise<{ ok: true; value: WatchedApp } | { ok: false; error: string }> {
  const args = { name, ...(appNamespace ? { appNamespace } : {}), ...(refresh ? { refresh: 'normal' } : {}), raw: true, fields: FIELDS };
  return parse<WatchedApp>(await call('application_get', args, { ...ctx, progressToken: undefined }));
}

/** a > b for Kubernetes resourceVersions (etcd revisions are integers; others compare as unequal). */
function newerThan(a: string | undefined, b: string | undefined): boolean {
  if (b === undefined || a === undefined) return true;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}

/**
 * Polls the application until the wait conditions hold (waitOnApplicationStatus), the operation ended Failed or
 * Error (as `argocd app sync` fails then), health turned Degraded during a health wait, the deadline passed, or the
 * call was cancelled. `after` is the resourceVersion read before the operation was requested: an answer not newer
 * than it (a lagging cache) is the previous state and is never taken for this operation's.
 */
export async function waitForApp(args: {
  call: Call;
  ctx: CallContext;
  name: string;
  appNamespace?: string;
  waitFor: WaitFor[];
  timeoutSeconds: number;
  after?: string;
  /**
   * The operation to wait for was started by someone else (Argo CD's auto-sync): states before one that passes this
   * test are not its, and the wait says what it is waiting for.
   */
  expect?: { describe: string; test: (app: WatchedApp) => boolean };
  terminateOnCancel?: boolean;
  pollMs?: number;
  label?: string;
}): Promise<Outcome> {
  const { call, ctx, name } = args;
  const waitFor = new Set(args.waitFor);
  const started = Date.now();
  const deadline = started + args.timeoutSeconds * 1000;
  let pollMs = Math.min(args.pollMs ?? 250, 1000);
  let app: WatchedApp = {};
  let step = 0;
  // waitOnApplicationStatus' `refresh`: once a (real) operation was seen, the final state is read with a refresh.
  let sawOperation = false;
  let expectSeen = false;
  const why = () => (args.expect && !expectSeen && app.metadata !== undefined ? `waiting for ${args.expect.describe}` : whyNotDone(app, waitFor));
  for (;;) {
    const got = await readApp(call, ctx, name, args.appNamespace);
    if (got.ok && newerThan(got.value.metadata?.resourceVersion, args.after)) app = got.value;
    const op = app.status?.operationState;
    if (args.expect && app.metadata !== undefined && !expectSeen) expectSeen = args.expect.test(app);
    const inProgress = app.metadata === undefined || operationInProgress(app) || (args.expect !== undefined && !expectSeen);
    // Any operation in a state newer than the request is this one (the request cleared the previous operationState).
    if (app.metadata !== undefined && (app.operation || op) && !op?.operation?.sync?.dryRun && !app.operation?.sync?.dryRun) sawOperation = true;
    let st = app.status ?? {};
    let final = app;
    const outcome = (extra: Partial<Outcome> = {}): Outcome => ({
      app: name,
      phase: op?.phase ?? (app.operation ? 'Pending' : 'Unknown'),
      ...(op?.message ? { message: op.message } : {}),
      revision: op?.syncResult?.revision ?? st.sync?.revision,
      sync: st.sync?.status,
      health: st.health?.status,
      ...(st.health?.message ? { healthMessage: st.health.message } : {}),
      ...(op?.operation?.sync?.dryRun ? { dryRun: true } : {}),
      failedResources: failedResources(final),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      waitFor: [...waitFor],
      ...extra,
    });
    step += 1;
    if (ctx.progressToken !== undefined && ctx.sendProgress) {
      const synced = (st.resources ?? []).filter((r) => r.status === 'Synced').length;
      const state = app.operation && !op ? 'requested, not picked up yet' : (op?.phase ?? 'none');
      await ctx
        .sendProgress({ progress: step, message: `${args.label ?? name}: operation ${state}, ${synced}/${(st.resources ?? []).length} resources synced, health ${st.health?.status ?? '?'}` })
        .catch(() => undefined);
    }
    if (app.metadata !== undefined) {
      const met = conditionsMet(app, waitFor) && (!inProgress || !waitFor.has('operation'));
      const failed = waitFor.has('operation') && !inProgress && op !== undefined && op.phase !== 'Succeeded';
      const degraded = waitFor.has('health') && !waitFor.has('degraded') && !inProgress && st.health?.status === 'Degraded';
      if (met || failed || degraded) {
        // printFinalStatus: sync and health from a refreshed read (the operation's result stays the one seen here).
        if (sawOperation) {
          const refreshed = await readApp(call, ctx, name, args.appNamespace, true);
          if (refreshed.ok) {
            final = { ...refreshed.value, status: { ...refreshed.value.status, operationState: op } };
            st = final.status ?? {};
          }
        }
        const wentDegraded = waitFor.has('health') && !waitFor.has('degraded') && st.health?.status === 'Degraded';
        return outcome(wentDegraded ? { degraded: true } : {});
      }
    }
    if (ctx.signal?.aborted) {
      let terminated = false;
      let current = op;
      // Argo CD terminates only a picked-up operation (TerminateOperation needs operationState): give the controller
      // a few seconds to pick a requested one up, so that terminateOnCancel stops it rather than letting it run later.
      const pickupDeadline = Date.now() + TERMINATE_PICKUP_WAIT_MS;
      while (args.terminateOnCancel && app.operation && !current && Date.now() < pickupDeadline) {
        await new Promise((r) => setTimeout(r, 200));
        const again = await readApp(call, { ...ctx, signal: undefined }, name, args.appNamespace);
        if (again.ok && newerThan(again.value.metadata?.resourceVersion, args.after)) {
          app = again.value;
          current = app.status?.operationState;
        }
      }
      if (args.terminateOnCancel && current && !current.finishedAt) {
        // Terminating is destructive: it goes through the gateway's confirmation like any call (the user is asked
        // now, or sync_many's confirmed batch covers it); refused, the operation runs on.
        const t = await call('application_terminate_operation', { name, ...(args.appNamespace ? { appNamespace: args.appNamespace } : {}) }, { ...ctx, signal: undefined });
        terminated = !t.isError;
      }
      const notTerminated = args.terminateOnCancel && !terminated && app.operation && !current ? '; the controller had not picked the operation up, so it could not be terminated and will run when it is' : '';
      return outcome({ cancelled: true, terminated, waitingOn: `${why()}${notTerminated}` });
    }
    if (Date.now() >= deadline) return outcome({ timedOut: true, waitingOn: why() });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now())));
      ctx.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    pollMs = Math.min(Math.round(pollMs * 1.5), 1000);
  }
}

function resourceList(o: Outcome): string {
  const shown = o.failedResources.slice(0, 5).map((r) => `${describeResource(r)}${r.message ? `: ${r.message}` : ''}`);
  return `${shown.join('; ')}${o.failedResources.length > 5 ? `; and ${o.failedResources.length - 5} more` : ''}`;
}

/** A one-paragraph verdict on an outcome, for the text an agent reads first. */
export function verdict(o: Outcome): string {
  const what = o.dryRun ? 'dry run' : 'operation';
  const state = `sync ${o.sync ?? '?'}, health ${o.health ?? '?'}${o.healthMessage ? ` (${o.healthMessage})` : ''}`;
  if (o.cancelled) return `${o.app}: cancelled after ${o.seconds} s while ${o.waitingOn ?? o.phase}${o.terminated ? '; the operation was terminated' : '; the operation continues in Argo CD'}.`;
  if (o.timedOut) return `${o.app}: timed out after ${o.seconds} s waiting for ${o.waitFor.join(' + ')}: ${o.waitingOn}. Argo CD continues on its own; call again to keep waiting.`;
  if (o.phase !== 'Succeeded') {
    return `${o.app}: ${what} ${o.phase}${o.message ? `: ${o.message}` : ''}.${o.failedResources.length ? ` Failed resources: ${resourceList(o)}.` : ''}${o.dryRun ? ' Nothing was changed.' : ` Now ${state}.`}`;
  }
  if (o.degraded) return `${o.app}: ${what} Succeeded, but the app went Degraded: ${state}.`;
  if (o.dryRun) return `${o.app}: dry run Succeeded, nothing was changed (${o.failedResources.length ? `${o.failedResources.length} resources would fail` : 'every resource would apply'}).`;
  return `${o.app}: ${what} Succeeded${o.revision ? ` at ${o.revision.slice(0, 12)}` : ''}, ${state}, in ${o.seconds} s.`;
}

/** The wait conditions from a workflow's arguments: `waitFor`, else `waitForHealth` (default true). Dry runs wait for the operation only. */
export function waitForOf(input: Record<string, unknown>): WaitFor[] {
  if (input.dryRun === true) return ['operation'];
  if (Array.isArray(input.waitFor) && input.waitFor.length) return [...new Set(input.waitFor.filter((w): w is WaitFor => WAIT_FOR_VALUES.includes(w as WaitFor)))];
  return input.waitForHealth === false ? ['operation'] : ['operation', 'health'];
}

/**
 * Starts an operation (sync, rollback) and waits as the CLI does after `argocd app sync`. The app's
 * resourceVersion is read first: the request's own write makes every later state newer than it, so an older
 * answer (the previous run's operationState in a lagging cache) is never taken for this one's. Dry runs are followed too.
 */
export async function startAndFollow(args: {
  call: Call;
  ctx: CallContext;
  input: Record<string, unknown>;
  start: () => Promise<CallToolResult>;
  /** Overall deadline (epoch ms) shared with other apps, e.g. sync_many's. */
  deadline?: number;
}): Promise<{ outcome?: Outcome; error?: string }> {
  const { call, ctx, input } = args;
  const name = String(input.name);
  const appNamespace = input.appNamespace as string | undefined;
  const before = await readApp(call, ctx, name, appNamespace);
  const started = await args.start();
  if (started.isError) return { error: textOf(started) };
  let timeoutSeconds = Number(input.timeoutSeconds ?? 300);
  if (args.deadline !== undefined) timeoutSeconds = Math.max(0, Math.min(timeoutSeconds, (args.deadline - Date.now()) / 1000));
  const outcome = await waitForApp({
    call,
    ctx,
    name,
    appNamespace,
    waitFor: waitForOf(input),
    timeoutSeconds,
    after: before.ok ? before.value.metadata?.resourceVersion : undefined,
    terminateOnCancel: input.terminateOnCancel as boolean | undefined,
    pollMs: input.pollMs as number | undefined,
  });
  return { outcome };
}

/** The tool result for one followed operation: isError unless it Succeeded (and did not end Degraded). */
export function outcomeResult(o: Outcome, extra: Record<string, unknown> = {}): CallToolResult {
  return json({ summary: verdict(o), ...extra, ...o }, !succeeded(o));
}
