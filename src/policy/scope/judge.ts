/** What the scope's judgements share: the sets, the call's lookups, the refusal messages, cluster resolution. */
import type { Lookups } from './lookup.ts';
import { destinationOutside } from './rules.ts';
import type { KnownCluster, ScopeSets } from './rules.ts';

export type Args = Record<string, unknown>;
export type Json = Record<string, unknown>;

/** The arguments to send (possibly made explicit: a default namespace, upsert dropped), or why not. */
export type Judgement = { ok: true; args: Args } | { ok: false; refusal: string };

export interface Judge {
  sets: ScopeSets;
  lookups: Lookups;
  toolName: string;
  /** The scope in words, e.g. `projects payments; clusters prod`. */
  describe: string;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export function refuse(refusal: string): Judgement {
  return { ok: false, refusal };
}

/** An existing object the caller may not reach through the gateway: it reads as absent, whatever the reason. */
export function invisible(j: Judge, what: string, name: string): string {
  return `${what} "${name}" is not visible through this gateway: it does not exist, or it is outside the scope this gateway may reach (${j.describe}). Nothing was sent to Argo CD.`;
}

/** The object as the write would leave it is outside. */
export function wouldBeOutside(j: Judge, what: string, name: string | undefined, why: string): string {
  return `${what} "${name ?? '?'}" would be outside the scope of this gateway (${j.describe}): ${why}. Nothing was sent to Argo CD.`;
}

/** A lookup the judgement needs failed: the write is refused (fail closed). */
export function unchecked(j: Judge, what: string, message: string): string {
  return `${j.toolName} was refused because it could not be checked against this gateway's scope (${j.describe}): reading ${what} from Argo CD failed: ${message}\nNothing was sent to Argo CD; call again once Argo CD answers.`;
}

/**
 * The cluster a destination resolves to in Argo CD (`cluster_get` by server URL, or by name with `idType: name`,
 * as the controller resolves `destination.name`: util/argo/argo.go GetDestinationCluster), looked up only when the
 * destination as written matches no `clusters:` entry. An unknown cluster resolves to nothing.
 */
export async function resolveDestination(j: Judge, dest: KnownCluster): Promise<{ ok: true; cluster?: KnownCluster } | { ok: false; refusal: string }> {
  if (!j.sets.clusters || !destinationOutside(j.sets.clusters, dest)) return { ok: true };
  const args = dest.server ? { idValue: dest.server } : dest.name ? { idValue: dest.name, idType: 'name' } : undefined;
  if (!args) return { ok: true };
  const got = await j.lookups.read('cluster_get', args);
  if (got.state === 'failed') return { ok: false, refusal: unchecked(j, `the destination cluster "${args.idValue}"`, got.message) };
  if (got.state === 'absent') return { ok: true };
  const c = obj(got.data);
  return { ok: true, cluster: { server: str(c.server), name: str(c.name) } };
}

/**
 * The namespace Argo CD files an Application or ApplicationSet under when it names none: argocd-server's own
 * (server/application/application.go `appNamespaceOrDefault`, applicationset.go `appsetNamespaceOrDefault`: `s.ns`).
 * The API does not tell it directly; AppProjects live there, so the object's own project tells it.
 */
export async function defaultNamespace(j: Judge, project: string, what: string): Promise<{ ok: true; namespace: string } | { ok: false; refusal: string }> {
  const fix = `set ${what}.metadata.namespace to one of ${[...(j.sets.namespaces ?? [])].map((n) => `"${n}"`).join(', ')}`;
  const got = await j.lookups.read('project_get', { name: project });
  const ns = got.state === 'found' ? str(obj(obj(got.data).metadata).namespace) : undefined;
  if (ns) return { ok: true, namespace: ns };
  const why = got.state === 'failed' ? got.message : `project "${project}" could not be read`;
  return {
    ok: false,
    refusal: `${j.toolName} was refused: the ${what} names no metadata.namespace, so Argo CD would put it in its own namespace, and this gateway (${j.describe}) could not learn which that is (${why}). To proceed, ${fix}. Nothing was sent to Argo CD.`,
  };
}
