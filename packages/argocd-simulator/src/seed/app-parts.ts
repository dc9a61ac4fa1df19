/** Parts of a seeded application: its source (Git, Helm, Kustomize), health messages, and the pods its workloads run. */
import { EPOCH_MS } from '../clock.ts';
import { type Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import { type AppSeedInput, type AppState, DAY } from './app-input.ts';
import { GIT_REPOS, HELM_REPOS } from './catalog.ts';
import type { AppModel, SimPod, SimReplicaSet } from './model.ts';

export function sourceFor(input: AppSeedInput, targetVersion: string, chartVersion: string | undefined, rng: Rng): { source: JsonObject; sourceType: string } {
  const { template, project, name } = input;
  if (input.source) return { source: JSON.parse(JSON.stringify(input.source.source)) as JsonObject, sourceType: input.source.sourceType };
  if (template.chart) {
    const values = [
      'fullnameOverride: ' + template.chart.name,
      'replicaCount: 3',
      'podAnnotations:',
      '  prometheus.io/scrape: "true"',
      'resources:',
      `  requests: {cpu: ${rng.int(1, 5) * 100}m, memory: ${rng.int(1, 8) * 128}Mi}`,
      `  limits: {memory: ${rng.int(4, 16) * 128}Mi}`,
      'nodeSelector:',
      '  node.kubernetes.io/pool: system',
      'tolerations:',
      '  - key: CriticalAddonsOnly',
      '    operator: Exists',
      'priorityClassName: system-cluster-critical',
      'metrics:',
      '  enabled: true',
      '  serviceMonitor:',
      '    enabled: true',
      '    additionalLabels: {release: kube-prometheus-stack}',
      'podDisruptionBudget:',
      '  minAvailable: 1',
      '',
    ].join('\n');
    return {
      source: {
        repoURL: HELM_REPOS[template.chart.repo],
        targetRevision: chartVersion,
        helm: { releaseName: template.chart.name, values, parameters: [{ name: 'controller.metrics.enabled', value: 'true' }] },
        chart: template.chart.name,
      },
      sourceType: 'Helm',
    };
  }
  if (project === 'default') {
    if (name === 'helm-guestbook') return { source: { repoURL: GIT_REPOS.examples, path: 'helm-guestbook', targetRevision: 'HEAD', helm: { valueFiles: ['values-production.yaml'] } }, sourceType: 'Helm' };
    if (name === 'kustomize-guestbook') return { source: { repoURL: GIT_REPOS.examples, path: 'kustomize-guestbook', targetRevision: 'HEAD', kustomize: { namePrefix: '' } }, sourceType: 'Kustomize' };
    return { source: { repoURL: GIT_REPOS.examples, path: 'guestbook', targetRevision: 'HEAD' }, sourceType: 'Directory' };
  }
  const image = `ghcr.io/acme/${template.name}:${targetVersion}`;
  if (project === 'payments') {
    return {
      source: {
        repoURL: GIT_REPOS.payments,
        path: `apps/${template.name}/overlays/${input.env}`,
        targetRevision: 'main',
        kustomize: { images: [image], commonAnnotations: { 'acme.io/owner': `team-${template.team}` } },
      },
      sourceType: 'Kustomize',
    };
  }
  if (project === 'frontend') {
    if (template.profile === 'site') {
      return { source: { repoURL: GIT_REPOS.frontend, path: `sites/${template.name}/overlays/${input.env}`, targetRevision: 'main', kustomize: { images: [image] } }, sourceType: 'Kustomize' };
    }
    return {
      source: {
        repoURL: GIT_REPOS.apps,
        path: 'charts/service',
        targetRevision: 'main',
        helm: {
          releaseName: template.name,
          valueFiles: ['values.yaml', `values/${template.name}.yaml`, `values/${template.name}-${input.env}.yaml`],
          parameters: [{ name: 'image.tag', value: targetVersion }],
        },
      },
      sourceType: 'Helm',
    };
  }
  return {
    source: { repoURL: GIT_REPOS.platform, path: `clusters/production/${template.name.replace(/^platform-/, '')}`, targetRevision: 'main', directory: { recurse: true, jsonnet: {} } },
    sourceType: 'Directory',
  };
}

export function bumpPatch(version: string): string {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) return version;
  return `${version.startsWith('v') ? 'v' : ''}${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

export function healthMessage(kind: string, name: string, status: string, replicas: number): string | undefined {
  if (kind === 'Deployment' && status === 'Degraded') return `Deployment "${name}" exceeded its progress deadline`;
  if (kind === 'Deployment' && status === 'Progressing') return `Waiting for rollout to finish: 1 out of ${replicas} new replicas have been updated...`;
  if (kind === 'CronJob' && status === 'Degraded') return 'CronJob has not completed its last execution successfully';
  if (kind === 'CronJob' && status === 'Suspended') return 'CronJob is Suspended';
  if (kind === 'Ingress' && status === 'Progressing') return 'Waiting for load balancer to be provisioned';
  return undefined;
}

/** Builds pods, ReplicaSets and Jobs for the live workloads. */
export function buildWorkloadChildren(model: AppModel, state: AppState, deployedAtMs: number, rng: Rng, nodes: string[]): void {
  let ipSeq = rng.int(2, 200);
  const nextIp = () => `10.20.${(ipSeq >> 8) % 3 + 1}${(ipSeq >> 8) % 10}.${ipSeq++ % 250 + 2}`;
  for (const r of model.resources) {
    if (!r.live) continue;
    const md = r.live.metadata as JsonObject;
    const spec = r.live.spec as JsonObject;
    const template = (spec?.template as JsonObject | undefined) ?? undefined;
    const podLabels = { ...(((template?.metadata as JsonObject | undefined)?.labels ?? {}) as Record<string, string>) };
    const containers = ((template?.spec as JsonObject | undefined)?.containers ?? []) as JsonObject[];
    const cs = containers.map((c) => ({ name: String(c.name), image: String(c.image) }));
    if (r.kind === 'Deployment') {
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const revision = rng.int(3, 30);
      const hash = rng.suffix(10);
      const current: SimReplicaSet = { name: `${r.name}-${hash}`, namespace: r.namespace, uid: rng.uuid(), deployment: r.name, revision, replicas, createdAtMs: deployedAtMs - 30_000, images: cs.map((c) => c.image) };
      const old: SimReplicaSet = { name: `${r.name}-${rng.suffix(10)}`, namespace: r.namespace, uid: rng.uuid(), deployment: r.name, revision: revision - 1, replicas: 0, createdAtMs: deployedAtMs - rng.int(2, 20) * DAY, images: cs.map((c) => c.image) };
      model.replicaSets.push(old, current);
      const health = r.health?.status ?? 'Healthy';
      for (let i = 0; i < replicas; i++) {
        let reason = 'Running';
        let restarts = rng.chance(0.15) ? rng.int(1, 3) : 0;
        if (health === 'Degraded' && i === 0) {
          reason = 'CrashLoopBackOff';
          restarts = rng.int(8, 60);
        }
        if (health === 'Progressing' && i === 0) reason = 'ContainerCreating';
        const pod: SimPod = {
          name: `${current.name}-${rng.suffix(5)}`,
          namespace: r.namespace,
          uid: rng.uuid(),
          nodeName: nodes[(i + rng.int(0, 2)) % nodes.length] as string,
          owner: { group: 'apps', kind: 'ReplicaSet', name: current.name, uid: current.uid },
          containers: cs,
          reason,
          restarts,
          createdAtMs: deployedAtMs - 25_000 + i * 7_000,
          ip: nextIp(),
          labels: { ...podLabels, 'pod-template-hash': hash },
        };
        model.pods.push(pod);
      }
      md.annotations = { ...(md.annotations as JsonObject), 'deployment.kubernetes.io/revision': String(revision) };
    } else if (r.kind === 'DaemonSet') {
      nodes.forEach((node) => {
        model.pods.push({ name: `${r.name}-${rng.suffix(5)}`, namespace: r.namespace, uid: rng.uuid(), nodeName: node, owner: { group: 'apps', kind: 'DaemonSet', name: r.name, uid: r.uid }, containers: cs, reason: 'Running', restarts: 0, createdAtMs: deployedAtMs - 20_000, ip: nextIp(), labels: { ...podLabels, 'controller-revision-hash': rng.suffix(10) } });
      });
    } else if (r.kind === 'CronJob' && state !== 'suspended') {
      const jobTemplate = ((spec.jobTemplate as JsonObject).spec as JsonObject).template as JsonObject;
      const jcs = (((jobTemplate.spec as JsonObject).containers ?? []) as JsonObject[]).map((c) => ({ name: String(c.name), image: String(c.image) }));
      for (let j = 0; j < 3; j++) {
        const scheduled = Math.floor((EPOCH_MS - (3 - j) * 15 * 60_000) / 60_000);
        const failed = state === 'degraded' && j === 2;
        const job = { name: `${r.name}-${scheduled}`, namespace: r.namespace, uid: rng.uuid(), cronJob: r.name, createdAtMs: scheduled * 60_000, succeeded: !failed };
        model.jobs.push(job);
        model.pods.push({ name: `${job.name}-${rng.suffix(5)}`, namespace: r.namespace, uid: rng.uuid(), nodeName: rng.pick(nodes), owner: { group: 'batch', kind: 'Job', name: job.name, uid: job.uid }, containers: jcs, reason: failed ? 'Error' : 'Completed', restarts: failed ? 2 : 0, createdAtMs: job.createdAtMs + 1_000, ip: nextIp(), labels: { 'batch.kubernetes.io/job-name': job.name, 'app.kubernetes.io/instance': podLabels['app.kubernetes.io/instance'] ?? '', 'app.kubernetes.io/name': r.name } });
      }
    }
  }
}
