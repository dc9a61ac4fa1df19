/**
 * One tool call, top to bottom: resolve the tool → refuse what is not exposed → validate the arguments → confine
 * them to the scope → build the request → confirm → send → shape the answer into a result. What the caller can act
 * on (bad input, a refused tool, an Argo CD error) is an `isError` result, never a throw; every outcome is audited.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../catalogue/types.ts';
import { buildRequest } from '../argocd/build-request.ts';
import { absentArgsRefusal } from '../argocd/release-params.ts';
import type { UpstreamAnswer } from '../argocd/upstream.ts';
import { redactValue } from '../redact.ts';
import { withoutNullArguments } from '../policy/nulls.ts';
import { formatValidationErrors, validatorFor } from '../policy/validate.ts';
import type { confirmationGate } from '../policy/confirm/gate.ts';
import type { GitopsChecks } from '../policy/gitops/checks.ts';
import type { ScopeGuard } from '../policy/scope/scope.ts';
import { capResult } from '../shaping/cap.ts';
import type { Cap } from '../shaping/cap.ts';
import type { ShapeArgs } from '../shaping/shape.ts';
import { shapeJob, shapeWhole } from '../shaping/job.ts';
import { lazyJsonObject } from '../shaping/raw-json.ts';
import { auditTarget } from './audit.ts';
import type { AuditRecord } from './audit.ts';
import { DEFAULT_RESULT_TOKENS } from './client-budgets.ts';
import type { ResultBudget } from './client-budgets.ts';
import type { Exposure } from './exposure.ts';
import { checkReader, gitopsCaller, withGitopsNotice } from './gitops-hook.ts';
import { queryArgOf, queryArgProblem, queryComposite } from './query-hook.ts';
import { freshListResult, listPageRequest, servePage, workflowPaging } from './paging-hook.ts';
import type { ListPaging } from './paging-hook.ts';
import { WORKFLOW_HINT, jsonResult, narrowHint, textResult } from './results.ts';
import { fleetAnswer } from './fleet-hook.ts';
import { callerIdentity } from './sign-in.ts';
import type { StreamAnswer } from './streams.ts';
import { streamWaitMs } from './streams.ts';
import type { CallContext, CompositeTool, Gateway, GatewayOptions } from './types.ts';

export interface CallDeps {
  options: GatewayOptions;
  exposure: Exposure;
  scope: ScopeGuard;
  confirm: ReturnType<typeof confirmationGate>;
  gitops: GitopsChecks;
  /** Cut lists' snapshots, served by cursor (src/gateway/paging-hook.ts). */
  paging: ListPaging;
  budgetOf: (ctx: CallContext) => ResultBudget;
  runStream: (tool: CatalogueTool, args: Record<string, unknown>, answer: StreamAnswer, ctx: CallContext) => Promise<CallToolResult>;
  /** The gateway itself: workflows and the GitOps checks call tools through the same path. */
  self: () => Pick<Gateway, 'callTool'>;
}

/** Writes the call's audit record with its outcome. */
type AuditWrite = (outcome: AuditRecord['outcome'], extra?: Partial<AuditRecord>) => void;

/** Arguments that passed validation, with the call's JMESPath `query` and the `cursor` of a next page when it has them. */
type Checked = { ok: true; args: Record<string, unknown>; query?: string; cursor?: string } | { ok: false; result: CallToolResult };

const invalid = (name: string, problems: string[]): CallToolResult =>
  textResult(`Invalid arguments for ${name}; nothing was sent to Argo CD:\n- ${problems.join('\n- ')}`, true);

/** The gateway's callTool: every call, direct or a workflow's step, runs through callTool below. */
export function createCallTool(deps: CallDeps): Gateway['callTool'] {
  return (name, rawArgs, ctx) => callTool(deps, name, rawArgs, ctx);
}

/** One call under way: its tool, its context, when it started, and how its audit record is written. */
interface Call {
  tool: CatalogueTool;
  ctx: CallContext;
  record: AuditWrite;
  started: number;
}

async function callTool(deps: CallDeps, name: string, rawArgs: unknown, ctx: CallContext = {}): Promise<CallToolResult> {
  const { options, exposure } = deps;
  const started = Date.now();
  // Resolve.
  const tool = exposure.catalogueIndex().get(name);
  if (!tool) return textResult(`Unknown tool "${name}". Call tools/list to see the tools this gateway exposes.`, true);
  await exposure.probeServer();
  const record: AuditWrite = (outcome, extra = {}) =>
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
  // Refuse.
  const refusal = exposure.refusalOf(tool);
  if (refusal) {
    record('refused');
    options.logger.warn({ tool: name, refusal }, 'refused a call to a tool the gateway does not expose');
    return textResult(`The tool "${name}" is not available on this gateway: ${refusal}. Nothing was sent to Argo CD.`, true);
  }
  // Fleet filters and answer shapes (src/gateway/fleet-hook.ts) list through this same path, then answer here.
  const fleet = await fleetAnswer({ paging: deps.paging, budgetOf: deps.budgetOf, instance: options.instance, self: deps.self }, tool, rawArgs, ctx);
  if (fleet) {
    // Audited as a workflow is: this call with its filters, and the list it made.
    record(fleet.isError ? 'error' : 'ok');
    return fleet;
  }
  // Validate.
  const checked = checkArguments(deps, name, rawArgs, record);
  if (!checked.ok) return checked.result;
  const composite = exposure.composites.get(name);
  if (composite) return runComposite(deps, composite, checked, { ctx, record });
  return callOperation(deps, { tool, ctx, record, started }, checked);
}

/** The arguments as the tool takes them: nulls dropped, none the release lacks, valid, and a query that compiles. */
function checkArguments(deps: CallDeps, name: string, rawArgs: unknown, record: AuditWrite): Checked {
  const { exposure, confirm } = deps;
  const given = (rawArgs ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || Array.isArray(given)) return { ok: false, result: textResult('Arguments must be a JSON object.', true) };
  const composite = exposure.composites.get(name);
  // A null for a named field means "not given" (strict-mode models send one for every unused optional argument).
  // `cursor` (src/gateway/paging-hook.ts) is the gateway's own: taken out before the catalogue's schema checks the rest.
  const taken = deps.paging.takeCursor(exposure.pagesByCursor(name), name, withoutNullArguments(name, confirm.withoutLegacyConfirm(given), composite?.tool.inputSchema));
  if (!taken.ok) {
    record('invalid');
    return { ok: false, result: textResult(taken.message, true) };
  }
  const { args, cursor } = taken;
  const passedAbsent = exposure.absentArgsFor(name).filter((a) => args[a] !== undefined);
  if (passedAbsent.length) {
    record('invalid');
    return { ok: false, result: textResult(absentArgsRefusal({ tool: name, version: exposure.serverSupport()?.version, passed: passedAbsent }), true) };
  }
  const validate = validatorFor(name, composite ? { ...composite.tool.inputSchema, additionalProperties: false } : undefined);
  if (!validate(args)) {
    record('invalid');
    const tool = exposure.catalogueIndex().get(name)!;
    return { ok: false, result: invalid(name, formatValidationErrors(validate.errors ?? [], args, tool.inputSchema)) };
  }
  // query: a JMESPath expression is compiled before anything is sent (src/query/); find_app's `query` is its own.
  const query = queryArgOf(args, composite?.tool);
  const queryProblem = queryArgProblem(query);
  if (queryProblem) {
    record('invalid');
    return { ok: false, result: invalid(name, [queryProblem]) };
  }
  return { ok: true, args, query: query as string | undefined, cursor };
}

/** A workflow: its steps are calls through callTool, so each one is checked, confined, confirmed and audited. */
async function runComposite(deps: CallDeps, composite: CompositeTool, checked: Extract<Checked, { ok: true }>, call: Pick<Call, 'ctx' | 'record'>): Promise<CallToolResult> {
  const { exposure, confirm } = deps;
  const { ctx, record } = call;
  const { args, query } = checked;
  const name = composite.tool.name;
  const index = exposure.catalogueIndex();
  const missing = composite.requires.filter((r) => !index.has(r) || exposure.refusalOf(index.get(r)!));
  if (missing.length) {
    record('refused');
    return textResult(`${name} needs ${missing.join(', ')}, which this gateway does not expose. Nothing was sent to Argo CD.`, true);
  }
  // A workflow whose result is a list (CompositeTool `pages`) gives a page of it; its cursor serves the next.
  const paging = workflowPaging(deps.paging, { name, pages: composite.pages, args, user: ctx.user, cap: deps.budgetOf(ctx) });
  if (paging && checked.cursor !== undefined) return recorded(record, await paging.serve(checked.cursor));
  const entered = await confirm.enterComposite({ name, confirmsItself: !!composite.confirmsItself, args, ctx });
  if (!entered.ok) {
    record('refused');
    return textResult(entered.message, true);
  }
  // A workflow sizes what it lists (sync_many's preview) to the client's budget; a byte budget is ~4 bytes a token.
  const budget = deps.budgetOf(ctx);
  const runCtx: CallContext = { ...entered.ctx, maxResultTokens: budget.tokens ?? Math.floor((budget.bytes ?? 4 * DEFAULT_RESULT_TOKENS) / 4), gitopsSink: [] };
  const { query: _query, ...rest } = args;
  const runArgs = query === undefined ? args : rest;
  const step = (n: string, a: Record<string, unknown>, c?: CallContext) => deps.self().callTool(n, a, { ...(c ?? runCtx), internal: true });
  const ran = withGitopsNotice(await composite.run(runArgs, runCtx, step, exposure.offers), runCtx.gitopsSink!, 'workflow');
  const result = query === undefined ? ran : queryComposite(ran, query);
  record(result.isError ? 'error' : 'ok');
  // An uncut list stays as the workflow made it.
  const page = await paging?.page(result);
  if (page) return page;
  const text = result.content.map((c) => (c as { text?: string }).text ?? '').join('\n');
  const capped = await capResult(result.structuredContent ?? text, deps.budgetOf(ctx), WORKFLOW_HINT);
  return capped.note ? { ...jsonResult(capped.text, capped.value, [capped.note]), ...(result.isError ? { isError: true } : {}) } : result;
}

/** An operation of Argo CD's API: scope → build the request → confirm → identity → GitOps checks → send → shape. */
async function callOperation(deps: CallDeps, call: Call, checked: Extract<Checked, { ok: true }>): Promise<CallToolResult> {
  const { options, scope, confirm, gitops } = deps;
  const { tool, ctx, record, started } = call;
  const { args, query } = checked;
  const name = tool.name;
  const refused = (result: CallToolResult) => (record('refused'), result);
  const identity = callerIdentity(options.signIn, ctx);
  const verdict = await scope.check(tool, args, { identity, signal: ctx.signal });
  if (!verdict.ok) return refused(textResult(verdict.refusal!, true));
  const scopedArgs = verdict.args;
  // A write's receipt names the object and the call that follows it (src/shaping/receipts.ts).
  const shapeArgs: ShapeArgs = { ...shapeArgsOf(args, options.rawResults), request: { args: scopedArgs, instance: options.instance } };
  const built = buildRequest(tool, scopedArgs, { shape: shapeArgs, query, scoped: scope.active });
  if (!built.ok) {
    record('invalid');
    return invalid(name, built.problems);
  }
  const { upstream } = options;
  if (!upstream) return textResult('No Argo CD is configured: set ARGOCD_BASE_URL and ARGOCD_API_TOKEN (or run `argocd-mcp-gateway demo`).', true);
  const gate = await confirm.check({ tool, args, ctx, request: built.request });
  if (!gate.ok) return refused(textResult(gate.message, true));
  const caller = await identity();
  if (!caller.ok) return refused(textResult(caller.message, true));
  // The next page of a list, from its snapshot: nothing is asked of Argo CD.
  if (checked.cursor !== undefined) return recorded(record, await servePage(deps.paging, { ...listPageRequest(tool, args, { user: ctx.user, cap: deps.budgetOf(ctx) }), cursor: checked.cursor }));
  // GitOps checks: read-only, through this same call path with the caller's identity (src/policy/gitops/).
  const checks = gitops.applies(name)
    ? await gitops.check({ tool: name, args: scopedArgs, caller: gitopsCaller(ctx), read: (signal) => checkReader(deps.self(), ctx, signal), signal: ctx.signal })
    : undefined;
  if (checks?.refusal) return refused(textResult(checks.refusal, true));
  const answer = await upstream.send({ tool, request: built.request, signal: ctx.signal, asText: true, user: caller.user, streamWaitMs: streamWaitMs(tool, args) });
  let result = await resultOf(deps, { tool, args, query, shapeArgs, answer, ctx });
  if (!result.isError && !tool.annotations.readOnlyHint) gitops.forget(gitopsCaller(ctx), name, scopedArgs);
  if (checks) result = ctx.internal ? (ctx.gitopsSink?.push(checks), result) : withGitopsNotice(result, [checks], 'direct');
  const status = 'status' in answer ? answer.status : undefined;
  const outcome = result.isError ? 'error' : 'ok';
  record(outcome, { status, target: auditTarget(tool.request.path, built.request.path) });
  if (options.logger.isLevelEnabled('debug')) {
    options.logger.debug({ tool: name, operation: tool._meta['argocd/operationId'], status, outcome, ms: Date.now() - started, args: redactValue(args) }, 'tool call');
  }
  return result;
}

/** Records a result's outcome, and returns it. */
function recorded(record: AuditWrite, result: CallToolResult): CallToolResult {
  record(result.isError ? 'error' : 'ok');
  return result;
}

/** What the call's arguments say about the result's shape; `raw` defaults to the gateway's setting. */
function shapeArgsOf(args: Record<string, unknown>, rawResults: boolean | undefined): ShapeArgs {
  return {
    raw: (args.raw as boolean | undefined) ?? rawResults,
    fields: args.fields as string[] | undefined,
    limit: args.limit as number | undefined,
    offset: args.offset as number | undefined,
  };
}

/** Argo CD's answer as a tool result: an error, a stream's window, or the JSON shaped and capped (src/shaping/job.ts). */
async function resultOf(deps: CallDeps, input: { tool: CatalogueTool; args: Record<string, unknown>; query?: string; shapeArgs: ShapeArgs; answer: UpstreamAnswer; ctx: CallContext }): Promise<CallToolResult> {
  const { options, scope } = deps;
  const { tool, answer, ctx } = input;
  if (answer.kind === 'error') return textResult(answer.text, true);
  if (answer.kind === 'stream') return deps.runStream(tool, input.args, answer, ctx);
  if (answer.kind !== 'text') throw new Error('the gateway asks Argo CD for its answers as text');
  const limit: Cap = ctx.internal ? Number.POSITIVE_INFINITY : deps.budgetOf(ctx);
  const job = { text: answer.text, tool: { name: tool.name, response: tool.response, request: { list: tool.request.list } }, args: input.shapeArgs, limit, hint: narrowHint(tool), query: input.query };
  // A workflow's own calls read the value itself, and a scope filters the parsed answer: both stay on this thread.
  const where = { shaper: ctx.internal ? undefined : options.shaper, filter: scope.active ? (data: unknown) => scope.filter(tool, data) : undefined };
  // A list is shaped whole and then paged, so a cut page can leave a snapshot for its cursor (src/gateway/paging-hook.ts).
  const pageFresh = !!tool.request.list && !ctx.internal;
  const outcome = pageFresh ? await shapeWhole(job, where) : await shapeJob(job, where);
  if (outcome.kind === 'not-json') return textResult(answer.unparsable().text, true);
  if (outcome.kind === 'query-error') return textResult(outcome.message, true);
  if (outcome.kind === 'whole') {
    const request = listPageRequest(tool, input.args, { user: ctx.user, cap: limit });
    return freshListResult(deps.paging, { ...request, offset: input.shapeArgs.offset, full: outcome.value, notes: outcome.notes });
  }
  return jsonResult(outcome.text, outcome.object ? (outcome.value ?? lazyJsonObject(outcome.text)) : outcome.value, outcome.notes);
}
