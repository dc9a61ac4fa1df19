/**
 * The answer shapes of a fleet question, chosen with `answer`: `names` (every matching name, grouped by project),
 * `summary` (the list's summary rows, the default), `counts` (exact numbers grouped by `groupBy`). Every shape says
 * `total` (what the list held) and `matched`; a result cut at the budget says what it shows and where to go on.
 */
import type { JsonSchema } from '../catalogue/types.ts';
import { capResult, fitsIn } from '../shaping/cap.ts';
import type { Cap } from '../shaping/cap.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import { type AppFacts, type ClusterNames, clusterKey } from './filters.ts';

type Json = Record<string, unknown>;

export const ANSWER_SHAPES = ['names', 'summary', 'counts'] as const;
export const GROUP_BYS = ['sync', 'health', 'project', 'cluster', 'namespace', 'instance'] as const;
export type AnswerShape = (typeof ANSWER_SHAPES)[number];
export type GroupBy = (typeof GROUP_BYS)[number];

export const ANSWER_ARGS: Record<string, JsonSchema> = {
  answer: { type: 'string' },
  groupBy: { type: 'string' },
};

/** How a names answer is written, said in every one (it costs ~40 tokens and saves ~17% of the names' own). */
export const NAMES_FORMAT = 'names: {group: {prefix: "rest rest …"}}; each name is prefix-rest (just rest under ""); a-{x,y}-b is a-x-b and a-y-b';

/** `answer` and `groupBy`, validated; null is "not given". */
export function readAnswer(args: Json): { ok: true; answer: AnswerShape; groupBy: GroupBy; given: boolean } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const check = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = args[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    const near = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
    problems.push(`${key}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`);
    return fallback;
  };
  const answer = check('answer', ANSWER_SHAPES, 'summary');
  const groupBy = check('groupBy', GROUP_BYS, 'sync');
  if (args.groupBy != null && answer !== 'counts') problems.push('groupBy: applies to answer "counts" only');
  if (problems.length) return { ok: false, problems };
  return { ok: true, answer, groupBy, given: args.answer != null || args.groupBy != null };
}

/** The key a row is counted under. */
export function groupKey(f: AppFacts, groupBy: GroupBy, ctx: { clusters?: ClusterNames; instance?: string }): string {
  switch (groupBy) {
    case 'sync':
      return f.sync ?? 'Unknown';
    case 'health':
      return f.health ?? 'Unknown';
    case 'project':
      return f.project ?? '(none)';
    case 'cluster':
      return clusterKey(f, ctx.clusters);
    case 'namespace':
      return f.namespace ?? '(none)';
    case 'instance':
      return ctx.instance ?? 'default';
  }
}

/** Exact counts, largest first (ties by key) so the answer reads as a ranking. */
export function countBy(keys: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/**
 * Names written compactly: names that differ in one dash-separated part only become `prefix-{a,b}-suffix`. The part
 * that groups the most names is tried first; a fleet's names (service-n-env-region) shrink by about a third in tokens.
 */
export function compressNames(names: string[]): string[] {
  let left = [...new Set(names)].sort();
  if (left.length < 2) return left;
  const parts = new Map(left.map((n) => [n, n.split('-')]));
  const keyAt = (segs: string[], p: number) => `${segs.length}|${[...segs.slice(0, p), '', ...segs.slice(p + 1)].join('-')}`;
  const groupsAt = (p: number) => {
    const groups = new Map<string, string[]>();
    for (const n of left) {
      const segs = parts.get(n)!;
      if (segs.length <= p) continue;
      const key = keyAt(segs, p);
      const group = groups.get(key);
      if (group) group.push(n);
      else groups.set(key, [n]);
    }
    return groups;
  };
  const saved = (p: number) => [...groupsAt(p).values()].reduce((s, g) => s + g.length - 1, 0);
  const longest = Math.max(...[...parts.values()].map((s) => s.length));
  const order = Array.from({ length: longest }, (_, p) => ({ p, s: saved(p) })).sort((a, b) => b.s - a.s || a.p - b.p);
  const out: string[] = [];
  for (const { p } of order) {
    const used = new Set<string>();
    for (const group of groupsAt(p).values()) {
      if (group.length < 2) continue;
      const segs = parts.get(group[0])!;
      out.push([...segs.slice(0, p), `{${group.map((n) => parts.get(n)![p]).join(',')}}`, ...segs.slice(p + 1)].join('-'));
      for (const n of group) used.add(n);
    }
    left = left.filter((n) => !used.has(n));
  }
  return [...out, ...left].sort();
}

/**
 * One group's names packed: by their first dash-separated part (a fleet's names share a team or service prefix), the
 * rests space-separated and compressed. Measured on the simulator's fleet: ~17% fewer tokens than a list of
 * compressed names, ~40% fewer than the plain names.
 */
export function packNames(names: string[]): Record<string, string> {
  const byPrefix = new Map<string, string[]>();
  for (const n of new Set(names)) {
    const i = n.indexOf('-');
    const [prefix, rest] = i > 0 ? [n.slice(0, i), n.slice(i + 1)] : ['', n];
    const group = byPrefix.get(prefix);
    if (group) group.push(rest);
    else byPrefix.set(prefix, [rest]);
  }
  return Object.fromEntries([...byPrefix].sort((a, b) => a[0].localeCompare(b[0])).map(([p, rests]) => [p, compressNames(rests).join(' ')]));
}

/** `a-{x,y}-b` as a-x-b and a-y-b (every brace group, so also what a later packing might write). */
export function expandBraces(s: string): string[] {
  const m = /^(.*?)\{([^{}]*)\}(.*)$/.exec(s);
  return m ? m[2].split(',').flatMap((v) => expandBraces(`${m[1]}${v}${m[3]}`)) : [s];
}

/** The names a packed group stands for. */
export function unpackNames(packed: Record<string, string>): string[] {
  return Object.entries(packed).flatMap(([prefix, rests]) => rests.split(' ').filter(Boolean).flatMap(expandBraces).map((r) => (prefix ? `${prefix}-${r}` : r)));
}

/** Names grouped by a key (project, or instance), each group packed. */
export function namesBy(rows: Array<{ key: string; name: string }>): Record<string, Record<string, string>> {
  const groups = new Map<string, string[]>();
  for (const r of rows) {
    const group = groups.get(r.key);
    if (group) group.push(r.name);
    else groups.set(r.key, [r.name]);
  }
  return Object.fromEntries([...groups].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => [k, packNames(v)]));
}

/**
 * A names answer within the budget: all of them when they fit, else the most that fit from `offset` in
 * (group, name) order, with the offset of the rest.
 */
export async function fitNames(args: { rows: Array<{ key: string; name: string }>; head: Json; offset: number; cap: Cap }): Promise<{ value: Json; note?: string }> {
  const sorted = [...args.rows].sort((a, b) => a.key.localeCompare(b.key) || a.name.localeCompare(b.name));
  const valueOf = (shown: typeof sorted) => {
    return { ...args.head, format: NAMES_FORMAT, names: namesBy(shown) };
  };
  const rest = sorted.slice(args.offset);
  const whole = valueOf(rest);
  const tokens = typeof args.cap === 'number' ? { tokens: args.cap } : args.cap;
  const fits = async (v: Json) => (tokens.bytes !== undefined ? Buffer.byteLength(JSON.stringify(v)) <= tokens.bytes - 600 : fitsIn(JSON.stringify(v), (tokens.tokens ?? Infinity) - 200));
  if (args.offset === 0 && (await fits(whole))) return { value: whole };
  let lo = 0;
  let hi = rest.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await fits({ ...valueOf(rest.slice(0, mid)), shown: mid, next: { offset: 0 } })) lo = mid;
    else hi = mid - 1;
  }
  const next = args.offset + lo;
  const more = next < sorted.length;
  const value = { ...valueOf(rest.slice(0, lo)), shown: lo, ...(more ? { next: { offset: next } } : {}) };
  return { value, note: `Names ${lo ? `${args.offset + 1}-${next}` : 'none'} of ${sorted.length} matching${more ? `; the rest: the same call with offset=${next}` : ''}.` };
}

/** Summary rows (a table or objects) paged by offset/limit and cut at the budget, with the offset of the rest. */
export async function fitRows(args: { value: Json; offset: number; cap: Cap; hint: string }): Promise<{ value: Json; note?: string }> {
  const capped = await capResult(args.value, args.cap, args.hint);
  const cut = (capped.value as { truncated?: { shown: number; of: number } } | undefined)?.truncated;
  if (!cut) return { value: capped.value as Json, note: capped.note };
  const next = args.offset + cut.shown;
  return { value: { ...(capped.value as Json), next: { offset: next } }, note: `${capped.note} The rest: the same call with offset=${next}.` };
}
