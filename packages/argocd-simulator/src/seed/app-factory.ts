/** Builds one realistic seeded Application (JSON) together with its hidden model. */
import { EPOCH_MS, isoSeconds } from '../clock.ts';
import { createRng, fakeSha, hashString, type Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import { ARGOCD_NS, type AppTemplate, CLUSTERS, GIT_REPOS, HELM_REPOS, NODES } from './catalog.ts';
import type { ResourceDraft } from './k8s-builder.ts';
import { materialize, statusFor } from './k8s-live.ts';
import { buildDrafts } from './k8s-objects.ts';
import { toFieldsV1 } from './managed-fields.ts';
import { type AppModel, aggregateStatus, containerImages, liveImages, resourceStatuses, type SimPod, type SimReplicaSet, type SimResource } from './model.ts';

/** The overall condition an application is seeded in. */
export type AppState = 'ok' | 'outofsync' | 'degraded' | 'progressing' | 'missing' | 'failed' | 'suspended';

/** Inputs for one application. */
export interface AppSeedInput {
  name: string;
  project: string;
  /** Position within its project (0 = flagship). */
  projectIndex: number;
  template: AppTemplate;
  state: AppState;
  automated: boolean;
  env: 'production' | 'staging';
  seed: number;
  rng: Rng;
  appset?: { name: string; uid: string };
}

/** A seeded application. */
export interface SeededApp {
  app: JsonObject;
  model: AppModel;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** kubectl-style apply result text, e.g. "deployment.apps/payments-api configured". */
export function applyMessage(r: { group: string; kind: string; name: string }, verb: string): string {
  return `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}/${r.name} ${verb}`;
}

function sourceFor(input: AppSeedInput, targetVersion: string, chartVersion: string | undefined, rng: Rng): { source: JsonObject; sourceType: string } {
  const { template, project, name } = input;
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

function bumpPatch(version: string): string {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) return version;
  return `${version.startsWith('v') ? 'v' : ''}${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

function healthMessage(kind: string, name: string, status: string, replicas: number): string | undefined {
  if (kind === 'Deployment' && status === 'Degraded') return `Deployment "${name}" exceeded its progress deadline`;
  if (kind === 'Deployment' && status === 'Progressing') return `Waiting for rollout to finish: 1 out of ${replicas} new replicas have been updated...`;
  if (kind === 'CronJob' && status === 'Degraded') return 'CronJob has not completed its last execution successfully';
  if (kind === 'CronJob' && status === 'Suspended') return 'CronJob is Suspended';
  if (kind === 'Ingress' && status === 'Progressing') return 'Waiting for load balancer to be provisioned';
  return undefined;
}

/** Builds pods, ReplicaSets and Jobs for the live workloads. */
function buildWorkloadChildren(model: AppModel, state: AppState, deployedAtMs: number, rng: Rng, nodes: string[]): void {
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

/** Builds an application and its model. */
export function buildApp(input: AppSeedInput): SeededApp {
  const { rng, template, name, project, state } = input;
  const uid = rng.uuid();
  const createdAtMs = EPOCH_MS - rng.int(60, 420) * DAY - rng.int(0, 86_399) * 1000;
  const historyCount = rng.int(3, 10);
  const lastId = historyCount + rng.int(0, 40);
  const chartVersions = template.chart?.versions ?? [];
  const minor = rng.int(historyCount + 2, 80);
  const versions: string[] = [];
  for (let j = 0; j < historyCount; j++) versions.push(`v1.${minor - historyCount + 1 + j}.${rng.int(0, 9)}`);
  const outOfSync = state === 'outofsync' || state === 'failed';
  const deployedVersion = versions[versions.length - 1] as string;
  const targetVersion = outOfSync ? bumpPatch(deployedVersion) : deployedVersion;
  const deployedChart = chartVersions.length ? (chartVersions[chartVersions.length - (outOfSync ? 2 : 1)] as string) : undefined;
  const targetChart = chartVersions.length ? (chartVersions[chartVersions.length - 1] as string) : undefined;

  const { source, sourceType } = sourceFor(input, targetVersion, targetChart, rng);
  const cluster = project === 'default' || (project === 'platform' && input.projectIndex % 4 === 3) ? CLUSTERS.inCluster : CLUSTERS.production;
  const namespace = input.env === 'staging' ? `${template.namespace}-staging` : template.namespace;
  const destination: JsonObject = project === 'frontend' && input.projectIndex % 2 === 1 ? { name: cluster.name, namespace } : { server: cluster.server, namespace };

  // Revision history, newest last.
  const lastDeployMs = EPOCH_MS - rng.int(2, 240) * HOUR - rng.int(0, 3599) * 1000;
  const deployTimes: number[] = [lastDeployMs];
  for (let j = 1; j < historyCount; j++) deployTimes.unshift((deployTimes[0] as number) - rng.int(1, 9) * DAY - rng.int(0, 86_399) * 1000);
  const isHelmRepo = Boolean(template.chart);
  const revisionOf = (j: number) => (isHelmRepo ? (chartVersions[Math.max(0, chartVersions.length - (outOfSync ? 2 : 1) - (historyCount - 1 - j))] as string) : fakeSha(`${input.seed}:${name}:${lastId - historyCount + 1 + j}`));
  const users = ['admin', 'ci', 'jane.doe@acme.io', 'sam.lee@acme.io'];
  const history: JsonObject[] = [];
  for (let j = 0; j < historyCount; j++) {
    const deployedAt = deployTimes[j] as number;
    const histSource = JSON.parse(JSON.stringify(source)) as JsonObject;
    if (isHelmRepo) histSource.targetRevision = revisionOf(j);
    const kz = histSource.kustomize as JsonObject | undefined;
    if (kz?.images) kz.images = [`ghcr.io/acme/${template.name}:${versions[j]}`];
    const hp = (histSource.helm as JsonObject | undefined)?.parameters as JsonObject[] | undefined;
    if (hp && !isHelmRepo) (histSource.helm as JsonObject).parameters = [{ name: 'image.tag', value: versions[j] }];
    history.push({
      revision: revisionOf(j),
      deployedAt: isoSeconds(deployedAt),
      id: lastId - historyCount + 1 + j,
      source: histSource,
      deployStartedAt: isoSeconds(deployedAt - rng.int(4, 95) * 1000),
      initiatedBy: input.automated ? { automated: true } : { username: rng.pick(users) },
    });
  }
  const lastHistory = history[history.length - 1] as JsonObject;
  const headRevision = isHelmRepo ? (targetChart as string) : outOfSync ? fakeSha(`${input.seed}:${name}:head`) : String(lastHistory.revision);

  // Resources: the deployed manifests and the desired (Git) ones are built from the same random stream.
  const draftSeed = hashString(`${input.seed}:${name}:drafts`);
  const image = (v: string) => (project === 'default' ? `gcr.io/heptio-images/ks-guestbook-demo:0.${v.endsWith('0') ? 1 : 2}` : `ghcr.io/acme/${template.name}:${v}`);
  const host = template.public ? `${template.name.replace(/^platform-/, '')}${input.env === 'staging' ? '.staging' : ''}.acme.io` : undefined;
  const replicas = 2 + (hashString(name) % 3);
  const buildAt = (v: string, chart: string | undefined) =>
    buildDrafts({ template, appName: name, namespace, image: image(v), version: chart ?? v, replicas, rng: createRng(draftSeed), host, chartLabel: chart && template.chart ? `${template.chart.name}-${chart}` : undefined });
  const deployed = buildAt(deployedVersion, deployedChart);
  const desired = buildAt(targetVersion, targetChart);
  if (outOfSync && template.profile === 'config' && desired[0]) {
    const md = desired[0].target.metadata as JsonObject;
    md.annotations = { ...(md.annotations as JsonObject), 'acme.io/policy-revision': String(historyCount + 1) };
  }
  if (state === 'suspended') {
    for (const d of [...deployed, ...desired]) if (d.kind === 'CronJob') (d.target.spec as JsonObject).suspend = true;
  }

  const mainIdx = Math.max(0, desired.findIndex((d) => d.kind === 'Deployment' || d.kind === 'CronJob' || d.kind === 'DaemonSet'));
  const mainDraft = desired[mainIdx] as ResourceDraft;
  const missing = new Set<number>();
  if (state === 'missing') {
    missing.add(mainIdx);
    const svc = desired.findIndex((d) => d.kind === 'Service');
    if (svc >= 0) missing.add(svc);
  }
  let rvSeq = 10_000_000 + rng.int(0, 8_999_999);
  const resources: SimResource[] = desired.map((d, idx) => {
    const dep = deployed[idx] as ResourceDraft;
    const resUid = rng.uuid();
    const resCreated = Math.min(createdAtMs + rng.int(1, 600) * 1000, lastDeployMs - 60_000);
    let healthStatus = 'Healthy';
    if (idx === mainIdx && (state === 'degraded' || state === 'progressing' || state === 'suspended')) healthStatus = state === 'degraded' ? 'Degraded' : state === 'progressing' ? 'Progressing' : 'Suspended';
    const spec = (dep.target.spec ?? {}) as JsonObject;
    const reps = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const isMissing = missing.has(idx);
    const live = isMissing
      ? null
      : materialize(dep.target, { uid: resUid, resourceVersion: String(rvSeq++), createdAtMs: resCreated, generation: rng.int(1, 30), status: statusFor(d.kind, dep.target, healthStatus, lastDeployMs, rng) });
    const same = JSON.stringify(dep.target) === JSON.stringify(d.target);
    const r: SimResource = {
      group: d.group,
      version: d.version,
      kind: d.kind,
      namespace: d.namespace,
      name: d.name,
      uid: resUid,
      createdAtMs: resCreated,
      target: d.target,
      live,
      syncStatus: !isMissing && same ? 'Synced' : 'OutOfSync',
      hasHealth: d.hasHealth,
    };
    if (d.hasHealth) {
      r.health = isMissing ? { status: 'Missing' } : { status: healthStatus };
      const msg = isMissing ? undefined : healthMessage(d.kind, d.name, healthStatus, reps);
      if (msg && r.health) r.health.message = msg;
    }
    return r;
  });

  const model: AppModel = {
    profile: template.profile,
    team: template.team,
    resources,
    replicaSets: [],
    jobs: [],
    pods: [],
    nodes: NODES[cluster.server] as string[],
    logSeed: hashString(`${input.seed}:${name}:logs`),
    rng: createRng(hashString(`${input.seed}:${name}:runtime`)),
  };
  buildWorkloadChildren(model, state, lastDeployMs, rng, model.nodes);

  // Last operation.
  const automatedOp = input.automated;
  const initiatedBy = automatedOp ? { automated: true } : (lastHistory.initiatedBy as JsonObject);
  const syncOptions = ['CreateNamespace=true', 'PruneLast=true', ...(template.profile === 'addon' ? ['ServerSideApply=true'] : []), ...(rng.chance(0.3) ? ['RespectIgnoreDifferences=true'] : [])];
  const retry = { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m0s' } };
  let operationState: JsonObject;
  const conditions: JsonObject[] = [];
  if (state === 'failed') {
    const started = lastDeployMs + rng.int(2, 40) * HOUR;
    const finishedMs = Math.min(started + rng.int(20, 200) * 1000, EPOCH_MS - 60_000);
    const reason = `admission webhook "validate.kyverno.svc-fail" denied the request: resource ${mainDraft.kind}/${namespace}/${mainDraft.name} was blocked due to the following policies require-probes: autogen-check-probes: 'validation error: Liveness, readiness, or startup probes are required for all containers. rule autogen-check-probes failed at path /spec/template/spec/containers/0/livenessProbe/'`;
    operationState = {
      operation: { sync: { revision: headRevision, syncStrategy: { hook: {} }, syncOptions }, initiatedBy, retry },
      phase: 'Failed',
      message: `one or more objects failed to apply, reason: ${reason} (retried 5 times).`,
      syncResult: {
        resources: resources.map((r) => ({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: r === resources[mainIdx] ? 'SyncFailed' : 'Synced', message: r === resources[mainIdx] ? reason : applyMessage(r, 'unchanged'), hookPhase: r === resources[mainIdx] ? 'Failed' : 'Running', syncPhase: 'Sync' })),
        revision: headRevision,
        source,
      },
      startedAt: isoSeconds(started),
      finishedAt: isoSeconds(finishedMs),
      retryCount: 5,
    };
    conditions.push({ type: 'SyncError', message: `Failed sync attempt to ${headRevision}: one or more objects failed to apply, reason: ${reason} (retried 5 times).`, lastTransitionTime: isoSeconds(finishedMs) });
  } else {
    operationState = {
      operation: { sync: { revision: String(lastHistory.revision), syncStrategy: { hook: {} }, syncOptions, prune: input.automated }, initiatedBy, retry },
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      syncResult: {
        resources: deployed.map((d, idx) => {
          const out: JsonObject = { group: d.group, version: d.version, kind: d.kind, namespace: d.namespace, name: d.name, status: 'Synced', message: applyMessage(d, rng.chance(0.6) ? 'unchanged' : idx === mainIdx ? 'configured' : rng.pick(['configured', 'unchanged', 'created'])), hookPhase: 'Running', syncPhase: 'Sync' };
          if (['Deployment', 'DaemonSet', 'CronJob'].includes(d.kind)) out.images = containerImages(d.target);
          return out;
        }),
        revision: String(lastHistory.revision),
        source: lastHistory.source,
      },
      startedAt: lastHistory.deployStartedAt,
      finishedAt: lastHistory.deployedAt,
    };
  }

  const agg = aggregateStatus(model);
  const hosts = desired.filter((d) => d.kind === 'Ingress').flatMap((d) => (((d.target.spec as JsonObject).rules ?? []) as JsonObject[]).map((r) => `https://${r.host}/`));
  const summary: JsonObject = { images: liveImages(model) };
  if (hosts.length) summary.externalURLs = hosts;
  const reconciledAt = isoSeconds(EPOCH_MS - rng.int(5, 175) * 1000);

  const syncPolicy: JsonObject = {};
  if (input.automated) syncPolicy.automated = { prune: true, selfHeal: rng.chance(0.7) };
  syncPolicy.syncOptions = syncOptions;
  syncPolicy.retry = retry;
  const spec: JsonObject = { source, destination, project, syncPolicy };
  if (template.profile === 'web' || template.profile === 'site') {
    spec.ignoreDifferences = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }, { group: 'external-secrets.io', kind: 'ExternalSecret', jqPathExpressions: ['.spec.data[].remoteRef.conversionStrategy', '.spec.data[].remoteRef.decodingStrategy', '.spec.data[].remoteRef.metadataPolicy'] }];
  }
  spec.info = [
    { name: 'Owner', value: `team-${template.team}@acme.io` },
    { name: 'Runbook', value: `https://runbooks.acme.io/${template.team}/${name}` },
    { name: 'Slack', value: `#${template.team}-oncall` },
  ];
  spec.revisionHistoryLimit = 10;

  const status: JsonObject = {
    resources: resourceStatuses(model),
    sync: { status: agg.sync, comparedTo: { source, destination, ...(spec.ignoreDifferences ? { ignoreDifferences: spec.ignoreDifferences } : {}) }, revision: headRevision },
    health: { status: agg.health, lastTransitionTime: isoSeconds(lastDeployMs + rng.int(20, 300) * 1000) },
    history,
    ...(conditions.length ? { conditions } : {}),
    reconciledAt,
    operationState,
    sourceType,
    summary,
    resourceHealthSource: 'appTree',
    controllerNamespace: ARGOCD_NS,
  };

  const tier = project === 'platform' ? 'platform' : template.profile === 'site' || project === 'frontend' ? 'frontend' : 'backend';
  const labels: Record<string, string> = { env: input.env, team: template.team, tier };
  if (input.appset) labels['app.kubernetes.io/managed-by'] = 'argocd-applicationset';
  const annotations: Record<string, string> = {
    'notifications.argoproj.io/subscribe.on-sync-failed.slack': `${template.team}-alerts`,
    'notifications.argoproj.io/subscribe.on-health-degraded.slack': `${template.team}-alerts`,
  };
  if (rng.chance(0.5)) annotations['notifications.argoproj.io/subscribe.on-deployed.slack'] = `${template.team}-deploys`;
  if (template.profile !== 'addon') annotations['argocd.argoproj.io/manifest-generate-paths'] = '.';
  annotations['link.argocd.argoproj.io/external-link'] = `https://grafana.acme.io/d/${rng.hex(9)}/${name}?var-namespace=${namespace}`;

  const lastApplied = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { annotations: { ...annotations }, finalizers: ['resources-finalizer.argocd.argoproj.io'], labels, name, namespace: ARGOCD_NS },
    spec,
  };
  const allAnnotations = input.appset ? annotations : { ...annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(lastApplied)}\n` };
  const manager = input.appset ? 'argocd-applicationset-controller' : 'kubectl-client-side-apply';
  const managedFields: JsonObject[] = [
    { manager, operation: 'Update', apiVersion: 'argoproj.io/v1alpha1', time: isoSeconds(lastDeployMs - rng.int(1, 30) * DAY), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1({ metadata: { annotations: allAnnotations, finalizers: lastApplied.metadata.finalizers, labels }, spec }) },
    { manager: 'argocd-server', operation: 'Update', apiVersion: 'argoproj.io/v1alpha1', time: isoSeconds(lastDeployMs - 60_000), fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { '.': {}, 'f:health': {}, 'f:summary': {}, 'f:sync': { '.': {}, 'f:comparedTo': { '.': {}, 'f:destination': {}, 'f:source': {} }, 'f:status': {} } } } },
    { manager: 'argocd-application-controller', operation: 'Update', apiVersion: 'argoproj.io/v1alpha1', time: reconciledAt, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1({ status }) },
  ];

  const metadata: JsonObject = {
    name,
    namespace: ARGOCD_NS,
    uid,
    resourceVersion: String(rng.int(1_000_000, 99_999_999)),
    generation: rng.int(20, 900),
    creationTimestamp: isoSeconds(createdAtMs),
    labels,
    annotations: allAnnotations,
  };
  if (input.appset) metadata.ownerReferences = [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', name: input.appset.name, uid: input.appset.uid, controller: true, blockOwnerDeletion: true }];
  metadata.finalizers = ['resources-finalizer.argocd.argoproj.io'];
  metadata.managedFields = managedFields;

  return { app: { metadata, spec, status }, model };
}
