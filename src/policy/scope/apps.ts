/**
 * Applications and ApplicationSets: each write is judged on the object as Argo CD has it (looked up) and as the
 * write will leave it (the body, the merged spec, the patched document), following argocd-server
 * (server/application/application.go Create, Update, UpdateSpec, Patch; server/applicationset/applicationset.go Create).
 */
import { applyJsonPatch, applyMergePatch, PatchError } from '../../json-patch.ts';
import { appOutside, appProjectOf, appsetOutside, destinationOf, nameOf, namespaceOf } from './rules.ts';
import { clone, defaultNamespace, invisible, obj, refuse, resolveDestination, str, unchecked, wouldBeOutside } from './judge.ts';
import type { Args, Judge, Judgement, Json } from './judge.ts';

type Found = { ok: true; object: Json } | { ok: false; refusal: string };

/** Why an application is outside, resolving its destination cluster when `clusters:` needs it. */
async function appWhy(j: Judge, app: unknown): Promise<{ ok: true; why?: string } | { ok: false; refusal: string }> {
  const first = appOutside({ ...j.sets, clusters: undefined }, app);
  if (first || !j.sets.clusters) return { ok: true, why: first };
  const resolved = await resolveDestination(j, destinationOf(app));
  return resolved.ok ? { ok: true, why: appOutside(j.sets, app, resolved.cluster) } : resolved;
}

async function appsetWhy(j: Judge, set: unknown): Promise<{ ok: true; why?: string } | { ok: false; refusal: string }> {
  const first = appsetOutside({ ...j.sets, clusters: undefined }, set);
  if (first || !j.sets.clusters) return { ok: true, why: first };
  const resolved = await resolveDestination(j, destinationOf(obj(obj(set).spec).template));
  return resolved.ok ? { ok: true, why: appsetOutside(j.sets, set, resolved.cluster) } : resolved;
}

const KINDS = {
  app: { what: 'Application', getTool: 'application_get', nsArg: 'appNamespace', why: appWhy },
  appset: { what: 'ApplicationSet', getTool: 'applicationset_get', nsArg: 'appsetNamespace', why: appsetWhy },
} as const;
type Kind = keyof typeof KINDS;

/** The object as Argo CD has it; refused when it is absent, unreadable or outside the scope. */
async function existing(j: Judge, kind: Kind, name: unknown, namespace: unknown): Promise<Found> {
  const k = KINDS[kind];
  const n = str(name);
  if (!n) return { ok: false, refusal: `${j.toolName} names no ${k.what}, so it cannot be confined to this gateway's scope (${j.describe}). Nothing was sent to Argo CD.` };
  const got = await j.lookups.read(k.getTool, { name: n, ...(str(namespace) ? { [k.nsArg]: namespace } : {}) });
  if (got.state === 'failed') return { ok: false, refusal: unchecked(j, `${k.what} "${n}"`, got.message) };
  if (got.state === 'absent') return { ok: false, refusal: invisible(j, k.what, n) };
  const judged = await k.why(j, got.data);
  if (!judged.ok) return judged;
  return judged.why ? { ok: false, refusal: invisible(j, k.what, n) } : { ok: true, object: obj(got.data) };
}

/** The object the write leaves behind must be inside too. */
async function after(j: Judge, kind: Kind, object: Json, args: Args): Promise<Judgement> {
  const judged = await KINDS[kind].why(j, object);
  if (!judged.ok) return judged;
  return judged.why ? refuse(wouldBeOutside(j, KINDS[kind].what, nameOf(object), judged.why)) : { ok: true, args };
}

/** Reads or acts on an existing object by name (get, sync, rollback, delete, resource actions, …). */
export async function judgeExisting(j: Judge, kind: Kind, args: Args, nameArg: string): Promise<Judgement> {
  const found = await existing(j, kind, args[nameArg], args[KINDS[kind].nsArg]);
  return found.ok ? { ok: true, args } : found;
}

/**
 * Create (with `upsert`, Create updates an existing object of that name). Without a namespace the object lands in
 * Argo CD's own: under `namespaces:` that default is looked up and written into the body. With `upsert`, an existing
 * object must be inside; one the caller cannot see is created without `upsert`, so Argo CD refuses to overwrite it
 * ("existing application spec is different, use upsert flag") instead of overwriting what the gateway cannot judge.
 */
export async function judgeCreate(j: Judge, kind: Kind, args: Args, bodyArg: string): Promise<Judgement> {
  const k = KINDS[kind];
  const body = clone(obj(args[bodyArg]));
  let out: Args = args;
  if (j.sets.namespaces && !namespaceOf(body)) {
    const project = kind === 'app' ? appProjectOf(body) : appProjectOf(obj(obj(body.spec).template));
    const ns = await defaultNamespace(j, project, bodyArg);
    if (!ns.ok) return ns;
    body.metadata = { ...obj(body.metadata), namespace: ns.namespace };
    out = { ...args, [bodyArg]: body };
  }
  const judged = await after(j, kind, body, out);
  if (!judged.ok || args.upsert !== true) return judged;
  const name = nameOf(body);
  if (!name) return judged;
  const got = await j.lookups.read(k.getTool, { name, ...(namespaceOf(body) ? { [k.nsArg]: namespaceOf(body) } : {}) });
  if (got.state === 'failed') return refuse(unchecked(j, `${k.what} "${name}" (upsert may overwrite it)`, got.message));
  if (got.state === 'absent') {
    const { upsert: _dropped, ...rest } = out;
    return { ok: true, args: rest };
  }
  const before = await k.why(j, got.data);
  if (!before.ok) return before;
  if (before.why) {
    return refuse(`${k.what} "${name}" cannot be created with upsert: an object of that name exists that is not visible through this gateway (${j.describe}), and upsert would overwrite it. Nothing was sent to Argo CD.`);
  }
  return { ok: true, args: out };
}

/** `application_update`: the app named by the path (or the body's metadata.name), and the body that replaces it. */
export async function judgeAppUpdate(j: Judge, args: Args, name: unknown): Promise<Judgement> {
  const body = clone(obj(args.application));
  const found = await existing(j, 'app', name, namespaceOf(body));
  if (!found.ok) return found;
  // grpc-gateway copies the path name over the body's; the namespace defaults as the lookup's did.
  body.metadata = { ...obj(body.metadata), name: str(name), namespace: namespaceOf(body) ?? namespaceOf(found.object) };
  return after(j, 'app', body, args);
}

/** `application_update_spec`: the app as it is, with the new spec. */
export async function judgeAppUpdateSpec(j: Judge, args: Args): Promise<Judgement> {
  const found = await existing(j, 'app', args.name, args.appNamespace);
  if (!found.ok) return found;
  return after(j, 'app', { ...found.object, spec: obj(args.spec) }, args);
}

/**
 * `application_patch`: Argo CD applies the patch to the app and then validates and updates what results (json patch
 * when `patchType` is empty or `json`, merge patch for `merge`, nothing else); the same is done here to judge it.
 */
export async function judgeAppPatch(j: Judge, args: Args): Promise<Judgement> {
  const found = await existing(j, 'app', args.name, args.appNamespace);
  if (!found.ok) return found;
  const type = str(args.patchType) ?? 'json';
  if (type !== 'json' && type !== 'merge') {
    return refuse(`${j.toolName}: Argo CD takes patchType "json" (RFC 6902, the default) or "merge" (RFC 7386), not "${type}". Nothing was sent to Argo CD.`);
  }
  let patched: unknown;
  try {
    const doc = JSON.parse(String(args.patch ?? '')) as unknown;
    patched = type === 'json' ? applyJsonPatch(found.object, doc) : applyMergePatch(found.object, doc);
  } catch (err) {
    const reason = err instanceof PatchError ? `it does not apply to the application: ${err.message}` : 'it is not valid JSON';
    return refuse(`${j.toolName}: the patch cannot be checked against this gateway's scope (${j.describe}) because ${reason}. Nothing was sent to Argo CD.`);
  }
  const result = obj(patched);
  if (nameOf(result) !== nameOf(found.object) || namespaceOf(result) !== namespaceOf(found.object)) {
    // Argo CD would update the app the patched metadata names, not the one patched.
    return refuse(`${j.toolName}: a patch may not change metadata.name or metadata.namespace. Nothing was sent to Argo CD.`);
  }
  return after(j, 'app', result, args);
}

/** `applicationset_generate`: nothing is written; the ApplicationSet in the body is judged as given. */
export async function judgeAppsetBody(j: Judge, args: Args, bodyArg: string): Promise<Judgement> {
  return after(j, 'appset', obj(args[bodyArg]), args);
}
