/**
 * Fleet questions on application_list and applicationset_list: when a call gives a filter or an answer shape, the
 * gateway lists through its own call path (allowlist, scope, audit) with a projection of just the fields the filter
 * and the answer read, filters the whole list, and answers in the shape asked for within the caller's budget.
 * A call without them is untouched.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Cap } from '../shaping/cap.ts';
import { APPLICATION_SUMMARY_FIELDS, shapeResult } from '../shaping/shape.ts';
import { ANSWER_ARGS, type AnswerShape, type GroupBy, countBy, fitNames, fitRows, groupKey, readAnswer } from './answer-shapes.ts';
import { type AppFacts, type ClusterNames, FILTER_ARGS, type FleetFilter, appFacts, appSetFacts, clusterNamesOf, predicateOf, readFilter } from './filters.ts';

type Json = Record<string, unknown>;
type Call = (name: string, args: Json, ctx: FleetCallContext) => Promise<CallToolResult>;
/** What the hook needs of the call's context: it passes it on to its own list call, marked internal. */
export interface FleetCallContext {
  internal?: boolean;
  progressToken?: string | number;
}

interface FleetTool {
  kind: 'app' | 'appset';
  filters: string[];
  response: string;
}

/** ApplicationSets have no sync status or operation; their health and conditions are the controller's. */
export const FLEET_TOOLS: Record<string, FleetTool> = {
  application_list: { kind: 'app', filters: Object.keys(FILTER_ARGS), response: 'v1alpha1ApplicationList' },
  applicationset_list: {
    kind: 'appset',
    filters: ['healthStatus', 'cluster', 'namespace', 'path', 'targetRevision', 'nameMatch', 'autoSync', 'condition'],
    response: 'v1alpha1ApplicationSetList',
  },
};

const ANSWER_KEYS = Object.keys(ANSWER_ARGS);

/** A fleet tool's advertised face with its filters and answer shapes added (as `query` is, at runtime). */
export function withFleetArgs<T extends Tool>(tool: T): T {
  const spec = FLEET_TOOLS[tool.name];
  if (!spec) return tool;
  const added = Object.fromEntries([...spec.filters.map((f) => [f, FILTER_ARGS[f]]), ...Object.entries(ANSWER_ARGS)]);
  return { ...tool, inputSchema: { ...tool.inputSchema, properties: { ...(tool.inputSchema.properties ?? {}), ...added } } };
}

/** Whether a call asks a fleet question (a filter or an answer shape); fan-out merges those answers itself. */
export function isFleetCall(name: string, args: Json): boolean {
  const spec = FLEET_TOOLS[name];
  return !!spec && [...spec.filters, ...ANSWER_KEYS].some((k) => args[k] !== undefined && args[k] !== null);
}

/** The projection a question needs: names and projects always, then what the filter and the answer read. */
export function fleetFields(kind: 'app' | 'appset', filter: FleetFilter, answer: AnswerShape, groupBy: GroupBy): string[] {
  const spec = kind === 'app' ? 'spec.' : 'spec.template.spec.';
  const fields = new Set(['metadata.name', 'metadata.namespace', `${spec}project`]);
  const add = (...f: string[]) => f.forEach((x) => fields.add(x));
  const sources = () => add(`${spec}source`, `${spec}sources`);
  if (filter.syncStatus || (answer === 'counts' && groupBy === 'sync')) add('status.sync.status');
  if (filter.healthStatus || (answer === 'counts' && groupBy === 'health')) add('status.health.status');
  if (filter.operationPhase) add('status.operationState.phase');
  if (filter.cluster || filter.namespace || (answer === 'counts' && (groupBy === 'cluster' || groupBy === 'namespace'))) add(`${spec}destination`);
  if (filter.path || filter.targetRevision || filter.repo) sources();
  if (filter.autoSync !== undefined) add(`${spec}syncPolicy.automated`);
  if (filter.condition) add('status.conditions');
  if (answer === 'summary') (kind === 'app' ? APPLICATION_SUMMARY_FIELDS : [`${spec}destination`, `${spec}syncPolicy`, 'status.conditions']).forEach((f) => add(f));
  if (answer === 'summary' && kind === 'appset') sources();
  return [...fields];
}

/** The items of a list result: its first content is the JSON (notes may follow). */
const itemsOf = (r: CallToolResult): unknown[] | undefined => {
  // The list's value as the call shaped it; its text is read only where no value came with it.
  const structured = r.structuredContent as { items?: unknown } | undefined;
  if (structured && Array.isArray(structured.items)) return structured.items;
  try {
    const value = JSON.parse((r.content[0] as { text?: string } | undefined)?.text ?? '') as { items?: unknown[] };
    return Array.isArray(value.items) ? value.items : [];
  } catch {
    return undefined;
  }
};
const invalid = (name: string, problems: string[]): CallToolResult => ({
  content: [{ type: 'text', text: `Invalid arguments for ${name}; nothing was sent to Argo CD:\n- ${problems.join('\n- ')}` }],
  isError: true,
});

/** Cluster names by server and back; a gateway that does not expose cluster_list matches destinations as written. */
async function clusterNames(call: Call, ctx: FleetCallContext): Promise<ClusterNames | undefined> {
  const got = await call('cluster_list', { fields: ['name', 'server'] }, { ...ctx, internal: true, progressToken: undefined });
  const items = got.isError ? undefined : itemsOf(got);
  return items && clusterNamesOf(items);
}

export interface FleetQuestion {
  name: string;
  args: Json;
  ctx: FleetCallContext;
  call: Call;
  /** The caller's budget; an internal call (a workflow's, a fan-out's part) is not cut. */
  cap: Cap;
  /** This gateway's instance, for counts grouped by instance. */
  instance?: string;
}

/** The items a fleet question reads, filtered, with what the list held; or the error to return. */
export async function listMatching(q: Omit<FleetQuestion, 'cap'> & { filter: FleetFilter; answer: AnswerShape; groupBy: GroupBy; extraFields?: string[] }) {
  const spec = FLEET_TOOLS[q.name];
  const rest = Object.fromEntries(Object.entries(q.args).filter(([k]) => !spec.filters.includes(k) && !ANSWER_KEYS.includes(k) && k !== 'offset' && k !== 'limit'));
  const fields = [...new Set([...fleetFields(spec.kind, q.filter, q.answer, q.groupBy), ...(q.extraFields ?? [])])];
  // The cluster names are asked for beside the list, not after it.
  const clustersAsked = q.filter.cluster || q.groupBy === 'cluster' ? clusterNames(q.call, q.ctx) : undefined;
  const listed = await q.call(q.name, { ...rest, fields }, { ...q.ctx, internal: true, progressToken: undefined });
  const clusters = await clustersAsked;
  if (listed.isError) return { ok: false as const, result: listed };
  const items = itemsOf(listed);
  // Never a wrong count: a list that cannot be read is said, not taken for an empty one.
  if (!items) return { ok: false as const, result: { content: [{ type: 'text' as const, text: `${q.name} answered something other than a list; nothing was filtered.` }], isError: true } };
  const keep = predicateOf(q.filter, clusters);
  const factsOf = spec.kind === 'app' ? appFacts : appSetFacts;
  const matched: Array<{ facts: AppFacts; item: unknown }> = [];
  for (const item of items) {
    const facts = factsOf(item);
    if (keep(facts)) matched.push({ facts, item });
  }
  return { ok: true as const, total: items.length, matched, clusters };
}

/** A fleet question's filter and answer shape, validated against the filters `names` offers; every problem at once. */
export function readQuestion(args: Json, names: string[]): { ok: true; filter: FleetFilter; answer: AnswerShape; groupBy: GroupBy } | { ok: false; problems: string[] } {
  const filter = readFilter(args, names);
  const shape = readAnswer(args);
  const problems = [...(filter.ok ? [] : filter.problems), ...(shape.ok ? [] : shape.problems)];
  if (!filter.ok || !shape.ok) return { ok: false, problems };
  return { ok: true, filter: filter.filter, answer: shape.answer, groupBy: shape.groupBy };
}

/** The answer in the shape asked for, within the budget: its value and the note to send beside it. */
export async function shapeMatched(a: {
  kind: 'app' | 'appset';
  listed: { total: number; matched: Array<{ facts: AppFacts; item: unknown }>; clusters?: ClusterNames };
  filter: FleetFilter;
  answer: AnswerShape;
  groupBy: GroupBy;
  offset: number;
  limit?: number;
  cap: Cap;
  instance?: string;
}): Promise<{ value: Json; note?: string }> {
  const { total, matched, clusters } = a.listed;
  const head = { total, matched: matched.length };
  if (a.answer === 'counts') return { value: { ...head, groupBy: a.groupBy, counts: countBy(matched.map((m) => groupKey(m.facts, a.groupBy, { clusters, instance: a.instance }))) } };
  if (a.answer === 'names') return fitNames({ rows: matched.map((m) => ({ key: m.facts.project ?? '(none)', name: m.facts.name })), head, offset: a.offset, cap: a.cap });
  const kind = a.kind === 'app' ? FLEET_TOOLS.application_list : FLEET_TOOLS.applicationset_list;
  const fields = a.kind === 'appset' ? fleetFields('appset', a.filter, a.answer, a.groupBy) : undefined;
  const shaped = shapeResult({ response: kind.response, request: { list: true } }, { items: matched.map((m) => m.item) }, { fields, offset: a.offset, limit: a.limit });
  const fitted = await fitRows({ value: { ...(shaped.data as Json), ...head }, offset: a.offset, cap: a.cap, hint: 'Narrow with more filters, or answer "names" or "counts".' });
  return { value: fitted.value, note: [...shaped.notes, ...(fitted.note ? [fitted.note] : [])].join(' ') || undefined };
}

/** The answer to a fleet question, or undefined when the call asks none (it then runs as it always did). */
export async function answerFleetQuestion(q: FleetQuestion): Promise<CallToolResult | undefined> {
  const spec = FLEET_TOOLS[q.name];
  if (!spec || !isFleetCall(q.name, q.args)) return undefined;
  const read = readQuestion(q.args, spec.filters);
  const problems = read.ok ? [] : [...read.problems];
  for (const k of ['query', 'fields', 'raw']) if (q.args[k] !== undefined && q.args[k] !== null) problems.push(`${k}: does not combine with the filters and answer shapes; use one or the other`);
  if (!read.ok || problems.length) return invalid(q.name, problems);
  const listed = await listMatching({ ...q, ...read });
  if (!listed.ok) return listed.result;
  const offset = typeof q.args.offset === 'number' ? q.args.offset : 0;
  const limit = typeof q.args.limit === 'number' ? q.args.limit : undefined;
  const { value, note } = await shapeMatched({ kind: spec.kind, listed, ...read, offset, limit, cap: q.cap, instance: q.instance });
  return {
    content: [{ type: 'text', text: JSON.stringify(value) }, ...(note ? [{ type: 'text' as const, text: note }] : [])],
    structuredContent: value,
  };
}
