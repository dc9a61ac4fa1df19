/**
 * The event store of one process (./event-store.ts says what it keeps and for how long): streams in a Map, their
 * messages serialized once they outlive a serializing pass, the total bytes capped (oldest streams dropped first).
 */
import { EventEmitter } from 'node:events';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { serializeMessage } from '../../shaping/raw-json.ts';
import { EVENT_STORE_DEFAULTS, SEP, answerKey, eventId, isMessage, isResponse, parseEventId } from './event-store.ts';
import type { EventStoreOptions, FollowArgs, FollowResult, ScopedEventStore, SharedEventStore } from './event-store.ts';

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
  return new MemoryEventStore(options);
}

class MemoryEventStore implements SharedEventStore {
  readonly kind = 'memory';
  private readonly o: Required<EventStoreOptions>;
  private readonly streams = new Map<string, MemoryStream>();
  /** Emits a stream's key when it gets an event or is dropped (followers wait on it). */
  private readonly bus = new EventEmitter();
  /** Responses stored and not yet delivered: answer key → stream key. */
  private readonly answers = new Map<string, string>();
  /** Delivered streams in the order their grace ends (the grace is the same for all, so this is a queue). */
  private readonly graceQueue: Array<{ key: string; at: number }> = [];
  private graceHead = 0;
  private seq = 0;
  private bytes = 0;
  /** Streams with events not serialized yet. */
  private readonly unserialized = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly serializer: NodeJS.Timeout;

  constructor(options: EventStoreOptions) {
    this.o = { ...EVENT_STORE_DEFAULTS, ...options };
    this.bus.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), Math.min(this.o.completedRetentionMs, 30_000));
    this.sweeper.unref();
    this.serializer = setInterval(() => this.serialize(), this.o.serializeEveryMs);
    this.serializer.unref();
  }

  private drop(key: string): void {
    const s = this.streams.get(key);
    if (!s) return;
    this.bytes -= s.bytes;
    this.streams.delete(key);
    this.unserialized.delete(key);
    for (const a of s.answers ?? []) this.answers.delete(a);
    // A follower of a stream dropped before its answer learns that none will come.
    if (!s.completed) this.bus.emit(key);
  }

  private endGraces(now: number): void {
    const queue = this.graceQueue;
    while (this.graceHead < queue.length && queue[this.graceHead].at <= now) {
      const { key } = queue[this.graceHead++];
      if ((this.streams.get(key)?.expiresAt ?? Infinity) <= now) this.drop(key);
    }
    if (this.graceHead > 1024 && this.graceHead * 2 > queue.length) {
      queue.splice(0, this.graceHead);
      this.graceHead = 0;
    }
  }

  /** Over the byte cap: drop the oldest streams (Map keeps insertion order) down to 3/4 of it, so this is rare. */
  private trim(): void {
    for (const key of this.streams.keys()) {
      if (this.bytes <= this.o.maxBytes * 0.75) break;
      this.drop(key);
    }
  }

  private sweep(): void {
    const now = Date.now();
    this.endGraces(now);
    for (const [key, s] of this.streams) if (s.expiresAt < now) this.drop(key);
  }

  private serialize(): void {
    for (const key of this.unserialized) {
      const s = this.streams.get(key);
      for (const e of s?.events ?? []) {
        if (!e.message) continue;
        e.json = serializeMessage(e.message);
        e.message = undefined;
        s!.bytes += e.json.length;
        this.bytes += e.json.length;
      }
    }
    this.unserialized.clear();
    if (this.bytes > this.o.maxBytes) this.trim();
  }

  private store(scope: string, owner: string | undefined, streamId: string, message: JSONRPCMessage): string {
    const key = `${scope}${SEP}${streamId}`;
    let s = this.streams.get(key);
    if (!s) {
      s = { events: [], owner, bytes: 0, completed: false, expiresAt: 0 };
      this.streams.set(key, s);
    }
    const n = ++this.seq;
    if (isMessage(message)) {
      s.events.push({ seq: n, message });
      this.unserialized.add(key);
    } else s.events.push({ seq: n });
    if (isMessage(message) && isResponse(message)) {
      s.completed = true;
      const a = answerKey(scope, message.id);
      this.answers.set(a, key);
      (s.answers ??= []).push(a);
    }
    const now = Date.now();
    s.expiresAt = now + (s.completed ? this.o.completedRetentionMs : this.o.openRetentionMs);
    this.endGraces(now);
    if (this.bytes > this.o.maxBytes) this.trim();
    this.bus.emit(key);
    return eventId(scope, streamId, n);
  }

  forScope(scope: string, owner?: string): ScopedEventStore {
    return {
      forget: () => {
        for (const key of [...this.streams.keys()]) if (key.startsWith(`${scope}${SEP}`)) this.drop(key);
      },
      storeEvent: async (streamId, message) => this.store(scope, owner, streamId, message),
      getStreamIdForEventId: async (id) => {
        const p = parseEventId(id);
        return p && p.scope === scope && this.streams.has(`${scope}${SEP}${p.stream}`) ? p.stream : undefined;
      },
      replayEventsAfter: async (lastEventId, { send }) => {
        const p = parseEventId(lastEventId);
        if (!p || p.scope !== scope) throw new Error('the event id belongs to another session');
        const s = this.streams.get(`${scope}${SEP}${p.stream}`);
        const after = Number(p.seq);
        for (const e of s?.events ?? []) {
          const m = e.seq > after ? messageOf(e) : undefined;
          if (m) await send(eventId(scope, p.stream, e.seq), m);
        }
        return p.stream;
      },
    };
  }

  async follow(lastEventId: string, args: FollowArgs): Promise<FollowResult> {
    const p = parseEventId(lastEventId);
    if (!p || !/^\d+$/.test(p.seq)) return { ok: false, status: 400, message: 'Last-Event-ID is not an event id of this gateway' };
    const key = `${p.scope}${SEP}${p.stream}`;
    const s = this.streams.get(key);
    if (!s) return { ok: false, status: 404, message: 'the stream is unknown or expired; send the request again' };
    if (s.owner !== undefined && s.owner !== args.owner) return { ok: false, status: 403, message: 'the stream belongs to another client' };
    args.onReady?.();
    let last = Number(p.seq);
    /** Sends the events after `last`; true once the answer was among them. */
    const pump = (): boolean => {
      for (const e of this.streams.get(key)?.events ?? []) {
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
    return this.waitForEvents(key, args, pump);
  }

  /** Follows a stream as events arrive, until its answer, the client leaves, it is dropped, or it idles too long. */
  private waitForEvents(key: string, args: FollowArgs, pump: () => boolean): Promise<FollowResult> {
    return new Promise<FollowResult>((resolve) => {
      let idle: NodeJS.Timeout;
      const finish = (r: FollowResult) => {
        clearTimeout(idle);
        this.bus.off(key, onEvent);
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
        else if (!this.streams.has(key)) finish({ ok: true, stoppedBecause: 'producer-gone' });
      };
      const onAbort = () => finish({ ok: true, stoppedBecause: 'client-closed' });
      if (args.signal.aborted) return onAbort();
      this.bus.on(key, onEvent);
      args.signal.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  }

  delivered(scope: string, requestIds: readonly RequestId[]): void {
    const at = Date.now() + this.o.deliveredRetentionMs;
    for (const id of requestIds) {
      const a = answerKey(scope, id);
      const key = this.answers.get(a);
      this.answers.delete(a);
      const s = key ? this.streams.get(key) : undefined;
      if (!key || !s || !s.completed) continue;
      if (this.o.deliveredRetentionMs <= 0) {
        this.drop(key);
        continue;
      }
      s.expiresAt = Math.min(s.expiresAt, at);
      this.graceQueue.push({ key, at });
    }
  }

  release(lastEventId: string): void {
    const p = parseEventId(lastEventId);
    const key = p && `${p.scope}${SEP}${p.stream}`;
    if (key && this.streams.get(key)?.completed && this.o.deliveredRetentionMs <= 0) this.drop(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    clearInterval(this.serializer);
    this.unserialized.clear();
    this.streams.clear();
    this.answers.clear();
    this.graceQueue.length = this.graceHead = 0;
    this.bytes = 0;
  }
}
