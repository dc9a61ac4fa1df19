/**
 * Sessions that travel between replicas (with `redis`): a session is recorded when it starts — who opened it and
 * its `initialize` request, i.e. the client's capabilities and protocol version — so any replica can take it over
 * when a request of it arrives there; and a client's answers to the server's own requests (an elicitation) that
 * reach another replica than the one waiting for them are passed on to it. So confirmation by elicitation and
 * sign-in links work behind a load balancer without client affinity.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface SessionRecord {
  subject?: string;
  profile?: string;
  /** The client's `initialize` request, replayed to the server of a replica that takes the session over. */
  initialize: JSONRPCMessage;
}

export interface SharedSessions {
  save(id: string, record: SessionRecord): Promise<void>;
  load(id: string): Promise<SessionRecord | undefined>;
  /** Keeps a session's record while the session is used (at most once per quarter of its lifetime). */
  touch(id: string): void;
  forget(id: string): Promise<void>;
  /** Client answers (JSON-RPC responses) that reached this replica, for whichever replica waits for them. */
  publishAnswers(id: string, messages: JSONRPCMessage[]): Promise<void>;
  /** Hears the answers other replicas received for a session held here; returns the unsubscribe. */
  onAnswers(id: string, deliver: (message: JSONRPCMessage) => void): () => void;
  close(): Promise<void>;
}

const KEY = (id: string) => `argocd-mcp:session:${id}`;
const CHANNEL = (id: string) => `argocd-mcp:session:${id}:answers`;

export function redisSharedSessions(redis: Redis, options: { ttlMs: number }): SharedSessions {
  const replica = randomUUID();
  const touched = new Map<string, number>();
  const listeners = new Map<string, (message: JSONRPCMessage) => void>();
  let subscriber: Redis | undefined;
  const sub = () => {
    if (!subscriber) {
      subscriber = redis.duplicate();
      subscriber.on('error', () => undefined); // the main connection logs Redis trouble
      subscriber.on('message', (channel: string, text: string) => {
        const id = channel.slice('argocd-mcp:session:'.length, -':answers'.length);
        const deliver = listeners.get(id);
        if (!deliver) return;
        const payload = JSON.parse(text) as { from: string; messages: JSONRPCMessage[] };
        if (payload.from === replica) return;
        for (const m of payload.messages) deliver(m);
      });
    }
    return subscriber;
  };
  return {
    async save(id, record) {
      touched.set(id, Date.now());
      await redis.set(KEY(id), JSON.stringify(record), 'PX', options.ttlMs);
    },
    async load(id) {
      const text = await redis.get(KEY(id)).catch(() => null);
      return text ? (JSON.parse(text) as SessionRecord) : undefined;
    },
    touch(id) {
      const last = touched.get(id) ?? 0;
      if (Date.now() - last < options.ttlMs / 4) return;
      touched.set(id, Date.now());
      void redis.pexpire(KEY(id), options.ttlMs).catch(() => undefined);
    },
    async forget(id) {
      touched.delete(id);
      await redis.del(KEY(id)).catch(() => undefined);
    },
    async publishAnswers(id, messages) {
      await redis.publish(CHANNEL(id), JSON.stringify({ from: replica, messages })).catch(() => undefined);
    },
    onAnswers(id, deliver) {
      listeners.set(id, deliver);
      void sub().subscribe(CHANNEL(id)).catch(() => undefined);
      return () => {
        listeners.delete(id);
        touched.delete(id);
        void subscriber?.unsubscribe(CHANNEL(id)).catch(() => undefined);
      };
    },
    async close() {
      if (subscriber) await subscriber.quit().catch(() => subscriber?.disconnect());
    },
  };
}
