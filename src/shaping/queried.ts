/**
 * A read's answer with a JMESPath `query` (src/query/): the query sees Argo CD's document as Argo CD's API documents
 * it (what `raw: true` returns), after the secrets are masked and `fields` has projected it, and its result is the
 * tool's result: stripped of noise (unless `raw`), paged by limit/offset when it is a list, then capped like any
 * result. The tool's own summaries (the application table, condensed trees) do not apply: the query chose the shape.
 */
import { mayCarrySecrets, redactResult } from '../redact.ts';
import { runQuery } from '../query/index.ts';
import { project, shapeResult, strip, stripPrefix } from './shape.ts';
import { digestApplication } from './app-digest.ts';
import { receiptFor } from './receipts.ts';
import type { ShapeArgs, ShapeTool, Shaped } from './shape.ts';

export type QueriedShape = { ok: true; shaped: Shaped } | { ok: false; message: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `fields` before the query: per item of a list (`items.` optional), else on the whole document. */
function projected(data: unknown, fields: string[] | undefined): unknown {
  if (!fields?.length) return data;
  if (isObj(data) && Array.isArray(data.items)) {
    const each = stripPrefix(fields, 'items.');
    return { ...data, items: data.items.map((i) => project(i, each)) };
  }
  return project(data, fields);
}

/**
 * What a call gets when it asks for no particular part (no `fields`, `query` or `raw`): a write's receipt, or
 * application_get's digest; undefined for every other answer, which shapeResult shapes.
 */
function viewOf(tool: ShapeTool, data: unknown, args: ShapeArgs): Shaped | undefined {
  if (args.raw || args.fields?.length || !tool.name) return undefined;
  const visible = mayCarrySecrets(tool.response ?? '') ? redactResult(data) : data;
  if (tool.name === 'application_get' && tool.response === 'v1alpha1Application') return { data: digestApplication(visible), notes: [] };
  const receipt = receiptFor({ tool: tool.name, args: args.request?.args ?? {}, instance: args.request?.instance }, visible);
  return receipt ? { data: receipt, notes: [] } : undefined;
}

/** Shapes an answer: through the query when there is one, else as a view (receipt, digest) or shapeResult does. */
export function shapeAnswer(tool: ShapeTool, data: unknown, args: ShapeArgs, query: string | undefined): QueriedShape {
  if (query === undefined) return { ok: true, shaped: viewOf(tool, data, args) ?? shapeResult(tool, data, args) };
  const visible = projected(mayCarrySecrets(tool.response ?? '') ? redactResult(data) : data, args.fields);
  const ran = runQuery(query, visible);
  if (!ran.ok) return { ok: false, message: `${ran.error.text}\nArgo CD answered; only the query failed.` };
  let out = args.raw ? ran.value : strip(ran.value);
  const notes: string[] = [];
  if (Array.isArray(out) && (args.offset !== undefined || args.limit !== undefined)) {
    const all = out;
    const offset = args.offset ?? 0;
    const page = all.slice(offset, offset + (args.limit ?? all.length));
    const next = offset + page.length;
    notes.push(`Items ${page.length ? `${offset + 1}-${next}` : 'none'} of ${all.length} (of the query's result)${next < all.length ? `; next page: offset=${next}` : ''}.`);
    out = page;
  }
  return { ok: true, shaped: { data: out ?? null, notes } };
}
