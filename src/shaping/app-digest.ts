/**
 * application_get's default answer: what an agent reads first about one application, in Argo CD's own paths so
 * `fields` and `query` name the same things — sync and health, conditions, the operation's state and only its failed
 * resources, the resources that are not Healthy or not Synced, images, sources, the last deployments. A shaped
 * application is 1,200–2,700 tokens (most of it resources that are fine and history); the digest is a few hundred.
 * The rest is one call away: `fields`, `query`, or `raw: true`, which the `omitted` note names.
 */
import { strip } from './shape.ts';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** How many entries of each list the digest keeps; the `omitted` note counts the rest. */
export const DIGEST_LIMITS = { history: 3, resources: 20, failed: 10, conditions: 10 } as const;

/** A source as an agent tells it apart: where it comes from and which revision it follows, not its Helm values. */
function sourceOf(s: unknown): Json {
  const src = obj(s);
  return { repoURL: src.repoURL, path: src.path, chart: src.chart, targetRevision: src.targetRevision, ref: src.ref };
}

/**
 * `automated: {}` is auto-sync on with Argo CD's defaults; stripped of empty values it would read as auto-sync off,
 * so the digest spells the defaults out (prune and selfHeal false; `enabled: false` turns it off since v3.1).
 */
function automatedOf(automated: unknown): Json | undefined {
  if (automated === undefined || automated === null) return undefined;
  const a = obj(automated);
  return { ...a, prune: a.prune ?? false, selfHeal: a.selfHeal ?? false };
}

/** A resource is worth listing when it needs attention: not Synced, or with a health that is not Healthy. */
function needsAttention(r: Json): boolean {
  const health = obj(r.health).status;
  return (r.status !== undefined && r.status !== 'Synced') || (health !== undefined && health !== 'Healthy');
}

function resourceLine(r: Json): Json {
  const health = obj(r.health);
  return { kind: r.kind, name: r.name, namespace: r.namespace, status: r.status, health: health.status, message: health.message, requiresPruning: r.requiresPruning };
}

/** Counts per value of one field, e.g. { Synced: 8, OutOfSync: 1 }. */
function countBy(items: Json[], value: (i: Json) => unknown): Json {
  const counts: Record<string, number> = {};
  for (const i of items) {
    const key = String(value(i) ?? 'Unknown');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const FAILED_RESULT = (r: Json) => (r.status !== 'Synced' && r.status !== 'Pruned' && r.status !== 'PruneSkipped') || r.hookPhase === 'Failed' || r.hookPhase === 'Error';

/** The operation as its outcome: phase, message, times, revision, per-status counts and the failed resources only. */
function operationDigest(op: Json, omitted: string[]): Json | undefined {
  if (!Object.keys(op).length) return undefined;
  const result = obj(op.syncResult);
  const results = arr(result.resources);
  const failed = results.filter(FAILED_RESULT);
  if (failed.length > DIGEST_LIMITS.failed) omitted.push(`${failed.length - DIGEST_LIMITS.failed} more failed sync results (status.operationState.syncResult.resources)`);
  const sync = obj(obj(op.operation).sync);
  return {
    phase: op.phase,
    message: op.message,
    startedAt: op.startedAt,
    finishedAt: op.finishedAt,
    operation: { sync: { revision: sync.revision, revisions: sync.revisions, dryRun: sync.dryRun, prune: sync.prune } },
    syncResult: {
      revision: result.revision,
      revisions: result.revisions,
      // Argo CD does not count; a count per status says how far a sync got without listing every resource.
      resourceCounts: results.length ? countBy(results, (r) => r.status) : result.resourceCounts,
      resources: failed.slice(0, DIGEST_LIMITS.failed).map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace, status: r.status, hookPhase: r.hookPhase, message: r.message })),
    },
  };
}

function historyDigest(history: Json[], omitted: string[]): Json[] {
  const kept = history.slice(-DIGEST_LIMITS.history);
  if (history.length > kept.length) omitted.push(`${history.length - kept.length} older deployments (status.history)`);
  return kept.map((h) => ({
    id: h.id,
    revision: h.revision,
    revisions: h.revisions,
    deployedAt: h.deployedAt,
    targetRevision: obj(h.source).targetRevision,
    initiatedBy: obj(h.initiatedBy).username,
  }));
}

/** The digest of one Application (Argo CD's v1alpha1Application), already masked of secrets. */
export function digestApplication(app: unknown): unknown {
  const a = obj(app);
  if (!Object.keys(a).length) return strip(app);
  const meta = obj(a.metadata);
  const spec = obj(a.spec);
  const status = obj(a.status);
  const omitted: string[] = [];
  const resources = arr(status.resources);
  const attention = resources.filter(needsAttention);
  if (attention.length > DIGEST_LIMITS.resources) omitted.push(`${attention.length - DIGEST_LIMITS.resources} more resources that are not Synced or not Healthy`);
  const conditions = arr(status.conditions);
  if (conditions.length > DIGEST_LIMITS.conditions) omitted.push(`${conditions.length - DIGEST_LIMITS.conditions} more conditions`);
  const owner = arr(meta.ownerReferences).find((o) => o.kind === 'ApplicationSet');
  const policy = obj(spec.syncPolicy);
  const digest = {
    metadata: { name: meta.name, namespace: meta.namespace, labels: meta.labels, deletionTimestamp: meta.deletionTimestamp, ownerReferences: owner ? [{ kind: owner.kind, name: owner.name }] : undefined },
    spec: {
      project: spec.project,
      source: spec.source ? sourceOf(spec.source) : undefined,
      sources: arr(spec.sources).map(sourceOf),
      destination: spec.destination,
      syncPolicy: { automated: automatedOf(policy.automated), syncOptions: policy.syncOptions },
    },
    // A requested operation the controller has not finished yet (Argo CD clears it when the operation ends).
    operation: a.operation ? { sync: obj(obj(a.operation).sync), initiatedBy: obj(obj(a.operation).initiatedBy).username } : undefined,
    status: {
      sync: { status: obj(status.sync).status, revision: obj(status.sync).revision, revisions: obj(status.sync).revisions },
      health: obj(status.health).status === undefined ? undefined : { status: obj(status.health).status, message: obj(status.health).message },
      conditions: conditions.slice(0, DIGEST_LIMITS.conditions).map((c) => ({ type: c.type, message: c.message })),
      operationState: operationDigest(obj(status.operationState), omitted),
      resourceCounts: resources.length ? { total: resources.length, sync: countBy(resources, (r) => r.status), health: countBy(resources.filter((r) => r.health), (r) => obj(r.health).status) } : undefined,
      resources: attention.slice(0, DIGEST_LIMITS.resources).map(resourceLine),
      summary: { images: obj(status.summary).images, externalURLs: obj(status.summary).externalURLs },
      history: historyDigest(arr(status.history), omitted),
      reconciledAt: status.reconciledAt,
      sourceType: status.sourceType,
    },
  };
  const out = strip(digest) as Json;
  // An operation with nothing else to say is still an operation in progress.
  if (a.operation && !out.operation) out.operation = { requested: true };
  const left = omitted.length ? `${omitted.join('; ')}; ` : '';
  // The one place the digest says it is one: what it left out, and how to get it.
  out.omitted = `Digest. Left out: ${left}resources that are Synced and Healthy, sync results that succeeded, spec details (Helm values, ignoreDifferences, info), annotations. fields (e.g. ["spec","status.resources"]), query, or raw: true give the rest.`;
  return out;
}
