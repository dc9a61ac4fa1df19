/**
 * Resumable SSE streams: the SDK's `EventStore` (every event of a response stream is stored with an id; a client
 * that lost the stream comes back with `Last-Event-ID`), in memory or in Redis so that any replica can resume a
 * stream another one produced.
 *
 * Event ids are `<scope>~<stream>~<seq>`: the scope is the session id (or a random id per stateless request), the
 * stream is the SDK's stream id, the sequence orders events. Scopes keep sessions' streams apart (the SDK's
 * standalone GET stream has the same id in every session) and bind a stream to the subject that opened it.
 *
 * Retention is bounded: a stream whose response was written in full to a connection that then ended normally is
 * `delivered`: the client has it, and it is dropped at once (`deliveredRetentionMs`, 0 by default; under load, every
 * second of it keeps a second's worth of answers in memory). One whose response was produced but not seen to arrive is kept `completedRetentionMs` (30 s: long enough to resume
 * a connection that dropped just before the end), an open one `openRetentionMs` (10 min); the memory store also caps
 * its bytes (32 MiB of JSON), dropping the oldest streams first. A session's streams go when it ends, and a stream
 * relayed in full to a resuming client is released like a delivered one.
 *
 * A resumer must never wait on a stream nobody produces any more: in Redis each stream being produced holds a lease
 * (renewed by its process), and a resumer that finds none answers each of the stream's requests with an error at
 * once (`producerGoneError`), or 404 when it does not know them. A replica that stops past `shutdownTimeout` stores
 * an error answer for its unfinished calls first (src/transports/http/shutdown.ts), which resumers read like any answer.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import { serializeMessage } from '../../shaping/raw-json.ts';
import type { RedisHealth } from './redis-health.ts';

export interface FollowArgs {
  /** The subject resuming (undefined without inbound auth); must be the one that opened the stream. */
  owner?: string;
  send: (eventId: string, message: JSONRPCMessage) => void;
  /** Called once the stream is known and may be resumed by this owner, before anything is replayed. */
  onReady?: () => void;
  signal: AbortSignal;
  /** Give up when nothing arrives for this long (the producer may be gone). */
  idleMs: number;
}

export type FollowResult =
  /** `producer-gone`: the replica producing the stream stopped without an answer; the resumer was told so. */
  | { ok: true; stoppedBecause: 'completed' | 'client-closed' | 'idle' | 'producer-gone' }
  | { ok: false; status: 400 | 403 | 404 | 503; message: string };

/** The SDK EventStore of one session (or one stateless request), and what the gateway's transport adds to it. */
export interface ScopedEventStore extends EventStore {
  /** The requests a stream answers (before its first event): a resumer can be answered for them if its producer dies. */
  bindRequests?(streamId: string, requestIds: readonly RequestId[]): void;
  /** The session (or request) ended: its streams are dropped, and none is still being produced here. */
  forget?(): void;
}

export interface SharedEventStore {
  readonly kind: 'memory' | 'redis';
  /** The SDK EventStore for one session (or one stateless request). */
  forScope(scope: string, owner?: string): ScopedEventStore;
  /**
   * Replays the events after `lastEventId`, then relays new ones as they are stored (by this process or, with
   * Redis, another replica) until the stream's response was sent, the client goes away, or it is idle too long.
   */
  follow(lastEventId: string, args: FollowArgs): Promise<FollowResult>;
  /**
   * The responses to these requests of `scope` were written in full and their HTTP response ended normally: the
   * client has them, so their streams are kept only a short grace (`deliveredRetentionMs`).
   */
  delivered(scope: string, requestIds: readonly RequestId[]): void;
  /** A resumed stream was relayed in full, its answer included, on a response that ended normally: drop it. */
  release(lastEventId: string): void;
  close(): Promise<void>;
}

/**
 * What a resumer is told for each request of a stream whose producer is gone without an answer (the replica was
 * killed, or lost Redis for longer than its lease).
 */
export function producerGoneError(id: RequestId): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: -32000,
      message:
        'The gateway replica that was running this request stopped before it answered (it was killed or cut off), so no answer will come. Whether the call took effect is unknown: check the state in Argo CD, then send the request again.',
    },
  } as JSONRPCMessage;
}

export interface EventStoreOptions {
  deliveredRetentionMs?: number;
  completedRetentionMs?: number;
  openRetentionMs?: number;
  /** Memory store: total bytes of stored messages before the oldest streams are dropped (default 32 MiB). */
  maxBytes?: number;
  /** Memory store: how often messages still kept are serialized and counted against maxBytes (default 1 s). */
  serializeEveryMs?: number;
  /** Redis store: events kept per stream (default 1000). */
  maxEventsPerStream?: number;
  /**
   * Redis store: a stream being produced holds a lease this long, renewed every third of it; a resumer that finds no
   * lease knows the producer is gone (default 6 s).
   */
  leaseMs?: number;
}

const SEP = '~';
const DEFAULTS = { serializeEveryMs: 1_000, deliveredRetentionMs: 0, completedRetentionMs: 30_000, openRetentionMs: 10 * 60_000, maxBytes: 32 * 1024 * 1024, maxEventsPerStream: 1000, leaseMs: 6_000 };

export interface ParsedEventId {
  scope: string;
  stream: string;
  seq: string;
}

export function parseEventId(eventId: string): ParsedEventId | undefined {
  const first = eventId.indexOf(SEP);
  const last = eventId.lastIndexOf(SEP);
  if (first <= 0 || last <= first + 1 || last === eventId.length - 1) return undefined;
  return { scope: eventId.slice(0, first), stream: eventId.slice(first + 1, last), seq: eventId.slice(last + 1) };
}

const eventId = (scope: string, stream: string, seq: string | number) => `${scope}${SEP}${stream}${SEP}${seq}`;

/** A JSON-RPC response ends a request's stream; the priming event (`{}`) is not a message at all. */
const isResponse = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } => 'id' in m && ('result' in m || 'error' in m);

/** Where the response to request `id` of `scope` was stored: the stream to release once it is delivered. */
const answerKey = (scope: string, id: RequestId) => `${scope}${SEP}${typeof id}:${id}`;
const isMessage = (m: unknown) => !!m && typeof m === 'object' && 'jsonrpc' in (m as object);

// ---------------------------------------------------------------------------------------------------------------
// Memory

interface MemoryStream {
  /**
   * Messages are kept serialized (a JSON string costs about its length, a parsed document several times that), but
   * not at once: most streams are delivered and dropped within milliseconds, so an event keeps the message itself
   * until the next serializing pass (`serializeEveryMs`), and only what is still kept then is serialized.
   */
  events: StoredEvent[];
  owner?: string;
  bytes: number;
  completed: boolean;
  expiresAt: number;
  /** The answer keys of the responses stored in this stream (to forget them with it). */
  answers?: string[];
}

interface StoredEvent {
  seq: number;
  /** The message until it is serialized; the priming event has none. */
  message?: JSONRPCMessage;
  json?: string;
}

const messageOf = (e: StoredEvent): JSONRPCMessage | undefined => e.message ?? (e.json ? (JSON.parse(e.json) as JSONRPCMessage) : undefined);

export function createMemoryEventStore(options: EventStoreOptions = {}): SharedEventStore {
  const o = { ...DEFAULTS, ...options };
  const streams = new Map<string, MemoryStream>();
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  /** Responses stored and not yet delivered: answer key → stream key. */
  const answers = new Map<string, string>();
  /** Delivered streams in the order their grace ends (the grace is the same for all, so this is a queue). */
  const graceQueue: Array<{ key: string; at: number }> = [];
  let graceHead = 0;
  let seq = 0;
  let bytes = 0;

  const drop = (key: string) => {
    const s = streams.get(key);
    if (!s) return;
    bytes -= s.bytes;
    streams.delete(key);
    unserialized.delete(key);
    for (const a of s.answers ?? []) answers.delete(a);
    // A follower of a stream dropped before its answer learns that none will come.
    if (!s.completed) bus.emit(key);
  };
  const endGraces = (now: number) => {
    while (graceHead < graceQueue.length && graceQueue[graceHead].at <= now) {
      const { key } = graceQueue[graceHead++];
      if ((streams.get(key)?.expiresAt ?? Infinity) <= now) drop(key);
    }
    if (graceHead > 1024 && graceHead * 2 > graceQueue.length) {
      graceQueue.splice(0, graceHead);
      graceHead = 0;
    }
  };
  /** Over the byte cap: drop the oldest streams (Map keeps insertion order) down to 3/4 of it, so this is rare. */
  const trim = () => {
    for (const key of streams.keys()) {
      if (bytes <= o.maxBytes * 0.75) break;
      drop(key);
    }
  };
  const sweep = () => {
    const now = Date.now();
    endGraces(now);
    for (const [key, s] of streams) if (s.expiresAt < now) drop(key);
  };
  const timer = setInterval(sweep, Math.min(o.completedRetentionMs, 30_000));
  timer.unref();
  /** Streams with events not serialized yet. */
  const unserialized = new Set<string>();
  const serialize = () => {
    for (const key of unserialized) {
      const s = streams.get(key);
      for (const e of s?.events ?? []) {
        if (!e.message) continue;
        e.json = serializeMessage(e.message);
        e.message = undefined;
        s!.bytes += e.json.length;
        bytes += e.json.length;
      }
    }
    unserialized.clear();
    if (bytes > o.maxBytes) trim();
  };
  const serializer = setInterval(serialize, o.serializeEveryMs);
  serializer.unref();

  return {
    kind: 'memory',
    forScope(scope, owner) {
      return {
        forget() {
          for (const key of [...streams.keys()]) if (key.startsWith(`${scope}${SEP}`)) drop(key);
        },
        async storeEvent(streamId, message) {
          const key = `${scope}${SEP}${streamId}`;
          let s = streams.get(key);
          if (!s) {
            s = { events: [], owner, bytes: 0, completed: false, expiresAt: 0 };
            streams.set(key, s);
          }
          const n = ++seq;
          if (isMessage(message)) {
            s.events.push({ seq: n, message });
            unserialized.add(key);
          } else s.events.push({ seq: n });
          if (isMessage(message) && isResponse(message)) {
            s.completed = true;
            const a = answerKey(scope, message.id);
            answers.set(a, key);
            (s.answers ??= []).push(a);
          }
          const now = Date.now();
          s.expiresAt = now + (s.completed ? o.completedRetentionMs : o.openRetentionMs);
          endGraces(now);
          if (bytes > o.maxBytes) trim();
          bus.emit(key);
          return eventId(scope, streamId, n);
        },
        async getStreamIdForEventId(id) {
          const p = parseEventId(id);
          return p && p.scope === scope && streams.has(`${scope}${SEP}${p.stream}`) ? p.stream : undefined;
        },
        async replayEventsAfter(lastEventId, { send }) {
          const p = parseEventId(lastEventId);
          if (!p || p.scope !== scope) throw new Error('the event id belongs to another session');
          const s = streams.get(`${scope}${SEP}${p.stream}`);
          const after = Number(p.seq);
          for (const e of s?.events ?? []) {
            const m = e.seq > after ? messageOf(e) : undefined;
            if (m) await send(eventId(scope, p.stream, e.seq), m);
          }
          return p.stream;
        },
      };
    },
    async follow(lastEventId, args) {
      const p = parseEventId(lastEventId);
      if (!p || !/^\d+$/.test(p.seq)) return { ok: false, status: 400, message: 'Last-Event-ID is not an event id of this gateway' };
      const key = `${p.scope}${SEP}${p.stream}`;
      const s = streams.get(key);
      if (!s) return { ok: false, status: 404, message: 'the stream is unknown or expired; send the request again' };
      if (s.owner !== undefined && s.owner !== args.owner) return { ok: false, status: 403, message: 'the stream belongs to another client' };
      args.onReady?.();
      let last = Number(p.seq);
      const pump = (): boolean => {
        const current = streams.get(key);
        for (const e of current?.events ?? []) {
          if (e.seq <= last) continue;
          last = e.seq;
          const message = messageOf(e);
          if (!message) continue;
          args.send(eventId(p.scope, p.stream, e.seq), message);
          if (isResponse(message)) return true;
        }
        return false;
      };
      if (pump()) return { ok: true, stoppedBecause: 'completed' };
      return new Promise<FollowResult>((resolve) => {
        let idle: NodeJS.Timeout;
        const finish = (r: FollowResult) => {
          clearTimeout(idle);
          bus.off(key, onEvent);
          args.signal.removeEventListener('abort', onAbort);
          resolve(r);
        };
        const arm = () => {
          clearTimeout(idle);
          idle = setTimeout(() => finish({ ok: true, stoppedBecause: 'idle' }), args.idleMs);
        };
        const onEvent = () => {
          arm();
          if (pump()) finish({ ok: true, stoppedBecause: 'completed' });
          else if (!streams.has(key)) finish({ ok: true, stoppedBecause: 'producer-gone' });
        };
        const onAbort = () => finish({ ok: true, stoppedBecause: 'client-closed' });
        if (args.signal.aborted) return onAbort();
        bus.on(key, onEvent);
        args.signal.addEventListener('abort', onAbort, { once: true });
        arm();
      });
    },
    delivered(scope, requestIds) {
      const at = Date.now() + o.deliveredRetentionMs;
      for (const id of requestIds) {
        const a = answerKey(scope, id);
        const key = answers.get(a);
        answers.delete(a);
        const s = key ? streams.get(key) : undefined;
        if (!key || !s || !s.completed) continue;
        if (o.deliveredRetentionMs <= 0) {
          drop(key);
          continue;
        }
        s.expiresAt = Math.min(s.expiresAt, at);
        graceQueue.push({ key, at });
      }
    },
    release(lastEventId) {
      const p = parseEventId(lastEventId);
      const key = p && `${p.scope}${SEP}${p.stream}`;
      if (key && streams.get(key)?.completed && o.deliveredRetentionMs <= 0) drop(key);
    },
    async close() {
      clearInterval(timer);
      clearInterval(serializer);
      unserialized.clear();
      streams.clear();
      answers.clear();
      graceQueue.length = graceHead = 0;
      bytes = 0;
    },
  };
}


// ---------------------------------------------------------------------------------------------------------------
// Redis. Per SSE stream `<scope>~<stream>`: a Redis stream of its events (XADD; the entry id is the sequence), a
// hash `meta:` with its owner and the requests it answers, and while it is produced a lease `live:` naming the
// producing process. All three are rewritten with every event (a restarted Redis has them back at once), expire
// with the stream, and go when it is delivered, released or its session ends.

export function createRedisEventStore(
  redis: Redis,
  options: EventStoreOptions & { prefix?: string; onError?: (err: Error) => void; health?: RedisHealth; instance?: string } = {},
): SharedEventStore {
  const o = { ...DEFAULTS, ...options };
  const { health } = options;
  const instance = options.instance ?? randomUUID();
  let unstored = 0;
  const prefix = options.prefix ?? 'argocd-mcp:sse:';
  const streamKey = (scope: string, stream: string) => `${prefix}${scope}${SEP}${stream}`;
  const metaKey = (scope: string, stream: string) => `${prefix}meta:${scope}${SEP}${stream}`;
  const liveKey = (scope: string, stream: string) => `${prefix}live:${scope}${SEP}${stream}`;
  const followers = new Set<Redis>();
  /** Responses this process stored and not yet delivered: answer key → [stream key, meta key] (bounded). */
  const answers = new Map<string, [string, string]>();
  /** Leases of the streams this process is producing (renewed by the heartbeat). */
  const leases = new Set<string>();
  const usable = () => !health || health.available();
  const failed = (err: Error) => {
    health?.failed(err);
    options.onError?.(err);
  };

  const heartbeat = setInterval(() => {
    if (!leases.size || !usable()) return;
    const batch = redis.pipeline();
    for (const key of leases) batch.set(key, instance, 'PX', o.leaseMs);
    batch.exec().catch(failed);
  }, Math.max(50, Math.floor(o.leaseMs / 3)));
  heartbeat.unref();

  const decode = (fields: string[]): JSONRPCMessage | undefined => {
    const i = fields.indexOf('m');
    if (i < 0) return undefined;
    try {
      return JSON.parse(fields[i + 1]) as JSONRPCMessage;
    } catch {
      return undefined;
    }
  };
  const drop = (...keys: string[]) => {
    if (usable()) redis.del(...keys).catch(failed);
  };

  return {
    kind: 'redis',
    forScope(scope, owner) {
      /** The request ids each stream answers, as stored in its meta hash. */
      const requestsOf = new Map<string, string>();
      /** Streams of this scope stored here (to drop them when the scope ends). */
      const mine = new Set<string>();
      return {
        bindRequests(streamId, requestIds) {
          requestsOf.set(streamId, JSON.stringify(requestIds));
        },
        forget() {
          const keys: string[] = [];
          for (const s of mine) {
            leases.delete(liveKey(scope, s));
            keys.push(streamKey(scope, s), metaKey(scope, s), liveKey(scope, s));
          }
          mine.clear();
          requestsOf.clear();
          if (keys.length) drop(...keys);
        },
        async storeEvent(streamId, message) {
          const key = streamKey(scope, streamId);
          const meta = metaKey(scope, streamId);
          const live = liveKey(scope, streamId);
          const completed = isMessage(message) && isResponse(message);
          const ttl = completed ? o.completedRetentionMs : o.openRetentionMs;
          mine.add(streamId);
          if (completed) leases.delete(live);
          else leases.add(live);
          // Redis is away: the event still goes out on the live stream, it just cannot be resumed elsewhere (its id
          // says so). A call must neither fail nor wait because the resume store is down.
          if (!usable()) return eventId(scope, streamId, `unstored.${++unstored}`);
          try {
            const batch = redis
              .multi()
              .xadd(key, 'MAXLEN', '~', String(o.maxEventsPerStream), '*', 'm', serializeMessage(message))
              .pexpire(key, ttl)
              .hset(meta, 'o', owner ?? '', 'r', requestsOf.get(streamId) ?? '[]')
              .pexpire(meta, ttl);
            if (completed) batch.del(live);
            else batch.set(live, instance, 'PX', o.leaseMs);
            const [[err, id]] = (await batch.exec()) as Array<[Error | null, string]>;
            if (err) throw err;
            if (completed) {
              requestsOf.delete(streamId);
              mine.delete(streamId);
              answers.set(answerKey(scope, (message as JSONRPCMessage & { id: RequestId }).id), [key, meta]);
              if (answers.size > 10_000) answers.delete(answers.keys().next().value!);
            }
            return eventId(scope, streamId, id);
          } catch (err) {
            failed(err as Error);
            return eventId(scope, streamId, `unstored.${++unstored}`);
          }
        },
        async getStreamIdForEventId(id) {
          const p = parseEventId(id);
          if (!p || p.scope !== scope || !usable()) return undefined;
          return (await redis.exists(streamKey(scope, p.stream))) ? p.stream : undefined;
        },
        async replayEventsAfter(lastEventId, { send }) {
          const p = parseEventId(lastEventId);
          if (!p || p.scope !== scope) throw new Error('the event id belongs to another session');
          const entries = (await redis.xrange(streamKey(scope, p.stream), `(${p.seq}`, '+')) as Array<[string, string[]]>;
          for (const [id, fields] of entries) {
            const m = decode(fields);
            if (isMessage(m)) await send(eventId(scope, p.stream, id), m!);
          }
          return p.stream;
        },
      };
    },
    async follow(lastEventId, args) {
      const p = parseEventId(lastEventId);
      if (p?.seq.startsWith('unstored.')) {
        return { ok: false, status: 404, message: 'this stream was produced while Redis was unavailable, so no other replica can resume it; send the request again' };
      }
      if (!p || !/^\d+-\d+$/.test(p.seq)) return { ok: false, status: 400, message: 'Last-Event-ID is not an event id of this gateway' };
      if (!usable()) return { ok: false, status: 503, message: 'the shared event store (Redis) is unavailable right now; resume again in a few seconds' };
      const key = streamKey(p.scope, p.stream);
      const live = liveKey(p.scope, p.stream);
      const [meta, exists] = await Promise.all([redis.hgetall(metaKey(p.scope, p.stream)), redis.exists(key)]);
      if (meta.o === undefined || !exists) return { ok: false, status: 404, message: 'the stream is unknown or expired; send the request again' };
      if (meta.o !== '' && meta.o !== args.owner) return { ok: false, status: 403, message: 'the stream belongs to another client' };
      let requestIds: RequestId[] = [];
      try {
        requestIds = JSON.parse(meta.r ?? '[]') as RequestId[];
      } catch {
        // An unreadable list: no answer can be made up for the requests, the resumer gets a 404 instead.
      }
      let last = p.seq;
      const relay = (entries: Array<[string, string[]]>): boolean => {
        for (const [id, fields] of entries) {
          last = id;
          const m = decode(fields);
          if (!isMessage(m)) continue;
          args.send(eventId(p.scope, p.stream, id), m!);
          if (isResponse(m!)) return true;
        }
        return false;
      };
      const read = async () => (await redis.xrange(key, `(${last}`, '+')) as Array<[string, string[]]>;
      /** No lease: the producer is gone. Anything it stored in time is relayed, then each request gets an error. */
      const producerGone = async (): Promise<FollowResult> => {
        if (relay(await read())) return { ok: true, stoppedBecause: 'completed' };
        for (const id of requestIds) args.send(`${p.scope}${SEP}${p.stream}${SEP}gone`, producerGoneError(id));
        drop(key, metaKey(p.scope, p.stream));
        return { ok: true, stoppedBecause: 'producer-gone' };
      };
      const [first, alive] = await Promise.all([read(), redis.exists(live)]);
      const answered = first.some(([, fields]) => {
        const m = decode(fields);
        return isMessage(m) && isResponse(m!);
      });
      if (!answered && !alive && !requestIds.length) {
        drop(key, metaKey(p.scope, p.stream));
        return { ok: false, status: 404, message: 'the replica that was producing this stream stopped before it answered; send the request again' };
      }
      args.onReady?.();
      if (relay(first)) return { ok: true, stoppedBecause: 'completed' };
      if (!alive) return producerGone();
      // A blocking read needs a connection of its own; closing it is how a client's disconnect interrupts the wait.
      // Its command timeout must outlast the BLOCK wait (the shared connection's is short), and it may wait for its
      // own connection to come up.
      const reader = redis.duplicate({ commandTimeout: 15_000, enableOfflineQueue: true, maxRetriesPerRequest: 1 });
      followers.add(reader);
      const onAbort = () => reader.disconnect();
      args.signal.addEventListener('abort', onAbort, { once: true });
      let idleSince = Date.now();
      // Between two reads the lease is checked: a wait never outlasts the lease by much.
      const maxWait = Math.max(50, Math.min(5_000, Math.floor(o.leaseMs / 2)));
      try {
        while (!args.signal.aborted) {
          const wait = Math.min(maxWait, Math.max(1, args.idleMs - (Date.now() - idleSince)));
          const answer = (await reader.xread('COUNT', 100, 'BLOCK', wait, 'STREAMS', key, last)) as Array<[string, Array<[string, string[]]>]> | null;
          if (answer?.length) {
            idleSince = Date.now();
            if (relay(answer[0][1])) return { ok: true, stoppedBecause: 'completed' };
            continue;
          }
          if (!(await reader.exists(live))) return await producerGone();
          if (Date.now() - idleSince >= args.idleMs) return { ok: true, stoppedBecause: 'idle' };
        }
        return { ok: true, stoppedBecause: 'client-closed' };
      } catch (err) {
        if (args.signal.aborted) return { ok: true, stoppedBecause: 'client-closed' };
        throw err;
      } finally {
        args.signal.removeEventListener('abort', onAbort);
        followers.delete(reader);
        reader.disconnect();
      }
    },
    delivered(scope, requestIds) {
      for (const id of requestIds) {
        const a = answerKey(scope, id);
        const keys = answers.get(a);
        if (!keys) continue;
        answers.delete(a);
        if (!usable()) continue;
        const done = o.deliveredRetentionMs > 0 ? redis.multi().pexpire(keys[0], o.deliveredRetentionMs).pexpire(keys[1], o.deliveredRetentionMs).exec() : redis.del(...keys);
        done.catch(failed);
      }
    },
    release(lastEventId) {
      const p = parseEventId(lastEventId);
      if (!p || !usable()) return;
      const keys = [streamKey(p.scope, p.stream), metaKey(p.scope, p.stream)];
      (o.deliveredRetentionMs > 0 ? redis.multi().pexpire(keys[0], o.deliveredRetentionMs).pexpire(keys[1], o.deliveredRetentionMs).exec() : redis.del(...keys)).catch(failed);
    },
    async close() {
      clearInterval(heartbeat);
      for (const r of followers) r.disconnect();
      followers.clear();
      answers.clear();
      leases.clear();
    },
  };
}
