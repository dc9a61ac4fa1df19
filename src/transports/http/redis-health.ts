/**
 * Whether Redis can be used right now: a circuit breaker in front of every Redis command of the HTTP service.
 *
 * Redis is shared state, not the service itself: while it is away, requests must neither wait for it nor fail
 * because of it. The breaker is open (Redis skipped at once) while the connection is not `ready`, and for
 * `cooldownMs` after a command failed on a ready connection (a Redis that hangs, or answers errors). What the
 * gateway keeps in Redis is rewritten with every event and heartbeat, so a restarted Redis (which lost it all) has
 * it again as soon as it is used.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';

export interface RedisHealth {
  /** True when commands may be sent (connected, and no recent failure). */
  available(): boolean;
  /** A command failed: skip Redis for a while. */
  failed(err: Error): void;
  /** For /readyz: `ok`, or why not. */
  state(): { ok: true } | { ok: false; reason: string };
}

/** Short, bounded waits: a local Redis answers in well under a millisecond; one that takes longer is treated as down. */
export const REDIS_CONNECTION_OPTIONS = {
  maxRetriesPerRequest: 0,
  // Commands fail at once while disconnected, instead of queueing until a reconnect (the ~1 s stall per request).
  enableOfflineQueue: false,
  connectTimeout: 1_000,
  commandTimeout: 500,
  // Try again every 250 ms: the gateway uses Redis again within a moment of its return.
  retryStrategy: () => 250,
  lazyConnect: false,
} as const;

export function createRedisHealth(redis: Redis, options: { logger: Logger; cooldownMs?: number }): RedisHealth {
  const { logger, cooldownMs = 2_000 } = options;
  let connections = 0;
  let openUntil = 0;
  let lastError = '';
  let down = false;
  const markDown = (reason: string) => {
    lastError = reason;
    if (down) return;
    down = true;
    logger.warn(
      { err: reason },
      'Redis is unavailable: rate limits are enforced per replica, new streams can be resumed on no other replica, and Redis is skipped until it is back',
    );
  };
  redis.on('ready', () => {
    openUntil = 0;
    connections++;
    if (down || connections > 1) logger.info('Redis is back: shared rate limits and resumable streams again');
    else logger.info('connected to Redis');
    down = false;
  });
  redis.on('error', (err: Error) => markDown(err.message));
  // `manuallyClosing`: the gateway itself is closing the connection (quit at shutdown), which is no outage.
  redis.on('close', () => {
    if (!(redis as unknown as { manuallyClosing?: boolean }).manuallyClosing) markDown('connection closed');
  });
  return {
    available: () => redis.status === 'ready' && Date.now() >= openUntil,
    failed(err) {
      openUntil = Date.now() + cooldownMs;
      markDown(err.message);
      // A command failed on a ready connection: once the cool-down is over, the next command tries again, and the
      // next success ends the outage in the log (below).
      setTimeout(() => {
        if (redis.status !== 'ready') return;
        redis.ping().then(
          () => {
            if (!down || Date.now() < openUntil) return;
            down = false;
            logger.info('Redis answers again');
          },
          () => undefined,
        );
      }, cooldownMs).unref();
    },
    state() {
      if (redis.status !== 'ready') return { ok: false, reason: `Redis is not connected (${redis.status}${lastError ? `: ${lastError}` : ''})` };
      if (Date.now() < openUntil) return { ok: false, reason: `Redis failed a moment ago (${lastError}); retrying` };
      return { ok: true };
    },
  };
}
