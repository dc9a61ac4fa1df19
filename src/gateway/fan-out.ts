/**
 * One read on several Argo CD instances (`instance: "*"` or a list of names, src/gateway/instances.ts): each
 * instance's gateway answers as it would alone (its allowlist, scope, shaping, query and cap), at most `concurrency`
 * at a time, and the answers merge into one result whose rows say which instance they come from. An instance that
 * fails is listed in `errors` with its reason; the result is an error only when every instance failed, since the
 * others' answers are still true and an agent acting on them should see both (docs/instances.md).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { capResult, fitsIn } from '../shaping/cap.ts';
import type { ResultBudget } from './client-budgets.ts';
import { UNTRUSTED_META } from './results.ts';

export interface InstanceAnswer {
  instance: string;
  /** The instance's result; absent when the call threw (a bug in the gateway, reported rather than hidden). */
  result?: CallToolResult;
  thrown?: string;
}

export interface Skipped {
  instance: string;
  reason: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Runs `run` over `items`, at most `limit` at a time, keeping the order of `items` in the answers. */
export async function mapLimit<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

const textsOf = (r: CallToolResult) => (r.content as Array<{ type: string; text?: string }>).filter((c) => c.type === 'text').map((c) => c.text ?? '');

/** The value an instance answered: its result's JSON text (what the model would have read), else its structured value. */
function valueOf(result: CallToolResult): unknown {
  const [first] = textsOf(result);
  try {
    return JSON.parse(first ?? '');
  } catch {
    return result.structuredContent ?? { text: first };
  }
}

/** An application list's summary table: `columns` and one row (array) per item. */
const isTable = (v: unknown): v is { columns: string[]; items: unknown[][]; namespace?: unknown; total?: number } =>
  isObj(v) && Array.isArray(v.columns) && Array.isArray(v.items) && v.items.every(Array.isArray);

/** One row of an instance as an object that names the instance first. */
function tagged(instance: string, item: unknown): unknown {
  return isObj(item) && !Object.hasOwn(item, 'instance') ? { instance, ...item } : { instance, value: item };
}

interface Part {
  instance: string;
  rows: unknown[];
  total?: number;
}

/**
 * How the answers merge, decided on all of them at once so every instance's rows look alike: summary tables gain
 * an `instance` column; lists (`items`, or a query's array) become rows with an `instance` field (a two-column
 * table when they are plain values); anything else is one row per instance.
 */
function mergePlan(values: Array<{ instance: string; value: unknown }>): { parts: Part[]; build: (rows: Part[]) => Json } {
  const tables = values.every((v) => isTable(v.value));
  if (tables && values.length) {
    const first = values[0].value as { columns: string[]; namespace?: unknown };
    const sameColumns = values.every((v) => JSON.stringify((v.value as { columns: string[] }).columns) === JSON.stringify(first.columns));
    const sameNamespace = values.every((v) => (v.value as { namespace?: unknown }).namespace === first.namespace);
    if (sameColumns) {
      const columns = ['instance', ...first.columns, ...(sameNamespace ? [] : ['namespace'])];
      const parts = values.map(({ instance, value }) => {
        const t = value as { items: unknown[][]; namespace?: unknown; total?: number };
        return { instance, total: t.total, rows: t.items.map((row) => [instance, ...row, ...(sameNamespace ? [] : [t.namespace ?? null])]) };
      });
      return { parts, build: (rows) => ({ ...(sameNamespace && first.namespace !== undefined ? { namespace: first.namespace } : {}), columns, items: rows.flatMap((p) => p.rows) }) };
    }
  }
  const listOf = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : isObj(v) && Array.isArray(v.items) ? v.items : undefined);
  const lists = values.every((v) => listOf(v.value) !== undefined);
  if (lists) {
    const plain = values.every((v) => listOf(v.value)!.every((i) => typeof i !== 'object' || i === null));
    const parts = values.map(({ instance, value }) => ({
      instance,
      total: isObj(value) && typeof value.total === 'number' ? value.total : undefined,
      rows: listOf(value)!.map((item) => (plain ? [instance, item] : tagged(instance, item))),
    }));
    return { parts, build: (rows) => ({ ...(plain ? { columns: ['instance', 'value'] } : {}), items: rows.flatMap((p) => p.rows) }) };
  }
  const plain = values.every((v) => typeof v.value !== 'object' || v.value === null);
  const parts = values.map(({ instance, value }) => ({ instance, rows: [plain ? [instance, value] : tagged(instance, value)] }));
  return { parts, build: (rows) => ({ ...(plain ? { columns: ['instance', 'value'] } : {}), items: rows.flatMap((p) => p.rows) }) };
}

/** Whether a text fits the caller's budget, with room for the cut note. */
async function fits(text: string, budget: ResultBudget): Promise<boolean> {
  if (budget.bytes !== undefined) return Buffer.byteLength(text) <= budget.bytes - 600;
  return fitsIn(text, (budget.tokens ?? Number.POSITIVE_INFINITY) - 200);
}

/**
 * The merged result. Over the budget, every instance keeps the same number of rows (the most that fit), so none
 * disappears behind the others; the note says how many each had.
 */
export async function mergeAnswers(args: { tool: string; answers: InstanceAnswer[]; skipped: Skipped[]; budget: ResultBudget; hint: string }): Promise<CallToolResult> {
  const { answers, skipped, budget } = args;
  const errors: Array<{ instance: string; error: string }> = [];
  const values: Array<{ instance: string; value: unknown }> = [];
  const notes: string[] = [];
  for (const a of answers) {
    if (!a.result) errors.push({ instance: a.instance, error: `the gateway failed: ${a.thrown}` });
    else if (a.result.isError) errors.push({ instance: a.instance, error: textsOf(a.result).join('\n') });
    else {
      values.push({ instance: a.instance, value: valueOf(a.result) });
      for (const note of textsOf(a.result).slice(1)) notes.push(`[${a.instance}] ${note}`);
    }
  }
  const asked = answers.map((a) => a.instance);
  if (!values.length) {
    const lines = errors.map((e) => `- ${e.instance}: ${e.error}`);
    return { content: [{ type: 'text', text: `${args.tool} failed on every instance asked (${asked.join(', ')}):\n${lines.join('\n')}` }], isError: true };
  }
  const { parts, build } = mergePlan(values);
  const totals = parts.some((p) => p.total !== undefined) ? { total: parts.reduce((n, p) => n + (p.total ?? p.rows.length), 0) } : {};
  const extra = {
    ...totals,
    instances: values.map((v) => v.instance),
    ...(errors.length ? { errors } : {}),
    ...(skipped.length ? { skipped } : {}),
  };
  let value: Json = { ...build(parts), ...extra };
  const longest = Math.max(...parts.map((p) => p.rows.length));
  if (!(await fits(JSON.stringify(value), budget)) && longest > 0) {
    let lo = 0;
    let hi = longest;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (await fits(JSON.stringify({ ...build(parts.map((p) => ({ ...p, rows: p.rows.slice(0, mid) }))), ...extra }), budget)) lo = mid;
      else hi = mid - 1;
    }
    const cut = parts.map((p) => ({ ...p, rows: p.rows.slice(0, lo) }));
    const counts = parts.map((p) => `${p.instance} ${Math.min(lo, p.rows.length)} of ${p.rows.length}`).join(', ');
    value = { ...build(cut), ...extra, truncated: { perInstance: lo, shown: Object.fromEntries(parts.map((p) => [p.instance, Math.min(lo, p.rows.length)])) } };
    notes.unshift(`Truncated to stay within ${budget.tokens !== undefined ? `${budget.tokens} tokens` : `${budget.bytes} bytes`} (${budget.why}): at most ${lo} rows per instance shown (${counts}). ${args.hint}`);
  }
  if (errors.length) notes.push(`Failed on ${errors.map((e) => e.instance).join(', ')} (see errors); the rows are from ${values.map((v) => v.instance).join(', ')}.`);
  // A safety net for what the plan cannot cut (one huge row per instance): the usual cap.
  const capped = await capResult(value, budget, args.hint);
  if (capped.note) notes.push(capped.note);
  return {
    content: [{ type: 'text', text: capped.text }, ...notes.map((n) => ({ type: 'text' as const, text: n }))],
    structuredContent: isObj(capped.value) ? capped.value : { truncatedText: capped.text },
    _meta: UNTRUSTED_META,
  };
}
