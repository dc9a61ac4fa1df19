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
  /**
   * `text` is the result's JSON; `value` is what it says, left out when it is a plain object shaped on a thread
   * (`text` says it all, and is parsed only if read).
   */
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

/**
 * Answers shorter than this are shaped where they arrive: handing one to a shaping thread costs the main thread
 * about as much as parsing and shaping ~4 KB, and adds a hop to the call.
 */
const OFF_THREAD_MIN_CHARS = 8192;

/** Runs a job on a shaping thread (worker.ts): the outcome crosses back as text, so a plain object's value is left out. */
export function runShapeJob(job: ShapeJob): Promise<ShapeOutcome> {
  return shapeText(job, { keepValue: false });
}

/**
 * One Argo CD answer → the result's text: on a shaping thread when there are threads and the answer is large enough
 * to be worth the hop, else here. `filter` (the scope's) reads the parsed answer before it is shaped, on this thread.
 */
export async function shapeJob(job: ShapeJob, where: { shaper?: { shape(job: ShapeJob): Promise<ShapeOutcome> }; filter?: (data: unknown) => unknown } = {}): Promise<ShapeOutcome> {
  if (where.shaper && !where.filter && job.text.length >= OFF_THREAD_MIN_CHARS) {
    // A thread that failed, or found no JSON, leaves the answer to be shaped here: the call still gets its result.
    const outcome = await where.shaper.shape(job).catch(() => undefined);
    if (outcome && outcome.kind !== 'not-json') return outcome;
  }
  return shapeText(job, { keepValue: true, filter: where.filter });
}

async function shapeText(job: ShapeJob, how: { keepValue: boolean; filter?: (data: unknown) => unknown }): Promise<ShapeOutcome> {
  const parsed = parseBody(job.text);
  if (!parsed.ok) return { kind: 'not-json' };
  const data = how.filter ? how.filter(parsed.value) : parsed.value;
  const answer = shapeAnswer(job.tool, data, job.args, job.query);
  if (!answer.ok) return { kind: 'query-error', message: answer.message };
  const shaped = answer.shaped;
  const capped = await capResult(shaped.data, job.limit, job.hint);
  const notes = capped.note ? [...shaped.notes, capped.note] : shaped.notes;
  return isPlainObject(capped.value)
    ? { kind: 'shaped', text: capped.text, notes, object: true, ...(how.keepValue ? { value: capped.value } : {}) }
    : { kind: 'shaped', text: capped.text, notes, object: false, value: capped.value };
}
