/**
 * The event store replicas share (./event-store.ts says what it keeps and for how long). Per SSE stream
 * `<scope>~<stream>`: a Redis stream of its events (XADD; the entry id is the sequence), a hash `meta:` with its
 * owner and the requests it answers, and while it is produced a lease `live:` naming the producing process. All
 * three are rewritten with every event (a restarted Redis has them back at once), expire with the stream, and go
 * when it is delivered, released or its session ends.
 */
import { randomUUID } from 'node:crypto';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Redis } from 'ioredis';
import { serializeMessage } from '../../shaping/raw-json.ts';
import { EVENT_STORE_DEFAULTS, SEP, answerKey, eventId, isMessage, isResponse, parseEventId, producerGoneError } from './event-store.ts';
import type { EventStoreOptions, FollowArgs, FollowResult, ParsedEventId, ScopedEventStore, SharedEventStore } from './event-store.ts';
import type { RedisHealth } from './redis-health.ts';

export interface RedisEventStoreOptions extends EventStoreOptions {
  prefix?: string;
  onError?: (err: Error) => void;
  health?: RedisHealth;
  /** This process, as its leases name it (default: a random id). */
  instance?: string;
}

type Entries = Array<[string, string[]]>;

/** A stream a resumer follows: its keys, the requests it answers, and the last entry relayed. */
interface Followed {
  p: ParsedEventId;
  key: string;
  live: string;
  requestIds: RequestId[];
  last: string;
}

const decode = (fields: string[]): JSONRPCMessage | undefined => {
  const i = fields.indexOf('m');
  if (i < 0) return undefined;
  try {
    return JSON.parse(fields[i + 1]) as JSONRPCMessage;
  } catch {
    return undefined;
  }
};

export function createRedisEventStore(redis: Redis, options: RedisEventStoreOptions = {}): SharedEventStore {
  return new RedisEventStore(redis, options);
}

class RedisEventStore implements SharedEventStore {
  readonly kind = 'redis';
  private readonly o: Required<EventStoreOptions>;
  private readonly instance: string;
  private readonly prefix: string;
  private unstored = 0;
  /** Connections of resumers blocked on XREAD (closed with the store). */
  private readonly followers = new Set<Redis>();
  /** Responses this process stored and not yet delivered: answer key → [stream key, meta key] (bounded). */
  private readonly answers = new Map<string, [string, string]>();
  /** Leases of the streams this process is producing (renewed by the heartbeat). */
  private readonly leases = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisEventStoreOptions,
  ) {
    this.o = { ...EVENT_STORE_DEFAULTS, ...options };
    this.instance = options.instance ?? randomUUID();
    this.prefix = options.prefix ?? 'argocd-mcp:sse:';
    this.heartbeat = setInterval(() => this.renewLeases(), Math.max(50, Math.floor(this.o.leaseMs / 3)));
    this.heartbeat.unref();
  }

  private streamKey = (scope: string, stream: string) => `${this.prefix}${scope}${SEP}${stream}`;
  private metaKey = (scope: string, stream: string) => `${this.prefix}meta:${scope}${SEP}${stream}`;
  private liveKey = (scope: string, stream: string) => `${this.prefix}live:${scope}${SEP}${stream}`;
  private usable = () => !this.options.health || this.options.health.available();
  private failed = (err: Error) => {
    this.options.health?.failed(err);
    this.options.onError?.(err);
  };
  private drop(...keys: string[]): void {
    if (this.usable()) this.redis.del(...keys).catch(this.failed);
  }

  private renewLeases(): void {
    if (!this.leases.size || !this.usable()) return;
    const batch = this.redis.pipeline();
    for (const key of this.leases) batch.set(key, this.instance, 'PX', this.o.leaseMs);
    batch.exec().catch(this.failed);
  }

  forScope(scope: string, owner?: string): ScopedEventStore {
    /** The request ids each stream answers, as stored in its meta hash. */
    const requestsOf = new Map<string, string>();
    /** Streams of this scope stored here (to drop them when the scope ends). */
    const mine = new Set<string>();
    return {
      bindRequests: (streamId, requestIds) => {
        requestsOf.set(streamId, JSON.stringify(requestIds));
      },
      forget: () => {
        const keys: string[] = [];
        for (const s of mine) {
          this.leases.delete(this.liveKey(scope, s));
          keys.push(this.streamKey(scope, s), this.metaKey(scope, s), this.liveKey(scope, s));
        }
        mine.clear();
        requestsOf.clear();
        if (keys.length) this.drop(...keys);
      },
      storeEvent: (streamId, message) => this.store({ scope, owner, streamId, message, requestsOf, mine }),
      getStreamIdForEventId: async (id) => {
        const p = parseEventId(id);
        if (!p || p.scope !== scope || !this.usable()) return undefined;
        return (await this.redis.exists(this.streamKey(scope, p.stream))) ? p.stream : undefined;
      },
      replayEventsAfter: async (lastEventId, { send }) => {
        const p = parseEventId(lastEventId);
        if (!p || p.scope !== scope) throw new Error('the event id belongs to another session');
        const entries = (await this.redis.xrange(this.streamKey(scope, p.stream), `(${p.seq}`, '+')) as Entries;
        for (const [id, fields] of entries) {
          const m = decode(fields);
          if (isMessage(m)) await send(eventId(scope, p.stream, id), m!);
        }
        return p.stream;
      },
    };
  }

  private async store(args: { scope: string; owner?: string; streamId: string; message: JSONRPCMessage; requestsOf: Map<string, string>; mine: Set<string> }): Promise<string> {
    const { scope, streamId, message, requestsOf, mine } = args;
    const key = this.streamKey(scope, streamId);
    const meta = this.metaKey(scope, streamId);
    const live = this.liveKey(scope, streamId);
    const completed = isMessage(message) && isResponse(message);
    const ttl = completed ? this.o.completedRetentionMs : this.o.openRetentionMs;
    mine.add(streamId);
    if (completed) this.leases.delete(live);
    else this.leases.add(live);
    // Redis is away: the event still goes out on the live stream, it just cannot be resumed elsewhere (its id
    // says so). A call must neither fail nor wait because the resume store is down.
    if (!this.usable()) return eventId(scope, streamId, `unstored.${++this.unstored}`);
    try {
      const batch = this.redis
        .multi()
        .xadd(key, 'MAXLEN', '~', String(this.o.maxEventsPerStream), '*', 'm', serializeMessage(message))
        .pexpire(key, ttl)
        .hset(meta, 'o', args.owner ?? '', 'r', requestsOf.get(streamId) ?? '[]')
        .pexpire(meta, ttl);
      if (completed) batch.del(live);
      else batch.set(live, this.instance, 'PX', this.o.leaseMs);
      const [[err, id]] = (await batch.exec()) as Array<[Error | null, string]>;
      if (err) throw err;
      if (completed) {
        requestsOf.delete(streamId);
        mine.delete(streamId);
        this.answers.set(answerKey(scope, (message as JSONRPCMessage & { id: RequestId }).id), [key, meta]);
        if (this.answers.size > 10_000) this.answers.delete(this.answers.keys().next().value!);
      }
      return eventId(scope, streamId, id);
    } catch (err) {
      this.failed(err as Error);
      return eventId(scope, streamId, `unstored.${++this.unstored}`);
    }
  }

  async follow(lastEventId: string, args: FollowArgs): Promise<FollowResult> {
    const opened = await this.openFollowed(lastEventId, args);
    if ('ok' in opened) return opened;
    const f = opened;
    const [first, alive] = await Promise.all([this.read(f), this.redis.exists(f.live)]);
    const answered = first.some(([, fields]) => {
      const m = decode(fields);
      return isMessage(m) && isResponse(m!);
    });
    if (!answered && !alive && !f.requestIds.length) {
      this.drop(f.key, this.metaKey(f.p.scope, f.p.stream));
      return { ok: false, status: 404, message: 'the replica that was producing this stream stopped before it answered; send the request again' };
    }
    args.onReady?.();
    if (this.relay(f, first, args)) return { ok: true, stoppedBecause: 'completed' };
    if (!alive) return this.producerGone(f, args);
    return this.waitForEntries(f, args);
  }

  /** The stream a Last-Event-ID names, when it exists and this owner may resume it; else why not. */
  private async openFollowed(lastEventId: string, args: FollowArgs): Promise<Followed | Extract<FollowResult, { ok: false }>> {
    const p = parseEventId(lastEventId);
    if (p?.seq.startsWith('unstored.')) {
      return { ok: false, status: 404, message: 'this stream was produced while Redis was unavailable, so no other replica can resume it; send the request again' };
    }
    if (!p || !/^\d+-\d+$/.test(p.seq)) return { ok: false, status: 400, message: 'Last-Event-ID is not an event id of this gateway' };
    if (!this.usable()) return { ok: false, status: 503, message: 'the shared event store (Redis) is unavailable right now; resume again in a few seconds' };
    const key = this.streamKey(p.scope, p.stream);
    const [meta, exists] = await Promise.all([this.redis.hgetall(this.metaKey(p.scope, p.stream)), this.redis.exists(key)]);
    if (meta.o === undefined || !exists) return { ok: false, status: 404, message: 'the stream is unknown or expired; send the request again' };
    if (meta.o !== '' && meta.o !== args.owner) return { ok: false, status: 403, message: 'the stream belongs to another client' };
    let requestIds: RequestId[] = [];
    try {
      requestIds = JSON.parse(meta.r ?? '[]') as RequestId[];
    } catch {
      // An unreadable list: no answer can be made up for the requests, the resumer gets a 404 instead.
    }
    return { p, key, live: this.liveKey(p.scope, p.stream), requestIds, last: p.seq };
  }

  private async read(f: Followed): Promise<Entries> {
    return (await this.redis.xrange(f.key, `(${f.last}`, '+')) as Entries;
  }

  /** Sends entries to the resumer; true once the answer was among them. */
  private relay(f: Followed, entries: Entries, args: FollowArgs): boolean {
    for (const [id, fields] of entries) {
      f.last = id;
      const m = decode(fields);
      if (!isMessage(m)) continue;
      args.send(eventId(f.p.scope, f.p.stream, id), m!);
      if (isResponse(m!)) return true;
    }
    return false;
  }

  /** No lease: the producer is gone. Anything it stored in time is relayed, then each request gets an error. */
  private async producerGone(f: Followed, args: FollowArgs): Promise<FollowResult> {
    if (this.relay(f, await this.read(f), args)) return { ok: true, stoppedBecause: 'completed' };
    for (const id of f.requestIds) args.send(`${f.p.scope}${SEP}${f.p.stream}${SEP}gone`, producerGoneError(id));
    this.drop(f.key, this.metaKey(f.p.scope, f.p.stream));
    return { ok: true, stoppedBecause: 'producer-gone' };
  }

  /**
   * Blocks on new entries until the answer, the client leaves, the lease lapses or the stream idles too long.
   * A blocking read needs a connection of its own; closing it is how a client's disconnect interrupts the wait.
   * Its command timeout must outlast the BLOCK wait (the shared connection's is short), and it may wait for its
   * own connection to come up.
   */
  private async waitForEntries(f: Followed, args: FollowArgs): Promise<FollowResult> {
    const reader = this.redis.duplicate({ commandTimeout: 15_000, enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    this.followers.add(reader);
    const onAbort = () => reader.disconnect();
    args.signal.addEventListener('abort', onAbort, { once: true });
    let idleSince = Date.now();
    // Between two reads the lease is checked: a wait never outlasts the lease by much.
    const maxWait = Math.max(50, Math.min(5_000, Math.floor(this.o.leaseMs / 2)));
    try {
      while (!args.signal.aborted) {
        const wait = Math.min(maxWait, Math.max(1, args.idleMs - (Date.now() - idleSince)));
        const answer = (await reader.xread('COUNT', 100, 'BLOCK', wait, 'STREAMS', f.key, f.last)) as Array<[string, Entries]> | null;
        if (answer?.length) {
          idleSince = Date.now();
          if (this.relay(f, answer[0][1], args)) return { ok: true, stoppedBecause: 'completed' };
          continue;
        }
        if (!(await reader.exists(f.live))) return await this.producerGone(f, args);
        if (Date.now() - idleSince >= args.idleMs) return { ok: true, stoppedBecause: 'idle' };
      }
      return { ok: true, stoppedBecause: 'client-closed' };
    } catch (err) {
      if (args.signal.aborted) return { ok: true, stoppedBecause: 'client-closed' };
      throw err;
    } finally {
      args.signal.removeEventListener('abort', onAbort);
      this.followers.delete(reader);
      reader.disconnect();
    }
  }

  /** Drops (or, with a delivered grace, expires soon) a stream and its meta hash. */
  private expireDelivered(keys: [string, string]): void {
    const grace = this.o.deliveredRetentionMs;
    const done = grace > 0 ? this.redis.multi().pexpire(keys[0], grace).pexpire(keys[1], grace).exec() : this.redis.del(...keys);
    done.catch(this.failed);
  }

  delivered(scope: string, requestIds: readonly RequestId[]): void {
    for (const id of requestIds) {
      const a = answerKey(scope, id);
      const keys = this.answers.get(a);
      if (!keys) continue;
      this.answers.delete(a);
      if (this.usable()) this.expireDelivered(keys);
    }
  }

  release(lastEventId: string): void {
    const p = parseEventId(lastEventId);
    if (!p || !this.usable()) return;
    this.expireDelivered([this.streamKey(p.scope, p.stream), this.metaKey(p.scope, p.stream)]);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const r of this.followers) r.disconnect();
    this.followers.clear();
    this.answers.clear();
    this.leases.clear();
  }
}
