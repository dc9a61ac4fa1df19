/**
 * Several Argo CD instances behind one MCP server, without touching the generated catalogue or the single-instance
 * path: each instance is an ordinary Gateway (its own upstream, auth and allowlist), and this combined Gateway
 * advertises each catalogue tool once, with a required `instance` argument whose enum lists the instances that
 * offer the tool. A call goes to that instance's gateway with `instance` removed, so validation, shaping, audit and
 * refusals are exactly those of the single-instance gateway.
 *
 * Reads also take `instance: "*"` (every instance that offers the tool) or a list of names: the call runs on each,
 * a few at a time, and the answers merge with an `instance` column (src/gateway/fan-out.ts). Writes never fan out.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { loadCatalogue } from '../catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import type { CallContext, Gateway } from './gateway.ts';
import { textResult } from './gateway.ts';
import { resultBudget } from './client-budgets.ts';
import { defaultOf } from '../config/values.ts';
import { mapLimit, mergeAnswers } from './fan-out.ts';
import { mergeFleetAnswers, mergesAsFleet } from './fleet-merge.ts';
import type { InstanceAnswer, Skipped } from './fan-out.ts';

/** The argument that names the instance. No Argo CD operation has a parameter of that name (a test checks). */
export const INSTANCE_ARG = 'instance';

export interface NamedGateway {
  name: string;
  /** Shown in the `instance` argument's description, e.g. "production, EU". */
  description?: string;
  gateway: Gateway;
}

/** `instance` on a read: every instance that offers the tool. */
export const ALL_INSTANCES = '*';


/**
 * A tool's advertised form with the `instance` argument added first and required. On a read the enum adds "*"; a
 * list of names is accepted too and said in the description, not in the schema: every schema node has one type
 * (test/codegen/dialects.ts), and a string keeps the single-instance call as it was.
 */
export function withInstanceArg(tool: Tool, names: string[], describe: string): Tool {
  const schema = tool.inputSchema;
  const read = tool.annotations?.readOnlyHint === true;
  const arg = read
    ? { type: 'string', enum: [...names, ALL_INSTANCES], description: `${describe} Reads also take "*" (all) or a JSON list of names: one answer with an instance column.` }
    : { type: 'string', enum: names, description: describe };
  return {
    ...tool,
    inputSchema: {
      ...schema,
      type: 'object',
      properties: { [INSTANCE_ARG]: arg, ...(schema.properties ?? {}) },
      required: [INSTANCE_ARG, ...((schema.required as string[] | undefined) ?? [])],
    },
  };
}

export interface InstancesOptions {
  /** At most this many instances are asked at once by a fanned-out read (default: the setting's, 4). */
  concurrency?: number;
  /** The operator's result cap (maxResultTokens), which the merged answer keeps as each instance's does. */
  maxResultTokens?: number;
}

/** Catalogue order first, then tools outside the catalogue (workflow tools) as the instances list them. */
function catalogueOrder(names: Iterable<string>): string[] {
  const rank = new Map(loadCatalogue().tools.map((t, i) => [t.name, i]));
  const seen = [...new Set(names)];
  const at = (n: string) => rank.get(n) ?? rank.size + seen.indexOf(n);
  return seen.sort((a, b) => at(a) - at(b));
}

/** Each instance's tool list, and tool name → the instances that offer it, in configuration order. */
async function offeredBy(instances: NamedGateway[]): Promise<{ lists: Tool[][]; where: Map<string, string[]> }> {
  const lists = await Promise.all(instances.map((i) => i.gateway.listTools()));
  const where = new Map<string, string[]>();
  lists.forEach((tools, n) => {
    for (const t of tools) where.set(t.name, [...(where.get(t.name) ?? []), instances[n].name]);
  });
  return { lists, where };
}

/**
 * The combined tool list: each tool once, as the first instance offering it advertises it, with the `instance`
 * argument. The inner gateways keep their lists while nothing changes, so it is rebuilt only when one of them is new.
 */
function createToolList(instances: NamedGateway[]): () => Promise<Tool[]> {
  const describe = `Which Argo CD to call: ${instances.map((i) => (i.description ? `${i.name} (${i.description})` : i.name)).join(', ')}.`;
  let cache: { inputs: Tool[][]; tools: Tool[] } | undefined;
  return async () => {
    const { lists, where } = await offeredBy(instances);
    if (cache && cache.inputs.length === lists.length && cache.inputs.every((l, i) => l === lists[i])) return cache.tools;
    const first = new Map<string, Tool>();
    for (const list of lists) for (const t of list) if (!first.has(t.name)) first.set(t.name, t);
    const tools = catalogueOrder(lists.flat().map((t) => t.name)).map((name) => withInstanceArg(first.get(name)!, where.get(name)!, describe));
    cache = { inputs: lists, tools };
    return tools;
  };
}

/** Every instance's exposed catalogue entries, each tool once, in catalogue order. */
async function exposedByAny(instances: NamedGateway[]): Promise<CatalogueTool[]> {
  const lists = await Promise.all(instances.map((i) => i.gateway.exposed()));
  const byTool = new Map<string, CatalogueTool>();
  for (const list of lists) for (const t of list) if (!byTool.has(t.name)) byTool.set(t.name, t);
  return catalogueOrder(byTool.keys()).map((n) => byTool.get(n)!);
}

/** The instances' notices as one board, each notice saying which instance it is about. */
function mergedNotices(instances: NamedGateway[]): NonNullable<Gateway['notices']> {
  return {
    recent: () => instances.flatMap((i) => (i.gateway.notices?.recent() ?? []).map((n) => ({ ...n, data: { instance: i.name, ...n.data } }))),
    subscribe(listener) {
      const stops = instances.map((i) => i.gateway.notices?.subscribe((n) => listener({ ...n, data: { instance: i.name, ...n.data } })));
      return () => stops.forEach((stop) => stop?.());
    },
  };
}

interface FanOut {
  instances: NamedGateway[];
  byName: Map<string, NamedGateway>;
  /** The combined tool list, whose annotations say whether a tool only reads. */
  listTools: () => Promise<Tool[]>;
  concurrency: number;
  maxResultTokens?: number;
}

/** A fanned-out read's targets: every offering instance for "*", else the listed names; or why the list is refused. */
function fanOutTargets(
  { instances, byName }: Pick<FanOut, 'instances' | 'byName'>,
  call: { name: string; chosen: unknown; offering: string[] },
): { ok: true; asked: string[]; skipped: Skipped[] } | { ok: false; result: CallToolResult } {
  const { name, chosen, offering } = call;
  const known = instances.map((i) => i.name);
  if (chosen === ALL_INSTANCES) {
    const skipped = known.filter((n) => !offering.includes(n)).map((n) => ({ instance: n, reason: `does not offer ${name} (its allowlist or toolsets)` }));
    return { ok: true, asked: offering, skipped };
  }
  const names = chosen as unknown[];
  const unknown = names.filter((n) => typeof n !== 'string' || !byName.has(n));
  if (!names.length || unknown.length) {
    const what = names.length ? `Unknown instance${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')}` : 'An empty list of instances';
    return { ok: false, result: textResult(`${what}; the instances are ${known.join(', ')} (or "${ALL_INSTANCES}" for all). Nothing was sent to Argo CD.`, true) };
  }
  return { ok: true, asked: [...new Set(names as string[])], skipped: [] };
}

/** A read on several instances, merged into one answer; refused, with nothing sent, for writes and unknown names. */
async function fanOut(f: FanOut, call: { name: string; chosen: unknown; args: Record<string, unknown>; ctx?: CallContext }): Promise<CallToolResult> {
  const { name, chosen, args, ctx = {} } = call;
  const offering = (await offeredBy(f.instances)).where.get(name);
  if (!offering) return textResult(`Unknown tool "${name}". Call tools/list to see the tools this gateway exposes.`, true);
  // A cursor names one instance's snapshot (src/gateway/paging-hook.ts): a merged answer pages by limit/offset.
  if (args.cursor !== undefined) return textResult(`\`cursor\` pages one instance's list: call ${name} with \`${INSTANCE_ARG}\` set to that instance, or page several with limit/offset. Nothing was sent to Argo CD.`, true);
  const tool = (await f.listTools()).find((t) => t.name === name);
  if (tool?.annotations?.readOnlyHint !== true) {
    return textResult(
      `${name} changes Argo CD, so it runs on one instance at a time: call it with \`${INSTANCE_ARG}\` set to one name (${offering.join(', ')}), once per instance you mean. "*" and lists are for reads. Nothing was sent to Argo CD.`,
      true,
    );
  }
  const targets = fanOutTargets(f, { name, chosen, offering });
  if (!targets.ok) return targets.result;
  // Progress of several calls under one token would interleave: the merged result is the progress.
  const { progressToken: _token, sendProgress: _send, ...quiet } = ctx;
  // A fleet question is answered whole by each instance and cut once, merged (src/gateway/fleet-merge.ts).
  const fleet = mergesAsFleet(name, args);
  const { offset, ...whole } = args;
  const [asEach, ctxEach] = fleet ? [args.answer === 'names' ? whole : args, { ...quiet, internal: true }] : [args, quiet];
  const answers = await mapLimit(targets.asked, f.concurrency, async (instance): Promise<InstanceAnswer> => {
    if (!offering.includes(instance)) return { instance, result: textResult(`${instance} does not offer ${name} (its allowlist or toolsets); nothing was sent to it.`, true) };
    try {
      return { instance, result: await f.byName.get(instance)!.gateway.callTool(name, asEach, ctxEach) };
    } catch (err) {
      return { instance, thrown: err instanceof Error ? err.message : String(err) };
    }
  });
  const budget = resultBudget({ operatorTokens: f.maxResultTokens, clientName: ctx.clientName });
  if (fleet) return mergeFleetAnswers({ tool: name, answers, skipped: targets.skipped, budget, hint: 'Narrow with more filters, or answer "counts".', offset: typeof offset === 'number' ? offset : 0 });
  return mergeAnswers({ tool: name, answers, skipped: targets.skipped, budget, hint: 'Narrow with `query` (e.g. a filter), the tool\'s filters, fewer instances, or limit/offset.' });
}

/** The refusal for a call that names no instance, or one this gateway does not serve, with where the tool is offered. */
async function noSuchInstance(instances: NamedGateway[], name: string, chosen: unknown): Promise<CallToolResult> {
  const offering = (await offeredBy(instances)).where.get(name);
  const known = instances.map((i) => i.name).join(', ');
  const head = chosen === undefined ? `${name} needs \`${INSTANCE_ARG}\`: this gateway serves several Argo CD instances (${known}).` : `Unknown instance "${String(chosen)}"; the instances are ${known}.`;
  const hint = offering ? ` ${name} is offered on: ${offering.join(', ')}.` : '';
  return textResult(`${head}${hint} Nothing was sent to Argo CD.`, true);
}

export function createInstancesGateway(instances: NamedGateway[], options: InstancesOptions = {}): Gateway {
  const byName = new Map(instances.map((i) => [i.name, i]));
  const listTools = createToolList(instances);
  const fan: FanOut = { instances, byName, listTools, concurrency: options.concurrency ?? defaultOf('instanceConcurrency'), maxResultTokens: options.maxResultTokens };
  return {
    listTools,
    exposed: () => exposedByAny(instances),
    // The fleet attention feed reads each instance through its own gateway.
    attentionReads: instances.flatMap((i) => i.gateway.attentionReads ?? []),
    // Each instance may run another Argo CD release; there is no single answer.
    serverSupport: () => undefined,
    // One policy for all: the instances' gateways are built from the same top-level setting.
    confirmPolicy: instances[0].gateway.confirmPolicy,
    notices: mergedNotices(instances),
    async openStream(name, streamArgs, signal) {
      const { [INSTANCE_ARG]: chosen, ...args } = streamArgs;
      const target = typeof chosen === 'string' ? byName.get(chosen) : undefined;
      if (!target) return { ok: false, error: `${name} needs \`${INSTANCE_ARG}\`: one of ${instances.map((i) => i.name).join(', ')}.` };
      return target.gateway.openStream(name, args, signal);
    },
    async callTool(name: string, rawArgs: unknown, ctx?: CallContext): Promise<CallToolResult> {
      if (!rawArgs || typeof rawArgs !== 'object' || Array.isArray(rawArgs)) return textResult('Arguments must be a JSON object.', true);
      const { [INSTANCE_ARG]: given, ...args } = rawArgs as Record<string, unknown>;
      // A list of one is that instance: not a fan-out (so writes accept it too).
      const chosen = Array.isArray(given) && given.length === 1 ? given[0] : given;
      if (chosen === ALL_INSTANCES || Array.isArray(chosen)) return fanOut(fan, { name, chosen, args, ctx });
      const target = typeof chosen === 'string' ? byName.get(chosen) : undefined;
      if (!target) return noSuchInstance(instances, name, chosen);
      return target.gateway.callTool(name, args, ctx);
    },
  };
}
