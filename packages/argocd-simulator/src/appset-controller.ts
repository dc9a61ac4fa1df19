/**
 * The ApplicationSet controller's hold on the apps it generates (applicationset/controllers/applicationset_controller.go,
 * `createOrUpdateInCluster`): a change to a generated Application's spec is overwritten with what the template
 * produces on the next reconcile (about a second later here), except the fields `spec.ignoreApplicationDifferences`
 * lists by JSON pointer (for all apps, or those named by `name`).
 */
import { pickDelay } from './controller.ts';
import type { SimContext } from './context.ts';
import { type AppRecord, cloneJson } from './store.ts';
import type { JsonObject } from './types.ts';

function pointerGet(obj: unknown, pointer: string): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!cur || typeof cur !== 'object' || !(key in (cur as JsonObject))) return { found: false };
    cur = (cur as JsonObject)[key];
  }
  return { found: true, value: cur };
}

function pointerSet(obj: JsonObject, pointer: string, value: unknown, present: boolean): void {
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: JsonObject = obj;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  const last = keys[keys.length - 1] as string;
  if (present) cur[last] = cloneJson(value);
  else delete cur[last];
}

/** The generated spec with the app's current values kept where ignoreApplicationDifferences says so. */
function desiredSpec(set: JsonObject, rec: AppRecord): JsonObject {
  const name = String((rec.app.metadata as JsonObject).name);
  const desired = { spec: cloneJson(rec.generatedSpec as JsonObject) } as JsonObject;
  const rules = (((set.spec as JsonObject).ignoreApplicationDifferences ?? []) as Array<{ name?: string; jsonPointers?: string[] }>).filter((r) => !r.name || r.name === name);
  for (const rule of rules) {
    for (const pointer of rule.jsonPointers ?? []) {
      if (!pointer.startsWith('/spec')) continue;
      const current = pointerGet(rec.app, pointer);
      pointerSet(desired, pointer, current.value, current.found);
    }
  }
  return desired.spec as JsonObject;
}

/** The ApplicationSet owning the app, when it still exists. */
export function owningAppSet(sim: SimContext, rec: AppRecord): JsonObject | undefined {
  const owner = (((rec.app.metadata as JsonObject).ownerReferences ?? []) as JsonObject[]).find((o) => o.kind === 'ApplicationSet');
  const set = owner ? sim.store.appSets.get(String(owner.name)) : undefined;
  return set && (set.metadata as JsonObject).uid === owner?.uid ? set : undefined;
}

/** After a change to a generated app: schedules the ApplicationSet controller putting its spec back. */
export function scheduleAppSetRevert(sim: SimContext, rec: AppRecord, restore: (spec: JsonObject) => void): void {
  if (!rec.generatedSpec || !owningAppSet(sim, rec)) return;
  const ms = pickDelay(sim.controller.appSetRevert, sim.rng);
  if (ms === undefined) return;
  sim.cancel(rec.appSetRevertTimer);
  rec.appSetRevertTimer = sim.schedule(() => {
    rec.appSetRevertTimer = undefined;
    const set = owningAppSet(sim, rec);
    if (!set || !sim.store.apps.has(String((rec.app.metadata as JsonObject).name))) return;
    const spec = desiredSpec(set, rec);
    if (JSON.stringify(spec) !== JSON.stringify(rec.app.spec)) restore(spec);
  }, ms);
}
