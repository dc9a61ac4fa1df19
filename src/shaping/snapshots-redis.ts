/**
 * List snapshots in Redis, so a cursor made on one replica serves its next page on any other. Each snapshot is one
 * hash (its key hash, the compressed list, when it was made) that expires after the idle time; reading it restarts
 * that time, never past the snapshot's hard limit. Redis's own memory policy bounds the total.
 */
import type { Redis } from 'ioredis';
import type { SnapshotLimits, SnapshotStore } from './snapshots.ts';

export interface RedisSnapshotOptions {
  limits: SnapshotLimits;
  prefix?: string;
  /** Whether Redis may be used now (the HTTP service's breaker): while it is not, no cursor is made or served. */
  available?: () => boolean;
  /** A command failed (for the breaker). */
  failed?: (err: Error) => void;
}

export function createRedisSnapshotStore(redis: Redis, options: RedisSnapshotOptions): SnapshotStore {
  const { limits, prefix = 'argocd-mcp:snapshot:', available = () => true, failed = () => undefined } = options;
  const keyOf = (id: string) => prefix + id;
  return {
    limits,
    async put(id, snapshot) {
      // One snapshot may not take more than the whole budget a memory store would have.
      if (snapshot.data.length > limits.maxBytes || !available()) return false;
      try {
        await redis
          .multi()
          .hset(keyOf(id), { key: snapshot.key, data: snapshot.data, created: String(Date.now()) })
          .pexpire(keyOf(id), Math.min(limits.idleMs, limits.maxAgeMs))
          .exec();
        return true;
      } catch (err) {
        failed(err as Error);
        return false;
      }
    },
    async get(id) {
      if (!available()) return undefined;
      try {
        const [key, data, created] = await redis.hmgetBuffer(keyOf(id), 'key', 'data', 'created');
        if (!key || !data || !created) return undefined;
        const left = Number(created.toString()) + limits.maxAgeMs - Date.now();
        if (left <= 0) return undefined;
        await redis.pexpire(keyOf(id), Math.min(limits.idleMs, left));
        return { key: key.toString(), data };
      } catch (err) {
        failed(err as Error);
        return undefined;
      }
    },
  };
}
