/**
 * The fleet attention feed as a reader gets it: exact counts, then the rows that need attention, worst first, as a
 * table (column names once), cut at `limit` rows with the number left out. Pure.
 */
import type { AttentionCounts, AttentionRow, Severity } from './attention.ts';
import type { FeedSnapshot } from './attention-feed.ts';

/** Rows shown when the URI does not say (`?limit=`), and the most it may ask for. */
export const DEFAULT_ROWS = 50;
export const MAX_ROWS = 500;

export interface FeedPart {
  /** The instance's name when several are configured. */
  instance?: string;
  snapshot?: FeedSnapshot;
  /** Why this instance's feed could not be read. */
  error?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function sumCounts(all: AttentionCounts[]): AttentionCounts {
  const out: AttentionCounts = { apps: 0, needAttention: 0, bySeverity: { critical: 0, warning: 0, notice: 0 }, bySync: {}, byHealth: {}, byOperation: {} };
  for (const c of all) {
    out.apps += c.apps;
    out.needAttention += c.needAttention;
    for (const s of Object.keys(out.bySeverity) as Severity[]) out.bySeverity[s] += c.bySeverity[s];
    add(out.bySync, c.bySync);
    add(out.byHealth, c.byHealth);
    add(out.byOperation, c.byOperation);
  }
  const sorted = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
  return { ...out, bySync: sorted(out.bySync), byHealth: sorted(out.byHealth), byOperation: sorted(out.byOperation) };
}

/** A part's state as the reader sees it: live, or stale since when and why. */
function stateOf(part: FeedPart): Record<string, unknown> {
  const s = part.snapshot;
  if (!s || s.error !== undefined) return { state: 'unavailable', error: part.error ?? s?.error };
  if (s.status === 'reconnecting') return { state: 'reconnecting', staleSince: iso(s.staleSince), problem: s.problem, asOf: iso(s.asOf) };
  return { state: s.status, asOf: iso(s.asOf) };
}

/**
 * The document of one read. `merged`: several instances in one feed (rows name their instance, counts are given per
 * instance too). Rows are merged worst first across instances.
 */
export function renderAttention(args: { uri: string; parts: FeedPart[]; limit: number; merged: boolean }): Record<string, unknown> {
  const { uri, parts, limit, merged } = args;
  const seen = parts.filter((p) => p.snapshot && p.snapshot.error === undefined);
  const counts = sumCounts(seen.map((p) => p.snapshot!.counts));
  type Tagged = AttentionRow & { instance?: string; qualified: boolean };
  const rows: Tagged[] = seen.flatMap((p) => p.snapshot!.rows.map((r) => ({ ...r, instance: p.instance, qualified: p.snapshot!.severalNamespaces })));
  if (merged) rows.sort((a, b) => b.rank - a.rank || a.name.localeCompare(b.name) || (a.instance ?? '').localeCompare(b.instance ?? ''));
  const shown = rows.slice(0, limit);
  const columns = [...(merged ? ['instance'] : []), 'severity', 'name', 'project', 'sync', 'health', 'phase', 'reason'];
  const doc: Record<string, unknown> = { feed: uri };
  if (!merged && parts[0]?.instance) doc.instance = parts[0].instance;
  if (merged) {
    doc.instances = Object.fromEntries(parts.map((p) => [p.instance ?? '', { ...stateOf(p), ...(p.snapshot && p.snapshot.error === undefined ? { apps: p.snapshot.counts.apps, needAttention: p.snapshot.counts.needAttention } : {}) }]));
  } else Object.assign(doc, stateOf(parts[0] ?? {}));
  Object.assign(doc, counts);
  doc.columns = columns;
  doc.rows = shown.map((r) => [
    ...(merged ? [r.instance ?? ''] : []),
    r.severity,
    r.qualified && r.namespace ? `${r.namespace}/${r.name}` : r.name,
    r.project,
    r.sync,
    r.health,
    r.phase ?? '',
    r.reason ?? '',
  ]);
  if (rows.length > shown.length) {
    doc.omitted = rows.length - shown.length;
    doc.note = `${rows.length - shown.length} more rows not shown (limit ${limit}); the counts are exact. Read ${withLimit(uri, Math.min(MAX_ROWS, rows.length))} for more, or use application_list for all.`;
  }
  return doc;
}

function withLimit(uri: string, limit: number): string {
  const [base, query = ''] = uri.split('?');
  const params = new URLSearchParams(query);
  params.set('limit', String(limit));
  return `${base}?${params.toString()}`;
}
