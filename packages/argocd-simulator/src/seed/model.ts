/** The simulator's hidden model of what each application runs, and the status/tree derived from it. */
import { isoSeconds } from '../clock.ts';
import type { Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import type { AppProfile } from './catalog.ts';

/** A resource managed by an application. */
export interface SimResource {
  group: string;
  version: string;
  kind: string;
  /** "" for cluster-scoped kinds. */
  namespace: string;
  name: string;
  uid: string;
  createdAtMs: number;
  /** Desired manifest from Git; null when the resource should be pruned. */
  target: JsonObject | null;
  /** Live object; null when Missing. */
  live: JsonObject | null;
  syncStatus: 'Synced' | 'OutOfSync';
  hasHealth: boolean;
  health?: { status: string; message?: string };
  hook?: boolean;
}

/** A ReplicaSet owned by a Deployment. */
export interface SimReplicaSet {
  name: string;
  namespace: string;
  uid: string;
  deployment: string;
  revision: number;
  replicas: number;
  createdAtMs: number;
  images: string[];
}

/** A Job spawned by a CronJob. */
export interface SimJob {
  name: string;
  namespace: string;
  uid: string;
  cronJob: string;
  createdAtMs: number;
  succeeded: boolean;
}

/** A running (or crashing) pod. */
export interface SimPod {
  name: string;
  namespace: string;
  uid: string;
  nodeName: string;
  owner: { group: string; kind: string; name: string; uid: string };
  containers: Array<{ name: string; image: string }>;
  /** "Running", "CrashLoopBackOff", "ContainerCreating", "Completed". */
  reason: string;
  restarts: number;
  createdAtMs: number;
  ip: string;
  labels: Record<string, string>;
}

/** Everything the simulator knows about an application beyond its JSON. */
export interface AppModel {
  profile: AppProfile;
  team: string;
  resources: SimResource[];
  replicaSets: SimReplicaSet[];
  jobs: SimJob[];
  pods: SimPod[];
  nodes: string[];
  /** Seed for this app's log lines. */
  logSeed: number;
  /** Random source for runtime changes (new pod names after a sync). */
  rng: Rng;
}

const HEALTH_ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

/** Argo CD's health precedence: the worst resource health wins. */
export function worstHealth(statuses: string[]): string {
  let worst = 'Healthy';
  for (const s of statuses) if (HEALTH_ORDER.indexOf(s) > HEALTH_ORDER.indexOf(worst)) worst = s;
  return worst;
}

/** `status.resources` entries (Go omitempty: no empty group/namespace). */
export function resourceStatuses(model: AppModel): JsonObject[] {
  return model.resources
    .filter((r) => !r.hook)
    .map((r) => {
      const out: JsonObject = {};
      if (r.group) out.group = r.group;
      out.version = r.version;
      out.kind = r.kind;
      if (r.namespace) out.namespace = r.namespace;
      out.name = r.name;
      out.status = r.syncStatus;
      if (r.hasHealth && r.health) out.health = r.health.message ? { status: r.health.status, message: r.health.message } : { status: r.health.status };
      if (!r.target && r.live) out.requiresPruning = true;
      return out;
    });
}

/** Aggregate sync and health of an application. */
export function aggregateStatus(model: AppModel): { sync: string; health: string; healthMessage?: string } {
  const sync = model.resources.some((r) => !r.hook && r.syncStatus === 'OutOfSync') ? 'OutOfSync' : 'Synced';
  const healths = model.resources.filter((r) => r.hasHealth && r.health && !r.hook).map((r) => (r.health as { status: string }).status);
  return { sync, health: worstHealth(healths) };
}

/** Container images the application's live workloads run. */
export function liveImages(model: AppModel): string[] {
  const images = new Set<string>();
  for (const p of model.pods) for (const c of p.containers) images.add(c.image);
  for (const r of model.resources) {
    if (!r.live || !['Deployment', 'DaemonSet', 'StatefulSet', 'CronJob'].includes(r.kind)) continue;
    for (const img of containerImages(r.live)) images.add(img);
  }
  return [...images].sort();
}

/** Images referenced by a workload manifest's pod template(s). */
export function containerImages(obj: JsonObject): string[] {
  const spec = obj.spec as JsonObject | undefined;
  const template = (spec?.template ?? ((spec?.jobTemplate as JsonObject | undefined)?.spec as JsonObject | undefined)?.template) as JsonObject | undefined;
  const containers = ((template?.spec as JsonObject | undefined)?.containers ?? []) as JsonObject[];
  return containers.map((c) => String(c.image));
}

function ref(group: string, kind: string, namespace: string, name: string, uid: string, version?: string): JsonObject {
  const out: JsonObject = {};
  if (group) out.group = group;
  if (version) out.version = version;
  out.kind = kind;
  if (namespace) out.namespace = namespace;
  out.name = name;
  out.uid = uid;
  return out;
}

function podHealth(p: SimPod): { status: string; message?: string } {
  switch (p.reason) {
    case 'CrashLoopBackOff':
      return { status: 'Degraded', message: `back-off 5m0s restarting failed container=${p.containers[0]?.name} pod=${p.name}_${p.namespace}(${p.uid})` };
    case 'ContainerCreating':
      return { status: 'Progressing' };
    case 'Completed':
      return { status: 'Healthy' };
    default:
      return { status: 'Healthy' };
  }
}

/** The tree nodes of the app's own resources, each followed by the children the cluster creates for it. */
function resourceNodes(model: AppModel): JsonObject[] {
  const nodes: JsonObject[] = [];
  for (const r of model.resources) {
    if (!r.live) continue;
    const md = r.live.metadata as JsonObject;
    const node: JsonObject = { ...ref(r.group, r.kind, r.namespace, r.name, r.uid, r.version), resourceVersion: String(md.resourceVersion ?? '1'), createdAt: isoSeconds(r.createdAtMs) };
    if (r.hasHealth && r.health) node.health = r.health.message ? { status: r.health.status, message: r.health.message } : { status: r.health.status };
    if (['Deployment', 'DaemonSet', 'StatefulSet', 'CronJob'].includes(r.kind)) node.images = containerImages(r.live);
    if (r.kind === 'Service') {
      const spec = r.live.spec as JsonObject;
      node.networkingInfo = { targetLabels: spec.selector ?? {}, ...(spec.type === 'LoadBalancer' ? { ingress: ((r.live.status as JsonObject)?.loadBalancer as JsonObject)?.ingress ?? [] } : {}) };
    }
    if (r.kind === 'Ingress') {
      const rules = ((r.live.spec as JsonObject).rules ?? []) as JsonObject[];
      const hosts = rules.map((rule) => String(rule.host));
      node.networkingInfo = {
        externalURLs: hosts.map((h) => `https://${h}/`),
        ingress: [{ hostname: 'ingress-nginx-prod-9f1c2e.elb.eu-west-1.amazonaws.com' }],
        targetRefs: rules.map((rule) => ({ kind: 'Service', name: (((((rule.http as JsonObject).paths as JsonObject[])[0] as JsonObject).backend as JsonObject).service as JsonObject).name, namespace: r.namespace })),
      };
    }
    if (r.kind === 'Secret' || r.kind === 'ConfigMap') node.info = [];
    nodes.push(node);
    // Children the cluster creates on its own.
    if (r.kind === 'Service') {
      nodes.push({ ...ref('discovery.k8s.io', 'EndpointSlice', r.namespace, `${r.name}-${r.uid.slice(0, 5)}`, `${r.uid.slice(0, 24)}e0000001`, 'v1'), parentRefs: [ref('', 'Service', r.namespace, r.name, r.uid)], resourceVersion: String(md.resourceVersion ?? '1'), createdAt: isoSeconds(r.createdAtMs) });
    }
    if (r.kind === 'ExternalSecret') {
      const secretName = String((((r.live.spec as JsonObject).target as JsonObject | undefined)?.name) ?? r.name);
      nodes.push({ ...ref('', 'Secret', r.namespace, secretName, `${r.uid.slice(0, 24)}5ec000000001`, 'v1'), parentRefs: [ref('external-secrets.io', 'ExternalSecret', r.namespace, r.name, r.uid)], resourceVersion: String(md.resourceVersion ?? '1'), createdAt: isoSeconds(r.createdAtMs), info: [] });
    }
    if (r.kind === 'ScaledObject') {
      nodes.push({ ...ref('autoscaling', 'HorizontalPodAutoscaler', r.namespace, `keda-hpa-${r.name}`, `${r.uid.slice(0, 24)}a0a000000001`, 'v2'), parentRefs: [ref('keda.sh', 'ScaledObject', r.namespace, r.name, r.uid)], health: { status: 'Healthy' }, resourceVersion: String(md.resourceVersion ?? '1'), createdAt: isoSeconds(r.createdAtMs) });
    }
    if (r.kind === 'Certificate') {
      nodes.push({ ...ref('cert-manager.io', 'CertificateRequest', r.namespace, `${r.name}-1`, `${r.uid.slice(0, 24)}ce0000000001`, 'v1'), parentRefs: [ref('cert-manager.io', 'Certificate', r.namespace, r.name, r.uid)], health: { status: 'Healthy', message: 'Certificate fetched from issuer successfully' }, resourceVersion: String(md.resourceVersion ?? '1'), createdAt: isoSeconds(r.createdAtMs) });
    }
  }
  return nodes;
}

/** The nodes controllers create: ReplicaSets of Deployments, Jobs of CronJobs, and Pods. */
function controllerNodes(model: AppModel): JsonObject[] {
  const nodes: JsonObject[] = [];
  for (const rs of model.replicaSets) {
    const deploy = model.resources.find((r) => r.kind === 'Deployment' && r.name === rs.deployment && r.namespace === rs.namespace);
    if (!deploy?.live) continue;
    nodes.push({
      ...ref('apps', 'ReplicaSet', rs.namespace, rs.name, rs.uid, 'v1'),
      parentRefs: [ref('apps', 'Deployment', rs.namespace, rs.deployment, deploy.uid)],
      info: [{ name: 'Revision', value: `Rev:${rs.revision}` }],
      health: { status: 'Healthy' },
      images: rs.images,
      resourceVersion: String(100000 + rs.revision),
      createdAt: isoSeconds(rs.createdAtMs),
    });
  }
  for (const job of model.jobs) {
    const cron = model.resources.find((r) => r.kind === 'CronJob' && r.name === job.cronJob);
    if (!cron?.live) continue;
    nodes.push({
      ...ref('batch', 'Job', job.namespace, job.name, job.uid, 'v1'),
      parentRefs: [ref('batch', 'CronJob', job.namespace, job.cronJob, cron.uid)],
      health: job.succeeded ? { status: 'Healthy', message: 'Job has reached the specified number of completions' } : { status: 'Degraded', message: 'Job has reached the specified backoff limit' },
      resourceVersion: String(200000 + Math.floor(job.createdAtMs / 60000) % 100000),
      createdAt: isoSeconds(job.createdAtMs),
    });
  }
  for (const p of model.pods) {
    const total = p.containers.length;
    const ready = p.reason === 'Running' ? total : 0;
    const info: JsonObject[] = [
      { name: 'Status Reason', value: p.reason },
      { name: 'Node', value: p.nodeName },
      { name: 'Containers', value: `${ready}/${total}` },
    ];
    if (p.restarts > 0) info.push({ name: 'Restart Count', value: String(p.restarts) });
    nodes.push({
      ...ref('', 'Pod', p.namespace, p.name, p.uid, 'v1'),
      parentRefs: [ref(p.owner.group, p.owner.kind, p.namespace, p.owner.name, p.owner.uid)],
      info,
      networkingInfo: { labels: p.labels },
      images: p.containers.map((c) => c.image),
      health: podHealth(p),
      resourceVersion: String(300000 + (p.createdAtMs / 1000) % 100000 | 0),
      createdAt: isoSeconds(p.createdAtMs),
    });
  }
  return nodes;
}

/** Builds the v1alpha1ApplicationTree Argo CD serves for the application. */
export function buildTree(model: AppModel, filter?: { namespace?: string; name?: string; group?: string; kind?: string; version?: string }): JsonObject {
  const nodes = [...resourceNodes(model), ...controllerNodes(model)];
  const selected = filter
    ? nodes.filter((n) => (!filter.kind || n.kind === filter.kind) && (!filter.name || n.name === filter.name) && (!filter.namespace || n.namespace === filter.namespace) && (filter.group === undefined || filter.group === '' || (n.group ?? '') === filter.group))
    : nodes;
  const nodeNames = [...new Set(model.pods.map((p) => p.nodeName))].sort();
  return {
    nodes: selected,
    hosts: nodeNames.map((name, i) => ({
      name,
      resourcesInfo: [
        { resourceName: 'cpu', requestedByApp: 100 * model.pods.filter((p) => p.nodeName === name).length, requestedByNeighbors: 2400 + i * 310, capacity: 8000 },
        { resourceName: 'memory', requestedByApp: 268435456 * model.pods.filter((p) => p.nodeName === name).length, requestedByNeighbors: 9663676416 + i * 536870912, capacity: 33285996544 },
      ],
      systemInfo: { architecture: 'amd64', containerRuntimeVersion: 'containerd://1.7.23', kernelVersion: '6.1.119-129.201.amzn2023.x86_64', kubeProxyVersion: '', kubeletVersion: 'v1.31.4-eks-aeac579', operatingSystem: 'linux', osImage: 'Amazon Linux 2023.6.20241212' },
      labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': 'm6i.2xlarge', 'topology.kubernetes.io/zone': `eu-west-1${'abc'[i % 3]}` },
    })),
  };
}

/** Finds a resource or a cluster-created child (Pod, ReplicaSet, ...) by identity, returning its live manifest. */
export function findLiveObject(model: AppModel, q: { group: string; kind: string; namespace: string; name: string }): JsonObject | undefined {
  const r = model.resources.find((x) => x.kind === q.kind && x.name === q.name && (x.group ?? '') === q.group && (q.namespace === '' || x.namespace === q.namespace));
  if (r) return r.live ?? undefined;
  if (q.kind === 'Pod' && q.group === '') {
    const p = model.pods.find((x) => x.name === q.name && (q.namespace === '' || x.namespace === q.namespace));
    if (p) return podManifest(p);
  }
  if (q.kind === 'ReplicaSet' && q.group === 'apps') {
    const rs = model.replicaSets.find((x) => x.name === q.name && (q.namespace === '' || x.namespace === q.namespace));
    if (rs) {
      return {
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: { name: rs.name, namespace: rs.namespace, uid: rs.uid, creationTimestamp: isoSeconds(rs.createdAtMs), annotations: { 'deployment.kubernetes.io/revision': String(rs.revision) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: rs.deployment, blockOwnerDeletion: true, controller: true }] },
        spec: { replicas: rs.replicas },
        status: { replicas: rs.replicas, readyReplicas: rs.replicas, availableReplicas: rs.replicas, observedGeneration: 1 },
      };
    }
  }
  return undefined;
}

/** A live Pod manifest for a simulated pod. */
export function podManifest(p: SimPod): JsonObject {
  const running = p.reason === 'Running';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { creationTimestamp: isoSeconds(p.createdAtMs), generateName: `${p.owner.name}-`, labels: p.labels, name: p.name, namespace: p.namespace, ownerReferences: [{ apiVersion: p.owner.group ? `${p.owner.group}/v1` : 'v1', blockOwnerDeletion: true, controller: true, kind: p.owner.kind, name: p.owner.name, uid: p.owner.uid }], resourceVersion: String(300000 + (p.createdAtMs / 1000) % 100000 | 0), uid: p.uid },
    spec: { containers: p.containers.map((c) => ({ image: c.image, imagePullPolicy: 'IfNotPresent', name: c.name })), nodeName: p.nodeName, restartPolicy: p.owner.kind === 'Job' ? 'OnFailure' : 'Always', serviceAccountName: p.owner.name.replace(/-[a-z0-9]{8,10}$/, '') },
    status: {
      conditions: [{ lastTransitionTime: isoSeconds(p.createdAtMs), status: running ? 'True' : 'False', type: 'Ready' }],
      containerStatuses: p.containers.map((c) => ({
        image: c.image,
        name: c.name,
        ready: running,
        restartCount: p.restarts,
        started: running,
        state: running ? { running: { startedAt: isoSeconds(p.createdAtMs + 4000) } } : p.reason === 'Completed' ? { terminated: { exitCode: 0, reason: 'Completed' } } : { waiting: { reason: p.reason } },
      })),
      hostIP: `10.20.${p.nodeName.length % 3 + 1}.${p.nodeName.length * 7 % 250}`,
      phase: p.reason === 'Completed' ? 'Succeeded' : p.reason === 'ContainerCreating' ? 'Pending' : 'Running',
      podIP: p.ip,
      qosClass: 'Burstable',
      startTime: isoSeconds(p.createdAtMs),
    },
  };
}
