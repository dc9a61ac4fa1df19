/**
 * Per-client rate limit: a token bucket per key (the authenticated subject, else the remote address), refilled at
 * `perSecond` up to `burst`. A request costs one token, and a JSON-RPC batch one per tool call in it (`take` with a
 * cost), so a batch cannot carry a hundred calls for the price of one. In memory for one process, or in Redis (one Lua script, Redis's clock) so a limit
 * holds across replicas. While Redis cannot be reached (the breaker in ./redis-health.ts is open, or a call
 * fails) each replica enforces the same limit in memory: an outage of the shared store must become neither an
 * outage of the gateway nor a gateway without a limit (with N replicas a client may then get up to N times it).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import type { RedisHealth } from './redis-health.ts';

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until one request is allowed again. */
  retryAfterMs: number;
}

export interface RateLimiter {
  readonly kind: 'off' | 'memory' | 'redis';
  /** Takes `cost` tokens (default 1) at once, or none. */
  take(key: string, cost?: number): Promise<RateDecision>;
}

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
}

const ALLOW: RateDecision = { allowed: true, retryAfterMs: 0 };

export const noRateLimit: RateLimiter = { kind: 'off', take: async () => ALLOW };

export function createMemoryRateLimiter({ perSecond, burst }: RateLimitOptions): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perSecond / 1000;
  const fullAfterMs = burst / perMs;
  return {
    kind: 'memory',
    async take(key, cost = 1) {
      const now = Date.now();
      // Forget buckets that have refilled completely: they are indistinguishable from new ones.
      if (buckets.size > 10_000) for (const [k, b] of buckets) if (now - b.at > fullAfterMs) buckets.delete(k);
      const b = buckets.get(key) ?? { tokens: burst, at: now };
      b.tokens = Math.min(burst, b.tokens + (now - b.at) * perMs);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= cost) {
        b.tokens -= cost;
        return ALLOW;
      }
      return { allowed: false, retryAfterMs: Math.ceil((cost - b.tokens) / perMs) };
    },
  };
}

/** KEYS[1] bucket; ARGV tokens per ms, burst, cost. Returns {allowed, retryAfterMs}. */
const TOKEN_BUCKET_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3]) or 1
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, retry}
`;

export function createRedisRateLimiter(redis: Redis, options: RateLimitOptions & { logger: Logger; prefix?: string; health?: RedisHealth }): RateLimiter {
  const prefix = options.prefix ?? 'argocd-mcp:rl:';
  const perMs = String(options.perSecond / 1000);
  // defineCommand sends the script once and then calls it by its SHA (EVALSHA), reloading it after a Redis restart.
  redis.defineCommand('argocdMcpTakeToken', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  const takeToken = (redis as unknown as { argocdMcpTakeToken(key: string, perMs: string, burst: string, cost: string): Promise<[number, number]> }).argocdMcpTakeToken.bind(redis);
  const local = createMemoryRateLimiter(options);
  const { health } = options;
  let warned = 0;
  return {
    kind: 'redis',
    async take(key, cost = 1) {
      if (health && !health.available()) return local.take(key, cost);
      try {
        const [allowed, retry] = await takeToken(`${prefix}${key}`, perMs, String(options.burst), String(cost));
        return allowed === 1 ? ALLOW : { allowed: false, retryAfterMs: Number(retry) };
      } catch (err) {
        health?.failed(err as Error);
        if (Date.now() - warned > 60_000) {
          warned = Date.now();
          options.logger.warn({ err: (err as Error).message }, 'rate limit store (Redis) unavailable: the limit is enforced per replica until it is back');
        }
        return local.take(key, cost);
      }
    },
  };
}
