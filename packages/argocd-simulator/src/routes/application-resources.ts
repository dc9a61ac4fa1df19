/** ApplicationService views of an app's resources: tree, managed resources, events, links, manifests, resource get/patch/delete and actions. */
import { isoSeconds } from '../clock.ts';
import type { SimContext } from '../context.ts';
import { k8sEvent } from '../k8s-event.ts';
import { errors } from '../errors.ts';
import { applyFields, parseFields } from '../fields.ts';
import { applyMergePatch, createMergePatch } from '../wire/patch.ts';
import { createRng, hashString } from '../prng.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import { buildTree, findLiveObject, type SimResource } from '../seed/model.ts';
import { type AppRecord, cloneJson } from '../store.ts';
import type { JsonObject } from '../types.ts';
import { matchWindows, type SyncWindow, type WindowTarget, windowsState } from '../windows/sync-windows.ts';
import { appFromQuery, getAppEnforced, masked, notPartOf, resourceQuery } from './app-access.ts';
import { deleteResource, getResource, listActions, patchResource, runActionV1, runActionV2 } from './resource-ops.ts';

/** The full resource tree of an application (ResourceTree ignores the resource filters). */
export function appTree(rec: AppRecord): JsonObject {
  return buildTree(rec.model);
}

function resourceTree(ctx: RouteContext): unknown {
  return appTree(appFromQuery(ctx, 'applicationName'));
}

function withoutManagedFields(obj: JsonObject): JsonObject {
  const copy = cloneJson(obj);
  delete (copy.metadata as JsonObject).managedFields;
  return copy;
}

/** A v1alpha1ResourceDiff for one managed resource. */
function resourceDiff(r: SimResource): JsonObject {
  const live = masked(r.live);
  const normalized = live ? withoutManagedFields(live) : null;
  const predicted = live && r.target ? (applyMergePatch(normalized, r.target) as JsonObject) : r.target;
  const out: JsonObject = {};
  if (r.group) out.group = r.group;
  out.kind = r.kind;
  if (r.namespace) out.namespace = r.namespace;
  out.name = r.name;
  out.targetState = JSON.stringify(r.target);
  out.liveState = JSON.stringify(live);
  if (r.syncStatus === 'OutOfSync') out.diff = JSON.stringify(createMergePatch(normalized, predicted));
  out.normalizedLiveState = JSON.stringify(normalized);
  out.predictedLiveState = JSON.stringify(predicted);
  if (live) out.resourceVersion = String((live.metadata as JsonObject).resourceVersion ?? '');
  if (r.syncStatus === 'OutOfSync') out.modified = true;
  return out;
}

function managedResources(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx, 'applicationName');
  const q = ctx.query;
  const items = rec.model.resources
    .filter((r) => (!q.str('name') || r.name === q.str('name')) && (!q.str('kind') || r.kind === q.str('kind')) && (!q.has('group') || r.group === q.str('group')) && (!q.str('namespace') || r.namespace === q.str('namespace')) && (!q.str('version') || r.version === q.str('version')))
    .map(resourceDiff);
  return applyFields({ items }, parseFields(q.get('fields')));
}

/**
 * ServerSideDiff diffs what the client sends, index by index: `liveResources` against `targetManifests`
 * (server/application/application.go `Server.ServerSideDiff` → util/argo/diff `StateDiffs` → DiffArray). Over REST
 * only `targetManifests` can be sent (`liveResources` is a repeated message, no query parameter), so a REST call
 * either compares nothing (an empty answer, whatever the application's state) or fails on the length mismatch.
 */
function serverSideDiff(ctx: RouteContext): unknown {
  appFromQuery(ctx, 'appName');
  const targets = ctx.query.all('targetManifests');
  if (targets.length) throw errors.unknown('error performing state diffs: failed to calculate diff: left and right arrays have mismatched lengths');
  return { items: [], modified: false };
}

function appEvents(rec: AppRecord): JsonObject[] {
  const md = rec.app.metadata as JsonObject;
  const st = rec.app.status as JsonObject;
  const involved = { kind: 'Application', namespace: md.namespace, name: md.name, uid: md.uid, apiVersion: 'argoproj.io/v1alpha1', resourceVersion: md.resourceVersion };
  const out: JsonObject[] = [];
  const history = (st.history ?? []) as JsonObject[];
  const last = history[history.length - 1];
  if (last) {
    const started = Date.parse(String(last.deployStartedAt));
    const done = Date.parse(String(last.deployedAt));
    const by = (last.initiatedBy as JsonObject | undefined)?.username;
    const target = String(((last.source as JsonObject | undefined)?.targetRevision) ?? 'HEAD');
    out.push(k8sEvent(String(md.namespace), involved, 'OperationStarted', by ? `${String(by)} initiated sync to ${target} (${String(last.revision)})` : `Initiated automated sync to '${String(last.revision)}'`, started, { component: by ? 'argocd-server' : 'argocd-application-controller' }));
    out.push(k8sEvent(String(md.namespace), involved, 'ResourceUpdated', 'Updated sync status: OutOfSync -> Synced', done));
    out.push(k8sEvent(String(md.namespace), involved, 'OperationCompleted', `Sync operation to ${String(last.revision)} succeeded`, done));
    out.push(k8sEvent(String(md.namespace), involved, 'ResourceUpdated', 'Updated health status: Progressing -> Healthy', done + 24_000));
  }
  const health = String((st.health as JsonObject).status);
  if (health !== 'Healthy') out.push(k8sEvent(String(md.namespace), involved, 'ResourceUpdated', `Updated health status: Healthy -> ${health}`, Date.parse(String((st.health as JsonObject).lastTransitionTime ?? st.reconciledAt))));
  const opState = st.operationState as JsonObject | undefined;
  if (opState?.phase === 'Failed' && !rec.events.length) out.push(k8sEvent(String(md.namespace), involved, 'OperationCompleted', `Sync operation to ${String((opState.syncResult as JsonObject | undefined)?.revision ?? '')} failed: ${String(opState.message)}`, Date.parse(String(opState.finishedAt)), { type: 'Warning' }));
  return [...out, ...rec.events];
}

function resourceEvents(rec: AppRecord, q: { name: string; namespace: string; uid: string }): JsonObject[] {
  const out: JsonObject[] = [];
  const tree = buildTree(rec.model);
  for (const node of tree.nodes as JsonObject[]) {
    if (q.name && node.name !== q.name) continue;
    if (q.namespace && node.namespace !== q.namespace) continue;
    if (q.uid && node.uid !== q.uid) continue;
    const ns = String(node.namespace ?? 'default');
    const involved = { kind: node.kind, namespace: node.namespace, name: node.name, uid: node.uid, apiVersion: node.group ? `${String(node.group)}/${String(node.version)}` : String(node.version), resourceVersion: node.resourceVersion };
    const at = Date.parse(String(node.createdAt));
    switch (node.kind) {
      case 'Deployment': {
        for (const rs of rec.model.replicaSets.filter((x) => x.deployment === node.name)) out.push(k8sEvent(ns, involved, 'ScalingReplicaSet', `Scaled ${rs.replicas ? 'up' : 'down'} replica set ${rs.name} to ${rs.replicas}${rs.replicas ? '' : ' from 1'}`, rs.createdAtMs + 2000, { component: 'deployment-controller' }));
        break;
      }
      case 'Pod': {
        const pod = rec.model.pods.find((p) => p.name === node.name);
        if (!pod) break;
        const c = pod.containers[0];
        out.push(k8sEvent(ns, involved, 'Scheduled', `Successfully assigned ${ns}/${pod.name} to ${pod.nodeName}`, at, { component: 'default-scheduler' }));
        out.push(k8sEvent(ns, { ...involved, fieldPath: `spec.containers{${c?.name}}` }, 'Pulled', `Container image "${c?.image}" already present on machine`, at + 1000, { component: 'kubelet', host: pod.nodeName }));
        out.push(k8sEvent(ns, { ...involved, fieldPath: `spec.containers{${c?.name}}` }, 'Created', `Created container ${c?.name}`, at + 1200, { component: 'kubelet', host: pod.nodeName }));
        out.push(k8sEvent(ns, { ...involved, fieldPath: `spec.containers{${c?.name}}` }, 'Started', `Started container ${c?.name}`, at + 1500, { component: 'kubelet', host: pod.nodeName }));
        if (pod.reason === 'CrashLoopBackOff') {
          out.push(k8sEvent(ns, { ...involved, fieldPath: `spec.containers{${c?.name}}` }, 'BackOff', `Back-off restarting failed container ${c?.name} in pod ${pod.name}_${ns}(${pod.uid})`, Date.now() - 30_000, { type: 'Warning', count: pod.restarts * 4, firstMs: at + 60_000, component: 'kubelet', host: pod.nodeName }));
        }
        if (pod.restarts > 0 && pod.reason === 'Running') out.push(k8sEvent(ns, { ...involved, fieldPath: `spec.containers{${c?.name}}` }, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', at + 3_600_000, { type: 'Warning', count: pod.restarts * 3, component: 'kubelet', host: pod.nodeName }));
        break;
      }
      case 'HorizontalPodAutoscaler':
        out.push(k8sEvent(ns, involved, 'SuccessfulRescale', 'New size: 3; reason: cpu resource utilization (percentage of request) above target', at + 7_200_000, { component: 'horizontal-pod-autoscaler' }));
        break;
      case 'CronJob':
        for (const job of rec.model.jobs.filter((j) => j.cronJob === node.name)) {
          out.push(k8sEvent(ns, involved, 'SuccessfulCreate', `Created job ${job.name}`, job.createdAtMs, { component: 'cronjob-controller' }));
          out.push(k8sEvent(ns, involved, 'SawCompletedJob', `Saw completed job: ${job.name}, status: ${job.succeeded ? 'Complete' : 'Failed'}`, job.createdAtMs + 60_000, { component: 'cronjob-controller', type: job.succeeded ? 'Normal' : 'Warning' }));
        }
        break;
      case 'Ingress':
        out.push(k8sEvent(ns, involved, 'Sync', 'Scheduled for sync', at + 5000, { component: 'nginx-ingress-controller', count: 3 }));
        break;
      default:
        break;
    }
  }
  return out;
}

function listEvents(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const q = { name: ctx.query.str('resourceName'), namespace: ctx.query.str('resourceNamespace'), uid: ctx.query.str('resourceUID') };
  const items = q.name || q.uid || q.namespace ? resourceEvents(rec, q) : appEvents(rec);
  return { metadata: { resourceVersion: ctx.sim.store.listResourceVersion() }, items };
}

function repoWebUrl(repo: string): string {
  return repo.replace(/^git@([^:]+):/, 'https://$1/').replace(/\.git$/, '');
}

function appLinks(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const md = rec.app.metadata as JsonObject;
  const spec = rec.app.spec as JsonObject;
  const src = (spec.source ?? {}) as JsonObject;
  const items: JsonObject[] = [
    { title: 'Grafana dashboard', url: `https://grafana.acme.io/d/argocd-app/argo-cd-application?var-app=${String(md.name)}`, description: 'Golden signals for this application', iconClass: 'fa fa-chart-line' },
    { title: 'Runbook', url: `https://runbooks.acme.io/${rec.model.team}/${String(md.name)}`, iconClass: 'fa fa-book' },
  ];
  if (!src.chart && typeof src.repoURL === 'string') items.push({ title: 'Source', url: `${repoWebUrl(src.repoURL)}/tree/${String(src.targetRevision || 'HEAD')}/${String(src.path ?? '')}`, iconClass: 'fa fa-code-branch' });
  return { items };
}

function resourceLinks(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const q = resourceQuery(ctx);
  if (!findLiveObject(rec.model, q)) throw notPartOf(q, ctx.params.name as string);
  if (q.kind === 'Pod' || q.kind === 'Deployment') {
    return { items: [{ title: 'Logs in Grafana', url: `https://grafana.acme.io/explore?left={"queries":[{"expr":"{namespace=\\"${q.namespace}\\",pod=~\\"${q.name}.*\\"}"}]}`, iconClass: 'fa fa-file-lines' }] };
  }
  return { items: [] };
}

function manifests(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  return manifestResponse(ctx.sim, rec, ctx.query.str('revision'));
}

function manifestResponse(_sim: SimContext, rec: AppRecord, revision: string): JsonObject {
  const spec = rec.app.spec as JsonObject;
  const st = rec.app.status as JsonObject;
  const dest = spec.destination as JsonObject;
  return {
    manifests: rec.model.resources.filter((r) => r.target).map((r) => JSON.stringify(r.target)),
    namespace: dest.namespace,
    server: dest.server ?? '',
    revision: revision || String((st.sync as JsonObject).revision ?? ''),
    sourceType: st.sourceType,
  };
}

function manifestsWithFiles(ctx: RouteContext): unknown {
  // A client-streaming RPC over REST: the body carries the query first, then file chunks.
  const text = typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body ?? {});
  let query: JsonObject | undefined;
  for (const line of text.split('\n')) {
    try {
      const obj = JSON.parse(line) as JsonObject;
      if (obj && typeof obj.query === 'object') query = obj.query as JsonObject;
    } catch {
      // ignore chunks that are not JSON objects
    }
  }
  const body = ctx.body as JsonObject | undefined;
  if (!query && body && typeof body === 'object' && body.query) query = body.query as JsonObject;
  if (!query?.name) throw errors.invalid('unable to receive manifest query: missing query');
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name: String(query.name), project: String(query.project ?? ''), appNamespace: String(query.appNamespace ?? '') });
  return manifestResponse(ctx.sim, rec, '');
}

function sourceOf(rec: AppRecord): JsonObject {
  const spec = rec.app.spec as JsonObject;
  return (spec.source ?? ((spec.sources as JsonObject[] | undefined)?.[0]) ?? {}) as JsonObject;
}

function revisionMetadata(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const revision = ctx.params.revision as string;
  const src = sourceOf(rec);
  if (src.chart) throw errors.unknown(`error getting revision metadata: revision metadata is only available for Git sources, ${String(src.repoURL)} is a Helm repository`);
  const rng = createRng(hashString(`${revision}:meta`));
  const authors = ['Jane Doe <jane.doe@acme.io>', 'Sam Lee <sam.lee@acme.io>', 'Priya Raman <priya.raman@acme.io>', 'renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>', 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>'];
  const author = rng.pick(authors);
  const app = String((rec.app.metadata as JsonObject).name);
  const subject = author.startsWith('renovate')
    ? `chore(deps): update ghcr.io/acme/${app} docker tag to v1.${rng.int(10, 90)}.${rng.int(0, 9)}`
    : rng.pick([`feat(${app}): add idempotency keys to retries`, `fix(${app}): raise memory limit to 768Mi`, `chore(${app}): bump image to v1.${rng.int(10, 90)}.${rng.int(0, 9)}`, `refactor(${app}): move config to ConfigMap`, `fix(${app}): tighten readiness probe timeouts`]);
  const history = ((rec.app.status as JsonObject).history ?? []) as JsonObject[];
  const entry = history.find((h) => h.revision === revision);
  const date = entry ? String(entry.deployStartedAt) : isoSeconds(Date.now() - rng.int(1, 30) * 86_400_000);
  return {
    author,
    date: isoSeconds(Date.parse(date) - rng.int(120, 7200) * 1000),
    tags: rng.chance(0.2) ? [`${app}-v1.${rng.int(10, 90)}.0`] : [],
    message: `${subject}\n\nReviewed-on: https://github.com/acme/${app}/pull/${rng.int(100, 4000)}\nSigned-off-by: ${author}`,
    signatureInfo: rng.chance(0.5) ? `gpg: Signature made using RSA key ID 4A3E6F1B9C2D8E7F\ngpg: Good signature from "Acme Release Signing <release@acme.io>" [ultimate]` : '',
  };
}

function chartDetails(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const src = sourceOf(rec);
  if (!src.chart) throw errors.unknown(`no chart found for application: ${ctx.params.name as string}`);
  const chart = String(src.chart);
  return { description: `A Helm chart for ${chart} on Kubernetes`, home: `https://artifacthub.io/packages/helm/${chart}/${chart}`, maintainers: [`${chart} maintainers <maintainers@${chart}.io>`] };
}

function ociMetadata(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const src = sourceOf(rec);
  throw errors.unknown(`failed to get OCI metadata for revision ${ctx.params.revision as string}: ${String(src.repoURL)} is not an OCI repository`);
}

/**
 * server/application/application.go GetApplicationSyncWindows: the project's windows that match the app
 * (`SyncWindows.Matches`), the active ones, and `CanSync(true, nil)` — the answer for a manual sync. The window
 * rules are Argo CD's (pkg/apis/application/v1alpha1/types.go), ported in ../windows/sync-windows.ts.
 */
function syncWindows(ctx: RouteContext): unknown {
  const rec = appFromQuery(ctx);
  const spec = rec.app.spec as JsonObject;
  const proj = ctx.sim.store.projects.get(String(spec.project));
  const name = String((rec.app.metadata as JsonObject).name);
  const windows = ((proj?.spec as JsonObject | undefined)?.syncWindows ?? []) as SyncWindow[];
  const assigned = matchWindows(windows, { name, destination: spec.destination as WindowTarget['destination'] });
  const verdict = windowsState(assigned, { isManual: true, now: new Date() });
  if (verdict.error) throw errors.unknown(`invalid sync windows: ${verdict.error}`);
  const wire = (w: SyncWindow) => ({ kind: w.kind, schedule: w.schedule, duration: w.duration, manualSync: Boolean(w.manualSync) });
  return {
    ...(verdict.active.length ? { activeWindows: verdict.active.map(wire) } : {}),
    ...(assigned.length ? { assignedWindows: assigned.map(wire) } : {}),
    canSync: verdict.canSync,
  };
}

/** Routes of this module. */
export const applicationResourceRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/applications/{applicationName}/resource-tree', operationId: 'ApplicationService_ResourceTree', handler: resourceTree },
  { method: 'GET', path: '/api/v1/applications/{applicationName}/managed-resources', operationId: 'ApplicationService_ManagedResources', handler: managedResources },
  { method: 'GET', path: '/api/v1/applications/{appName}/server-side-diff', operationId: 'ApplicationService_ServerSideDiff', handler: serverSideDiff },
  { method: 'GET', path: '/api/v1/applications/{name}/events', operationId: 'ApplicationService_ListResourceEvents', handler: listEvents },
  { method: 'GET', path: '/api/v1/applications/{name}/links', operationId: 'ApplicationService_ListLinks', handler: appLinks },
  { method: 'GET', path: '/api/v1/applications/{name}/manifests', operationId: 'ApplicationService_GetManifests', handler: manifests },
  { method: 'POST', path: '/api/v1/applications/manifestsWithFiles', operationId: 'ApplicationService_GetManifestsWithFiles', body: 'raw', handler: manifestsWithFiles },
  { method: 'GET', path: '/api/v1/applications/{name}/revisions/{revision}/metadata', operationId: 'ApplicationService_RevisionMetadata', handler: revisionMetadata },
  { method: 'GET', path: '/api/v1/applications/{name}/revisions/{revision}/chartdetails', operationId: 'ApplicationService_RevisionChartDetails', handler: chartDetails },
  { method: 'GET', path: '/api/v1/applications/{name}/revisions/{revision}/ocimetadata', operationId: 'ApplicationService_GetOCIMetadata', handler: ociMetadata },
  { method: 'GET', path: '/api/v1/applications/{name}/syncwindows', operationId: 'ApplicationService_GetApplicationSyncWindows', handler: syncWindows },
  { method: 'GET', path: '/api/v1/applications/{name}/resource', operationId: 'ApplicationService_GetResource', handler: getResource },
  { method: 'POST', path: '/api/v1/applications/{name}/resource', operationId: 'ApplicationService_PatchResource', body: 'string', handler: patchResource },
  { method: 'DELETE', path: '/api/v1/applications/{name}/resource', operationId: 'ApplicationService_DeleteResource', handler: deleteResource },
  { method: 'GET', path: '/api/v1/applications/{name}/resource/links', operationId: 'ApplicationService_ListResourceLinks', handler: resourceLinks },
  { method: 'GET', path: '/api/v1/applications/{name}/resource/actions', operationId: 'ApplicationService_ListResourceActions', handler: listActions },
  { method: 'POST', path: '/api/v1/applications/{name}/resource/actions', operationId: 'ApplicationService_RunResourceAction', body: 'string', handler: runActionV1 },
  { method: 'POST', path: '/api/v1/applications/{name}/resource/actions/v2', operationId: 'ApplicationService_RunResourceActionV2', body: 'object', handler: runActionV2 },
];
