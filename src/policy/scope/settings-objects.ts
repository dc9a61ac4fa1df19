/**
 * Writes to clusters, repositories and credential templates: judged on the object as Argo CD has it and on what the
 * write leaves (server/cluster/cluster.go Create/Update with `updatedFields`; server/repository/repository.go).
 * Only `projects:` (project-scoped clusters and repositories) and `clusters:` (clusters) concern them.
 */
import { clusterOutside, repoCredsOutside, repositoryOutside } from './rules.ts';
import { clone, invisible, obj, refuse, str, unchecked, wouldBeOutside } from './judge.ts';
import type { Args, Judge, Judgement, Json } from './judge.ts';
import type { Lookup } from './lookup.ts';

type Found = { ok: true; object: Json } | { ok: false; refusal: string };

function foundOrRefused(j: Judge, got: Lookup, what: string, name: string, outside: (o: unknown) => string | undefined): Found {
  if (got.state === 'failed') return { ok: false, refusal: unchecked(j, `${what} "${name}"`, got.message) };
  if (got.state === 'absent' || outside(got.data)) return { ok: false, refusal: invisible(j, what, name) };
  return { ok: true, object: obj(got.data) };
}

/** After an `upsert` lookup: an existing object must be inside; one the caller cannot see is not overwritten. */
function upsertJudged(j: Judge, got: Lookup, what: string, name: string, outside: (o: unknown) => string | undefined, args: Args): Judgement {
  if (got.state === 'failed') return refuse(unchecked(j, `${what} "${name}" (upsert may overwrite it)`, got.message));
  if (got.state === 'absent') {
    const { upsert: _dropped, ...rest } = args;
    return { ok: true, args: rest };
  }
  if (outside(got.data)) {
    return refuse(`${what} "${name}" cannot be created with upsert: one exists that is not visible through this gateway (${j.describe}), and upsert would overwrite it. Nothing was sent to Argo CD.`);
  }
  return { ok: true, args };
}

const clusterOut = (j: Judge) => (c: unknown) => clusterOutside(j.sets, c);

export async function judgeCluster(j: Judge, write: 'existing' | 'create' | 'update', args: Args): Promise<Judgement> {
  if (!j.sets.projects && !j.sets.clusters) return { ok: true, args };
  const outside = clusterOut(j);
  if (write === 'create') {
    const body = obj(args.cluster);
    const why = outside(body);
    if (why) return refuse(wouldBeOutside(j, 'Cluster', str(body.server) ?? str(body.name), why));
    if (args.upsert !== true || !str(body.server)) return { ok: true, args };
    return upsertJudged(j, await j.lookups.read('cluster_get', { idValue: body.server }), 'Cluster', String(body.server), outside, args);
  }
  const id = String(args.idValue ?? '');
  const got = await j.lookups.read('cluster_get', { idValue: id, ...(str(args.idType) ? { idType: args.idType } : {}) });
  const found = foundOrRefused(j, got, 'Cluster', id, outside);
  if (!found.ok || write === 'existing') return found.ok ? { ok: true, args } : found;
  // With updatedFields only those fields change (clusterFieldsByPath); without, the body replaces the cluster.
  const body = obj(args.cluster);
  const fields = Array.isArray(args.updatedFields) ? (args.updatedFields as string[]) : [];
  const result = fields.length ? { ...clone(found.object), ...Object.fromEntries(fields.filter((f) => f in body).map((f) => [f, body[f]])) } : body;
  const why = outside(result);
  return why ? refuse(wouldBeOutside(j, 'Cluster', str(result.server) ?? id, why)) : { ok: true, args };
}

export async function judgeRepository(j: Judge, write: 'existing' | 'create' | 'update', getTool: string, args: Args): Promise<Judgement> {
  if (!j.sets.projects) return { ok: true, args };
  const outside = (r: unknown) => repositoryOutside(j.sets, r);
  const body = obj(args.repository);
  if (write !== 'existing') {
    const why = outside(body);
    if (why) return refuse(wouldBeOutside(j, 'Repository', str(body.repo), why));
  }
  if (write === 'create') {
    if (args.upsert !== true || !str(body.repo)) return { ok: true, args };
    const got = await j.lookups.read(getTool, { repo: body.repo, ...(str(body.project) ? { appProject: body.project } : {}) });
    return upsertJudged(j, got, 'Repository', String(body.repo), outside, args);
  }
  // Argo CD finds a project-scoped repository by URL and project (db.GetRepository(ctx, url, project)).
  const repo = String(args.repo ?? body.repo ?? '');
  const project = write === 'update' ? str(body.project) : str(args.appProject);
  const got = await j.lookups.read(getTool, { repo, ...(project ? { appProject: project } : {}) });
  const found = foundOrRefused(j, got, 'Repository', repo, outside);
  return found.ok ? { ok: true, args } : found;
}

export function judgeRepoCreds(j: Judge, args: Args): Judgement {
  const why = repoCredsOutside(j.sets);
  return why ? refuse(`${j.toolName} is outside the scope of this gateway: ${why}. Nothing was sent to Argo CD.`) : { ok: true, args };
}
