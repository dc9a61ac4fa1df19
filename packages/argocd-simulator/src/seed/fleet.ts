/**
 * Fleet-scale seeding (`appCount` above the 50 catalogue apps): a deterministic fleet shaped like a large Argo CD
 * installation. A few big projects hold most apps (Zipf-like weights over a few dozen team projects), services are
 * deployed to several of dozens of clusters (prod, staging, dev over regions), one repo per team with a path per
 * service and cluster, some Helm charts, and a status mix like a busy fleet's: about a quarter OutOfSync (drift,
 * failed syncs, missing resources) and about a sixth Degraded.
 *
 * The fleet draws from its own random stream (`fleet:<seed>`), never from the catalogue's, so the first 50 apps,
 * projects, clusters and everything else of the default seed stay byte-identical.
 */
import { EPOCH_MS, isoSeconds } from '../clock.ts';
import { createRng, hashString, type Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import type { AppSeedInput, AppState } from './app-input.ts';
import { ARGOCD_NS, type AppProfile, type AppTemplate, HELM_REPOS } from './catalog.ts';
import { objectMeta } from './config-objects.ts';

const TEAMS = [
  'checkout', 'identity', 'search', 'data-platform', 'logistics', 'inventory', 'notifications', 'mobile', 'growth', 'risk',
  'ledger', 'catalog', 'pricing', 'fulfilment', 'support', 'analytics', 'messaging', 'media', 'maps', 'loyalty',
  'ads', 'reviews', 'shipping', 'tax', 'fraud', 'partners', 'content', 'auth', 'billing-ops', 'ml-serving',
  'recommendations', 'observability-apps', 'devex', 'security-apps', 'marketplace', 'returns', 'subscriptions', 'gateway', 'events', 'crm',
];
const SERVICE_WORDS = ['api', 'worker', 'consumer', 'scheduler', 'gateway', 'sync', 'indexer', 'exporter', 'bff', 'admin', 'webhooks', 'cache', 'ingest', 'reporter', 'resolver', 'router'];
const REGIONS = ['euw1', 'euc1', 'use1', 'usw2', 'apse1', 'apne1'];
const CHARTS: Array<{ chart: string; repo: keyof typeof HELM_REPOS; versions: string[] }> = [
  { chart: 'keda', repo: 'kedacore', versions: ['2.15.1', '2.16.0', '2.16.1'] },
  { chart: 'grafana', repo: 'grafana', versions: ['8.6.4', '8.8.5'] },
  { chart: 'external-dns', repo: 'external-dns', versions: ['1.15.0', '1.15.2'] },
];

/** One cluster of the fleet. */
export interface FleetCluster {
  name: string;
  server: string;
  env: 'production' | 'staging' | 'dev';
  region: string;
  nodes: string[];
}

/** What the fleet adds to the seed: its apps' inputs, and the projects and clusters they use. */
export interface FleetPlan {
  apps: AppSeedInput[];
  projects: string[];
  clusters: FleetCluster[];
}

function planClusters(count: number): FleetCluster[] {
  const clusters: FleetCluster[] = [];
  for (let i = 0; i < count; i++) {
    // Over half production, the rest staging and dev, spread over regions.
    const env = i % 20 < 11 ? 'production' : i % 20 < 17 ? 'staging' : 'dev';
    const region = REGIONS[i % REGIONS.length] as string;
    const name = `${env === 'production' ? 'prod' : env}-${region}-${String(Math.floor(i / REGIONS.length) + 1).padStart(2, '0')}`;
    const nodes = [1, 2, 3].map((n) => `ip-10-${40 + (i % 200)}-${n}-${10 + ((i * 7 + n * 13) % 240)}.${region}.compute.internal`);
    clusters.push({ name, server: `https://${name}.k8s.acme.internal`, env, region, nodes });
  }
  return clusters;
}

/** Zipf-like weights (1/rank^1.1): a handful of projects with many apps, a long tail with few. */
function weightedPicker(count: number): (r: number) => number {
  const weights = Array.from({ length: count }, (_, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  return (r) => {
    const i = cumulative.findIndex((c) => r < c);
    return i < 0 ? count - 1 : i;
  };
}

/** The seeded condition of a fleet app: ~25% OutOfSync (drift 16%, failed sync 5%, missing 4%), ~16% Degraded. */
function pickFleetState(rng: Rng, profile: AppProfile): AppState {
  const r = rng.next();
  if (r < 0.16) return 'outofsync';
  if (r < 0.21) return 'failed';
  if (r < 0.25) return 'missing';
  // Apps without a workload (config) cannot go Degraded, so the band is wider than the 16% it yields.
  if (r < 0.445) return 'degraded';
  if (r < 0.47) return profile === 'web' || profile === 'site' ? 'progressing' : 'ok';
  if (r < 0.5 && profile === 'cron') return 'suspended';
  return 'ok';
}

function pickProfile(rng: Rng): AppProfile {
  const r = rng.next();
  return r < 0.45 ? 'web' : r < 0.7 ? 'worker' : r < 0.8 ? 'cron' : r < 0.88 ? 'config' : r < 0.95 ? 'site' : 'addon';
}

/** Where a team deploys from: its own repo, a path per service and cluster, a branch or tag by environment. */
function fleetSource(rng: Rng, a: { team: string; service: string; cluster: FleetCluster; template: AppTemplate }): { source: JsonObject; sourceType: string } | undefined {
  if (a.template.chart) return undefined;
  const repoURL = `https://github.com/acme/${a.team}-deploy`;
  const targetRevision = a.cluster.env === 'production' ? (rng.chance(0.25) ? `v1.${rng.int(10, 90)}.${rng.int(0, 9)}` : 'main') : a.cluster.env === 'staging' ? 'main' : rng.pick(['HEAD', 'develop', `feature/${a.service}-${rng.int(100, 999)}`]);
  if (rng.chance(0.3)) {
    return { source: { repoURL, path: 'charts/service', targetRevision, helm: { releaseName: a.service, valueFiles: ['values.yaml', `values/${a.cluster.env}.yaml`, `values/${a.cluster.name}.yaml`] } }, sourceType: 'Helm' };
  }
  return { source: { repoURL, path: `apps/${a.service}/overlays/${a.cluster.name}`, targetRevision, kustomize: { commonLabels: { 'acme.io/team': a.team } } }, sourceType: 'Kustomize' };
}

/**
 * Warnings a fleet collects besides sync errors (controller/appcontroller.go `setAppCondition` callers):
 * orphaned resources in the namespace (~6%) and a resource another app also manages (~2%).
 */
function fleetConditions(rng: Rng, a: { env: FleetCluster['env']; name: string; team: string; namespace: string }): JsonObject[] {
  const at = isoSeconds(EPOCH_MS - rng.int(1, 72) * 3_600_000);
  const out: JsonObject[] = [];
  if (rng.chance(0.06)) out.push({ type: 'OrphanedResourceWarning', message: `Application has ${rng.int(1, 6)} orphaned resources`, lastTransitionTime: at });
  if (rng.chance(a.env === 'dev' ? 0.05 : 0.015)) out.push({ type: 'SharedResourceWarning', message: `ConfigMap/${a.team}-shared-config is part of applications argocd/${a.name} and argocd/${a.team}-config`, lastTransitionTime: at });
  return out;
}

/** Plans `count` fleet apps after the catalogue's, for `seed`. */
export function planFleet(seed: number, count: number): FleetPlan {
  const rng = createRng(hashString(`fleet:${seed}`));
  const clusters = planClusters(Math.max(3, Math.min(60, Math.round(count / 250))));
  const projects = TEAMS.slice(0, Math.max(4, Math.min(TEAMS.length, Math.round(count / 250))));
  const pickProject = weightedPicker(projects.length);
  const used = new Set<string>();
  const apps: AppSeedInput[] = [];
  for (let i = 0; i < count; i++) {
    const team = projects[pickProject(rng.next())] as string;
    const profile = pickProfile(rng);
    const chart = profile === 'addon' ? rng.pick(CHARTS) : undefined;
    const service = chart ? `${team}-${chart.chart}` : `${team}-${rng.pick(SERVICE_WORDS)}${rng.chance(0.5) ? `-${rng.int(1, 40)}` : ''}`;
    const cluster = rng.pick(clusters);
    let name = `${service}-${cluster.name}`;
    for (let n = 2; used.has(name); n++) name = `${service}-${cluster.name}-${n}`;
    used.add(name);
    const namespace = rng.chance(0.6) ? team : service;
    const template: AppTemplate = { name: service, profile, team, namespace, public: profile === 'site' || (profile === 'web' && rng.chance(0.3)), ...(chart ? { chart: { name: chart.chart, repo: chart.repo, versions: chart.versions, images: [`ghcr.io/acme/${chart.chart}:latest`] } } : {}) };
    const state = pickFleetState(rng, profile);
    const automated = rng.chance(cluster.env === 'production' ? 0.45 : cluster.env === 'staging' ? 0.7 : 0.85) && state !== 'outofsync' && state !== 'missing';
    const appRng = createRng(hashString(`${seed}:fleet:${name}`));
    const lastPhase = state === 'failed' && rng.chance(0.25) ? 'Error' : 'Failed';
    const extraConditions = fleetConditions(rng, { env: cluster.env, name, team, namespace });
    const src = fleetSource(appRng, { team, service, cluster, template });
    apps.push({
      name, project: team, projectIndex: i, template, state, automated, env: cluster.env === 'production' ? 'production' : 'staging', seed, rng: appRng,
      cluster: { name: cluster.name, server: cluster.server }, namespace, destinationByName: rng.chance(0.2), nodes: cluster.nodes, source: src,
      extraLabels: { region: cluster.region, 'acme.io/cluster-env': cluster.env },
      lastPhase,
      extraConditions,
    });
  }
  return { apps, projects, clusters };
}

/** The AppProject of a fleet team: its repo and the charts, any cluster, its own namespaces. */
export function fleetProject(rng: Rng, team: string): JsonObject {
  return {
    metadata: objectMeta(rng, team, { finalizers: ['resources-finalizer.argocd.argoproj.io'], labels: { 'acme.io/team': team } }),
    spec: {
      sourceRepos: [`https://github.com/acme/${team}-deploy`, ...Object.values(HELM_REPOS)],
      destinations: [{ server: '*', namespace: team }, { server: '*', namespace: `${team}-*` }],
      description: `Services of the ${team} team`,
      sourceNamespaces: [ARGOCD_NS],
      orphanedResources: { warn: true },
    },
    status: {},
  };
}

/** The cluster secret of a fleet cluster as the API lists it (credentials stripped by the route). */
export function fleetClusterObject(rng: Rng, c: FleetCluster, applicationsCount: number): JsonObject {
  return {
    server: c.server,
    name: c.name,
    config: { bearerToken: `eyJhbGciOiJSUzI1NiIsImtpZCI6Ii${rng.hex(40)}`, tlsClientConfig: { insecure: false } },
    info: {
      connectionState: { status: 'Successful', message: '', attemptedAt: isoSeconds(EPOCH_MS - rng.int(10, 300) * 1000) },
      serverVersion: rng.pick(['1.29', '1.30', '1.31']),
      cacheInfo: { resourcesCount: applicationsCount * 14 + rng.int(300, 900), apisCount: rng.int(140, 220), lastCacheSyncTime: isoSeconds(EPOCH_MS - rng.int(60, 3600) * 1000) },
      applicationsCount,
    },
    labels: { env: c.env, region: c.region, 'argocd.argoproj.io/auto-label-cluster-info': 'true' },
  };
}
