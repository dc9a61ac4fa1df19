/**
 * Results shaped for a model's context: what agents never need is stripped from every response (managedFields,
 * the last-applied annotation, empty values), lists become one compact summary per item, `fields` projects,
 * `limit`/`offset` page, and `raw: true` returns Argo CD's document untouched.
 */
import { mayCarrySecrets, redactResult } from '../redact.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import { project, projector } from './project.ts';

export { project, projector };

/** What shaping reads of a tool: its response definition and whether it answers a pageable list. */
export interface ShapeTool {
  /** The tool's name: writes answer with a receipt and application_get with a digest (src/shaping/queried.ts). */
  name?: string;
  response?: string;
  request: { list?: boolean };
}

export interface ShapeArgs {
  raw?: boolean;
  fields?: string[];
  limit?: number;
  offset?: number;
  /** The call's own arguments and Argo CD instance, which a write's receipt names (src/shaping/receipts.ts). */
  request?: { args: Record<string, unknown>; instance?: string };
}

type Json = Record<string, unknown>;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Bookkeeping fields of Kubernetes metadata that never help an agent decide anything. */
const NOISE_KEYS = new Set(['managedFields', 'resourceVersion', 'generation', 'selfLink']);

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasKeys(v: Json): boolean {
  for (const _ in v) return true;
  return false;
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && !hasKeys(v));
}

/**
 * Drops managedFields, last-applied annotations, bookkeeping and empty values, at every depth. Written with plain
 * loops: it runs over every document the gateway returns (a 30 KB application is ~1,500 values), and the entry
 * arrays of Object.entries/map/filter were a good part of the garbage a call made.
 */
export function strip(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const next = strip(item);
      if (!isEmpty(next)) out.push(next);
    }
    return out;
  }
  if (!isObj(value)) return value;
  const out: Json = {};
  for (const k in value) {
    if (NOISE_KEYS.has(k) || !Object.hasOwn(value, k)) continue;
    const v = value[k];
    let next: unknown;
    if (k === 'annotations' && isObj(v) && LAST_APPLIED in v) {
      const kept: Json = {};
      for (const a in v) if (a !== LAST_APPLIED && Object.hasOwn(v, a)) kept[a] = v[a];
      next = strip(kept);
    } else next = typeof v === 'object' && v !== null ? strip(v) : v;
    if (!isEmpty(next)) out[k] = next;
  }
  return out;
}

/**
 * strip, without the copy when there is nothing to drop (most projected list items): the value itself comes back,
 * so only for results nothing modifies afterwards.
 */
function stripShared(value: unknown): unknown {
  return isClean(value) ? value : strip(value);
}

/** Whether strip would return the value unchanged: no noise key, no last-applied annotation, no empty value inside. */
function isClean(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (isEmpty(item) || !isClean(item)) return false;
    return true;
  }
  if (!isObj(value)) return true;
  for (const k in value) {
    if (NOISE_KEYS.has(k) || !Object.hasOwn(value, k)) return false;
    const v = value[k];
    if (isEmpty(v)) return false;
    if (typeof v === 'object' && (!isClean(v) || (k === 'annotations' && isObj(v) && LAST_APPLIED in v))) return false;
  }
  return true;
}

/** The columns of an application list's summary rows. */
export const APPLICATION_COLUMNS = ['name', 'project', 'repo', 'path', 'target', 'dest', 'sync', 'health', 'rev', 'op', 'syncedAgo', 'namespace'] as const;

/** `https://github.com/acme/apps.git` → `github.com/acme/apps`: the scheme and suffix carry no information. */
function shortRepo(url: unknown): unknown {
  return typeof url === 'string' ? url.replace(/^https?:\/\//, '').replace(/\.git$/, '') : url;
}

/** `2026-01-01T10:20:30Z` → `3d` (how long ago): what an agent needs from a last-sync time, in two tokens. */
export function age(t: unknown, now = Date.now()): unknown {
  if (typeof t !== 'string') return t;
  const ms = now - Date.parse(t);
  if (!Number.isFinite(ms)) return t;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** One application as a summary row (see APPLICATION_COLUMNS): what "what is out of sync?" needs, nothing more. */
export function summariseApplication(app: unknown): unknown[] {
  const a = app as {
    metadata?: { name?: string; namespace?: string };
    spec?: { project?: string; source?: Json; sources?: Json[]; destination?: { server?: string; name?: string; namespace?: string } };
    status?: {
      sync?: { status?: string; revision?: string; revisions?: string[] };
      health?: { status?: string };
      operationState?: { phase?: string; finishedAt?: string; startedAt?: string };
    };
  };
  const source = a.spec?.source ?? a.spec?.sources?.[0] ?? {};
  const dest = a.spec?.destination ?? {};
  const cluster = dest.name ?? (dest.server === 'https://kubernetes.default.svc' ? 'in-cluster' : dest.server?.replace(/^https:\/\//, ''));
  const rev = a.status?.sync?.revision ?? a.status?.sync?.revisions?.[0];
  const sources = a.spec?.sources && a.spec.sources.length > 1 ? ` (+${a.spec.sources.length - 1} sources)` : '';
  const row: unknown[] = [
    a.metadata?.name,
    a.spec?.project,
    shortRepo(source.repoURL),
    `${String(source.path ?? source.chart ?? '')}${sources}`,
    source.targetRevision,
    [cluster, dest.namespace].filter(Boolean).join('/'),
    a.status?.sync?.status,
    a.status?.health?.status,
    typeof rev === 'string' && /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev,
    a.status?.operationState?.phase,
    age(a.status?.operationState?.finishedAt ?? a.status?.operationState?.startedAt),
    a.metadata?.namespace,
  ];
  return row.map((v) => (v === undefined || v === '' ? null : v));
}

/** One application's summary as an object (for stream events, where a table has no header to share). */
export function summariseApplicationObject(app: unknown): Json {
  const row = summariseApplication(app);
  return Object.fromEntries(APPLICATION_COLUMNS.map((c, i) => [c, row[i]]).filter(([, v]) => v !== null));
}

/** A summary table back into one object per row (for code that reads a list result). */
export function tableToObjects<T = Record<string, unknown>>(data: unknown): T[] {
  const d = data as { columns?: string[]; items?: unknown[] };
  if (!Array.isArray(d?.items)) return [];
  if (!Array.isArray(d.columns)) return d.items as T[];
  return d.items.map((row) => Object.fromEntries(d.columns!.map((c, i) => [c, (row as unknown[])[i] ?? undefined]).filter(([, v]) => v !== undefined && v !== null)) as T);
}

/** The server-side projection that covers summariseApplication, so less crosses the wire. */
export const APPLICATION_SUMMARY_FIELDS = [
  'metadata.name', 'metadata.namespace', 'spec.project', 'spec.source.repoURL', 'spec.source.path', 'spec.source.chart',
  'spec.source.targetRevision', 'spec.sources', 'spec.destination', 'status.sync.status', 'status.sync.revision',
  'status.sync.revisions', 'status.health.status', 'status.operationState.phase', 'status.operationState.finishedAt',
  'status.operationState.startedAt',
];

const HISTORY_KEPT = 5;

/** A whole application, condensed: resources one line each, recent history, only the sync results that failed. */
export function condenseApplication(app: unknown): unknown {
  const a = strip(app) as Json;
  const status = a.status as Json | undefined;
  if (!status) return a;
  const resources = status.resources as Json[] | undefined;
  if (resources) {
    status.resources = resources.map((r) =>
      strip({
        kind: r.kind,
        name: r.name,
        namespace: r.namespace,
        sync: r.status,
        health: (r.health as Json | undefined)?.status,
        hook: r.hook,
        requiresPruning: r.requiresPruning,
      }),
    );
  }
  const history = status.history as Json[] | undefined;
  if (history && history.length > HISTORY_KEPT) {
    status.history = history.slice(-HISTORY_KEPT);
    status.historyNote = `${history.length - HISTORY_KEPT} older history entries left out (raw: true shows all)`;
  }
  const sync = status.sync as Json | undefined;
  if (sync) delete sync.comparedTo;
  const op = status.operationState as Json | undefined;
  const syncResult = op?.syncResult as Json | undefined;
  const results = syncResult?.resources as Json[] | undefined;
  if (syncResult && results) {
    const failed = results.filter((r) => (r.status !== 'Synced' && r.status !== 'Pruned') || r.hookPhase === 'Failed');
    const counts: Record<string, number> = {};
    for (const r of results) counts[String(r.status ?? 'Unknown')] = (counts[String(r.status ?? 'Unknown')] ?? 0) + 1;
    syncResult.resources = failed.map((r) => strip({ kind: r.kind, name: r.name, namespace: r.namespace, status: r.status, message: r.message, hookPhase: r.hookPhase }));
    syncResult.resourceCounts = counts;
    delete syncResult.source;
    delete syncResult.sources;
  }
  if (op) delete (op.operation as Json | undefined)?.initiatedBy;
  return a;
}

/** A resource tree with one short line per node. */
export function condenseTree(tree: unknown): unknown {
  const t = strip(tree) as Json;
  const nodes = t.nodes as Json[] | undefined;
  if (nodes) {
    t.nodes = nodes.map((n) => {
      const parent = (n.parentRefs as Json[] | undefined)?.[0];
      return strip({
        kind: n.kind,
        name: n.name,
        namespace: n.namespace,
        health: (n.health as Json | undefined)?.status,
        message: (n.health as Json | undefined)?.message,
        parent: parent ? `${parent.kind}/${parent.name}` : undefined,
        images: n.images,
        info: (n.info as Array<{ name: string; value: string }> | undefined)?.map((i) => `${i.name}: ${i.value}`),
      });
    });
  }
  return t;
}

/** Managed resources without their full manifests: which resources differ, not the manifests themselves. */
function condenseManagedResource(item: unknown): unknown {
  const r = item as Json;
  const out: Json = { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name };
  if (typeof r.normalizedLiveState === 'string' || typeof r.predictedLiveState === 'string') {
    out.modified = r.normalizedLiveState !== r.predictedLiveState;
  }
  if (r.targetState === 'null' || r.targetState === undefined) out.onlyLive = true;
  if (r.liveState === 'null' || r.liveState === undefined) out.missing = true;
  if (r.hook) out.hook = true;
  return strip(out);
}

function condenseEvent(item: unknown): unknown {
  const e = item as Json;
  const obj = e.involvedObject as Json | undefined;
  return strip({
    type: e.type,
    reason: e.reason,
    object: obj ? `${obj.kind}/${obj.name}` : undefined,
    message: e.message,
    count: e.count,
    last: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp,
  });
}

/** Per response definition: how to condense one item of a list, or the whole object. */
const ITEM_SUMMARIES: Record<string, (item: unknown) => unknown> = {
  applicationManagedResourcesResponse: condenseManagedResource,
  v1EventList: condenseEvent,
};

const OBJECT_CONDENSERS: Record<string, (value: unknown) => unknown> = {
  v1alpha1Application: condenseApplication,
  v1alpha1ApplicationTree: condenseTree,
};

export interface Shaped {
  data: unknown;
  notes: string[];
}

/** Shapes a JSON response of a tool according to its arguments. */
export function shapeResult(tool: ShapeTool, data: unknown, args: ShapeArgs): Shaped {
  const notes: string[] = [];
  const response = tool.response ?? '';
  // Credentials Argo CD left in an answer (a cluster's exec-provider env, a repository proxy's password) never
  // reach the model, raw or not.
  let out: unknown = mayCarrySecrets(response) ? redactResult(data) : data;
  data = out;
  if (!args.raw) {
    const items = isObj(data) && Array.isArray(data.items) ? (data.items as unknown[]) : undefined;
    if (items && isObj(data) && response === 'v1alpha1ApplicationList' && !args.fields?.length) {
      // A table: the column names once, then one short row per application (about a third of the tokens of objects).
      const rows = items.map(summariseApplication);
      const namespaces = new Set(rows.map((r) => r[r.length - 1]));
      // A namespace shared by every application (Argo CD's own) is said once, not on every row.
      const shared = namespaces.size === 1 ? [...namespaces][0] : undefined;
      out = shared !== undefined
        ? { namespace: shared, columns: APPLICATION_COLUMNS.slice(0, -1), items: rows.map((r) => r.slice(0, -1)) }
        : { columns: [...APPLICATION_COLUMNS], items: rows };
    } else if (items && isObj(data)) {
      const projectItem = args.fields?.length ? projector(stripPrefix(args.fields, 'items.')) : undefined;
      // Projected first: the noise is stripped from what the call reads, not from the whole item.
      const each = projectItem ? (i: unknown) => stripShared(projectItem(i)) : ITEM_SUMMARIES[response] ?? strip;
      out = { ...(strip({ ...data, items: undefined }) as Json), items: items.map(each) };
    } else if (args.fields?.length) {
      out = project(strip(data), args.fields);
    } else {
      out = (OBJECT_CONDENSERS[response] ?? strip)(data);
    }
  }
  if (tool.request.list && isObj(out) && Array.isArray(out.items)) {
    const all = out.items as unknown[];
    const offset = args.offset ?? 0;
    const limit = args.limit ?? all.length;
    if (offset > 0 || limit < all.length) {
      const page = all.slice(offset, offset + limit);
      out = { ...out, items: page, total: all.length, offset };
      const next = offset + page.length;
      notes.push(`Items ${page.length ? `${offset + 1}-${next}` : 'none'} of ${all.length}${next < all.length ? `; next page: offset=${next}` : ''}.`);
    } else if (!args.raw) {
      out = { ...out, total: all.length };
    }
  }
  return { data: out, notes };
}

/** `items.metadata.name` → `metadata.name` (an agent may give either form for list items). */
export function stripPrefix(fields: string[], prefix: string): string[] {
  return fields.map((f) => {
    const neg = f.startsWith('-') ? '-' : '';
    const bare = f.replace(/^-/, '');
    return neg + (bare.startsWith(prefix) ? bare.slice(prefix.length) : bare);
  });
}

/** The `fields` query value for argocd-server's projection, or undefined when it does not apply. */
export function serverFields(tool: CatalogueTool, args: ShapeArgs): string | undefined {
  const prefix = tool.request.serverFieldsPrefix;
  if (!prefix || args.raw) return undefined;
  let fields = args.fields?.length ? stripPrefix(args.fields, prefix) : undefined;
  if (!fields && tool.response === 'v1alpha1ApplicationList') fields = APPLICATION_SUMMARY_FIELDS;
  if (!fields || fields[0].startsWith('-')) return undefined;
  // The list's own metadata (resourceVersion) is kept so the answer stays a well-formed list.
  return fields.map((f) => `${prefix}${f}`).join(',');
}
