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
 * its bytes (32 MiB of JSON), dropping the oldest streams first.
 */
import { EventEmitter } from 'node:events';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import { serializeMessage } from '../runtime/raw-json.ts';

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
  | { ok: true; stoppedBecause: 'completed' | 'client-closed' | 'idle' }
  | { ok: false; status: 400 | 403 | 404; message: string };

export interface SharedEventStore {
  readonly kind: 'memory' | 'redis';
  /** The SDK EventStore for one session (or one stateless request). */
  forScope(scope: string, owner?: string): EventStore;
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
  close(): Promise<void>;
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
}

const SEP = '~';
const DEFAULTS = { serializeEveryMs: 1_000, deliveredRetentionMs: 0, completedRetentionMs: 30_000, openRetentionMs: 10 * 60_000, maxBytes: 32 * 1024 * 1024, maxEventsPerStream: 1000 };

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
// Redis: one Redis stream per SSE stream (XADD; the entry id is the sequence), a hash for its owner.

export function createRedisEventStore(redis: Redis, options: EventStoreOptions & { prefix?: string; onError?: (err: Error) => void } = {}): SharedEventStore {
  const o = { ...DEFAULTS, ...options };
  let unstored = 0;
  const prefix = options.prefix ?? 'argocd-mcp:sse:';
  const streamKey = (scope: string, stream: string) => `${prefix}${scope}${SEP}${stream}`;
  const ownerKey = (scope: string) => `${prefix}owner:${scope}`;
  const followers = new Set<Redis>();
  /** Responses this process stored and not yet delivered: answer key → Redis key (bounded, oldest forgotten). */
  const answers = new Map<string, string>();

  const decode = (fields: string[]): JSONRPCMessage | undefined => {
    const i = fields.indexOf('m');
    if (i < 0) return undefined;
    try {
      return JSON.parse(fields[i + 1]) as JSONRPCMessage;
    } catch {
      return undefined;
    }
  };

  return {
    kind: 'redis',
    forScope(scope, owner) {
      // Recorded once per scope; every stored event refreshes its lifetime.
      let ownerWritten: Promise<unknown> | undefined;
      const writeOwner = () => (ownerWritten ??= redis.set(ownerKey(scope), owner ?? '', 'PX', o.openRetentionMs));
      return {
        async storeEvent(streamId, message) {
          const key = streamKey(scope, streamId);
          const completed = isMessage(message) && isResponse(message);
          const ttl = completed ? o.completedRetentionMs : o.openRetentionMs;
          try {
            await writeOwner();
            const [[err, id]] = (await redis
              .multi()
              .xadd(key, 'MAXLEN', '~', String(o.maxEventsPerStream), '*', 'm', serializeMessage(message))
              .pexpire(key, ttl)
              .pexpire(ownerKey(scope), o.openRetentionMs)
              .exec()) as Array<[Error | null, string]>;
            if (err) throw err;
            if (completed) {
              answers.set(answerKey(scope, (message as JSONRPCMessage & { id: RequestId }).id), key);
              if (answers.size > 10_000) answers.delete(answers.keys().next().value!);
            }
            return eventId(scope, streamId, id);
          } catch (err) {
            // Redis is down: the event still goes out on the live stream, it just cannot be resumed. A call must
            // not fail because the resume store did.
            ownerWritten = undefined;
            options.onError?.(err as Error);
            return eventId(scope, streamId, `unstored.${++unstored}`);
          }
        },
        async getStreamIdForEventId(id) {
          const p = parseEventId(id);
          if (!p || p.scope !== scope) return undefined;
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
      if (!p || !/^\d+-\d+$/.test(p.seq)) return { ok: false, status: 400, message: 'Last-Event-ID is not an event id of this gateway' };
      const key = streamKey(p.scope, p.stream);
      const [owner, exists] = await Promise.all([redis.get(ownerKey(p.scope)), redis.exists(key)]);
      if (owner === null || !exists) return { ok: false, status: 404, message: 'the stream is unknown or expired; send the request again' };
      if (owner !== '' && owner !== args.owner) return { ok: false, status: 403, message: 'the stream belongs to another client' };
      args.onReady?.();
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
      if (relay((await redis.xrange(key, `(${last}`, '+')) as Array<[string, string[]]>)) return { ok: true, stoppedBecause: 'completed' };
      // A blocking read needs a connection of its own; closing it is how a client's disconnect interrupts the wait.
      // Its command timeout must outlast the BLOCK wait (the shared connection's may be shorter).
      const reader = redis.duplicate({ commandTimeout: 15_000 });
      followers.add(reader);
      const onAbort = () => reader.disconnect();
      args.signal.addEventListener('abort', onAbort, { once: true });
      let idleSince = Date.now();
      try {
        while (!args.signal.aborted) {
          const wait = Math.min(5_000, Math.max(1, args.idleMs - (Date.now() - idleSince)));
          const answer = (await reader.xread('COUNT', 100, 'BLOCK', wait, 'STREAMS', key, last)) as Array<[string, Array<[string, string[]]>]> | null;
          if (answer?.length) {
            idleSince = Date.now();
            if (relay(answer[0][1])) return { ok: true, stoppedBecause: 'completed' };
          } else if (Date.now() - idleSince >= args.idleMs) return { ok: true, stoppedBecause: 'idle' };
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
        const key = answers.get(a);
        if (!key) continue;
        answers.delete(a);
        (o.deliveredRetentionMs > 0 ? redis.pexpire(key, o.deliveredRetentionMs) : redis.del(key)).catch((err: Error) => options.onError?.(err));
      }
    },
    async close() {
      for (const r of followers) r.disconnect();
      followers.clear();
      answers.clear();
    },
  };
}
