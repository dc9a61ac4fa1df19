/**
 * Waiting on an application as `argocd app wait` / `argocd app sync` do (cmd/argocd/commands/app.go,
 * `checkAppWaitConditions`, `checkResourceStatus`, `waitOnApplicationStatus`): an operation is in progress while
 * `app.operation` is set, or `operationState.finishedAt` is empty, or (for a real run) the app was not reconciled
 * since the operation finished; only then are sync and health current.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext } from '../gateway/gateway.ts';
import { type Call, json, parse, textOf } from './common.ts';
import { conditionsMet, describeResource, failedResources, operationInProgress, WAIT_FOR_VALUES, whyNotDone } from './app-conditions.ts';
import type { WaitFor, WatchedApp } from './app-conditions.ts';

export { conditionsMet, failedResources, operationInProgress, WAIT_FOR_VALUES, whyNotDone } from './app-conditions.ts';
export type { WaitFor, WatchedApp } from './app-conditions.ts';

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

export interface WaitForAppArgs {
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
}

/**
 * Polls the application until the wait conditions hold (waitOnApplicationStatus), the operation ended Failed or
 * Error (as `argocd app sync` fails then), health turned Degraded during a health wait, the deadline passed, or the
 * call was cancelled. `after` is the resourceVersion read before the operation was requested: an answer not newer
 * than it (a lagging cache) is the previous state and is never taken for this operation's.
 */
export function waitForApp(args: WaitForAppArgs): Promise<Outcome> {
  return new ApplicationWait(args).run();
}

type OperationState = NonNullable<NonNullable<WatchedApp['status']>['operationState']>;

/** What an outcome is built from: the operation as the wait saw it, and the app's state to report with it. */
interface SeenState {
  op: OperationState | undefined;
  status: NonNullable<WatchedApp['status']>;
  /** The app the failed resources are read from. */
  final: WatchedApp;
  /** The operation was requested (the app has `operation`), whether or not the controller picked it up. */
  requested: boolean;
}

/** Sleeps `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** One wait on one application: the state it has seen so far, and each step of the loop. */
class ApplicationWait {
  private readonly waitFor: Set<WaitFor>;
  private readonly started = Date.now();
  private readonly deadline: number;
  private app: WatchedApp = {};
  private step = 0;
  // waitOnApplicationStatus' `refresh`: once a (real) operation was seen, the final state is read with a refresh.
  private sawOperation = false;
  private expectSeen = false;

  constructor(private readonly args: WaitForAppArgs) {
    this.waitFor = new Set(args.waitFor);
    this.deadline = this.started + args.timeoutSeconds * 1000;
  }

  async run(): Promise<Outcome> {
    const { ctx } = this.args;
    let pollMs = Math.min(this.args.pollMs ?? 250, 1000);
    for (;;) {
      const inProgress = await this.poll();
      const op = this.app.status?.operationState;
      await this.reportProgress(op);
      const done = await this.finished(op, inProgress);
      if (done) return done;
      if (ctx.signal?.aborted) return this.cancel(op);
      if (Date.now() >= this.deadline) return this.outcome(this.seen(op), { timedOut: true, waitingOn: this.why() });
      await pause(Math.min(pollMs, Math.max(0, this.deadline - Date.now())), ctx.signal);
      pollMs = Math.min(Math.round(pollMs * 1.5), 1000);
    }
  }

  /** Reads the app once, keeping the answer only when it is newer than `after`; true while an operation is in progress. */
  private async poll(): Promise<boolean> {
    const { call, ctx, name, appNamespace, after, expect } = this.args;
    const got = await readApp(call, ctx, name, appNamespace);
    if (got.ok && newerThan(got.value.metadata?.resourceVersion, after)) this.app = got.value;
    const app = this.app;
    const op = app.status?.operationState;
    if (expect && app.metadata !== undefined && !this.expectSeen) this.expectSeen = expect.test(app);
    const inProgress = app.metadata === undefined || operationInProgress(app) || (expect !== undefined && !this.expectSeen);
    // Any operation in a state newer than the request is this one (the request cleared the previous operationState).
    if (app.metadata !== undefined && (app.operation || op) && !op?.operation?.sync?.dryRun && !app.operation?.sync?.dryRun) this.sawOperation = true;
    return inProgress;
  }

  /** One progress notification per poll, when the caller asked for progress. */
  private async reportProgress(op: OperationState | undefined): Promise<void> {
    this.step += 1;
    const { ctx, label, name } = this.args;
    if (ctx.progressToken === undefined || !ctx.sendProgress) return;
    const st = this.app.status ?? {};
    const synced = (st.resources ?? []).filter((r) => r.status === 'Synced').length;
    const state = this.app.operation && !op ? 'requested, not picked up yet' : (op?.phase ?? 'none');
    await ctx
      .sendProgress({ progress: this.step, message: `${label ?? name}: operation ${state}, ${synced}/${(st.resources ?? []).length} resources synced, health ${st.health?.status ?? '?'}` })
      .catch(() => undefined);
  }

  /** The outcome once the wait is over: the conditions hold, the operation failed, or health went Degraded. */
  private async finished(op: OperationState | undefined, inProgress: boolean): Promise<Outcome | undefined> {
    const { app, waitFor } = this;
    if (app.metadata === undefined) return undefined;
    const met = conditionsMet(app, waitFor) && (!inProgress || !waitFor.has('operation'));
    const failed = waitFor.has('operation') && !inProgress && op !== undefined && op.phase !== 'Succeeded';
    const degraded = waitFor.has('health') && !waitFor.has('degraded') && !inProgress && app.status?.health?.status === 'Degraded';
    if (!met && !failed && !degraded) return undefined;
    const seen = await this.finalState(op);
    const wentDegraded = waitFor.has('health') && !waitFor.has('degraded') && seen.status.health?.status === 'Degraded';
    return this.outcome(seen, wentDegraded ? { degraded: true } : {});
  }

  /** printFinalStatus: sync and health from a refreshed read (the operation's result stays the one seen here). */
  private async finalState(op: OperationState | undefined): Promise<SeenState> {
    const seen = this.seen(op);
    if (!this.sawOperation) return seen;
    const { call, ctx, name, appNamespace } = this.args;
    const refreshed = await readApp(call, ctx, name, appNamespace, true);
    if (!refreshed.ok) return seen;
    const final = { ...refreshed.value, status: { ...refreshed.value.status, operationState: op } };
    return { ...seen, status: final.status, final };
  }

  /** The call was cancelled: with terminateOnCancel, the operation is terminated once the controller has it. */
  private async cancel(op: OperationState | undefined): Promise<Outcome> {
    const { call, ctx, name, appNamespace, terminateOnCancel } = this.args;
    const seen = this.seen(op);
    const current = terminateOnCancel ? await this.awaitPickup(op) : op;
    let terminated = false;
    if (terminateOnCancel && current && !current.finishedAt) {
      // Terminating is destructive: it goes through the gateway's confirmation like any call (the user is asked
      // now, or sync_many's confirmed batch covers it); refused, the operation runs on.
      const t = await call('application_terminate_operation', { name, ...(appNamespace ? { appNamespace } : {}) }, { ...ctx, signal: undefined });
      terminated = !t.isError;
    }
    const notTerminated = terminateOnCancel && !terminated && this.app.operation && !current ? '; the controller had not picked the operation up, so it could not be terminated and will run when it is' : '';
    return this.outcome({ ...seen, requested: !!this.app.operation }, { cancelled: true, terminated, waitingOn: `${this.why()}${notTerminated}` });
  }

  /**
   * Argo CD terminates only a picked-up operation (TerminateOperation needs operationState): give the controller
   * a few seconds to pick a requested one up, so that terminateOnCancel stops it rather than letting it run later.
   */
  private async awaitPickup(op: OperationState | undefined): Promise<OperationState | undefined> {
    const { call, ctx, name, appNamespace, after } = this.args;
    let current = op;
    const pickupDeadline = Date.now() + TERMINATE_PICKUP_WAIT_MS;
    while (this.app.operation && !current && Date.now() < pickupDeadline) {
      await new Promise((r) => setTimeout(r, 200));
      const again = await readApp(call, { ...ctx, signal: undefined }, name, appNamespace);
      if (again.ok && newerThan(again.value.metadata?.resourceVersion, after)) {
        this.app = again.value;
        current = this.app.status?.operationState;
      }
    }
    return current;
  }

  /** The state as this poll saw it, before any final refreshed read. */
  private seen(op: OperationState | undefined): SeenState {
    return { op, status: this.app.status ?? {}, final: this.app, requested: !!this.app.operation };
  }

  /** Why the wait has not ended: what it expects to see, or which condition does not hold. */
  private why(): string {
    const { expect } = this.args;
    return expect && !this.expectSeen && this.app.metadata !== undefined ? `waiting for ${expect.describe}` : whyNotDone(this.app, this.waitFor);
  }

  private outcome(seen: SeenState, extra: Partial<Outcome> = {}): Outcome {
    const { op, status: st } = seen;
    return {
      app: this.args.name,
      phase: op?.phase ?? (seen.requested ? 'Pending' : 'Unknown'),
      ...(op?.message ? { message: op.message } : {}),
      revision: op?.syncResult?.revision ?? st.sync?.revision,
      sync: st.sync?.status,
      health: st.health?.status,
      ...(st.health?.message ? { healthMessage: st.health.message } : {}),
      ...(op?.operation?.sync?.dryRun ? { dryRun: true } : {}),
      failedResources: failedResources(seen.final),
      seconds: Math.round((Date.now() - this.started) / 100) / 10,
      waitFor: [...this.waitFor],
      ...extra,
    };
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
