/**
 * The fleet attention feed's state: every application of one Argo CD (as one identity sees it), reduced to the few
 * fields that say whether it needs attention, kept current from a list and the watch stream's events. Pure: no I/O,
 * no timers; attention-feed.ts runs it.
 *
 * An application needs attention when it is not Synced, not Healthy, or its last operation ended Failed or Error.
 * resourceVersion is handled as argocd-server does (server/application/application.go `Watch` and
 * `isApplicationPermitted`): an event about an application older than the copy held (`resourceVersion` lower, both
 * integers) is dropped, so a late event never rolls a row back.
 */

type Json = Record<string, unknown>;

/** One application as the feed keeps it. */
export interface AppState {
  name: string;
  namespace?: string;
  project: string;
  sync: string;
  health: string;
  /** `status.operationState.phase` of the last (or running) operation. */
  phase?: string;
  /** Why it needs attention, short (operation message, a condition, the health message). */
  reason?: string;
  resourceVersion?: string;
}

export type Severity = 'critical' | 'warning' | 'notice';

/** The row of an application that needs attention. */
export interface AttentionRow extends AppState {
  severity: Severity;
  /** Higher is worse; rows are sorted by it. */
  rank: number;
}

/** The longest reason kept, in characters (Argo CD's messages can run to kilobytes). */
export const MAX_REASON_CHARS = 140;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Conditions worth a reason: Argo CD's `ApplicationConditionType`s are errors (`ComparisonError`, `SyncError`,
 * `InvalidSpecError`, …) or warnings (`SharedResourceWarning`, `OrphanedResourceWarning`, …) by their suffix
 * (pkg/apis/application/v1alpha1/types.go).
 */
function isProblemCondition(type: string | undefined): boolean {
  return !!type && /(Error|Warning)$/.test(type);
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON_CHARS ? `${flat.slice(0, MAX_REASON_CHARS - 1)}…` : flat;
}

/**
 * The reason shown for an application: a failed operation's message first, then its first problem condition, then
 * the health message, then a running operation's message.
 */
function reasonOf(status: Json): string | undefined {
  const op = obj(status.operationState);
  const phase = str(op.phase);
  if ((phase === 'Failed' || phase === 'Error') && str(op.message)) return shorten(`${phase}: ${str(op.message)}`);
  const conditions = Array.isArray(status.conditions) ? (status.conditions as unknown[]).map(obj) : [];
  const condition = conditions.find((c) => isProblemCondition(str(c.type)));
  if (condition) return shorten(`${str(condition.type)}: ${str(condition.message) ?? ''}`.replace(/: $/, ''));
  const health = str(obj(status.health).message);
  if (health) return shorten(health);
  if (phase === 'Running' && str(op.message)) return shorten(`Running: ${str(op.message)}`);
  return undefined;
}

/** An application object (as projected by the feed's `fields`) → its state; undefined without a name. */
export function appStateOf(app: unknown): AppState | undefined {
  const a = obj(app);
  const md = obj(a.metadata);
  const name = str(md.name);
  if (!name) return undefined;
  const status = obj(a.status);
  return {
    name,
    namespace: str(md.namespace),
    // An empty project is `default` (Spec.GetProject).
    project: str(obj(a.spec).project) ?? 'default',
    sync: str(obj(status.sync).status) ?? 'Unknown',
    health: str(obj(status.health).status) ?? 'Unknown',
    phase: str(obj(status.operationState).phase),
    reason: reasonOf(status),
    resourceVersion: str(md.resourceVersion),
  };
}

/**
 * How bad each finding is; an application ranks by its worst. Broken workloads and failed operations first, then
 * drift and unknown states, then what is on its way (Progressing) or parked on purpose (Suspended).
 */
const HEALTH_RANK: Record<string, number> = { Degraded: 90, Missing: 80, Unknown: 50, Progressing: 30, Suspended: 10 };
const PHASE_RANK: Record<string, number> = { Failed: 85, Error: 85 };
const SYNC_RANK: Record<string, number> = { OutOfSync: 60, Unknown: 50 };

/** The row of an application that needs attention, or undefined for one that is Synced, Healthy and did not fail. */
export function attentionOf(app: AppState): AttentionRow | undefined {
  const ranks = [app.health === 'Healthy' ? 0 : (HEALTH_RANK[app.health] ?? 50), PHASE_RANK[app.phase ?? ''] ?? 0, app.sync === 'Synced' ? 0 : (SYNC_RANK[app.sync] ?? 50)];
  const worst = Math.max(...ranks);
  if (worst === 0) return undefined;
  // Two findings rank above one of the same worst kind.
  const rank = worst + ranks.filter((r) => r > 0).length - 1;
  return { ...app, rank, severity: worst >= 80 ? 'critical' : worst >= 50 ? 'warning' : 'notice' };
}

/** Worst first, then by name (and namespace) so the order is stable. */
export function compareRows(a: AttentionRow, b: AttentionRow): number {
  return b.rank - a.rank || a.name.localeCompare(b.name) || (a.namespace ?? '').localeCompare(b.namespace ?? '');
}

/** Both resourceVersions are integers (as etcd's are) and `incoming` is older: argocd-server drops such an event. */
export function isOlder(incoming: string | undefined, held: string | undefined): boolean {
  if (incoming === undefined || held === undefined) return false;
  const a = Number(incoming);
  const b = Number(held);
  return Number.isSafeInteger(a) && Number.isSafeInteger(b) && a < b;
}

export interface WatchEvent {
  type?: string;
  application?: unknown;
}

/** Counts over every application, exact whatever is shown. */
export interface AttentionCounts {
  apps: number;
  needAttention: number;
  bySeverity: Record<Severity, number>;
  bySync: Record<string, number>;
  byHealth: Record<string, number>;
  byOperation: Record<string, number>;
}

const keyOf = (app: { name: string; namespace?: string }) => `${app.namespace ?? ''}/${app.name}`;

function same(a: AppState | undefined, b: AppState | undefined): boolean {
  if (!a || !b) return a === b;
  return a.name === b.name && a.namespace === b.namespace && a.project === b.project && a.sync === b.sync && a.health === b.health && a.phase === b.phase && a.reason === b.reason;
}

/** The applications of one feed: seeded from a list, then kept current by watch events. */
export class AttentionState {
  private readonly apps = new Map<string, AppState>();
  /** resourceVersions of deletions since the last list: a late event about a deleted app does not bring it back. */
  private readonly deleted = new Map<string, string | undefined>();

  /** Replaces everything with a list's items; true when anything a reader sees changed. */
  reset(items: unknown[]): boolean {
    const next = new Map<string, AppState>();
    for (const item of items) {
      const app = appStateOf(item);
      if (app) next.set(keyOf(app), app);
    }
    let changed = next.size !== this.apps.size;
    if (!changed) for (const [k, v] of next) if (!same(v, this.apps.get(k))) changed = true;
    this.apps.clear();
    this.deleted.clear();
    for (const [k, v] of next) this.apps.set(k, v);
    return changed;
  }

  /**
   * Applies one watch event (`{type, application}`: ADDED, MODIFIED, DELETED); true when anything a reader sees
   * changed. Other types (BOOKMARK, ERROR) and events about an older version than the one held change nothing.
   */
  apply(event: WatchEvent): boolean {
    const app = appStateOf(event?.application);
    if (!app) return false;
    const key = keyOf(app);
    const held = this.apps.get(key);
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        if (held && isOlder(app.resourceVersion, held.resourceVersion)) return false;
        if (!held && this.deleted.has(key) && (isOlder(app.resourceVersion, this.deleted.get(key)) || app.resourceVersion === this.deleted.get(key))) return false;
        this.deleted.delete(key);
        this.apps.set(key, app);
        return !same(app, held);
      }
      case 'DELETED': {
        if (!held || isOlder(app.resourceVersion, held.resourceVersion)) return false;
        this.apps.delete(key);
        this.deleted.set(key, app.resourceVersion);
        return true;
      }
      default:
        return false;
    }
  }

  get size(): number {
    return this.apps.size;
  }

  /** The rows that need attention, worst first. */
  rows(): AttentionRow[] {
    const out: AttentionRow[] = [];
    for (const app of this.apps.values()) {
      const row = attentionOf(app);
      if (row) out.push(row);
    }
    return out.sort(compareRows);
  }

  /** Namespaces the applications live in (a name is shown with its namespace only when there are several). */
  namespaces(): Set<string> {
    return new Set([...this.apps.values()].map((a) => a.namespace ?? ''));
  }

  counts(rows = this.rows()): AttentionCounts {
    const bySync: Record<string, number> = {};
    const byHealth: Record<string, number> = {};
    const byOperation: Record<string, number> = {};
    for (const a of this.apps.values()) {
      bySync[a.sync] = (bySync[a.sync] ?? 0) + 1;
      byHealth[a.health] = (byHealth[a.health] ?? 0) + 1;
      if (a.phase) byOperation[a.phase] = (byOperation[a.phase] ?? 0) + 1;
    }
    const bySeverity: Record<Severity, number> = { critical: 0, warning: 0, notice: 0 };
    for (const r of rows) bySeverity[r.severity] += 1;
    return { apps: this.apps.size, needAttention: rows.length, bySeverity, bySync: sorted(bySync), byHealth: sorted(byHealth), byOperation: sorted(byOperation) };
  }
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
