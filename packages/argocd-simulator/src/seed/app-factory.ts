/**
 * Builds one realistic seeded Application (JSON) together with its hidden model. The steps draw from the app's
 * random stream in a fixed order, so a seed always yields byte-identical objects: do not reorder the draws.
 */
import { EPOCH_MS, isoSeconds } from '../clock.ts';
import { createRng, fakeSha, hashString } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import { type AppSeedInput, applyMessage, DAY, HOUR, type SeededApp } from './app-input.ts';
import { bumpPatch, buildWorkloadChildren, healthMessage, sourceFor } from './app-parts.ts';
import { ARGOCD_NS, CLUSTERS, NODES } from './catalog.ts';
import type { ResourceDraft } from './k8s-builder.ts';
import { materialize, statusFor } from './k8s-live.ts';
import { buildDrafts } from './k8s-objects.ts';
import { toFieldsV1 } from './managed-fields.ts';
import { type AppModel, aggregateStatus, containerImages, liveImages, resourceStatuses, type SimResource } from './model.ts';

export { type AppSeedInput, type AppState, applyMessage, type SeededApp } from './app-input.ts';

/** The versions an app was and is to be deployed at. */
interface Versions {
  uid: string;
  createdAtMs: number;
  historyCount: number;
  lastId: number;
  chartVersions: string[];
  versions: string[];
  outOfSync: boolean;
  deployedVersion: string;
  targetVersion: string;
  deployedChart?: string;
  targetChart?: string;
}

function planVersions(input: AppSeedInput): Versions {
  const { rng, template, state } = input;
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
  return { uid, createdAtMs, historyCount, lastId, chartVersions, versions, outOfSync, deployedVersion, targetVersion, deployedChart, targetChart };
}

/** Where the app deploys: the cluster by project and position, a `-staging` namespace for staging apps. */
function placement(input: AppSeedInput): { cluster: { name: string; server: string }; namespace: string; destination: JsonObject } {
  const { project, template } = input;
  const cluster = input.cluster ?? (project === 'default' || (project === 'platform' && input.projectIndex % 4 === 3) ? CLUSTERS.inCluster : CLUSTERS.production);
  const namespace = input.namespace ?? (input.env === 'staging' ? `${template.namespace}-staging` : template.namespace);
  const byName = input.destinationByName ?? (project === 'frontend' && input.projectIndex % 2 === 1);
  const destination: JsonObject = byName ? { name: cluster.name, namespace } : { server: cluster.server, namespace };
  return { cluster, namespace, destination };
}

/** Revision history, newest last, and the revision HEAD resolves to now. */
function buildHistory(input: AppSeedInput, v: Versions, source: JsonObject): { lastDeployMs: number; history: JsonObject[]; lastHistory: JsonObject; headRevision: string } {
  const { rng, template, name } = input;
  const lastDeployMs = EPOCH_MS - rng.int(2, 240) * HOUR - rng.int(0, 3599) * 1000;
  const deployTimes: number[] = [lastDeployMs];
  for (let j = 1; j < v.historyCount; j++) deployTimes.unshift((deployTimes[0] as number) - rng.int(1, 9) * DAY - rng.int(0, 86_399) * 1000);
  const isHelmRepo = Boolean(template.chart);
  const revisionOf = (j: number) =>
    isHelmRepo ? (v.chartVersions[Math.max(0, v.chartVersions.length - (v.outOfSync ? 2 : 1) - (v.historyCount - 1 - j))] as string) : fakeSha(`${input.seed}:${name}:${v.lastId - v.historyCount + 1 + j}`);
  const users = ['admin', 'ci', 'jane.doe@acme.io', 'sam.lee@acme.io'];
  const history: JsonObject[] = [];
  for (let j = 0; j < v.historyCount; j++) {
    const deployedAt = deployTimes[j] as number;
    const histSource = JSON.parse(JSON.stringify(source)) as JsonObject;
    if (isHelmRepo) histSource.targetRevision = revisionOf(j);
    const kz = histSource.kustomize as JsonObject | undefined;
    if (kz?.images) kz.images = [`ghcr.io/acme/${template.name}:${v.versions[j]}`];
    const hp = (histSource.helm as JsonObject | undefined)?.parameters as JsonObject[] | undefined;
    if (hp && !isHelmRepo) (histSource.helm as JsonObject).parameters = [{ name: 'image.tag', value: v.versions[j] }];
    history.push({
      revision: revisionOf(j),
      deployedAt: isoSeconds(deployedAt),
      id: v.lastId - v.historyCount + 1 + j,
      source: histSource,
      deployStartedAt: isoSeconds(deployedAt - rng.int(4, 95) * 1000),
      initiatedBy: input.automated ? { automated: true } : { username: rng.pick(users) },
    });
  }
  const lastHistory = history[history.length - 1] as JsonObject;
  const headRevision = isHelmRepo ? (v.targetChart as string) : v.outOfSync ? fakeSha(`${input.seed}:${name}:head`) : String(lastHistory.revision);
  return { lastDeployMs, history, lastHistory, headRevision };
}

/** The deployed manifests and the desired (Git) ones, built from the same random stream. */
function buildManifests(input: AppSeedInput, v: Versions, namespace: string): { deployed: ResourceDraft[]; desired: ResourceDraft[] } {
  const { template, name, project, state } = input;
  const draftSeed = hashString(`${input.seed}:${name}:drafts`);
  const image = (ver: string) => (project === 'default' ? `gcr.io/heptio-images/ks-guestbook-demo:0.${ver.endsWith('0') ? 1 : 2}` : `ghcr.io/acme/${template.name}:${ver}`);
  const host = template.public ? `${template.name.replace(/^platform-/, '')}${input.env === 'staging' ? '.staging' : ''}.acme.io` : undefined;
  const replicas = 2 + (hashString(name) % 3);
  const buildAt = (ver: string, chart: string | undefined) =>
    buildDrafts({ template, appName: name, namespace, image: image(ver), version: chart ?? ver, replicas, rng: createRng(draftSeed), host, chartLabel: chart && template.chart ? `${template.chart.name}-${chart}` : undefined });
  const deployed = buildAt(v.deployedVersion, v.deployedChart);
  const desired = buildAt(v.targetVersion, v.targetChart);
  if (v.outOfSync && template.profile === 'config' && desired[0]) {
    const md = desired[0].target.metadata as JsonObject;
    md.annotations = { ...(md.annotations as JsonObject), 'acme.io/policy-revision': String(v.historyCount + 1) };
  }
  if (state === 'suspended') {
    for (const d of [...deployed, ...desired]) if (d.kind === 'CronJob') (d.target.spec as JsonObject).suspend = true;
  }
  return { deployed, desired };
}

/** The app's resources as the model holds them: live copies (none for a missing one), sync and health per resource. */
function buildResources(input: AppSeedInput, v: Versions, m: { deployed: ResourceDraft[]; desired: ResourceDraft[]; lastDeployMs: number }): { resources: SimResource[]; mainIdx: number } {
  const { rng, state } = input;
  const { deployed, desired } = m;
  const mainIdx = Math.max(0, desired.findIndex((d) => d.kind === 'Deployment' || d.kind === 'CronJob' || d.kind === 'DaemonSet'));
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
    const resCreated = Math.min(v.createdAtMs + rng.int(1, 600) * 1000, m.lastDeployMs - 60_000);
    let healthStatus = 'Healthy';
    if (idx === mainIdx && (state === 'degraded' || state === 'progressing' || state === 'suspended')) healthStatus = state === 'degraded' ? 'Degraded' : state === 'progressing' ? 'Progressing' : 'Suspended';
    const spec = (dep.target.spec ?? {}) as JsonObject;
    const reps = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const isMissing = missing.has(idx);
    const live = isMissing
      ? null
      : materialize(dep.target, { uid: resUid, resourceVersion: String(rvSeq++), createdAtMs: resCreated, generation: rng.int(1, 30), status: statusFor(d.kind, dep.target, healthStatus, m.lastDeployMs, rng) });
    const same = JSON.stringify(dep.target) === JSON.stringify(d.target);
    const r: SimResource = { group: d.group, version: d.version, kind: d.kind, namespace: d.namespace, name: d.name, uid: resUid, createdAtMs: resCreated, target: d.target, live, syncStatus: !isMissing && same ? 'Synced' : 'OutOfSync', hasHealth: d.hasHealth };
    if (d.hasHealth) {
      r.health = isMissing ? { status: 'Missing' } : { status: healthStatus };
      const msg = isMissing ? undefined : healthMessage(d.kind, d.name, healthStatus, reps);
      if (msg && r.health) r.health.message = msg;
    }
    return r;
  });
  return { resources, mainIdx };
}

/** What the last operation left: a failed sync (with its SyncError condition) or the succeeded deploy of the last history entry. */
interface LastOperation {
  operationState: JsonObject;
  conditions: JsonObject[];
  syncOptions: string[];
  retry: JsonObject;
}

function failedOperation(input: AppSeedInput, h: { lastDeployMs: number; headRevision: string; source: JsonObject; namespace: string }, op: { operation: JsonObject; resources: SimResource[]; mainIdx: number }): { operationState: JsonObject; condition: JsonObject } {
  const { rng } = input;
  const main = op.resources[op.mainIdx] as SimResource;
  const started = h.lastDeployMs + rng.int(2, 40) * HOUR;
  const finishedMs = Math.min(started + rng.int(20, 200) * 1000, EPOCH_MS - 60_000);
  const reason = `admission webhook "validate.kyverno.svc-fail" denied the request: resource ${main.kind}/${h.namespace}/${main.name} was blocked due to the following policies require-probes: autogen-check-probes: 'validation error: Liveness, readiness, or startup probes are required for all containers. rule autogen-check-probes failed at path /spec/template/spec/containers/0/livenessProbe/'`;
  const operationState: JsonObject = {
    operation: op.operation,
    phase: 'Failed',
    message: `one or more objects failed to apply, reason: ${reason} (retried 5 times).`,
    syncResult: {
      resources: op.resources.map((r) => ({ group: r.group, version: r.version, kind: r.kind, namespace: r.namespace, name: r.name, status: r === main ? 'SyncFailed' : 'Synced', message: r === main ? reason : applyMessage(r, 'unchanged'), hookPhase: r === main ? 'Failed' : 'Running', syncPhase: 'Sync' })),
      revision: h.headRevision,
      source: h.source,
    },
    startedAt: isoSeconds(started),
    finishedAt: isoSeconds(finishedMs),
    retryCount: 5,
  };
  const condition = { type: 'SyncError', message: `Failed sync attempt to ${h.headRevision}: one or more objects failed to apply, reason: ${reason} (retried 5 times).`, lastTransitionTime: isoSeconds(finishedMs) };
  return { operationState, condition };
}

/**
 * A sync that ended in phase Error before applying anything: manifest generation failed (the repo server could
 * not render the source), as controller/sync.go reports it; the app keeps its deployed state, OutOfSync.
 */
function erroredOperation(input: AppSeedInput, h: { lastDeployMs: number; headRevision: string; source: JsonObject }, operation: JsonObject): { operationState: JsonObject; condition: JsonObject } {
  const { rng } = input;
  const started = h.lastDeployMs + rng.int(2, 40) * HOUR;
  const finishedMs = Math.min(started + rng.int(2, 30) * 1000, EPOCH_MS - 60_000);
  const message = `rpc error: code = Unknown desc = Manifest generation error (cached): failed to generate manifests for source 1 of 1: kustomize build failed: accumulating resources: accumulation err='accumulating resources from '../../base': evalsymlink failure'`;
  const operationState: JsonObject = { operation, phase: 'Error', message, syncResult: { resources: [], revision: h.headRevision, source: h.source }, startedAt: isoSeconds(started), finishedAt: isoSeconds(finishedMs) };
  const condition = { type: 'SyncError', message: `Failed sync attempt to ${h.headRevision}: ${message}`, lastTransitionTime: isoSeconds(finishedMs) };
  return { operationState, condition };
}

function lastOperation(input: AppSeedInput, h: { lastDeployMs: number; headRevision: string; source: JsonObject; namespace: string; lastHistory: JsonObject }, r: { deployed: ResourceDraft[]; resources: SimResource[]; mainIdx: number }): LastOperation {
  const { rng, template } = input;
  const initiatedBy = input.automated ? { automated: true } : (h.lastHistory.initiatedBy as JsonObject);
  const syncOptions = ['CreateNamespace=true', 'PruneLast=true', ...(template.profile === 'addon' ? ['ServerSideApply=true'] : []), ...(rng.chance(0.3) ? ['RespectIgnoreDifferences=true'] : [])];
  const retry = { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m0s' } };
  if (input.state === 'failed') {
    const operation = { sync: { revision: h.headRevision, syncStrategy: { hook: {} }, syncOptions }, initiatedBy, retry };
    const failed = input.lastPhase === 'Error' ? erroredOperation(input, h, operation) : failedOperation(input, h, { operation, resources: r.resources, mainIdx: r.mainIdx });
    return { operationState: failed.operationState, conditions: [failed.condition, ...(input.extraConditions ?? [])], syncOptions, retry };
  }
  const operationState: JsonObject = {
    operation: { sync: { revision: String(h.lastHistory.revision), syncStrategy: { hook: {} }, syncOptions, prune: input.automated }, initiatedBy, retry },
    phase: 'Succeeded',
    message: 'successfully synced (all tasks run)',
    syncResult: {
      resources: r.deployed.map((d, idx) => {
        const out: JsonObject = { group: d.group, version: d.version, kind: d.kind, namespace: d.namespace, name: d.name, status: 'Synced', message: applyMessage(d, rng.chance(0.6) ? 'unchanged' : idx === r.mainIdx ? 'configured' : rng.pick(['configured', 'unchanged', 'created'])), hookPhase: 'Running', syncPhase: 'Sync' };
        if (['Deployment', 'DaemonSet', 'CronJob'].includes(d.kind)) out.images = containerImages(d.target);
        return out;
      }),
      revision: String(h.lastHistory.revision),
      source: h.lastHistory.source,
    },
    startedAt: h.lastHistory.deployStartedAt,
    finishedAt: h.lastHistory.deployedAt,
  };
  return { operationState, conditions: [...(input.extraConditions ?? [])], syncOptions, retry };
}

/** The Application's spec: source, destination, sync policy (auto-sync, self-heal), ignoreDifferences, info. */
function buildSpec(input: AppSeedInput, p: { source: JsonObject; destination: JsonObject; syncOptions: string[]; retry: JsonObject }): JsonObject {
  const { rng, template, name, project } = input;
  const syncPolicy: JsonObject = {};
  if (input.automated) syncPolicy.automated = { prune: true, selfHeal: rng.chance(0.7) };
  syncPolicy.syncOptions = p.syncOptions;
  syncPolicy.retry = p.retry;
  const spec: JsonObject = { source: p.source, destination: p.destination, project, syncPolicy };
  if (template.profile === 'web' || template.profile === 'site') {
    spec.ignoreDifferences = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }, { group: 'external-secrets.io', kind: 'ExternalSecret', jqPathExpressions: ['.spec.data[].remoteRef.conversionStrategy', '.spec.data[].remoteRef.decodingStrategy', '.spec.data[].remoteRef.metadataPolicy'] }];
  }
  spec.info = [
    { name: 'Owner', value: `team-${template.team}@acme.io` },
    { name: 'Runbook', value: `https://runbooks.acme.io/${template.team}/${name}` },
    { name: 'Slack', value: `#${template.team}-oncall` },
  ];
  spec.revisionHistoryLimit = 10;
  return spec;
}

/** The Application's metadata: labels, notification annotations, the kubectl/appset footprint and managedFields. */
function buildMetadata(input: AppSeedInput, a: { uid: string; createdAtMs: number; lastDeployMs: number; reconciledAt: string; namespace: string; spec: JsonObject; status: JsonObject }): JsonObject {
  const { rng, template, name, project } = input;
  const tier = project === 'platform' ? 'platform' : template.profile === 'site' || project === 'frontend' ? 'frontend' : 'backend';
  const labels: Record<string, string> = { env: input.env, team: template.team, tier, ...(input.extraLabels ?? {}) };
  if (input.appset) labels['app.kubernetes.io/managed-by'] = 'argocd-applicationset';
  const annotations: Record<string, string> = {
    'notifications.argoproj.io/subscribe.on-sync-failed.slack': `${template.team}-alerts`,
    'notifications.argoproj.io/subscribe.on-health-degraded.slack': `${template.team}-alerts`,
  };
  if (rng.chance(0.5)) annotations['notifications.argoproj.io/subscribe.on-deployed.slack'] = `${template.team}-deploys`;
  if (template.profile !== 'addon') annotations['argocd.argoproj.io/manifest-generate-paths'] = '.';
  annotations['link.argocd.argoproj.io/external-link'] = `https://grafana.acme.io/d/${rng.hex(9)}/${name}?var-namespace=${a.namespace}`;
  const finalizers = ['resources-finalizer.argocd.argoproj.io'];
  const lastApplied = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { annotations: { ...annotations }, finalizers, labels, name, namespace: ARGOCD_NS }, spec: a.spec };
  const allAnnotations = input.appset ? annotations : { ...annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(lastApplied)}\n` };
  const manager = input.appset ? 'argocd-applicationset-controller' : 'kubectl-client-side-apply';
  const managedFields: JsonObject[] = [
    { manager, operation: 'Update', apiVersion: 'argoproj.io/v1alpha1', time: isoSeconds(a.lastDeployMs - rng.int(1, 30) * DAY), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1({ metadata: { annotations: allAnnotations, finalizers, labels }, spec: a.spec }) },
    { manager: 'argocd-server', operation: 'Update', apiVersion: 'argoproj.io/v1alpha1', time: isoSeconds(a.lastDeployMs - 60_000), fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { '.': {}, 'f:health': {}, 'f:summary': {}, 'f:sync': { '.': {}, 'f:comparedTo': { '.': {}, 'f:destination': {}, 'f:source': {} }, 'f:status': {} } } } },
    { manager: 'argocd-application-controller', operation: 'Update', apiVersion: 'argoproj.io/v1alpha1', time: a.reconciledAt, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1({ status: a.status }) },
  ];
  const metadata: JsonObject = { name, namespace: ARGOCD_NS, uid: a.uid, resourceVersion: String(rng.int(1_000_000, 99_999_999)), generation: rng.int(20, 900), creationTimestamp: isoSeconds(a.createdAtMs), labels, annotations: allAnnotations };
  if (input.appset) metadata.ownerReferences = [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', name: input.appset.name, uid: input.appset.uid, controller: true, blockOwnerDeletion: true }];
  metadata.finalizers = [...finalizers];
  metadata.managedFields = managedFields;
  return metadata;
}

/** Builds an application and its model. */
export function buildApp(input: AppSeedInput): SeededApp {
  const { rng, template, name } = input;
  const v = planVersions(input);
  const { source, sourceType } = sourceFor(input, v.targetVersion, v.targetChart, rng);
  const { cluster, namespace, destination } = placement(input);
  const h = buildHistory(input, v, source);
  const manifests = buildManifests(input, v, namespace);
  const { resources, mainIdx } = buildResources(input, v, { ...manifests, lastDeployMs: h.lastDeployMs });
  const nodes = NODES[cluster.server] ?? input.nodes ?? [];
  const model: AppModel = { profile: template.profile, team: template.team, resources, replicaSets: [], jobs: [], pods: [], nodes, logSeed: hashString(`${input.seed}:${name}:logs`), rng: createRng(hashString(`${input.seed}:${name}:runtime`)) };
  buildWorkloadChildren(model, input.state, h.lastDeployMs, rng, model.nodes);
  const last = lastOperation(input, { ...h, source, namespace }, { deployed: manifests.deployed, resources, mainIdx });

  const agg = aggregateStatus(model);
  const hosts = manifests.desired.filter((d) => d.kind === 'Ingress').flatMap((d) => (((d.target.spec as JsonObject).rules ?? []) as JsonObject[]).map((r) => `https://${r.host}/`));
  const summary: JsonObject = { images: liveImages(model) };
  if (hosts.length) summary.externalURLs = hosts;
  const reconciledAt = isoSeconds(EPOCH_MS - rng.int(5, 175) * 1000);
  const spec = buildSpec(input, { source, destination, syncOptions: last.syncOptions, retry: last.retry });
  const status: JsonObject = {
    resources: resourceStatuses(model),
    sync: { status: agg.sync, comparedTo: { source, destination, ...(spec.ignoreDifferences ? { ignoreDifferences: spec.ignoreDifferences } : {}) }, revision: h.headRevision },
    health: { status: agg.health, lastTransitionTime: isoSeconds(h.lastDeployMs + rng.int(20, 300) * 1000) },
    history: h.history,
    ...(last.conditions.length ? { conditions: last.conditions } : {}),
    reconciledAt,
    operationState: last.operationState,
    sourceType,
    summary,
    resourceHealthSource: 'appTree',
    controllerNamespace: ARGOCD_NS,
  };
  const metadata = buildMetadata(input, { uid: v.uid, createdAtMs: v.createdAtMs, lastDeployMs: h.lastDeployMs, reconciledAt, namespace, spec, status });
  return { app: { metadata, spec, status }, model };
}
