/**
 * The fleet attention feed's two reads of one Argo CD, projected as the UI projects them
 * (ui/src/app/applications/components/applications-list/applications-list.tsx `loadApplications`): the list by
 * `fields`, asking for the list's `metadata.resourceVersion` too, and the application watch from a resourceVersion,
 * under `result.`. Both go through what a tool call goes through: the tool must be exposed (allowlist, toolsets, the
 * connected release), the scope narrows the query and filters the answer, and under per-user sign-in (sso) the
 * caller's own Argo CD token is used, so Argo CD's RBAC shows them their applications only.
 */
import type { SignInBroker, SignInUser } from '../argocd/auth/sso/broker.ts';
import { buildRequest } from '../argocd/build-request.ts';
import { ndjsonItems } from '../argocd/collect-stream.ts';
import type { Upstream, UpstreamSendArgs } from '../argocd/upstream.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import type { ScopeGuard } from '../policy/scope/scope.ts';
import type { WatchEvent } from './attention.ts';

export const LIST_TOOL = 'application_list';
export const WATCH_TOOL = 'application_watch';

/** What a row needs, and what the scope judges an application by (project, namespace, destination). */
export const APP_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.resourceVersion',
  'spec.project',
  'spec.destination',
  'status.sync.status',
  'status.health.status',
  'status.health.message',
  'status.conditions',
  'status.operationState.phase',
  'status.operationState.message',
];
export const LIST_FIELDS = ['metadata.resourceVersion', ...APP_FIELDS.map((f) => `items.${f}`)].join(',');
export const WATCH_FIELDS = ['result.type', ...APP_FIELDS.map((f) => `result.application.${f}`)].join(',');

/**
 * How long to wait for a watch's first bytes: argocd-server writes the response head with the first event, and a
 * watch opened with a resourceVersion sends no initial events, so a quiet fleet sends nothing for a while. After this
 * the watch is opened again (with a new list), which also bounds how long a silently dead connection goes unnoticed.
 */
export const WATCH_WAIT_MS = 5 * 60_000;

export type ReadOutcome<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface AttentionReads {
  /** The instance's name when several are configured. */
  readonly instance?: string;
  /** Calls carry their user's own Argo CD token (sso over HTTP): one feed per user. */
  readonly perUser: boolean;
  /** Why the feed cannot run on this gateway (a tool it needs is not exposed), or undefined. */
  unavailable(): Promise<string | undefined>;
  /**
   * Under per-user sign-in: why this user's feed cannot be read yet (no inbound auth; not signed in, with the link
   * to sign in), or undefined. Always undefined with the gateway's own identity.
   */
  identityProblem(user: SignInUser | undefined): Promise<string | undefined>;
  list(args: { signal: AbortSignal; user?: SignInUser }): Promise<ReadOutcome<{ items: unknown[]; resourceVersion?: string }>>;
  /** The watch from `resourceVersion`; the events end when the stream ends, breaks or reports an error. */
  watch(args: { resourceVersion?: string; signal: AbortSignal; user?: SignInUser }): Promise<ReadOutcome<{ events: AsyncIterable<WatchEvent> }>>;
}

export interface AttentionReadsOptions {
  instance?: string;
  /** The gateway's catalogue by tool name. */
  tools: () => Map<string, CatalogueTool>;
  /** Resolves once the gateway knows what the connected release serves. */
  ready: () => Promise<void>;
  /** Why a tool is not callable on this gateway, or undefined. */
  refusalOf: (tool: CatalogueTool) => string | undefined;
  scope: ScopeGuard;
  upstream?: Upstream;
  signIn?: SignInBroker;
  watchWaitMs?: number;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

async function toolFor(options: AttentionReadsOptions, name: string): Promise<ReadOutcome<{ tool: CatalogueTool }>> {
  await options.ready();
  const tool = options.tools().get(name);
  if (!tool) return { ok: false, error: `the catalogue has no ${name}` };
  const refusal = options.refusalOf(tool);
  if (refusal) return { ok: false, error: `it reads with ${name}, which this gateway does not expose (${refusal})` };
  return { ok: true, tool };
}

/**
 * The caller's own token under per-user sign-in; the gateway's own identity otherwise. Only `interactive` (a
 * reader asking now) starts a sign-in: the feed's reconnects never do.
 */
async function identity(signIn: SignInBroker | undefined, user: SignInUser | undefined, interactive = false): Promise<ReadOutcome<{ as?: UpstreamSendArgs['user'] }>> {
  if (!signIn) return { ok: true };
  if (!user) {
    return { ok: false, error: 'This gateway signs each user in to Argo CD (sso), so the feed needs to know who reads it: configure inbound auth (authIssuer or apiKeysFile).' };
  }
  const got = await signIn.token(user);
  if (got.ok) return { ok: true, as: { token: got.token, who: user } };
  if (!got.signIn) return { ok: false, error: `Could not obtain an Argo CD token for you: ${got.message}` };
  if (!interactive) return { ok: false, error: 'Your Argo CD sign-in has ended: read the feed again to sign in anew.' };
  const { url } = await signIn.start(user);
  return { ok: false, error: `Sign in to Argo CD first (your own account, so Argo CD shows you your applications): open ${url} in a browser, then read the feed again. (The link works once, for 10 minutes.)` };
}

/** A read as a tool call makes it: exposed, within the scope, built from the catalogue, and sent as whom. */
async function prepare(options: AttentionReadsOptions, read: { name: string; args: Json; user: SignInUser | undefined; fields: string }) {
  const { name, args, user, fields } = read;
  const found = await toolFor(options, name);
  if (!found.ok) return found;
  if (!options.upstream) return { ok: false as const, error: 'No Argo CD is configured: set ARGOCD_BASE_URL and ARGOCD_API_TOKEN (or run `argocd-mcp-gateway demo`).' };
  const verdict = await options.scope.check(found.tool, args);
  if (!verdict.ok) return { ok: false as const, error: verdict.refusal ?? `${name} is outside this gateway's scope` };
  const built = buildRequest(found.tool, verdict.args);
  if (!built.ok) return { ok: false as const, error: built.problems.join('; ') };
  built.request.query.fields = fields;
  const who = await identity(options.signIn, user);
  if (!who.ok) return who;
  return { ok: true as const, tool: found.tool, request: built.request, as: who.as, upstream: options.upstream };
}

/** The application list, as the scope lets it through, and the version to watch from. */
async function listApps(options: AttentionReadsOptions, { signal, user }: Parameters<AttentionReads['list']>[0]): ReturnType<AttentionReads['list']> {
  const ready = await prepare(options, { name: LIST_TOOL, args: {}, user, fields: LIST_FIELDS });
  if (!ready.ok) return ready;
  const answer = await ready.upstream.send({ tool: ready.tool, request: ready.request, signal, user: ready.as });
  if (answer.kind === 'error') return { ok: false, error: answer.text };
  if (answer.kind !== 'json') return { ok: false, error: 'Argo CD did not answer the application list with JSON' };
  const data = obj(answer.data);
  const kept = obj(options.scope.filter(ready.tool, data));
  const items = Array.isArray(kept.items) ? (kept.items as unknown[]) : [];
  const resourceVersion = obj(data.metadata).resourceVersion;
  return { ok: true, items, resourceVersion: typeof resourceVersion === 'string' && resourceVersion !== '' ? resourceVersion : undefined };
}

/** The application watch from `resourceVersion`, closed when `signal` aborts. */
async function watchApps(options: AttentionReadsOptions, { resourceVersion, signal, user }: Parameters<AttentionReads['watch']>[0]): ReturnType<AttentionReads['watch']> {
  const ready = await prepare(options, { name: WATCH_TOOL, args: resourceVersion ? { resourceVersion } : {}, user, fields: WATCH_FIELDS });
  if (!ready.ok) return ready;
  const answer = await ready.upstream.send({ tool: ready.tool, request: ready.request, signal, user: ready.as, streamWaitMs: options.watchWaitMs ?? WATCH_WAIT_MS });
  if (answer.kind === 'error') return { ok: false, error: answer.text };
  if (answer.kind !== 'stream') return { ok: false, error: 'Argo CD did not answer the application watch with a stream' };
  if (signal.aborted) {
    answer.close();
    return { ok: false, error: 'the watch was stopped' };
  }
  signal.addEventListener('abort', () => answer.close(), { once: true });
  return { ok: true, events: scopedEvents(answer.body, options.scope) };
}

/** The watch's events as the scope lets them through. */
async function* scopedEvents(body: ReadableStream<Uint8Array>, scope: ScopeGuard): AsyncIterable<WatchEvent> {
  for await (const item of ndjsonItems(body)) {
    const event = obj(item) as WatchEvent;
    // An application that left the scope (its project or destination changed) leaves the feed: it is removed,
    // and nothing of it but the name and version the feed already held is kept.
    if (event.application !== undefined && !scope.appInScope(event.application)) {
      const md = obj(obj(event.application).metadata);
      yield { type: 'DELETED', application: { metadata: { name: md.name, namespace: md.namespace, resourceVersion: md.resourceVersion } } };
    } else yield event;
  }
}

export function createAttentionReads(options: AttentionReadsOptions): AttentionReads {
  return {
    instance: options.instance,
    perUser: !!options.signIn,
    async unavailable() {
      for (const name of [LIST_TOOL, WATCH_TOOL]) {
        const found = await toolFor(options, name);
        if (!found.ok) return found.error;
      }
      return options.upstream ? undefined : 'no Argo CD is configured';
    },
    async identityProblem(user) {
      const who = await identity(options.signIn, user, true);
      return who.ok ? undefined : who.error;
    },
    list: (args) => listApps(options, args),
    watch: (args) => watchApps(options, args),
  };
}
