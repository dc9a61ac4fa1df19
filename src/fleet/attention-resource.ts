/**
 * The fleet attention feed as an MCP resource: `argocd://fleet/attention` (every instance when several are
 * configured), `argocd://fleet/attention?instance=NAME` (one of them), and `&limit=N` for more or fewer rows.
 * `resources/read` answers the live copy; `resources/subscribe` sends `notifications/resources/updated` when the feed
 * changes, at most one per `intervalMs` per subscription (the first at once, the next when the interval has passed).
 * Called from src/mcp/resources.ts, which owns the resources handlers.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ReadResourceResult, Resource } from '@modelcontextprotocol/sdk/types.js';
import type { SignInUser } from '../argocd/auth/sso/broker.ts';
import { createFeedHub } from './attention-feed.ts';
import type { FeedHub, FeedTiming } from './attention-feed.ts';
import type { AttentionReads } from './attention-reads.ts';
import { DEFAULT_ROWS, MAX_ROWS, renderAttention } from './attention-render.ts';
import type { FeedPart } from './attention-render.ts';

export const ATTENTION_URI = 'argocd://fleet/attention';

/** Attention subscriptions one session may hold (each URI spelling of a limit or instance is one). */
export const MAX_ATTENTION_SUBSCRIPTIONS = 10;

/** The shortest time between two update notifications of one subscription. */
export const UPDATE_INTERVAL_MS = 1000;

export interface AttentionTarget {
  instance?: string;
  limit: number;
}

/** `argocd://fleet/attention[?instance=NAME][&limit=N]`: undefined when the URI is not the feed's. */
export function parseAttentionUri(uri: string): { ok: true; target: AttentionTarget } | { ok: false; error: string } | undefined {
  const m = /^argocd:\/\/fleet\/attention\/?(?:\?(.*))?$/.exec(uri);
  if (!m) return undefined;
  const params = new URLSearchParams(m[1] ?? '');
  const instance = params.get('instance') || undefined;
  const rawLimit = params.get('limit');
  let limit = DEFAULT_ROWS;
  if (rawLimit !== null && rawLimit !== '') {
    limit = Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS) {
      return { ok: false, error: `\`limit\` in ${uri} must be a whole number from 1 to ${MAX_ROWS} (rows to show; default ${DEFAULT_ROWS}), not "${rawLimit}".` };
    }
  }
  return { ok: true, target: { ...(instance ? { instance } : {}), limit } };
}

/** The one spelling of a feed URI, so spellings of one feed are one subscription. */
export function attentionUri(target: AttentionTarget): string {
  const params = new URLSearchParams();
  if (target.instance) params.set('instance', target.instance);
  if (target.limit !== DEFAULT_ROWS) params.set('limit', String(target.limit));
  const query = params.toString();
  return query ? `${ATTENTION_URI}?${query}` : ATTENTION_URI;
}

/** Calls `send` at most once per `intervalMs`: at once when the last call is that old, else when it will be. */
export function createThrottle(send: () => void, intervalMs: number, now: () => number = Date.now): { fire: () => void; cancel: () => void } {
  let last = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const go = () => {
    timer = undefined;
    last = now();
    send();
  };
  return {
    fire() {
      if (timer) return;
      const wait = last + intervalMs - now();
      if (wait <= 0) go();
      else timer = setTimeout(go, wait);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Hubs by Argo CD: one per gateway's instance, shared by every session of the process. */
const hubs = new WeakMap<AttentionReads, FeedHub>();

function hubOf(reads: AttentionReads, timing?: Partial<FeedTiming>): FeedHub {
  let hub = hubs.get(reads);
  if (!hub) {
    hub = createFeedHub(reads, timing);
    hubs.set(reads, hub);
  }
  return hub;
}

/** What the resources handlers pass on: who asks (inbound auth), as the tools handler reads it. */
export interface RequestExtra {
  authInfo?: { token?: string; extra?: Record<string, unknown> };
}

function userOf(extra: RequestExtra | undefined): SignInUser | undefined {
  const subject = extra?.authInfo?.extra?.subject;
  return typeof subject === 'string' && subject ? { subject, accessToken: extra?.authInfo?.token || undefined } : undefined;
}

export interface AttentionResources {
  /** The URI is the feed's (read, subscribe and unsubscribe go to this module). */
  owns(uri: string): boolean;
  /** The feed's entries in resources/list (none when it cannot run on this gateway). */
  list(): Promise<Resource[]>;
  read(uri: string, extra?: RequestExtra): Promise<ReadResourceResult>;
  subscribe(uri: string, extra?: RequestExtra): Promise<void>;
  unsubscribe(uri: string): void;
}

/** Which feeds a URI reads: every instance's, or the one it names. Throws what the client got wrong. */
function feedsOf(reads: AttentionReads[], uri: string): { target: AttentionTarget; selected: AttentionReads[] } {
  const parsed = parseAttentionUri(uri);
  if (!parsed) throw new McpError(ErrorCode.InvalidParams, `Not the fleet attention feed's URI: ${uri} (${ATTENTION_URI}[?instance=NAME][&limit=N])`);
  if (!parsed.ok) throw new McpError(ErrorCode.InvalidParams, parsed.error);
  if (!reads.length) throw new McpError(ErrorCode.InvalidRequest, 'The fleet attention feed needs an Argo CD: set ARGOCD_BASE_URL and ARGOCD_API_TOKEN (or run `argocd-mcp-gateway demo`).');
  const { instance } = parsed.target;
  if (instance === undefined) return { target: parsed.target, selected: reads };
  const one = reads.find((r) => r.instance === instance);
  if (!one) {
    const names = reads.map((r) => r.instance).filter(Boolean);
    throw new McpError(ErrorCode.InvalidParams, names.length ? `Unknown instance "${instance}" in ${uri}; the instances are ${names.join(', ')}.` : `${uri} names instance "${instance}", but this gateway serves one Argo CD: read ${ATTENTION_URI}.`);
  }
  return { target: parsed.target, selected: [one] };
}

/** The feed's entries in resources/list: one for the whole fleet, and one per instance when there are several. */
async function listAttention(reads: AttentionReads[]): Promise<Resource[]> {
  const merged = reads.length > 1;
  const open = (await Promise.all(reads.map(async (r) => ((await r.unavailable()) ? undefined : r)))).filter((r): r is AttentionReads => !!r);
  if (!open.length) return [];
  const entry = (uri: string, title: string): Resource => ({
    uri,
    name: uri.replace('argocd://', ''),
    title,
    description: `Applications that need attention (not Synced, not Healthy, or last operation Failed/Error), worst first, with exact counts; kept current from Argo CD's watch, subscribe for changes. ?limit=N rows (default ${DEFAULT_ROWS}, at most ${MAX_ROWS}).`,
    mimeType: 'application/json',
  });
  const all = entry(ATTENTION_URI, merged ? 'Fleet attention (every instance)' : 'Fleet attention');
  return merged ? [all, ...open.map((r) => entry(attentionUri({ instance: r.instance, limit: DEFAULT_ROWS }), `Fleet attention: ${r.instance}`))] : [all];
}

/** One instance's part of a read: its feed's snapshot once seeded, or why it cannot be opened. */
async function readPart(r: AttentionReads, user: SignInUser | undefined, timing: Partial<FeedTiming> | undefined): Promise<FeedPart> {
  const opened = await hubOf(r, timing).open(user);
  if (!opened.ok) return { instance: r.instance, error: opened.error };
  try {
    await opened.feed.seeded();
    return { instance: r.instance, snapshot: opened.feed.snapshot() };
  } finally {
    opened.feed.linger();
    opened.release();
  }
}

/** `resources/read` of a feed URI: the live copy, failed only when no instance could be read. */
async function readAttention(args: { reads: AttentionReads[]; uri: string; user?: SignInUser; timing?: Partial<FeedTiming> }): Promise<ReadResourceResult> {
  const { reads, uri } = args;
  const { target: t, selected } = feedsOf(reads, uri);
  const parts = await Promise.all(selected.map((r) => readPart(r, args.user, args.timing)));
  const failed = parts.filter((p) => p.error !== undefined || p.snapshot?.error !== undefined);
  if (failed.length === parts.length) {
    // A refusal (open's error) is a whole sentence already; a failed list is said here.
    const why = failed.map((p) => p.error ?? `The fleet attention feed could not be read${p.instance ? ` on instance "${p.instance}"` : ''}: ${p.snapshot?.error}`).join('\n');
    throw new McpError(parts.some((p) => p.error !== undefined) ? ErrorCode.InvalidRequest : ErrorCode.InternalError, why, { uri });
  }
  const doc = renderAttention({ uri, parts, limit: t.limit, merged: reads.length > 1 && t.instance === undefined });
  return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(doc) }] };
}

/** One session's feed subscriptions, by the feed URI's one spelling; each holds its instances' feeds open. */
class AttentionSubscriptions {
  private readonly held = new Map<string, () => void>();

  constructor(
    private readonly server: Server,
    private readonly reads: AttentionReads[],
    private readonly options: { intervalMs: number; timing?: Partial<FeedTiming> },
  ) {}

  async subscribe(uri: string, user: SignInUser | undefined): Promise<void> {
    const { target: t, selected } = feedsOf(this.reads, uri);
    const key = attentionUri(t);
    if (this.held.has(key)) return;
    if (this.held.size >= MAX_ATTENTION_SUBSCRIPTIONS) {
      throw new McpError(ErrorCode.InvalidRequest, `This session already has ${this.held.size} fleet attention subscriptions, the most one session may hold; unsubscribe from one first.`);
    }
    const throttle = createThrottle(() => {
      this.server.sendResourceUpdated({ uri }).catch(() => undefined);
    }, this.options.intervalMs);
    const holds: Array<() => void> = [throttle.cancel];
    const stop = () => holds.forEach((h) => h());
    // Every instance's feed is held, even one that cannot list yet (it retries, and its return is a change); an
    // instance where the feed cannot run at all is left out. Refused only when no feed could list.
    const outcomes = await Promise.all(
      selected.map(async (r) => {
        const opened = await hubOf(r, this.options.timing).open(user);
        if (!opened.ok) return { refused: opened.error };
        holds.push(opened.feed.onChange(throttle.fire), opened.release);
        await opened.feed.seeded();
        const error = opened.feed.snapshot().error;
        return error === undefined ? {} : { failed: `The fleet attention feed could not be read${r.instance ? ` on instance "${r.instance}"` : ''}: ${error}` };
      }),
    );
    if (outcomes.every((o) => o.refused !== undefined || o.failed !== undefined)) {
      stop();
      const refused = outcomes.some((o) => o.refused !== undefined);
      throw new McpError(refused ? ErrorCode.InvalidParams : ErrorCode.InternalError, outcomes.map((o) => o.refused ?? o.failed).join('\n'));
    }
    // Two subscribes of one URI at once: the first one holds it.
    if (this.held.has(key)) return stop();
    this.held.set(key, stop);
  }

  unsubscribe(uri: string): void {
    const parsed = parseAttentionUri(uri);
    if (!parsed?.ok) return;
    const key = attentionUri(parsed.target);
    this.held.get(key)?.();
    this.held.delete(key);
  }

  releaseAll(): void {
    for (const stop of this.held.values()) stop();
    this.held.clear();
  }
}

export function registerAttention(
  server: Server,
  reads: AttentionReads[],
  options: { intervalMs?: number; timing?: Partial<FeedTiming> } = {},
): AttentionResources {
  const subscriptions = new AttentionSubscriptions(server, reads, { intervalMs: options.intervalMs ?? UPDATE_INTERVAL_MS, timing: options.timing });
  // A session that ends lets go of its feeds.
  const previous = server.onclose;
  server.onclose = () => {
    subscriptions.releaseAll();
    previous?.();
  };
  return {
    owns: (uri) => parseAttentionUri(uri) !== undefined,
    list: () => listAttention(reads),
    read: (uri, extra) => readAttention({ reads, uri, user: userOf(extra), timing: options.timing }),
    subscribe: (uri, extra) => subscriptions.subscribe(uri, userOf(extra)),
    unsubscribe: (uri) => subscriptions.unsubscribe(uri),
  };
}
