/** ApplicationService operations: sync, rollback, terminate. */
import { errors } from '../errors.ts';
import { fakeSha } from '../prng.ts';
import { headRevision, isAutomatedSyncEnabled, setAppOperation, terminateOperation, windowsAllowSync } from '../operations.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import { cloneJson } from '../store.ts';
import type { JsonObject } from '../types.ts';
import { bodyObject, getAppEnforced, rbacName } from './app-access.ts';

function username(ctx: RouteContext): string {
  return ctx.caller?.sub ?? '';
}

/** `IsAutomatedSyncEnabled` (pkg/apis/application/v1alpha1/types.go): since v3.1 `automated.enabled: false` is off. */
const automatedEnabled = isAutomatedSyncEnabled;

function syncApp(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'application.ApplicationSyncRequest');
  const name = ctx.params.name as string;
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, project: String(body.project ?? ''), appNamespace: String(body.appNamespace ?? '') });
  // server/application/application.go Sync: windows are checked (as a manual sync) before the sync permission.
  if (!windowsAllowSync(ctx.sim, rec, true)) throw errors.denied('cannot sync: blocked by sync window');
  ctx.sim.enforcer.enforceErr(ctx.caller, 'applications', 'sync', rbacName(rec));
  const spec = rec.app.spec as JsonObject;
  const md = rec.app.metadata as JsonObject;
  if (md.deletionTimestamp) throw errors.precondition('application is deleting');
  if (body.manifests !== undefined && automatedEnabled(spec) && !body.dryRun) throw errors.precondition('cannot use local sync when Automatic Sync Policy is enabled unless for dry run');
  const source = (spec.source ?? ((spec.sources as JsonObject[] | undefined)?.[0]) ?? {}) as JsonObject;
  const targetRevision = String(source.targetRevision || 'HEAD');
  const requested = typeof body.revision === 'string' ? body.revision : '';
  if (requested && requested !== targetRevision && automatedEnabled(spec) && !body.dryRun) {
    throw errors.precondition(`Cannot sync to ${requested}: auto-sync currently set to ${String(source.targetRevision ?? '')}`);
  }
  let revision: string;
  if (!requested || requested === targetRevision || requested === 'HEAD') revision = headRevision(rec);
  else if (/^[0-9a-f]{40}$/i.test(requested) || source.chart) revision = requested;
  else revision = fakeSha(`${ctx.sim.opts.seed}:${name}:${requested}`);
  const policy = (spec.syncPolicy ?? {}) as JsonObject;
  const syncOptions = (body.syncOptions as JsonObject | undefined)?.items as string[] | undefined;
  const resources = Array.isArray(body.resources) ? (body.resources as JsonObject[]).filter((r) => r && typeof r === 'object').map((r) => ({ group: String(r.group ?? ''), kind: String(r.kind ?? ''), name: String(r.name ?? ''), namespace: String(r.namespace ?? '') })) : undefined;
  const opSource = cloneJson(source);
  if (requested && requested !== targetRevision) opSource.targetRevision = requested;
  setAppOperation(ctx.sim, rec, {
    kind: 'sync',
    username: username(ctx),
    revision,
    source: opSource,
    prune: Boolean(body.prune),
    dryRun: Boolean(body.dryRun),
    resources,
    syncOptions: syncOptions ?? (policy.syncOptions as string[] | undefined),
    syncStrategy: body.strategy as JsonObject | undefined,
    retry: (body.retryStrategy as JsonObject | undefined) ?? (policy.retry as JsonObject | undefined),
    info: body.infos as JsonObject[] | undefined,
  });
  return ctx.sim.store.appJson(rec);
}

function rollbackApp(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'application.ApplicationRollbackRequest');
  const name = ctx.params.name as string;
  if (body.id !== undefined && typeof body.id !== 'number') {
    throw errors.invalid(`json: cannot unmarshal ${typeof body.id} into Go struct field ApplicationRollbackRequest.id of type int64`);
  }
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, action: 'sync', project: String(body.project ?? ''), appNamespace: String(body.appNamespace ?? '') });
  const spec = rec.app.spec as JsonObject;
  const md = rec.app.metadata as JsonObject;
  if (md.deletionTimestamp) throw errors.precondition('application is deleting');
  if (automatedEnabled(spec)) throw errors.precondition('rollback cannot be initiated when auto-sync is enabled');
  const id = typeof body.id === 'number' ? body.id : 0;
  const history = ((rec.app.status as JsonObject).history ?? []) as JsonObject[];
  const entry = history.find((h) => h.id === id);
  if (!entry) throw errors.invalid(`application ${name} does not have deployment with id ${id}`);
  if (!entry.source && !entry.sources) throw errors.precondition('cannot rollback to revision deployed with Argo CD v0.11 or lower. sync to revision instead.');
  setAppOperation(ctx.sim, rec, {
    kind: 'rollback',
    username: username(ctx),
    revision: String(entry.revision),
    source: cloneJson(entry.source as JsonObject),
    prune: Boolean(body.prune),
    dryRun: Boolean(body.dryRun),
    syncOptions: ((spec.syncPolicy ?? {}) as JsonObject).syncOptions as string[] | undefined,
    syncStrategy: { apply: {} },
    rollbackId: id,
  });
  return ctx.sim.store.appJson(rec);
}

function terminate(ctx: RouteContext): unknown {
  const name = ctx.params.name as string;
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, action: 'sync', project: ctx.query.str('project'), appNamespace: ctx.query.str('appNamespace') });
  const opState = (rec.app.status as JsonObject).operationState as JsonObject | undefined;
  if (!rec.app.operation || !opState) throw errors.invalid('Unable to terminate operation. No operation is in progress');
  if (opState.phase === 'Running') terminateOperation(ctx.sim, rec);
  return {};
}

/** Routes of this module. */
export const applicationOperationRoutes: RouteDef[] = [
  { method: 'POST', path: '/api/v1/applications/{name}/sync', operationId: 'ApplicationService_Sync', body: 'object', handler: syncApp },
  { method: 'POST', path: '/api/v1/applications/{name}/rollback', operationId: 'ApplicationService_Rollback', body: 'object', handler: rollbackApp },
  { method: 'DELETE', path: '/api/v1/applications/{name}/operation', operationId: 'ApplicationService_TerminateOperation', handler: terminate },
];
