/** Watch streams: applications, an application's resource tree, application sets. */
import { applyFields, parseFields } from '../fields.ts';
import { STREAMED, type RouteContext, type RouteDef } from '../router.ts';
import { buildTree } from '../seed/model.ts';
import type { AppRecord, WatchEvent } from '../store.ts';
import type { JsonObject } from '../types.ts';
import { getAppEnforced } from './app-access.ts';
import { appSetMatches, parseAppSetQuery } from './applicationsets.ts';
import { appMatchesQuery, parseAppQuery } from './applications.ts';

/**
 * server/application/application.go `Watch`: the matching apps as ADDED (sorted by name), then every change. With
 * `resourceVersion` and no `name`, the initial ADDED events are skipped (the client holds a list of that version
 * and only wants what changes after it), so a fleet-wide copy is kept current without re-sending every app.
 */
function watchApplications(ctx: RouteContext): unknown {
  const q = parseAppQuery(ctx);
  const fields = parseFields(ctx.query.get('fields'));
  const { store } = ctx.sim;
  const stream = ctx.sim.streams.start(ctx.req, ctx.res);
  const send = (type: WatchEvent['type'], rec: AppRecord) => {
    if (!fields) return stream.write(`{"result":{"type":"${type}","application":${store.appJson(rec)}}}`);
    // The projection copies only what it keeps from the stored object, which the write serializes at once.
    return stream.write(applyFields({ result: { type, application: rec.app } }, fields));
  };
  // isApplicationPermitted drops events about an app whose resourceVersion is below the one given. Kubernetes gives a
  // deletion a resourceVersion of its own (newer); this store keeps the app's last one, so DELETED is never dropped.
  const minVersion = Number(ctx.query.str('resourceVersion') ?? '') || 0;
  const older = (rec: AppRecord) => Number((rec.app.metadata as JsonObject).resourceVersion) < minVersion;
  if (!ctx.query.str('resourceVersion') || q.name) {
    const initial = [...store.apps.values()].filter((r) => appMatchesQuery(ctx, r, q) && !older(r));
    initial.sort((a, b) => String((a.app.metadata as JsonObject).name).localeCompare(String((b.app.metadata as JsonObject).name)));
    for (const rec of initial) send('ADDED', rec);
  }
  const unsubscribe = store.onAppChange((e) => {
    const rec = e.type === 'DELETED' ? store.deletedApps.get(e.name) : store.apps.get(e.name);
    if (!rec || !appMatchesQuery(ctx, rec, q) || (e.type !== 'DELETED' && older(rec))) return;
    send(e.type, rec);
  });
  stream.onClose(unsubscribe);
  return STREAMED;
}

function watchResourceTree(ctx: RouteContext): unknown {
  const name = ctx.params.applicationName as string;
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, project: ctx.query.str('project'), appNamespace: ctx.query.str('appNamespace') });
  const stream = ctx.sim.streams.start(ctx.req, ctx.res);
  let last = JSON.stringify(buildTree(rec.model));
  stream.write(`{"result":${last}}`);
  const unsubscribe = ctx.sim.store.onAppChange((e) => {
    if (e.name !== name) return;
    if (e.type === 'DELETED') {
      stream.end();
      return;
    }
    const current = ctx.sim.store.apps.get(name);
    if (!current) return;
    const tree = JSON.stringify(buildTree(current.model));
    if (tree === last) return;
    last = tree;
    stream.write(`{"result":${tree}}`);
  });
  stream.onClose(unsubscribe);
  return STREAMED;
}

function watchApplicationSets(ctx: RouteContext): unknown {
  const q = parseAppSetQuery(ctx);
  const { store } = ctx.sim;
  const stream = ctx.sim.streams.start(ctx.req, ctx.res);
  const send = (type: WatchEvent['type'], set: JsonObject) => stream.write({ result: { type, applicationSet: set } });
  const names = [...store.appSets.keys()].sort();
  for (const n of names) {
    const set = store.appSets.get(n) as JsonObject;
    if (appSetMatches(ctx, set, q)) send('ADDED', set);
  }
  const unsubscribe = store.onAppSetChange((e) => {
    const set = e.type === 'DELETED' ? store.deletedAppSets.get(e.name) : store.appSets.get(e.name);
    if (!set || !appSetMatches(ctx, set, q)) return;
    send(e.type, set);
  });
  stream.onClose(unsubscribe);
  return STREAMED;
}

/** Routes of this module. */
export const watchRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/stream/applications', operationId: 'ApplicationService_Watch', handler: watchApplications },
  { method: 'GET', path: '/api/v1/stream/applications/{applicationName}/resource-tree', operationId: 'ApplicationService_WatchResourceTree', handler: watchResourceTree },
  { method: 'GET', path: '/api/v1/stream/applicationsets', operationId: 'ApplicationSetService_Watch', handler: watchApplicationSets },
];
