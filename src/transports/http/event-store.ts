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
 * an error answer for its unfinished calls first (./shutdown.ts), which resumers read like any answer.
 *
 * This file holds what both stores share: the interfaces, the event id format, the retention defaults. The stores
 * are ./memory-event-store.ts and ./redis-event-store.ts.
 */
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

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

export const SEP = '~';
export const EVENT_STORE_DEFAULTS = { serializeEveryMs: 1_000, deliveredRetentionMs: 0, completedRetentionMs: 30_000, openRetentionMs: 10 * 60_000, maxBytes: 32 * 1024 * 1024, maxEventsPerStream: 1000, leaseMs: 6_000 };

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

/** The id of event `seq` of a stream. */
export const eventId = (scope: string, stream: string, seq: string | number) => `${scope}${SEP}${stream}${SEP}${seq}`;

/** A JSON-RPC response ends a request's stream; the priming event (`{}`) is not a message at all. */
export const isResponse = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } => 'id' in m && ('result' in m || 'error' in m);

/** Where the response to request `id` of `scope` was stored: the stream to release once it is delivered. */
export const answerKey = (scope: string, id: RequestId) => `${scope}${SEP}${typeof id}:${id}`;
/** A JSON-RPC message, not the priming event's empty object. */
export const isMessage = (m: unknown) => !!m && typeof m === 'object' && 'jsonrpc' in (m as object);
