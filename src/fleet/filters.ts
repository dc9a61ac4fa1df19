/**
 * Structured filters for fleet questions ("which apps are OutOfSync / Degraded / on cluster Y / named like Z"),
 * validated before anything is sent and answered in the gateway over Argo CD's list, projected to the fields they
 * read. Argo CD's own list filters (`projects`, `selector`, `repo`) still go upstream: argocd-server narrows first.
 * The enums are Argo CD's (pkg/apis/application/v1alpha1/types.go, gitops-engine health and sync codes).
 */
import type { JsonSchema } from '../catalogue/types.ts';
import { didYouMean } from '../config/did-you-mean.ts';

type Json = Record<string, unknown>;

export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;
export const OPERATION_PHASES = ['Running', 'Terminating', 'Failed', 'Error', 'Succeeded'] as const;
/** ApplicationConditionType values; an ApplicationSet's are ApplicationSetConditionType. */
export const CONDITION_TYPES = [
  'DeletionError', 'InvalidSpecError', 'ComparisonError', 'SyncError', 'UnknownError', 'SharedResourceWarning',
  'RepeatedResourceWarning', 'ExcludedResourceWarning', 'OrphanedResourceWarning',
  'ErrorOccurred', 'ParametersGenerated', 'ResourcesUpToDate', 'RolloutProgressing',
] as const;

/**
 * The filter arguments. Bare types: the catalogue's token budget is tight, so the server instructions say once what
 * they mean, and a wrong value is refused with the allowed ones (readFilter).
 */
export const FILTER_ARGS: Record<string, JsonSchema> = {
  syncStatus: { type: 'string' },
  healthStatus: { type: 'string' },
  operationPhase: { type: 'string' },
  cluster: { type: 'string' },
  namespace: { type: 'string' },
  path: { type: 'string' },
  targetRevision: { type: 'string' },
  nameMatch: { type: 'string' },
  autoSync: { type: 'boolean' },
  condition: { type: 'string' },
};

/** The filter of one call, validated. */
export interface FleetFilter {
  syncStatus?: string;
  healthStatus?: string;
  operationPhase?: string;
  cluster?: string;
  namespace?: string;
  path?: string;
  targetRevision?: string;
  nameMatch?: string;
  autoSync?: boolean;
  condition?: string;
  /** A repository URL fragment (the workflows'; application_list's `repo` is Argo CD's own and goes upstream). */
  repo?: string;
}

/** What the filters read of one application (or ApplicationSet, through its template). */
export interface AppFacts {
  name: string;
  project?: string;
  server?: string;
  clusterName?: string;
  namespace?: string;
  repos: string[];
  paths: string[];
  revisions: string[];
  sync?: string;
  health?: string;
  phase?: string;
  autoSync: boolean;
  conditions: string[];
}

const ENUMS: Record<string, readonly string[]> = { syncStatus: SYNC_STATUSES, healthStatus: HEALTH_STATUSES, operationPhase: OPERATION_PHASES, condition: CONDITION_TYPES };
const STRINGS = ['cluster', 'namespace', 'path', 'targetRevision', 'nameMatch', 'repo'];

/** The filter arguments of `args` (null is "not given"), with every problem at once. */
export function readFilter(args: Json, names: readonly string[]): { ok: true; filter: FleetFilter; given: boolean } | { ok: false; problems: string[] } {
  const filter: Json = {};
  const problems: string[] = [];
  for (const key of names) {
    const value = args[key];
    if (value === undefined || value === null) continue;
    const allowed = ENUMS[key];
    if (allowed) {
      if (typeof value === 'string' && allowed.includes(value)) filter[key] = value;
      else {
        const near = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
        problems.push(`${key}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`);
      }
    } else if (key === 'autoSync') {
      if (typeof value === 'boolean') filter[key] = value;
      else problems.push(`autoSync: must be true or false, got ${JSON.stringify(value)}`);
    } else if (STRINGS.includes(key)) {
      if (typeof value === 'string' && value.trim()) filter[key] = value.trim();
      else problems.push(`${key}: must be a non-empty string, got ${JSON.stringify(value)}`);
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, filter: filter as FleetFilter, given: Object.keys(filter).length > 0 };
}

/** `*` and `?` globs, else an exact or fragment match; always case-insensitive (names and URLs are lower-case in practice). */
export function matcherOf(pattern: string, mode: 'exact' | 'fragment'): (value: string | undefined) => boolean {
  const p = pattern.toLowerCase();
  if (/[*?]/.test(p)) {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return (v) => v !== undefined && re.test(v.toLowerCase());
  }
  return mode === 'exact' ? (v) => v !== undefined && v.toLowerCase() === p : (v) => v !== undefined && v.toLowerCase().includes(p);
}

interface Source {
  repoURL?: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
}

/** Argo CD's IsAutomatedSyncEnabled: an `automated` block is on unless `enabled: false` (3.1+). */
const autoSyncOf = (policy: Json | undefined) => {
  const automated = policy?.automated as Json | undefined;
  return !!automated && automated.enabled !== false;
};

/** The facts of an Application as the projected list returns it. */
export function appFacts(item: unknown): AppFacts {
  const a = item as { metadata?: Json; spec?: Json; status?: Json };
  const spec = a.spec ?? {};
  const status = a.status ?? {};
  const sources = ((spec.sources as Source[] | undefined)?.length ? spec.sources : [spec.source ?? {}]) as Source[];
  const dest = (spec.destination ?? {}) as { server?: string; name?: string; namespace?: string };
  return {
    name: String(a.metadata?.name ?? ''),
    project: spec.project as string | undefined,
    server: dest.server,
    clusterName: dest.name,
    namespace: dest.namespace,
    repos: sources.map((s) => s.repoURL).filter((s): s is string => !!s),
    paths: sources.flatMap((s) => [s.path, s.chart]).filter((s): s is string => !!s),
    revisions: sources.map((s) => s.targetRevision).filter((s): s is string => !!s),
    sync: (status.sync as Json | undefined)?.status as string | undefined,
    health: (status.health as Json | undefined)?.status as string | undefined,
    phase: (status.operationState as Json | undefined)?.phase as string | undefined,
    autoSync: autoSyncOf(spec.syncPolicy as Json | undefined),
    conditions: ((status.conditions as Json[] | undefined) ?? []).map((c) => String(c.type)),
  };
}

/** The facts of an ApplicationSet: its template's, and the conditions that hold (status "True"). */
export function appSetFacts(item: unknown): AppFacts {
  const s = item as { metadata?: Json; spec?: { template?: { spec?: Json } }; status?: Json };
  const facts = appFacts({ metadata: s.metadata, spec: s.spec?.template?.spec, status: {} });
  const conditions = ((s.status?.conditions as Json[] | undefined) ?? []).filter((c) => c.status === 'True').map((c) => String(c.type));
  const health = (s.status?.health as Json | undefined)?.status as string | undefined;
  return { ...facts, conditions, health };
}

/** Cluster names by server URL and back, from cluster_list (the in-cluster default is always known). */
export interface ClusterNames {
  nameOf: Map<string, string>;
  serverOf: Map<string, string>;
}

const trimSlash = (s: string | undefined) => s?.replace(/\/+$/, '');

/** A destination's names: its server and name as written, and the other one where cluster_list knows it. */
export function clusterIdentities(f: AppFacts, clusters: ClusterNames | undefined): string[] {
  const server = trimSlash(f.server);
  const out = [server, f.clusterName];
  if (server) out.push(clusters?.nameOf.get(server));
  if (f.clusterName) out.push(clusters?.serverOf.get(f.clusterName));
  return out.filter((v): v is string => !!v);
}

/** The cluster a row is counted under: its name where known, else its server URL. */
export function clusterKey(f: AppFacts, clusters: ClusterNames | undefined): string {
  return f.clusterName ?? (f.server ? clusters?.nameOf.get(trimSlash(f.server)!) : undefined) ?? f.server ?? '(none)';
}

/** The predicate for a filter; the string filters are compiled once. */
export function predicateOf(filter: FleetFilter, clusters?: ClusterNames): (f: AppFacts) => boolean {
  const name = filter.nameMatch ? matcherOf(filter.nameMatch, 'fragment') : undefined;
  const cluster = filter.cluster ? matcherOf(trimSlash(filter.cluster)!, 'exact') : undefined;
  const namespace = filter.namespace ? matcherOf(filter.namespace, 'exact') : undefined;
  const path = filter.path ? matcherOf(filter.path, 'fragment') : undefined;
  const revision = filter.targetRevision ? matcherOf(filter.targetRevision, 'exact') : undefined;
  const repo = filter.repo ? matcherOf(filter.repo, 'fragment') : undefined;
  return (f) =>
    (!filter.syncStatus || (f.sync ?? 'Unknown') === filter.syncStatus) &&
    (!filter.healthStatus || (f.health ?? 'Unknown') === filter.healthStatus) &&
    (!filter.operationPhase || f.phase === filter.operationPhase) &&
    (filter.autoSync === undefined || f.autoSync === filter.autoSync) &&
    (!filter.condition || f.conditions.includes(filter.condition)) &&
    (!name || name(f.name)) &&
    (!cluster || clusterIdentities(f, clusters).some(cluster)) &&
    (!namespace || namespace(f.namespace)) &&
    (!path || f.paths.some(path)) &&
    (!revision || f.revisions.some(revision)) &&
    (!repo || f.repos.some(repo));
}

/** cluster_list's items as names by server and back; `https://kubernetes.default.svc` is `in-cluster` unless renamed. */
export function clusterNamesOf(items: unknown[]): ClusterNames {
  const nameOf = new Map<string, string>([['https://kubernetes.default.svc', 'in-cluster']]);
  const serverOf = new Map<string, string>([['in-cluster', 'https://kubernetes.default.svc']]);
  for (const c of items as Array<{ server?: string; name?: string }>) {
    const server = trimSlash(c.server);
    if (!server || !c.name) continue;
    nameOf.set(server, c.name);
    serverOf.set(c.name, server);
  }
  return { nameOf, serverOf };
}
