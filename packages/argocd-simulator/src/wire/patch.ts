/**
 * The patches argocd-server applies, with the simulator's own code (nothing shared with the gateway, so a bug in
 * one is not mirrored in the other).
 *
 * - JSON Patch (RFC 6902): Argo CD decodes and applies it with evanphx/json-patch (server/application/application.go
 *   `Patch`: `jsonpatch.DecodePatch`, `patch.Apply`); here fast-json-patch applies it and its errors are worded as
 *   evanphx/json-patch words them (`add operation does not apply: doc is missing path: "/x": missing value`).
 * - JSON Merge Patch (RFC 7386): evanphx/json-patch `MergePatch` and `CreateMergePatch` (the resource diff's
 *   `diff`, controller/cache via gitops-engine). Written here from RFC 7386 §2's MergePatch pseudocode; a created
 *   patch has its keys sorted, as Go's encoding/json marshals a map.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';

/** A patch document that is malformed or does not apply; the message reads like evanphx/json-patch's. */
export class PatchError extends Error {
  override name = 'PatchError';
}

type Json = unknown;
type JsonMap = Record<string, Json>;

const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** evanphx/json-patch's wording for what fast-json-patch reports by error name. */
function evanphxMessage(op: { op?: unknown; path?: unknown; from?: unknown }, name: string, fallback: string): string {
  const kind = String(op.op);
  const path = JSON.stringify(String(op.path ?? ''));
  switch (name) {
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `${kind} operation does not apply: doc is missing path: ${path}: missing value`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${kind} operation does not apply: doc is missing from path: ${JSON.stringify(String(op.from ?? ''))}: missing value`;
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_VALUE_REQUIRED':
      return `${kind} operation, missing value field: missing value`;
    case 'OPERATION_PATH_INVALID':
      return `${kind} operation does not apply: invalid path: ${path}`;
    default:
      return `${kind} operation does not apply: ${fallback}`;
  }
}

/** Applies an RFC 6902 patch (an array of operations) to a copy of `doc`. */
export function applyJsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let current = clone(doc);
  for (const raw of ops) {
    if (!isMap(raw)) throw new PatchError('json: cannot unmarshal into Go value of type jsonpatch.Operation');
    if (!OPS.has(String(raw.op))) throw new PatchError(`Unexpected kind: ${String(raw.op)}`);
    if (typeof raw.path !== 'string') throw new PatchError(`${String(raw.op)} operation missing path: missing value`);
    try {
      current = fastJsonPatch.applyOperation(current, raw as unknown as Operation, true, true, false).newDocument;
    } catch (e) {
      const err = e as { name?: string; message?: string };
      throw new PatchError(evanphxMessage(raw, String(err.name ?? ''), String(err.message ?? e).split('\n')[0]));
    }
  }
  return current;
}

/** RFC 7386 §2 MergePatch(Target, Patch), on a copy of the target. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return clone(patch);
  const out: JsonMap = isMap(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** The merge patch that turns `from` into `to` (evanphx/json-patch `CreateMergePatch`): keys sorted, arrays whole. */
export function createMergePatch(from: Json, to: Json): Json {
  if (!isMap(from) || !isMap(to)) return clone(to);
  const out: JsonMap = {};
  for (const key of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
    if (!(key in to)) out[key] = null;
    else if (!(key in from)) out[key] = clone(to[key]);
    else if (JSON.stringify(from[key]) !== JSON.stringify(to[key])) out[key] = isMap(from[key]) && isMap(to[key]) ? createMergePatch(from[key], to[key]) : clone(to[key]);
  }
  return out;
}
