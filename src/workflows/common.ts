/** Shared pieces of the workflow tools: their catalogue face, reading results, and following an operation. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool, JsonSchema } from '../catalogue/types.ts';
import type { CallContext } from '../runtime/gateway.ts';
import { textResult } from '../runtime/gateway.ts';

export type Call = (name: string, args: Record<string, unknown>, ctx?: CallContext) => Promise<CallToolResult>;

/**
 * The catalogue face of a workflow tool. Workflows have no Argo CD operation of their own: `_meta` lists the
 * operations they use, and their pseudo-path `/workflows/<name>` lets "METHOD /path" allowlist entries name them.
 */
export function workflowTool(args: {
  name: string;
  title: string;
  description: string;
  readOnly: boolean;
  destructive?: boolean;
  inputSchema: JsonSchema;
  uses: string[];
}): CatalogueTool {
  return {
    name: args.name,
    title: args.title,
    description: args.description,
    toolset: 'workflows',
    annotations: { readOnlyHint: args.readOnly, destructiveHint: !!args.destructive, idempotentHint: args.readOnly, openWorldHint: false },
    _meta: {
      'argocd/operationId': `Workflow_${args.name}`,
      'argocd/method': args.readOnly ? 'GET' : 'POST',
      'argocd/path': `/workflows/${args.name}`,
      'argocd/tag': 'Workflows',
      ...({ 'argocd/uses': args.uses } as object),
    } as CatalogueTool['_meta'],
    inputSchema: args.inputSchema,
    request: { method: args.readOnly ? 'GET' : 'POST', path: `/workflows/${args.name}`, path_params: [], query: [] },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c as { text?: string }).text ?? '').join('\n');
}

/** The JSON of a successful result, or the error text. */
export function parse<T>(result: CallToolResult): { ok: true; value: T } | { ok: false; error: string } {
  if (result.isError) return { ok: false, error: textOf(result) };
  try {
    return { ok: true, value: JSON.parse((result.content[0] as { text: string }).text) as T };
  } catch {
    return { ok: false, error: textOf(result) };
  }
}

export function json(value: unknown, isError = false): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value) }],
    ...(value && typeof value === 'object' && !Array.isArray(value) ? { structuredContent: value as Record<string, unknown> } : {}),
    ...(isError ? { isError: true } : {}),
  };
}

export { textResult };

/** Arguments every application-targeting workflow accepts. */
export const APP_ARGS: Record<string, JsonSchema> = {
  name: { type: 'string', description: 'Application name.' },
  appNamespace: { type: 'string', description: "Application's namespace, if not Argo CD's own." },
};

export const WAIT_ARGS: Record<string, JsonSchema> = {
  timeoutSeconds: { type: 'integer', minimum: 5, maximum: 3600, description: 'Stop waiting after this long (default 300).' },
  waitForHealth: { type: 'boolean', description: 'Also wait for health to settle after the operation (default true).' },
  terminateOnCancel: { type: 'boolean', description: 'If the call is cancelled, terminate the running operation (default false).' },
};

interface AppStatus {
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      syncResult?: { revision?: string; resources?: Array<{ kind?: string; name?: string; namespace?: string; status?: string; message?: string; hookPhase?: string }> };
    };
    resources?: Array<{ status?: string; health?: { status?: string } }>;
  };
}

export interface Outcome {
  app: string;
  phase: string;
  message?: string;
  revision?: string;
  sync?: string;
  health?: string;
  failedResources: Array<{ kind?: string; name?: string; namespace?: string; status?: string; message?: string }>;
  seconds: number;
  timedOut?: boolean;
  cancelled?: boolean;
  terminated?: boolean;
}

const RUNNING = new Set(['Running', 'Terminating']);

/**
 * Follows an application's operation until it finishes and (optionally) health settles, reporting progress, and
 * honouring cancellation (optionally terminating the operation).
 */
export async function followOperation(args: {
  call: Call;
  ctx: CallContext;
  name: string;
  appNamespace?: string;
  timeoutSeconds?: number;
  waitForHealth?: boolean;
  terminateOnCancel?: boolean;
  pollMs?: number;
  /** Shown in progress messages instead of the name. */
  label?: string;
  /**
   * `operationState.startedAt` before the operation was requested: until Argo CD's controller picks the new
   * operation up, the old (finished) state is still there and must not be taken for the result.
   */
  previousStartedAt?: string;
}): Promise<Outcome> {
  const { call, ctx, name } = args;
  const started = Date.now();
  const deadline = started + (args.timeoutSeconds ?? 300) * 1000;
  const waitForHealth = args.waitForHealth ?? true;
  const pollMs = args.pollMs ?? 1000;
  const base = { name, ...(args.appNamespace ? { appNamespace: args.appNamespace } : {}) };
  let last: AppStatus = {};
  let step = 0;
  for (;;) {
    const got = parse<AppStatus>(await call('application_get', { ...base, fields: ['status.sync', 'status.health', 'status.operationState', 'status.resources'] }, { ...ctx, progressToken: undefined }));
    if (got.ok) last = got.value;
    const st = last.status ?? {};
    const phase = st.operationState?.phase ?? 'Unknown';
    const resources = st.resources ?? [];
    const synced = resources.filter((r) => r.status === 'Synced').length;
    const health = st.health?.status;
    step += 1;
    if (ctx.progressToken !== undefined && ctx.sendProgress) {
      await ctx
        .sendProgress({ progress: step, message: `${args.label ?? name}: operation ${phase}, ${synced}/${resources.length} resources synced, health ${health ?? '?'}` })
        .catch(() => undefined);
    }
    const stale = args.previousStartedAt !== undefined && st.operationState?.startedAt === args.previousStartedAt && Date.now() - started < 15_000;
    const operationDone = !RUNNING.has(phase) && !stale;
    const healthSettled = !waitForHealth || (health !== 'Progressing' && health !== undefined) || phase === 'Failed' || phase === 'Error';
    const outcome = (extra: Partial<Outcome> = {}): Outcome => ({
      app: name,
      phase,
      message: st.operationState?.message,
      revision: st.operationState?.syncResult?.revision ?? st.sync?.revision,
      sync: st.sync?.status,
      health,
      failedResources: (st.operationState?.syncResult?.resources ?? [])
        .filter((r) => (r.status && r.status !== 'Synced' && r.status !== 'Pruned') || r.hookPhase === 'Failed')
        .map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace, status: r.status, message: r.message })),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ...extra,
    });
    if (operationDone && healthSettled) return outcome();
    if (ctx.signal?.aborted) {
      let terminated = false;
      if (args.terminateOnCancel && RUNNING.has(phase)) {
        // Terminating is destructive: it goes through the gateway's confirmation like any call (the user is asked
        // now, or sync_many's confirmed batch covers it); refused, the operation runs on.
        const t = await call('application_terminate_operation', base, { ...ctx, signal: undefined });
        terminated = !t.isError;
      }
      return outcome({ cancelled: true, terminated });
    }
    if (Date.now() > deadline) return outcome({ timedOut: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      ctx.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}

/** A one-paragraph verdict on an outcome, for the text an agent reads first. */
export function verdict(o: Outcome): string {
  if (o.cancelled) return `${o.app}: cancelled while ${o.phase}${o.terminated ? '; the operation was terminated' : ''}.`;
  if (o.timedOut) return `${o.app}: still ${o.phase} (health ${o.health ?? '?'}) after ${o.seconds} s; it continues in Argo CD.`;
  const failed = o.failedResources.length ? `; ${o.failedResources.length} resources failed` : '';
  return `${o.app}: ${o.phase}${o.message ? ` (${o.message})` : ''}, sync ${o.sync ?? '?'}, health ${o.health ?? '?'}${failed}, in ${o.seconds} s.`;
}

export function outcomeResult(o: Outcome, extra: Record<string, unknown> = {}): CallToolResult {
  const ok = !o.cancelled && !o.timedOut && o.phase === 'Succeeded';
  const result = json({ summary: verdict(o), ...extra, ...o }, !ok);
  return result;
}

/** The current operation's start time, to recognise the next operation when it appears. */
export async function currentStartedAt(call: Call, ctx: CallContext, name: string, appNamespace?: string): Promise<string | undefined> {
  const got = parse<AppStatus>(
    await call('application_get', { name, ...(appNamespace ? { appNamespace } : {}), fields: ['status.operationState.startedAt'] }, { ...ctx, progressToken: undefined }),
  );
  return got.ok ? got.value.status?.operationState?.startedAt : undefined;
}

/**
 * Starts an operation on an application (sync, rollback) and follows it: remembers the previous operation first so
 * the old, finished state is not taken for the new one. Dry runs are not followed.
 */
export async function startAndFollow(args: {
  call: Call;
  ctx: CallContext;
  input: Record<string, unknown>;
  start: () => Promise<CallToolResult>;
}): Promise<{ outcome?: Outcome; error?: string }> {
  const { call, ctx, input } = args;
  const name = String(input.name);
  const appNamespace = input.appNamespace as string | undefined;
  const previousStartedAt = await currentStartedAt(call, ctx, name, appNamespace);
  const started = await args.start();
  if (started.isError) return { error: textOf(started) };
  if (input.dryRun === true) {
    return { outcome: { app: name, phase: 'DryRun', message: 'dry run: nothing was changed', failedResources: [], seconds: 0 } };
  }
  const outcome = await followOperation({
    call,
    ctx,
    name,
    appNamespace,
    timeoutSeconds: input.timeoutSeconds as number | undefined,
    waitForHealth: input.waitForHealth as boolean | undefined,
    terminateOnCancel: input.terminateOnCancel as boolean | undefined,
    previousStartedAt,
    pollMs: input.pollMs as number | undefined,
  });
  return { outcome };
}
