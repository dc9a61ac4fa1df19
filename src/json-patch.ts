/** RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch over plain JSON values (the simulator applies patches with it; the scope guard predicts what a patch makes of an application). */

/** Raised when a patch document is malformed or does not apply. */
export class PatchError extends Error {
  override name = 'PatchError';
}

type Json = unknown;

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(v: unknown): v is Record<string, Json> | Json[] {
  return typeof v === 'object' && v !== null;
}

function resolveParent(doc: Json, path: string[], op: string, pointer: string): { parent: Record<string, Json> | Json[]; key: string } {
  let node: Json = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as string;
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isContainer(node)) node = (node as Record<string, Json>)[seg];
    else node = undefined;
    if (!isContainer(node)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  if (!isContainer(node)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  return { parent: node, key: path[path.length - 1] as string };
}

function getAt(doc: Json, pointer: string, op: string): Json {
  const path = parsePointer(pointer);
  let node: Json = doc;
  for (const seg of path) {
    if (Array.isArray(node)) {
      const idx = Number(seg);
      if (!Number.isInteger(idx) || idx < 0 || idx >= node.length) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
      node = node[idx];
    } else if (isContainer(node) && Object.hasOwn(node, seg)) {
      node = (node as Record<string, Json>)[seg];
    } else {
      throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    }
  }
  return node;
}

function addAt(doc: Json, pointer: string, value: Json, op: string): Json {
  const path = parsePointer(pointer);
  if (path.length === 0) return value;
  const { parent, key } = resolveParent(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const idx = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw new PatchError(`${op} operation does not apply: index out of bounds: "${pointer}"`);
    parent.splice(idx, 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

function removeAt(doc: Json, pointer: string, op: string): Json {
  const path = parsePointer(pointer);
  if (path.length === 0) throw new PatchError(`${op} operation does not apply: cannot remove the whole document`);
  const { parent, key } = resolveParent(doc, path, op, pointer);
  if (Array.isArray(parent)) {
    const idx = Number(key);
    if (!Number.isInteger(idx) || idx < 0 || idx >= parent.length) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    parent.splice(idx, 1);
  } else {
    if (!Object.hasOwn(parent, key)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    delete parent[key];
  }
  return doc;
}

/** Applies an RFC 6902 patch (an array of operations) to a copy of doc. */
export function applyJsonPatch(doc: Json, patch: unknown): Json {
  if (!Array.isArray(patch)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = clone(doc);
  for (const raw of patch) {
    if (typeof raw !== 'object' || raw === null) throw new PatchError('invalid operation');
    const op = (raw as Record<string, unknown>).op;
    const path = (raw as Record<string, unknown>).path;
    const value = (raw as Record<string, unknown>).value;
    const from = (raw as Record<string, unknown>).from;
    if (typeof path !== 'string') throw new PatchError(`${String(op)} operation missing path`);
    switch (op) {
      case 'add':
        out = addAt(out, path, clone(value), 'add');
        break;
      case 'remove':
        out = removeAt(out, path, 'remove');
        break;
      case 'replace':
        getAt(out, path, 'replace');
        out = path === '' ? clone(value) : addAt(removeAt(out, path, 'replace'), path, clone(value), 'replace');
        break;
      case 'move': {
        if (typeof from !== 'string') throw new PatchError('move operation missing from');
        const moved = getAt(out, from, 'move');
        out = addAt(removeAt(out, from, 'move'), path, moved, 'move');
        break;
      }
      case 'copy': {
        if (typeof from !== 'string') throw new PatchError('copy operation missing from');
        out = addAt(out, path, clone(getAt(out, from, 'copy')), 'copy');
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(out, path, 'test')) !== JSON.stringify(value)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String(op)}`);
    }
  }
  return out;
}

/** Applies an RFC 7386 merge patch to a copy of doc. */
export function applyMergePatch(doc: Json, patch: Json): Json {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return clone(patch);
  const base: Record<string, Json> = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? clone(doc as Record<string, Json>) : {};
  for (const [key, value] of Object.entries(patch as Record<string, Json>)) {
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value);
  }
  return base;
}

/** The RFC 7386 merge patch that turns `from` into `to`. */
export function createMergePatch(from: Json, to: Json): Json {
  const isObj = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(from) || !isObj(to)) return clone(to);
  const out: Record<string, Json> = {};
  for (const key of Object.keys(from)) if (!(key in to)) out[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (!(key in from)) out[key] = clone(value);
    else if (JSON.stringify(from[key]) !== JSON.stringify(value)) out[key] = isObj(from[key]) && isObj(value) ? createMergePatch(from[key], value) : clone(value);
  }
  return out;
}
