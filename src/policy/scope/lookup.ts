/**
 * The scope guard's reads of Argo CD: the object a write would change, the cluster a destination names, the
 * namespace Argo CD files objects under by default. Each is a GET through the catalogue's own read tool
 * (`application_get`, `cluster_get`, …) with the caller's identity, so Argo CD's RBAC shows the caller no more than
 * it would show them directly; answers are kept for one tool call only (a new call reads again).
 */
import { loadCatalogue } from '../../catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../../catalogue/types.ts';
import { buildRequest } from '../../argocd/build-request.ts';
import type { Upstream, UpstreamSendArgs } from '../../argocd/upstream.ts';

/**
 * - `found`: Argo CD answered the object.
 * - `absent`: Argo CD answered 404, or 403, which it also answers for an object that does not exist when the caller
 *   could not see it anyway (server/application/application.go getAppEnforceRBAC, cluster.go
 *   getClusterWith403IfNotExist): either way the caller cannot reach it.
 * - `failed`: anything else (unreachable, 5xx, 401, a sign-in not done): the write is refused, as nothing is known.
 */
export type Lookup = { state: 'found'; data: unknown } | { state: 'absent' } | { state: 'failed'; message: string };

/** The caller's own Argo CD identity (per-user sign-in), obtained only when a lookup needs it. */
export type CallerIdentity = () => Promise<{ ok: true; user?: UpstreamSendArgs['user'] } | { ok: false; message: string }>;

export interface LookupContext {
  identity?: CallerIdentity;
  signal?: AbortSignal;
}

export interface Lookups {
  /** Reads with a catalogue GET tool (e.g. `application_get`, `{ name, appNamespace }`). */
  read(toolName: string, args: Record<string, unknown>): Promise<Lookup>;
  /** What the caller must do first when a read failed for want of their own Argo CD identity (a sign-in). */
  readonly identityProblem?: string;
}

/** Lookups for one tool call; each distinct read is sent at most once. */
export function createLookups(upstream: Upstream | undefined, ctx: LookupContext = {}): Lookups {
  const cache = new Map<string, Promise<Lookup>>();
  let identityProblem: string | undefined;
  const tools = (): Map<string, CatalogueTool> => new Map(loadCatalogue().tools.map((t) => [t.name, t]));

  async function send(toolName: string, args: Record<string, unknown>): Promise<Lookup> {
    if (!upstream) return { state: 'failed', message: 'no Argo CD is configured' };
    const tool = tools().get(toolName);
    if (!tool || tool.request.method !== 'GET') return { state: 'failed', message: `this catalogue has no ${toolName} to read it with` };
    const built = buildRequest(tool, args);
    if (!built.ok) return { state: 'failed', message: built.problems.join('; ') };
    const who = ctx.identity ? await ctx.identity() : { ok: true as const, user: undefined };
    if (!who.ok) {
      identityProblem = who.message;
      return { state: 'failed', message: who.message };
    }
    const answer = await upstream.send({ tool, request: built.request, signal: ctx.signal, user: who.user });
    if (answer.kind === 'json') return { state: 'found', data: answer.data };
    if (answer.kind === 'error' && (answer.status === 403 || answer.status === 404)) return { state: 'absent' };
    if (answer.kind === 'error') return { state: 'failed', message: answer.text };
    if (answer.kind === 'stream') answer.close();
    return { state: 'failed', message: `Argo CD's answer to ${toolName} was not a JSON object` };
  }

  return {
    get identityProblem() {
      return identityProblem;
    },
    read(toolName, args) {
      const key = `${toolName} ${JSON.stringify(args)}`;
      let pending = cache.get(key);
      if (!pending) {
        pending = send(toolName, args);
        cache.set(key, pending);
      }
      return pending;
    },
  };
}
