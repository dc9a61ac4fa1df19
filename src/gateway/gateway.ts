/**
 * The gateway's core, independent of the MCP transport: which tools are exposed, and how a call runs —
 * allowlist → validate (ajv, full schema) → build the request → call Argo CD → a tool result.
 * What the caller can act on (bad input, a refused tool, an Argo CD error) is an `isError` result, never a throw.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { loadCatalogue } from '../catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import type { Logger } from '../log.ts';
import type { Allowlist } from '../policy/allowlist.ts';
import { buildRequest } from '../argocd/build-request.ts';
import { MAX_LOG_LINE_CHARS, collectStream, ndjsonItems } from '../argocd/collect-stream.ts';
import { redactText, redactValue } from '../redact.ts';
import type { Upstream, UpstreamSendArgs } from '../argocd/upstream.ts';
import { formatValidationErrors, validatorFor } from '../policy/validate.ts';
import { capResult } from '../shaping/cap.ts';
import type { Cap } from '../shaping/cap.ts';
import { DEFAULT_RESULT_TOKENS, resultBudget } from './client-budgets.ts';
import type { ResultBudget } from './client-budgets.ts';
import { withoutNullArguments } from '../policy/nulls.ts';
import { createNoticeBoard } from './notices.ts';
import { taskSupportOf } from './task-support.ts';
import type { NoticeBoard } from './notices.ts';
import { condenseTree, serverFields, strip, summariseApplicationObject } from '../shaping/shape.ts';
import type { ShapeArgs } from '../shaping/shape.ts';
import { detectServerSupport } from '../argocd/version-adapt.ts';
import { auditTarget } from './audit.ts';
import { confirmationGate } from '../policy/confirm/gate.ts';
import type { ConfirmContext } from '../policy/confirm/gate.ts';
import type { AskUser, ConfirmFallback, ConfirmPolicy } from '../policy/confirm/confirm.ts';
import type { ConfirmationTokens } from '../policy/confirm/tokens.ts';
import { createScopeGuard } from '../policy/scope/scope.ts';
import type { CallerIdentity, ScopeConfig } from '../policy/scope/scope.ts';
import type { AuditRecord, AuditSink } from './audit.ts';
import type { ServerSupport } from '../argocd/version-adapt.ts';
import { absentArgsRefusal, compositeAbsentArgs, withoutArgs } from '../argocd/release-params.ts';
import type { ReleaseOffers } from '../argocd/release-params.ts';
import { lazyJsonObject, rememberJson } from '../shaping/raw-json.ts';
import type { Shaper } from '../shaping/pool.ts';
import type { SignInBroker, SignInUser } from '../argocd/auth/sso/broker.ts';
import { createGitopsChecks } from '../policy/gitops/checks.ts';
import type { GitopsChecksOptions, GitopsMode, GitopsVerdict } from '../policy/gitops/checks.ts';
import { checkReader, gitopsCaller, withGitopsNotice } from './gitops-hook.ts';
import { createAttentionReads } from '../fleet/attention-reads.ts';
import type { AttentionReads } from '../fleet/attention-reads.ts';
import { answerFleetQuestion, withFleetArgs } from '../fleet/fleet-call.ts';
import { queryArgOf, queryArgProblem, queryComposite, queryStreamWindow } from './query-hook.ts';
import { shapeAnswer } from '../shaping/queried.ts';
import { STREAM_DEFAULTS } from '../catalogue/stream-bounds.ts';


/** A call's context: who calls, how to reach their user, and what confirming and the GitOps checks carry. */
export interface CallContext extends ConfirmContext {
  signal?: AbortSignal;
  /** Who is calling (MCP client name, or the authenticated subject in HTTP mode), for the audit record. */
  who?: string;
  requestId?: string;
  /** The result cap a composite tool's result must fit in (a preview lists only what the agent will see). */
  maxResultTokens?: number;
  /** The connected client's `clientInfo.name`: its result budget applies unless the operator set one. */
  clientName?: string;
  progressToken?: string | number;
  sendProgress?: (progress: { progress: number; total?: number; message?: string }) => Promise<void>;
  /** The authenticated caller (HTTP with inbound auth), for per-user Argo CD tokens (`sso:`). */
  user?: SignInUser;
  /**
   * Sends the user to a URL (MCP URL elicitation), when the client supports it: resolves with the user's answer
   * (accept: they will open it); `complete` tells the client the interaction finished.
   */
  openUrl?: (request: { message: string; url: string; id: string }) => Promise<{ action: string; complete: () => Promise<void> }>;
  /** Inside a workflow: where the GitOps checks of its steps go, for the workflow's own summary. */
  gitopsSink?: GitopsVerdict[];
}

/**
 * A tool built from other tools (the `workflows` toolset): it has a catalogue-like face so the allowlist,
 * toolsets and read-only mode treat it like any tool, and it runs only through `call`, i.e. through callTool,
 * so every operation it performs is checked, confined, confirmed and audited like a direct call.
 */
export interface CompositeTool {
  tool: CatalogueTool;
  /** Tools it calls; it is hidden when any of them is not exposed (or the connected release lacks its operation). */
  requires: string[];
  /**
   * Its arguments that become an operation's parameter, each with the "tool.arg" alternatives it can use: an
   * argument is hidden and refused where the connected release offers none of them.
   */
  params?: Record<string, string[]>;
  /** It confirms its calls itself (a batch question or token; sync_many) instead of one step at a time. */
  confirmsItself?: boolean;
  run(
    args: Record<string, unknown>,
    ctx: CallContext,
    call: (name: string, args: Record<string, unknown>, ctx?: CallContext) => Promise<CallToolResult>,
    offers: ReleaseOffers,
  ): Promise<CallToolResult>;
}

export interface GatewayOptions {
  allowlist: Allowlist;
  /** Absent when no Argo CD is configured (list-tools); calls then answer a clear error. */
  upstream?: Upstream;
  logger: Logger;
  toolsets?: string[];
  /** Largest tool result in tokens, set by the operator; absent, the connected client's budget applies. */
  maxResultTokens?: number;
  /** Return Argo CD's documents unshaped unless a call says otherwise. */
  rawResults?: boolean;
  /** Hide tools whose operation the connected server lacks (default true). */
  adaptToServer?: boolean;
  /** Receives one record per tool call. */
  audit?: AuditSink;
  /** Confines applications, ApplicationSets and projects (config `projects`, `namespaces`, `clusters`). */
  scope?: ScopeConfig;
  /** Which calls need the user's confirmation (default `destructive`). */
  confirm?: ConfirmPolicy;
  /** When the client cannot ask its user: refuse (default) or preview → confirmation token. */
  confirmFallback?: ConfirmFallback;
  /** Where confirmation tokens live (default: this process's memory; the HTTP service passes Redis when set). */
  confirmTokens?: ConfirmationTokens;
  /** This gateway's Argo CD instance, when several are configured (named in confirmations). */
  instance?: string;
  /** Composite tools (workflows) offered beside the catalogue. */
  composites?: CompositeTool[];
  /** Shaping threads (the HTTP service's): large answers are parsed and shaped there, not on the main thread. */
  shaper?: Shaper;
  /** Per-user Argo CD tokens (`sso:` over HTTP): every call runs with its caller's own identity. */
  signIn?: SignInBroker;
  /** GitOps checks before writes to applications (src/policy/gitops/): `warn` (default), `refuse` or `off`. */
  gitopsChecks?: GitopsMode | GitopsChecksOptions;
}

/**
 * Answers shorter than this are shaped where they arrive: handing one to a shaping thread costs the main thread
 * about as much as parsing and shaping ~4 KB, and adds a hop to the call.
 */
const OFF_THREAD_MIN_CHARS = 8192;

export interface Gateway {
  /** The gateway's notices about the connected Argo CD: the latest ones, and new ones as they come. */
  notices?: Pick<NoticeBoard, 'recent' | 'subscribe'>;
  /** The exposed tools, as MCP advertises them. */
  listTools(): Promise<Tool[]>;
  /** The exposed catalogue entries (after the allowlist, toolsets, and what the server serves). */
  exposed(): Promise<CatalogueTool[]>;
  /** What the connected server serves, once probed. */
  serverSupport(): ServerSupport | undefined;
  /** The confirmation policy in force, for composite tools that confirm a whole batch. */
  readonly confirmPolicy: ConfirmPolicy;
  /**
   * Opens one of the catalogue's streaming operations and yields its items (already scope-filtered) until the
   * signal aborts or the stream ends. The tool must be exposed.
   */
  openStream(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<{ ok: true; items: AsyncIterable<unknown> } | { ok: false; error: string }>;
  callTool(name: string, args: unknown, ctx?: CallContext): Promise<CallToolResult>;
  /** The fleet attention feed's reads, one per Argo CD instance (src/fleet/attention-reads.ts). */
  readonly attentionReads?: AttentionReads[];
}

/** How long a call waits for its user to finish signing in, after they accepted to open the link. */
const SIGN_IN_WAIT_MS = 5 * 60_000;

/**
 * The caller's own Argo CD token: from the broker, or after a sign-in the user is asked for (a URL elicitation
 * when the client supports it, else an error that carries the link).
 */
async function userTokenFor(broker: SignInBroker, ctx: CallContext): Promise<{ ok: true; token: string } | { ok: false; message: string }> {
  if (!ctx.user) {
    return { ok: false, message: 'This gateway signs each user in to Argo CD (sso), so it needs to know who calls: configure inbound auth (authIssuer or apiKeysFile).' };
  }
  const current = await broker.token(ctx.user);
  if (current.ok) return current;
  if (!current.signIn) return { ok: false, message: `Could not obtain an Argo CD token for you: ${current.message}` };
  const { url, id } = await broker.start(ctx.user);
  const message = 'Sign in to Argo CD (your own account, so Argo CD applies your permissions). Nothing was sent to Argo CD yet.';
  if (!ctx.openUrl) {
    return { ok: false, message: `${message}\nOpen this link in a browser, sign in, then call the tool again: ${url}\n(The link works once, for 10 minutes.)` };
  }
  const answer = await ctx.openUrl({ message, url, id });
  if (answer.action !== 'accept') return { ok: false, message: `The sign-in to Argo CD was ${answer.action === 'decline' ? 'declined' : 'cancelled'}; nothing was sent to Argo CD.` };
  const done = await broker.waitFor(ctx.user, id, ctx.signal, SIGN_IN_WAIT_MS);
  await answer.complete().catch(() => undefined);
  if (!done) return { ok: false, message: `The sign-in to Argo CD did not complete in time; nothing was sent to Argo CD. Call again for a new link, or open: ${url}` };
  const after = await broker.token(ctx.user);
  return after.ok ? after : { ok: false, message: `Signed in, but no Argo CD token could be obtained: ${after.message}` };
}

export function textResult(text: string, isError = false): CallToolResult {
  return { content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) };
}

function parseMasked(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback === undefined ? undefined : { truncatedText: text };
  }
}

/** A JSON result: the text, plus structuredContent when it is an object, plus any notes. */
function jsonResult(answer: string, parsed: unknown, notes: string[] = []): CallToolResult {
  // A secret the gateway knows (its token, a header value) echoed by Argo CD, or a password in a URL, never reaches
  // the model: the text is masked, and the value parsed again from it when anything was.
  const text = redactText(answer);
  const value = text === answer ? parsed : parseMasked(text, parsed);
  // Every tool advertises an object outputSchema, so a successful result always carries an object; a value that
  // is not one (a list, or text cut at the cap) is wrapped.
  const structured =
    value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : value === undefined
        ? { truncatedText: text }
        : { result: value };
  // The text is the structured value's JSON (capResult made it), so the transport need not serialize it again.
  if (structured === value) rememberJson(structured, text);
  return {
    content: [{ type: 'text', text }, ...notes.map((n) => ({ type: 'text' as const, text: n }))],
    structuredContent: structured,
    _meta: UNTRUSTED_META,
  };
}

/**
 * Says in the result itself which parts are Argo CD's content (names, messages, annotations anyone could write): data
 * to report, never instructions. The notes after the first text block are the gateway's own.
 */
export const UNTRUSTED_META = Object.freeze({ 'argocd-mcp-gateway/untrusted': ['structuredContent', 'content[0]'] });

/**
 * Argo CD answers every operation with a JSON object (a grpc-gateway message), and the gateway's shaped results are
 * objects too; their shape depends on the call's `fields`, `raw` and the summaries, so the schema says no more.
 */
const OUTPUT_SCHEMA = { type: 'object' } as const;

function narrowHint(tool: CatalogueTool): string {
  if (tool.request.list) return 'Narrow with this tool\'s filters, `fields` (e.g. ["metadata.name"]), or limit/offset.';
  if (tool.request.stream) return 'Lower maxItems or waitSeconds, or filter the stream.';
  return 'Select parts with `fields` (e.g. ["status.sync"]) or use a more specific tool.';
}

/** A stream item, shaped like the one-shot tools shape their results. */
function shapeStreamItem(tool: CatalogueTool, item: unknown, args: ShapeArgs): unknown {
  if (args.raw) return item;
  if (tool.request.stream === 'logs') {
    const e = item as { podName?: string; timeStampStr?: string; content?: string };
    return [e.timeStampStr, e.podName, e.content].filter(Boolean).join(' ');
  }
  const event = item as { type?: string; application?: unknown; applicationSet?: unknown };
  if (event.application !== undefined) {
    return { type: event.type, application: args.fields?.length ? strip(event.application) : summariseApplicationObject(event.application) };
  }
  if (Array.isArray((item as { nodes?: unknown }).nodes)) return condenseTree(item);
  return strip(item);
}

/**
 * The advertised `_meta` leaves out the request's method and path: an operation tool's description ends with them
 * already (what a model reads), and tools/list should not pay for them twice.
 */
function advertisedMeta(meta: CatalogueTool['_meta']): Record<string, unknown> {
  const { 'argocd/method': _method, 'argocd/path': _path, ...rest } = meta;
  return rest;
}

function toMcpTool(t: CatalogueTool): Tool {
  return {
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: t.inputSchema as Tool['inputSchema'],
    outputSchema: OUTPUT_SCHEMA,
    annotations: t.annotations,
    _meta: advertisedMeta(t._meta),
    ...(taskSupportOf(t.name) ? { execution: taskSupportOf(t.name) } : {}),
  };
}

/** A log entry without the fields that are empty or repeat themselves. */
function isLogContent(item: unknown): boolean {
  const entry = item as { content?: string; last?: boolean };
  return !(entry && entry.last === true && !entry.content);
}

export function createGateway(options: GatewayOptions): Gateway {
  const { allowlist, upstream, logger } = options;
  const notices = createNoticeBoard();
  const budgetOf = (ctx: CallContext): ResultBudget => resultBudget({ operatorTokens: options.maxResultTokens, clientName: ctx.clientName });
  const scope = createScopeGuard(options.scope ?? {}, upstream);
  const confirmPolicy = options.confirm ?? 'destructive';
  const gitops = createGitopsChecks(typeof options.gitopsChecks === 'object' ? options.gitopsChecks : { mode: options.gitopsChecks ?? 'warn' });
  const confirm = confirmationGate({ policy: confirmPolicy, fallback: options.confirmFallback, tokens: options.confirmTokens, instance: options.instance });
  let byName: Map<string, CatalogueTool> | undefined;
  let support: ServerSupport | undefined;
  let probing: Promise<void> | undefined;
  let lastProbe = 0;
  let advertised: { tools: Tool[]; support?: ServerSupport } | undefined;

  const composites = new Map((options.composites ?? []).map((c) => [c.tool.name, c]));
  const catalogueIndex = () => {
    byName ??= new Map([...loadCatalogue().tools, ...[...composites.values()].map((c) => c.tool)].map((t) => [t.name, t]));
    return byName;
  };

  /** Learns once which operations the server has; a failed probe is retried after a while, not cached. */
  const probeServer = async (): Promise<void> => {
    if (!upstream || options.adaptToServer === false || support) return;
    if (Date.now() - lastProbe < 30_000 && lastProbe > 0) return;
    probing ??= (async () => {
      lastProbe = Date.now();
      const catalogue = loadCatalogue();
      const found = await detectServerSupport(upstream, catalogue.release, catalogue.tools);
      if (found.version) support = found;
      (found.hidden.length ? logger.warn : logger.info).call(logger, { argocdVersion: found.version }, found.note);
      notices.publish({ level: found.hidden.length || !found.version ? 'warning' : 'info', message: found.note, data: { argocdVersion: found.version } });
    })().finally(() => {
      probing = undefined;
    });
    await probing;
  };

  /** Why a known tool is not callable here, or undefined. */
  const refusalOf = (tool: CatalogueTool): string | undefined =>
    allowlist.refusal(tool) ??
    (options.toolsets && !options.toolsets.includes(tool.toolset) ? `its toolset "${tool.toolset}" is not enabled (--toolsets)` : undefined) ??
    // A workflow has no operation of its own: what it needs is checked through `requires`.
    (support?.operations && !composites.has(tool.name) && !support.operations.has(tool._meta['argocd/operationId'])
      ? `the connected Argo CD (${support.version}) does not serve ${tool._meta['argocd/operationId']}`
      : undefined);

  /** What the connected release offers, for workflows that adapt to it. */
  const offers: ReleaseOffers = {
    get version() {
      return support?.version;
    },
    has(name, arg) {
      const tool = catalogueIndex().get(name);
      if (!tool || refusalOf(tool)) return false;
      return arg === undefined || !support?.absentArgs?.get(name)?.includes(arg);
    },
  };
  /** The arguments of a tool the connected release does not take. */
  const absentArgsFor = (name: string): string[] => {
    const composite = composites.get(name);
    return composite ? compositeAbsentArgs(composite.params, offers) : (support?.absentArgs?.get(name) ?? []);
  };
  const advertise = (t: CatalogueTool): Tool => {
    const mcp = withFleetArgs(toMcpTool(t));
    const absent = absentArgsFor(t.name);
    return absent.length ? { ...mcp, inputSchema: withoutArgs(t.inputSchema, absent) as Tool['inputSchema'] } : mcp;
  };

  const exposed = async (): Promise<CatalogueTool[]> => {
    await probeServer();
    const index = catalogueIndex();
    const available = (t: CatalogueTool): boolean => {
      if (refusalOf(t)) return false;
      const composite = composites.get(t.name);
      return !composite || composite.requires.every((r) => index.has(r) && !refusalOf(index.get(r)!));
    };
    return [...index.values()].filter(available);
  };
  /** How long a stream call waits in all (waitSeconds, bounded), in ms; undefined for other calls. */
  function streamWaitMs(tool: CatalogueTool, args: Record<string, unknown>): number | undefined {
    if (!tool.request.stream) return undefined;
    return Math.min(Number(args.waitSeconds ?? STREAM_DEFAULTS[tool.request.stream].waitSeconds), STREAM_DEFAULTS.waitSeconds) * 1000;
  }

  async function runStream(tool: CatalogueTool, args: Record<string, unknown>, answer: { body: ReadableStream<Uint8Array>; close: () => void; note?: string }, ctx: CallContext) {
    const kind = tool.request.stream!;
    const defaults = STREAM_DEFAULTS[kind];
    const maxItems = Math.min(Number(args.maxItems ?? defaults.maxItems), STREAM_DEFAULTS.maxItems);
    const waitSeconds = Math.min(Number(args.waitSeconds ?? defaults.waitSeconds), STREAM_DEFAULTS.waitSeconds);
    let lastProgress = 0;
    const shapeArgs: ShapeArgs = { raw: (args.raw as boolean | undefined) ?? options.rawResults, fields: args.fields as string[] | undefined };
    const window = await collectStream({
      body: answer.body,
      maxItems,
      waitMs: waitSeconds * 1000,
      signal: ctx.signal,
      keep: kind === 'logs' ? isLogContent : undefined,
      maxLineChars: kind === 'logs' ? MAX_LOG_LINE_CHARS : undefined,
      onItem: (count) => {
        if (ctx.progressToken === undefined || !ctx.sendProgress) return;
        const now = Date.now();
        // At most every 200 ms; none for the last item, which the result itself reports right after.
        if (now - lastProgress < 200 || count >= maxItems) return;
        lastProgress = now;
        ctx.sendProgress({ progress: count, total: maxItems, message: `${count} ${kind === 'logs' ? 'log lines' : 'events'} received` }).catch(() => undefined);
      },
    });
    answer.close();
    const visible = scope.filter(tool, window.items) as unknown[];
    const result: Record<string, unknown> = {
      items: visible.map((i) => shapeStreamItem(tool, i, shapeArgs)),
      count: visible.length,
      stoppedBecause: answer.note ?? window.stoppedBecause,
    };
    if (window.error !== undefined) result.error = window.error;
    // query: on the window with its items as Argo CD sent them (src/gateway/query-hook.ts).
    const queried = typeof args.query === 'string' ? queryStreamWindow({ ...result, items: visible }, args.query) : undefined;
    if (queried && !queried.ok) return textResult(queried.message, true);
    const capped = await capResult(queried ? queried.value : result, budgetOf(ctx), narrowHint(tool));
    const out = jsonResult(capped.text, capped.value, capped.note ? [capped.note] : []);
    return window.error !== undefined ? { ...out, isError: true } : out;
  }

  async function openStream(name: string, args: Record<string, unknown>, signal: AbortSignal) {
    const tool = catalogueIndex().get(name);
    if (!tool?.request.stream) return { ok: false as const, error: `${name} is not a streaming tool` };
    await probeServer();
    const refusal = refusalOf(tool);
    if (refusal) return { ok: false as const, error: `${name} is not available: ${refusal}` };
    if (!upstream) return { ok: false as const, error: 'No Argo CD is configured.' };
    const verdict = await scope.check(tool, args);
    if (!verdict.ok) return { ok: false as const, error: verdict.refusal! };
    const built = buildRequest(tool, verdict.args);
    if (!built.ok) return { ok: false as const, error: built.problems.join('; ') };
    const answer = await upstream.send({ tool, request: built.request, signal });
    if (answer.kind !== 'stream') return { ok: false as const, error: answer.kind === 'error' ? answer.text : 'Argo CD did not answer with a stream' };
    signal.addEventListener('abort', () => answer.close(), { once: true });
    const body = answer.body;
    async function* items(): AsyncIterable<unknown> {
      for await (const item of ndjsonItems(body)) {
        const kept = scope.filter(tool!, [item]) as unknown[];
        if (kept.length) yield kept[0];
      }
    }
    return { ok: true as const, items: items() };
  }

  const gateway: Gateway = {
    notices,
    exposed,
    openStream,
    // Fleet attention feed: its list and watch pass the same allowlist, scope and identity as a call.
    attentionReads: [createAttentionReads({ instance: options.instance, tools: catalogueIndex, ready: probeServer, refusalOf, scope, upstream, signIn: options.signIn })],
    confirmPolicy,
    serverSupport: () => support,
    async listTools() {
      const tools = await exposed();
      if (!advertised || advertised.support !== support) advertised = { tools: tools.map(advertise), support };
      return advertised.tools;
    },
    async callTool(name, rawArgs, ctx = {}) {
      const started = Date.now();
      const tool = catalogueIndex().get(name);
      if (!tool) return textResult(`Unknown tool "${name}". Call tools/list to see the tools this gateway exposes.`, true);
      await probeServer();
      const refusal = refusalOf(tool);
      const record = (outcome: AuditRecord['outcome'], extra: Partial<AuditRecord> = {}) =>
        options.audit?.write({
          time: new Date(started).toISOString(),
          who: ctx.who,
          requestId: ctx.requestId,
          tool: name,
          operation: tool._meta['argocd/operationId'],
          method: tool.request.method,
          outcome,
          ms: Date.now() - started,
          args: rawArgs ?? {},
          ...extra,
        });
      if (refusal) {
        record('refused');
        logger.warn({ tool: name, refusal }, 'refused a call to a tool the gateway does not expose');
        return textResult(`The tool "${name}" is not available on this gateway: ${refusal}. Nothing was sent to Argo CD.`, true);
      }
      const given = (rawArgs ?? {}) as Record<string, unknown>;
      if (typeof given !== 'object' || Array.isArray(given)) return textResult('Arguments must be a JSON object.', true);
      // Fleet filters and answer shapes (src/fleet/fleet-call.ts) list through this same path, then answer here.
      const cap: Cap = ctx.internal ? Number.POSITIVE_INFINITY : budgetOf(ctx);
      const fleet = await answerFleetQuestion({ name, args: given, ctx, cap, instance: options.instance, call: (n, a, c) => gateway.callTool(n, a, { ...ctx, ...c }) });
      if (fleet) {
        // Audited as a workflow is: this call with its filters, and the list it made.
        record(fleet.isError ? 'error' : 'ok');
        return fleet.isError ? fleet : { ...fleet, _meta: UNTRUSTED_META };
      }
      const composite = composites.get(name);
      // A null for a named field means "not given" (strict-mode models send one for every unused optional argument).
      const args = withoutNullArguments(name, confirm.withoutLegacyConfirm(given), composite?.tool.inputSchema);
      const passedAbsent = absentArgsFor(name).filter((a) => args[a] !== undefined);
      if (passedAbsent.length) {
        record('invalid');
        return textResult(absentArgsRefusal({ tool: name, version: support?.version, passed: passedAbsent }), true);
      }
      const validate = validatorFor(name, composite ? { ...composite.tool.inputSchema, additionalProperties: false } : undefined);
      if (!validate(args)) {
        record('invalid');
        const problems = formatValidationErrors(validate.errors ?? [], args, tool.inputSchema);
        return textResult(`Invalid arguments for ${name}; nothing was sent to Argo CD:\n- ${problems.join('\n- ')}`, true);
      }
      // query: a JMESPath expression is compiled before anything is sent (src/query/); find_app's `query` is its own.
      const givenQuery = queryArgOf(args, composite?.tool);
      const queryProblem = queryArgProblem(givenQuery);
      if (queryProblem) {
        record('invalid');
        return textResult(`Invalid arguments for ${name}; nothing was sent to Argo CD:\n- ${queryProblem}`, true);
      }
      const query = givenQuery as string | undefined;
      if (composite) {
        const index = catalogueIndex();
        const missing = composite.requires.filter((r) => !index.has(r) || refusalOf(index.get(r)!));
        if (missing.length) {
          record('refused');
          return textResult(`${name} needs ${missing.join(', ')}, which this gateway does not expose. Nothing was sent to Argo CD.`, true);
        }
        const entered = await confirm.enterComposite({ name, confirmsItself: !!composite.confirmsItself, args, ctx });
        if (!entered.ok) {
          record('refused');
          return textResult(entered.message, true);
        }
        // A workflow sizes what it lists (sync_many's preview) to the client's budget; a byte budget is ~4 bytes a token.
        const budget = budgetOf(ctx);
        const runCtx: CallContext = { ...entered.ctx, maxResultTokens: budget.tokens ?? Math.floor((budget.bytes ?? 4 * DEFAULT_RESULT_TOKENS) / 4), gitopsSink: [] };
        const { query: _query, ...rest } = args;
        const runArgs = query === undefined ? args : rest;
        const ran = withGitopsNotice(await composite.run(runArgs, runCtx, (n, a, c) => gateway.callTool(n, a, { ...(c ?? runCtx), internal: true }), offers), runCtx.gitopsSink!, 'workflow');
        const result = query === undefined ? ran : queryComposite(ran, query);
        record(result.isError ? 'error' : 'ok');
        const text = result.content.map((c) => (c as { text?: string }).text ?? '').join('\n');
        const capped = await capResult(result.structuredContent ?? text, budgetOf(ctx), 'Narrow the workflow (a project, a selector, fewer names).');
        return capped.note ? { ...jsonResult(capped.text, capped.value, [capped.note]), ...(result.isError ? { isError: true } : {}) } : result;
      }
      // The caller's own Argo CD identity (sso), asked for once: by the scope's lookups if they need it, else below.
      let signedIn: ReturnType<typeof userTokenFor> | undefined;
      const identity: CallerIdentity = async () => {
        if (!options.signIn) return { ok: true };
        const { signIn } = options;
        const got = await (signedIn ??= userTokenFor(signIn, ctx));
        // A refused token is renewed once (refresh, or a new exchange), as the gateway's own token is.
        return got.ok ? { ok: true, user: { token: got.token, renewed: (refused: string) => signIn.renew(ctx.user!, refused) } } : got;
      };
      const verdict = await scope.check(tool, args, { identity, signal: ctx.signal });
      if (!verdict.ok) {
        record('refused');
        return textResult(verdict.refusal!, true);
      }
      const scopedArgs = verdict.args;
      const built = buildRequest(tool, scopedArgs);
      if (!built.ok) {
        record('invalid');
        return textResult(`Invalid arguments for ${name}; nothing was sent to Argo CD:\n- ${built.problems.join('\n- ')}`, true);
      }
      if (!upstream) {
        return textResult('No Argo CD is configured: set ARGOCD_BASE_URL and ARGOCD_API_TOKEN (or run `argocd-mcp-gateway demo`).', true);
      }
      const gate = await confirm.check({ tool, args, ctx, request: built.request });
      if (!gate.ok) {
        record('refused');
        return textResult(gate.message, true);
      }
      const shapeArgs: ShapeArgs = {
        raw: (args.raw as boolean | undefined) ?? options.rawResults,
        fields: args.fields as string[] | undefined,
        limit: args.limit as number | undefined,
        offset: args.offset as number | undefined,
      };
      // A query reads what it likes of the document: Argo CD's default projection (the list summary's) would hide it.
      let projection = query !== undefined && !shapeArgs.fields?.length ? undefined : serverFields(tool, shapeArgs);
      // The scope filter reads project, namespace and destination, so the projection must keep them.
      if (projection && scope.active) {
        const prefix = tool.request.serverFieldsPrefix ?? '';
        projection += ['metadata.namespace', 'spec.project', 'spec.destination'].map((f) => `,${prefix}${f}`).join('');
      }
      if (projection) built.request.query.fields = projection;
      const caller = await identity();
      if (!caller.ok) {
        record('refused');
        return textResult(caller.message, true);
      }
      const user: UpstreamSendArgs['user'] = caller.user;
      // GitOps checks: read-only, through this same call path with the caller's identity (src/policy/gitops/).
      const checked = gitops.applies(name)
        ? await gitops.check({ tool: name, args: scopedArgs, caller: gitopsCaller(ctx), read: (signal) => checkReader(gateway, ctx, signal), signal: ctx.signal })
        : undefined;
      if (checked?.refusal) {
        record('refused');
        return textResult(checked.refusal, true);
      }
      // A workflow's own calls read the value itself, and a scope filters the parsed answer: both stay here.
      const shaper = options.shaper && !ctx.internal && !scope.active ? options.shaper : undefined;
      const answer = await upstream.send({ tool, request: built.request, signal: ctx.signal, asText: shaper !== undefined, user, streamWaitMs: streamWaitMs(tool, args) });
      const limit: Cap = ctx.internal ? Number.POSITIVE_INFINITY : budgetOf(ctx);
      const shapeHere = async (data: unknown): Promise<CallToolResult> => {
        const answered = shapeAnswer(tool, scope.filter(tool, data), shapeArgs, query);
        if (!answered.ok) return textResult(answered.message, true);
        const shaped = answered.shaped;
        const capped = await capResult(shaped.data, limit, narrowHint(tool));
        return jsonResult(capped.text, capped.value, [...shaped.notes, ...(capped.note ? [capped.note] : [])]);
      };
      let result: CallToolResult;
      if (answer.kind === 'error') result = textResult(answer.text, true);
      else if (answer.kind === 'stream') result = await runStream(tool, args, answer, ctx);
      else if (answer.kind === 'json') result = await shapeHere(answer.data);
      else {
        const job = { text: answer.text, tool: { response: tool.response, request: { list: tool.request.list } }, args: shapeArgs, limit, hint: narrowHint(tool), query };
        // A thread that failed leaves the answer to be shaped here: the call still gets its result.
        const outcome = shaper && answer.text.length >= OFF_THREAD_MIN_CHARS ? await shaper.shape(job).catch(() => undefined) : undefined;
        if (outcome?.kind === 'shaped') {
          result = jsonResult(outcome.text, outcome.object ? lazyJsonObject(outcome.text) : outcome.value, outcome.notes);
        } else if (outcome?.kind === 'query-error') {
          result = textResult(outcome.message, true);
        } else {
          const parsed = answer.parse();
          result = parsed.kind === 'json' ? await shapeHere(parsed.data) : textResult(parsed.text, true);
        }
      }
      if (!result.isError && !tool.annotations.readOnlyHint) gitops.forget(gitopsCaller(ctx), name, scopedArgs);
      if (checked) result = ctx.internal ? (ctx.gitopsSink?.push(checked), result) : withGitopsNotice(result, [checked], 'direct');
      record(result.isError ? 'error' : 'ok', {
        status: 'status' in answer ? answer.status : undefined,
        target: auditTarget(tool.request.path, built.request.path),
      });
      if (logger.isLevelEnabled('debug')) {
        logger.debug(
          {
            tool: name,
            operation: tool._meta['argocd/operationId'],
            status: 'status' in answer ? answer.status : undefined,
            outcome: result.isError ? 'error' : 'ok',
            ms: Date.now() - started,
            args: redactValue(args),
          },
          'tool call',
        );
      }
      return result;
    },
  };
  return gateway;
}

