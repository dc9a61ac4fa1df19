/**
 * Which fields of an Application a write changes, as JSON pointers ("/spec/source/targetRevision"), computed from
 * the current object and the request without sending anything. The ApplicationSet check compares these with the
 * ApplicationSet's `ignoreApplicationDifferences` pointers and `preservedFields`.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** RFC 6901 escaping of one segment. */
export const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** The leaves where two documents differ; arrays of different lengths differ as a whole. */
export function diffPaths(before: unknown, after: unknown, at = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].sort().flatMap((k) => diffPaths(before[k], after[k], `${at}/${escapePointer(k)}`));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => diffPaths(item, after[i], `${at}/${i}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [at || '/'];
}

/** RFC 7386 JSON merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** What the ApplicationSet controller writes back: spec, labels, annotations, finalizers (createOrUpdateInCluster). */
function managedPart(app: Json | undefined): Json {
  const metadata = (app?.metadata ?? {}) as Json;
  return { metadata: { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {}, finalizers: metadata.finalizers ?? [] }, spec: app?.spec ?? {} };
}

export type ChangedPaths = { ok: true; paths: string[] } | { ok: false; reason: string };

/**
 * The pointers a write would change on `current` (the Application as read now). `application_patch` takes a
 * `merge` or `json` patch (server/application/application.go `Patch`); `application_update` replaces the object,
 * `application_update_spec` the spec.
 */
export function changedPaths(tool: string, args: Json, current: Json): ChangedPaths {
  if (tool === 'application_update_spec') return { ok: true, paths: diffPaths(current.spec ?? {}, args.spec ?? {}, '/spec') };
  if (tool === 'application_update') return { ok: true, paths: diffPaths(managedPart(current), managedPart(args.application as Json | undefined)) };
  if (tool !== 'application_patch') return { ok: true, paths: [] };
  let patch: unknown;
  try {
    patch = typeof args.patch === 'string' ? JSON.parse(args.patch) : args.patch;
  } catch {
    return { ok: false, reason: 'the patch is not JSON' };
  }
  if (String(args.patchType ?? 'merge') === 'json') {
    if (!Array.isArray(patch)) return { ok: false, reason: 'a json patch must be a list of operations' };
    const paths = new Set<string>();
    for (const op of patch as Array<{ op?: string; path?: string; from?: string }>) {
      if (op.op === 'test') continue;
      if (typeof op.path === 'string') paths.add(op.path.replace(/\/-$/, ''));
      if (op.op === 'move' && typeof op.from === 'string') paths.add(op.from);
    }
    return { ok: true, paths: [...paths].sort() };
  }
  return { ok: true, paths: diffPaths(managedPart(current), managedPart(applyMergePatch(current, patch) as Json)) };
}

/** Whether `pointer` names `path` or one of its parents (an ignore rule on a parent covers the whole subtree). */
export function pointerCovers(pointer: string, path: string): boolean {
  const p = pointer.replace(/\/+$/, '');
  if (p === '' || p === '/') return true;
  const a = p.split('/');
  const b = path.split('/');
  return a.length <= b.length && a.every((seg, i) => seg === '*' || seg === b[i]);
}

/**
 * A jq path expression as a pointer pattern, for the simple forms (`.spec.source.targetRevision`,
 * `.spec.sources[0].targetRevision`, `.spec.sources[].targetRevision`, `.metadata.labels["team"]`); `[]` becomes a
 * `*` segment. Undefined for anything else (filters, pipes, functions), which is then reported as not evaluated.
 */
export function jqToPointer(expression: string): string | undefined {
  const text = expression.trim();
  if (!text.startsWith('.')) return undefined;
  const segments: string[] = [];
  const token = /\.([A-Za-z_][A-Za-z0-9_-]*)|\.?\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\[\]\??/y;
  let pos = 0;
  while (pos < text.length) {
    token.lastIndex = pos;
    const m = token.exec(text);
    if (!m) return undefined;
    segments.push(m[1] ?? (m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : m[3] ?? '*'));
    pos = token.lastIndex;
  }
  return segments.length ? `/${segments.map((s) => (s === '*' ? s : escapePointer(s))).join('/')}` : undefined;
}
