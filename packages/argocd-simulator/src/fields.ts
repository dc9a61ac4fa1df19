/** Server-side field projection of the `fields` query parameter (Argo CD's `items.metadata.name,...`, `-` excludes). */

interface PathTree {
  [key: string]: PathTree | true;
}

/** Parsed `fields` parameter: which paths, and whether they are kept or removed. */
export interface FieldSelection {
  exclude: boolean;
  tree: PathTree;
}

/** Parses a `fields` value; undefined when it selects nothing (no projection). */
export function parseFields(raw: string | undefined): FieldSelection | undefined {
  if (raw === undefined) return undefined;
  let text = raw.trim();
  if (text === '') return undefined;
  const exclude = text.startsWith('-');
  if (exclude) text = text.slice(1);
  const tree: PathTree = {};
  let any = false;
  for (const path of text.split(',')) {
    const segments = path.trim().split('.').filter((s) => s !== '');
    if (segments.length === 0) continue;
    any = true;
    let node = tree;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      if (i === segments.length - 1) {
        node[seg] = true;
        break;
      }
      const child = node[seg];
      if (child === true) break; // a shorter path already selects the whole subtree
      const next: PathTree = child ?? {};
      node[seg] = next;
      node = next;
    }
  }
  return any ? { exclude, tree } : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function include(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return value.map((v) => include(v, tree));
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const sub = tree[key];
    if (sub === undefined) continue;
    if (sub === true) {
      out[key] = value[key];
      continue;
    }
    const picked = include(value[key], sub);
    if (picked !== undefined) out[key] = picked;
  }
  return out;
}

function exclude(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return value.map((v) => exclude(v, tree));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const sub = tree[key];
    if (sub === true) continue;
    out[key] = sub === undefined ? value[key] : exclude(value[key], sub);
  }
  return out;
}

/** Applies a selection; paths that do not exist are ignored. */
export function applyFields(value: unknown, selection: FieldSelection | undefined): unknown {
  if (!selection) return value;
  return selection.exclude ? exclude(value, selection.tree) : include(value, selection.tree);
}
