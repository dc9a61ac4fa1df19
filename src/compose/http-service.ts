/**
 * `serve --transport http`: the gateway as a service a team runs next to Argo CD. Wires the HTTP settings into
 * the transport: one gateway per allowlist profile (a token with only `argocd:read` gets the read-only one),
 * metrics from audit records and upstream timings, the readiness probe, inbound auth, and Redis (or memory) for
 * rate-limit counters and resumable streams. SIGTERM drains: no new requests, in-flight calls finish (bounded by
 * shutdownTimeout), then the process exits.
 */
import { Redis } from 'ioredis';
import { redisSharedSessions } from '../transports/http/shared-sessions.ts';
import { announce, buildGateway } from './build-gateway.ts';
import type { GatewayParts } from './build-gateway.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import { createAuthenticator } from '../transports/http/inbound-auth/authenticate.ts';
import type { Authenticator, Principal } from '../transports/http/inbound-auth/authenticate.ts';
import { createLogger } from '../log.ts';
import type { Logger } from '../log.ts';
import { createMcpServer } from '../mcp/server.ts';
import { createMetrics } from '../gateway/metrics.ts';
import { createShaper } from '../shaping/pool.ts';
import { createSignInBroker, memorySecretStore, redisSecretStore } from '../argocd/auth/sso/broker.ts';
import type { SignInBroker } from '../argocd/auth/sso/broker.ts';
import { createConfirmationTokens } from '../policy/confirm/tokens.ts';
import { serveStreamableHttp } from '../transports/http/server.ts';
import type { HttpTransportHandle } from '../transports/http/server.ts';
import type { SharedEventStore } from '../transports/http/event-store.ts';
import { createMemoryEventStore } from '../transports/http/memory-event-store.ts';
import { createRedisEventStore } from '../transports/http/redis-event-store.ts';
import { createRedisSnapshotStore } from '../shaping/snapshots-redis.ts';
import { createMemorySnapshotStore, defaultSnapshotLimits } from '../shaping/snapshots.ts';
import { createMemoryRateLimiter, createRedisRateLimiter, noRateLimit } from '../transports/http/rate-limit.ts';
import type { RateLimiter } from '../transports/http/rate-limit.ts';
import { createReadinessProbe } from '../transports/http/readiness.ts';
import { REDIS_CONNECTION_OPTIONS, createRedisHealth } from '../transports/http/redis-health.ts';
import type { RedisHealth } from '../transports/http/redis-health.ts';
import { defaultHttpSettings, isLoopbackHost } from '../config/http-settings.ts';
import type { HttpSettings } from '../config/http-settings.ts';

/** What every gateway of the service is built with: metrics, the shaping threads, sign-in, confirmation tokens. */
type GatewayHooks = NonNullable<Parameters<typeof buildGateway>[2]>;

export interface HttpService {
  handle: HttpTransportHandle;
  /** Graceful stop (as on SIGTERM); resolves when everything is closed. */
  stop(): Promise<void>;
}

/**
 * Connects to Redis; errors are logged by the breaker (never with the URL: it may hold a password) and the
 * connection retried by ioredis. Waits are short and bounded: while Redis is away it is skipped, not waited for.
 */
function connectRedis(url: string, logger: Logger): { redis: Redis; health: RedisHealth } {
  const redis = new Redis(url, REDIS_CONNECTION_OPTIONS);
  return { redis, health: createRedisHealth(redis, { logger }) };
}

/** Per-user sign-in to Argo CD (`sso:`): every call runs with its user's own Argo CD token (src/argocd/auth/sso/broker.ts). */
function createSignIn(config: GatewayConfig, settings: HttpSettings, redis: Redis | undefined, logger: Logger, listeningUrl: () => string): SignInBroker | undefined {
  const sso = config.auth?.sso;
  if (!sso) return undefined;
  if (!sso.encryptionKey) logger.warn('sso: no encryptionKeyFile; users\' Argo CD tokens are encrypted with a key made at start-up, so a restart signs everyone out');
  return createSignInBroker({
    settings: sso,
    redirectUri: () => sso.redirectUri ?? `${new URL(settings.publicUrl ?? listeningUrl()).origin}/oauth/callback`,
    store: redis ? redisSecretStore(redis) : memorySecretStore(),
    logger,
    sameIssuer: !!settings.auth.issuer && settings.auth.issuer.replace(/\/+$/, '') === sso.issuer.replace(/\/+$/, ''),
  });
}

/**
 * The gateways a principal is served by: the configured one, and (with inbound auth) the same allowlist in
 * read-only mode for a token with only argocd:read (tools/list and calls alike).
 */
function buildGateways(config: GatewayConfig, logger: Logger, hooks: GatewayHooks, authenticator: Authenticator): { full: GatewayParts; gatewayFor: (principal?: Principal) => GatewayParts } {
  const full = buildGateway(config, logger, hooks);
  const readOnly =
    authenticator.enabled && !config.allowlist.readOnly ? buildGateway({ ...config, allowlist: { ...config.allowlist, readOnly: true } }, logger, hooks) : undefined;
  return { full, gatewayFor: (principal) => (principal?.profile === 'read' && readOnly ? readOnly : full) };
}

/** Resumable streams: in Redis when set (any replica resumes), else in memory; Redis errors warned at most every 30 s. */
function createEventStore(redis: Redis | undefined, redisHealth: RedisHealth | undefined, logger: Logger): SharedEventStore {
  if (!redis) return createMemoryEventStore();
  let warned = 0;
  return createRedisEventStore(redis, {
    health: redisHealth,
    onError: (err) => {
      if (Date.now() - warned < 30_000) return;
      warned = Date.now();
      logger.warn({ err: err.message }, 'cannot store stream events in Redis: streams are delivered but cannot be resumed');
    },
  });
}

function createRateLimiter(settings: HttpSettings, redis: Redis | undefined, redisHealth: RedisHealth | undefined, logger: Logger): RateLimiter {
  const { perSecond, burst } = settings.rateLimit;
  if (perSecond <= 0) return noRateLimit;
  return redis ? createRedisRateLimiter(redis, { perSecond, burst, logger, health: redisHealth }) : createMemoryRateLimiter({ perSecond, burst });
}

/**
 * A replica that has just started waits a moment for Redis before it serves (the first streams it produces are then
 * resumable elsewhere too), but never longer: without Redis it serves anyway, degraded.
 */
async function waitBrieflyForRedis(redis: Redis | undefined): Promise<void> {
  if (!redis || redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, 2_000);
    function done() {
      clearTimeout(timer);
      redis!.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

function warnIfOpen(config: GatewayConfig, authenticator: Authenticator, logger: Logger): void {
  if (isLoopbackHost(config.host) || authenticator.enabled) return;
  logger.warn(
    { host: config.host, port: config.port },
    'WARNING: inbound auth is OFF (--allow-unauthenticated) on a non-loopback address: ANYONE who can reach this port can use Argo CD with the gateway\'s token. Configure authIssuer or apiKeysFile.',
  );
}

/** Starts the HTTP service and returns once it listens. */
export async function startHttpService(config: GatewayConfig, logger: Logger = createLogger(config.logLevel)): Promise<HttpService> {
  const settings = config.http ?? defaultHttpSettings();
  const metrics = createMetrics();
  const shaper = settings.workerThreads > 0 ? createShaper({ threads: settings.workerThreads, logger }) : undefined;
  const { redis, health: redisHealth } = settings.redisUrl ? connectRedis(settings.redisUrl, logger) : { redis: undefined, health: undefined };
  let listeningUrl = '';
  const signIn = createSignIn(config, settings, redis, logger, () => listeningUrl);
  // Confirmation tokens (confirmFallback: token): in Redis when set, so a preview and its confirmation may reach
  // different replicas; one store for the full and the read-only gateway.
  const confirmTokens = createConfirmationTokens({ store: redis ? redisSecretStore(redis, 'argocd-mcp:') : memorySecretStore() });
  // List snapshots for cursors, one store for both gateways: in Redis when replicas share it, so any replica serves the next page.
  const snapshotLimits = config.snapshots ?? defaultSnapshotLimits();
  const snapshots = redis
    ? createRedisSnapshotStore(redis, { limits: snapshotLimits, available: () => redisHealth?.available() ?? true, failed: (err) => redisHealth?.failed(err) })
    : createMemorySnapshotStore(snapshotLimits);
  const hooks: GatewayHooks = { audit: metrics.wrapAudit(undefined), wrapUpstream: metrics.wrapUpstream, shaper, signIn, confirmTokens, snapshots };
  const authenticator = createAuthenticator(settings.auth, settings.auth.audience ?? settings.publicUrl);
  const { full, gatewayFor } = buildGateways(config, logger, hooks, authenticator);
  announce(config, logger);
  warnIfOpen(config, authenticator, logger);
  const eventStore = createEventStore(redis, redisHealth, logger);
  const rateLimiter = createRateLimiter(settings, redis, redisHealth, logger);
  await waitBrieflyForRedis(redis);
  // With Redis and sessions, any replica can take over a session (and pass on the client's answers to elicitations).
  const sharedSessions = redis && !settings.stateless ? redisSharedSessions(redis, { ttlMs: settings.sessionIdleTimeoutMs }) : undefined;
  const handle = await serveStreamableHttp({
    host: config.host,
    port: config.port,
    logger,
    settings,
    createServer: (principal) => createMcpServer(gatewayFor(principal).gateway, full.version, config.mode, { stateless: settings.stateless }),
    authenticator,
    rateLimiter,
    eventStore,
    redisHealth,
    metrics,
    readiness: createReadinessProbe(full.upstream, { perUser: !!signIn }),
    signIn,
    sharedSessions,
  });
  listeningUrl = handle.url;
  logger.info(
    {
      argocd: config.argocdUrl,
      url: handle.url,
      metrics: handle.metricsUrl,
      mode: settings.stateless ? 'stateless' : 'sessions',
      auth: authenticator.oauth ? 'oauth' : authenticator.enabled ? 'api-keys' : 'none',
      store: redis ? 'redis' : 'memory',
      rateLimit: rateLimiter.kind === 'off' ? 'off' : settings.rateLimit.text,
      workerThreads: settings.workerThreads,
      sso: signIn ? `${signIn.mode} at ${config.auth!.sso!.issuer}` : undefined,
    },
    'serving MCP over Streamable HTTP',
  );
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    const { unfinished } = await handle.drain(settings.shutdownTimeoutMs);
    await eventStore.close();
    await sharedSessions?.close();
    await shaper?.close();
    if (redis) await redis.quit().catch(() => redis.disconnect());
    logger.info({ unfinished }, 'stopped');
  };
  return { handle, stop: () => (stopping ??= stop()) };
}

/** Serves until SIGTERM or SIGINT, then drains and returns; a second signal stops at once. */
export async function runHttpService(config: GatewayConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const service = await startHttpService(config, logger);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down: no new requests; in-flight calls may finish');
      process.once(signal, () => {
        logger.warn('second signal: stopping now');
        void service.handle.close().finally(() => process.exit(1));
      });
      service.stop().then(resolve, resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  // Everything is closed; anything a library left running must not keep the process alive.
  setTimeout(() => process.exit(0), 1_000).unref();
}
