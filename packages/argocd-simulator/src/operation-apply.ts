/** What a sync does to the live state: applies the selected resources, replaces pods, derives sync and health. */
import { isoSeconds } from './clock.ts';
import type { SimContext } from './context.ts';
import { appStatus, headRevision, selected } from './operation-state.ts';
import { applyMessage } from './seed/app-factory.ts';
import { materialize, statusFor } from './seed/k8s-live.ts';
import { aggregateStatus, containerImages, liveImages, resourceStatuses, type SimPod, type SimResource } from './seed/model.ts';
import { type AppRecord, cloneJson } from './store.ts';
import type { JsonObject, OperationRequest } from './types.ts';

function replaceWorkloadPods(rec: AppRecord, r: SimResource, now: number): void {
  const model = rec.model;
  const rng = model.rng;
  if (!r.live) return;
  const spec = r.live.spec as JsonObject;
  const template = spec.template as JsonObject | undefined;
  const containers = (((template?.spec as JsonObject | undefined)?.containers ?? []) as JsonObject[]).map((c) => ({ name: String(c.name), image: String(c.image) }));
  const podLabels = { ...((((template?.metadata as JsonObject | undefined)?.labels) ?? {}) as Record<string, string>) };
  if (r.kind === 'Deployment') {
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const owned = model.replicaSets.filter((rs) => rs.deployment === r.name && rs.namespace === r.namespace);
    const revision = Math.max(0, ...owned.map((rs) => rs.revision)) + 1;
    for (const rs of owned) rs.replicas = 0;
    const hash = rng.suffix(10);
    const rs = { name: `${r.name}-${hash}`, namespace: r.namespace, uid: rng.uuid(), deployment: r.name, revision, replicas, createdAtMs: now, images: containers.map((c) => c.image) };
    // Keep the newest old ReplicaSet, drop the rest (revisionHistoryLimit in spirit).
    const keep = owned.sort((a, b) => b.revision - a.revision).slice(0, 1);
    model.replicaSets = model.replicaSets.filter((x) => x.deployment !== r.name || x.namespace !== r.namespace || keep.includes(x));
    model.replicaSets.push(rs);
    const oldNames = new Set(owned.map((x) => x.name));
    model.pods = model.pods.filter((p) => !(p.owner.kind === 'ReplicaSet' && oldNames.has(p.owner.name)));
    for (let i = 0; i < replicas; i++) {
      model.pods.push({
        name: `${rs.name}-${rng.suffix(5)}`,
        namespace: r.namespace,
        uid: rng.uuid(),
        nodeName: model.nodes[i % model.nodes.length] as string,
        owner: { group: 'apps', kind: 'ReplicaSet', name: rs.name, uid: rs.uid },
        containers,
        reason: 'ContainerCreating',
        restarts: 0,
        createdAtMs: now,
        ip: `10.20.${rng.int(10, 39)}.${rng.int(2, 250)}`,
        labels: { ...podLabels, 'pod-template-hash': hash },
      } satisfies SimPod);
    }
    const md = r.live.metadata as JsonObject;
    md.annotations = { ...(md.annotations as JsonObject), 'deployment.kubernetes.io/revision': String(revision) };
  } else if (r.kind === 'DaemonSet') {
    model.pods = model.pods.filter((p) => !(p.owner.kind === 'DaemonSet' && p.owner.name === r.name));
    for (const node of model.nodes) {
      model.pods.push({ name: `${r.name}-${rng.suffix(5)}`, namespace: r.namespace, uid: rng.uuid(), nodeName: node, owner: { group: 'apps', kind: 'DaemonSet', name: r.name, uid: r.uid }, containers, reason: 'ContainerCreating', restarts: 0, createdAtMs: now, ip: `10.20.${rng.int(10, 39)}.${rng.int(2, 250)}`, labels: podLabels });
    }
  }
}

/** Applies desired state to the selected resources (what a successful sync does to the cluster). */
/** Applies the operation's resources to the live state (pods replaced when a workload changed); returns the per-resource results. */
export function applyResources(sim: SimContext, rec: AppRecord, req: OperationRequest, now: number): JsonObject[] {
  const results: JsonObject[] = [];
  // Deploying anything but the revision HEAD resolves to leaves the workloads OutOfSync.
  const offHead = req.revision !== headRevision(rec);
  const rollbackImage = offHead ? imageFromSource(req.source) : undefined;
  const keep: SimResource[] = [];
  for (const r of rec.model.resources) {
    if (!selected(req, r)) {
      keep.push(r);
      continue;
    }
    if (!r.target) {
      if (req.prune) {
        results.push({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: 'Pruned', message: 'pruned', hookPhase: 'Running', syncPhase: 'Sync' });
        continue;
      }
      results.push({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: 'PruneSkipped', message: 'ignored (requires pruning)', hookPhase: 'Running', syncPhase: 'Sync' });
      keep.push(r);
      continue;
    }
    const before = r.live ? JSON.stringify(r.live.spec ?? r.live.data ?? null) : undefined;
    let desired = r.target;
    const isMainKind = r.kind === 'Deployment' || r.kind === 'CronJob' || r.kind === 'DaemonSet';
    if (rollbackImage && isMainKind) desired = withImage(r.target, rollbackImage);
    const workload = r.kind === 'Deployment' || r.kind === 'DaemonSet';
    const created = !r.live;
    r.live = materialize(desired, { uid: r.uid, resourceVersion: sim.store.nextResourceVersion(), createdAtMs: created ? now : r.createdAtMs, generation: (Number(((r.live?.metadata as JsonObject | undefined)?.generation) ?? 0) || 0) + 1, status: statusFor(r.kind, desired, workload ? 'Progressing' : 'Healthy', now, rec.model.rng) });
    if (created) r.createdAtMs = now;
    const changed = before !== JSON.stringify(r.live.spec ?? r.live.data ?? null);
    r.syncStatus = offHead && isMainKind ? 'OutOfSync' : 'Synced';
    if (r.hasHealth) r.health = workload && (changed || r.health?.status !== 'Healthy') ? { status: 'Progressing', message: r.kind === 'Deployment' ? `Waiting for rollout to finish: 0 of ${Number((desired.spec as JsonObject).replicas ?? 1)} updated replicas are available...` : undefined } : { status: 'Healthy' };
    if (r.health && r.health.message === undefined) delete r.health.message;
    if (workload && (changed || created || rec.model.pods.some((p) => p.reason !== 'Running' && p.owner.name.startsWith(r.name)))) replaceWorkloadPods(rec, r, now);
    const result: JsonObject = { group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: 'Synced', message: applyMessage(r, created ? 'created' : changed ? 'configured' : 'unchanged'), hookPhase: 'Running', syncPhase: 'Sync' };
    if (['Deployment', 'DaemonSet', 'CronJob'].includes(r.kind)) result.images = containerImages(desired);
    results.push(result);
    keep.push(r);
  }
  rec.model.resources = keep;
  return results;
}

function imageFromSource(source: JsonObject): string | undefined {
  const images = (source.kustomize as JsonObject | undefined)?.images as string[] | undefined;
  if (images?.[0]) return images[0];
  return undefined;
}

function withImage(target: JsonObject, image: string): JsonObject {
  const copy = cloneJson(target);
  const spec = copy.spec as JsonObject;
  const tpl = (spec.template ?? ((spec.jobTemplate as JsonObject | undefined)?.spec as JsonObject | undefined)?.template) as JsonObject | undefined;
  const containers = ((tpl?.spec as JsonObject | undefined)?.containers ?? []) as JsonObject[];
  if (containers[0]) containers[0].image = image;
  return copy;
}

/** Recomputes status.resources / sync / health / summary from the model. */
export function refreshDerivedStatus(rec: AppRecord): { syncBefore: string; healthBefore: string } {
  const st = appStatus(rec);
  const sync = (st.sync ?? {}) as JsonObject;
  const health = (st.health ?? {}) as JsonObject;
  const before = { syncBefore: String(sync.status ?? 'Unknown'), healthBefore: String(health.status ?? 'Unknown') };
  const agg = aggregateStatus(rec.model);
  st.resources = resourceStatuses(rec.model);
  st.sync = { ...sync, status: agg.sync };
  if (agg.health !== before.healthBefore) st.health = { status: agg.health, lastTransitionTime: isoSeconds(Date.now()) };
  const summary = (st.summary ?? {}) as JsonObject;
  st.summary = { ...summary, images: liveImages(rec.model) };
  return before;
}
