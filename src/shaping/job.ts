/**
 * One JSON answer of Argo CD, from its text to the tool result's text: parse, shape, cap. It is most of the CPU a
 * call costs the gateway (a 25 KB application: ~110 µs to parse, ~30 µs to condense, ~15 µs to serialize), and
 * needs nothing but the text, so the HTTP service runs it on shaping threads (shaper.ts) while the main thread
 * serves other requests. This module imports no more than shaping needs: it is what a shaping thread loads.
 */
import { capResult } from './cap.ts';
import type { Cap } from './cap.ts';
import type { ShapeArgs, ShapeTool } from './shape.ts';
import { shapeAnswer } from './queried.ts';

export interface ShapeJob {
  /** The answer's body, as Argo CD sent it. */
  text: string;
  tool: ShapeTool;
  args: ShapeArgs;
  /** The cap, in tokens. */
  limit: Cap;
  /** How to narrow this tool's result, for the note of a capped one. */
  hint: string;
  /** A JMESPath `query` on the parsed answer, run before shaping and the cap (src/shaping/queried.ts). */
  query?: string;
}

export type ShapeOutcome =
  /** `text` is the result's JSON; `value` is what it says, left out when it is a plain object (`text` says it all). */
  | { kind: 'shaped'; text: string; notes: string[]; object: boolean; value?: unknown }
  /** The body is not JSON: the caller describes that as it would for any call. */
  | { kind: 'not-json' }
  /** The query failed on this answer (a type error, or a bound of src/query/limits.ts): the caller's error. */
  | { kind: 'query-error'; message: string };

/** An empty body is an empty message (grpc-gateway writes `{}`, some proxies nothing). */
export function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function runShapeJob(job: ShapeJob): Promise<ShapeOutcome> {
  const parsed = parseBody(job.text);
  if (!parsed.ok) return { kind: 'not-json' };
  const answer = shapeAnswer(job.tool, parsed.value, job.args, job.query);
  if (!answer.ok) return { kind: 'query-error', message: answer.message };
  const shaped = answer.shaped;
  const capped = await capResult(shaped.data, job.limit, job.hint);
  const notes = capped.note ? [...shaped.notes, capped.note] : shaped.notes;
  return isPlainObject(capped.value)
    ? { kind: 'shaped', text: capped.text, notes, object: true }
    : { kind: 'shaped', text: capped.text, notes, object: false, value: capped.value };
}
