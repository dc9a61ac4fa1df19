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
import { createAuthenticator } from '../inbound-auth/authenticate.ts';
import type { Principal } from '../inbound-auth/authenticate.ts';
import { createLogger } from '../log.ts';
import type { Logger } from '../log.ts';
import { createMcpServer } from '../mcp/server.ts';
import { createMetrics } from '../gateway/metrics.ts';
import { createShaper } from '../shaping/pool.ts';
import { createSignInBroker, memorySecretStore, redisSecretStore } from '../argocd/auth/sso/broker.ts';
import { createConfirmationTokens } from '../policy/confirm/tokens.ts';
import { serveHttp } from '../transports/http/server.ts';
import type { HttpHandle } from '../transports/http/server.ts';
import { createMemoryEventStore, createRedisEventStore } from '../transports/http/event-store.ts';
import type { SharedEventStore } from '../transports/http/event-store.ts';
import { createMemoryRateLimiter, createRedisRateLimiter, noRateLimit } from '../transports/http/rate-limit.ts';
import type { RateLimiter } from '../transports/http/rate-limit.ts';
import { createReadinessProbe } from '../transports/http/readiness.ts';
import { REDIS_CONNECTION_OPTIONS, createRedisHealth } from '../transports/http/redis-health.ts';
import type { RedisHealth } from '../transports/http/redis-health.ts';
import { defaultHttpSettings, isLoopbackHost } from '../config/http-settings.ts';

export interface HttpService {
  handle: HttpHandle;
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

/** Starts the HTTP service and returns once it listens. */
export async function startHttpService(config: GatewayConfig, logger: Logger = createLogger(config.logLevel)): Promise<HttpService> {
  const settings = config.http ?? defaultHttpSettings();
  const metrics = createMetrics();
  const shaper = settings.workerThreads > 0 ? createShaper({ threads: settings.workerThreads, logger }) : undefined;
  const shared = settings.redisUrl ? connectRedis(settings.redisUrl, logger) : undefined;
  const redis = shared?.redis;
  const redisHealth = shared?.health;
  // sso: every call runs with its user's own Argo CD token (src/argocd/auth/sso/broker.ts).
  const sso = config.auth?.sso;
  let listeningUrl = '';
  const signIn = sso
    ? createSignInBroker({
        settings: sso,
        redirectUri: () => sso.redirectUri ?? `${new URL(settings.publicUrl ?? listeningUrl).origin}/oauth/callback`,
        store: redis ? redisSecretStore(redis) : memorySecretStore(),
        logger,
        sameIssuer: !!settings.auth.issuer && settings.auth.issuer.replace(/\/+$/, '') === sso.issuer.replace(/\/+$/, ''),
      })
    : undefined;
  if (sso && !sso.encryptionKey) logger.warn('sso: no encryptionKeyFile; users\' Argo CD tokens are encrypted with a key made at start-up, so a restart signs everyone out');
  // Confirmation tokens (confirmFallback: token): in Redis when set, so a preview and its confirmation may reach
  // different replicas; one store for the full and the read-only gateway.
  const confirmTokens = createConfirmationTokens({ store: redis ? redisSecretStore(redis, 'argocd-mcp:') : memorySecretStore() });
  const hooks = { audit: metrics.wrapAudit(undefined), wrapUpstream: metrics.wrapUpstream, shaper, signIn, confirmTokens };
  const full: GatewayParts = buildGateway(config, logger, hooks);
  const authenticator = createAuthenticator(settings.auth, settings.auth.audience ?? settings.publicUrl);
  // A token with only argocd:read sees the same allowlist in read-only mode (tools/list and calls alike).
  const readOnly: GatewayParts | undefined =
    authenticator.enabled && !config.allowlist.readOnly
      ? buildGateway({ ...config, allowlist: { ...config.allowlist, readOnly: true } }, logger, hooks)
      : undefined;
  announce(config, logger);

  if (!isLoopbackHost(config.host) && !authenticator.enabled) {
    logger.warn(
      { host: config.host, port: config.port },
      'WARNING: inbound auth is OFF (--allow-unauthenticated) on a non-loopback address: ANYONE who can reach this port can use Argo CD with the gateway\'s token. Configure authIssuer or apiKeysFile.',
    );
  }

  let storeWarned = 0;
  const eventStore: SharedEventStore = redis
    ? createRedisEventStore(redis, {
        health: redisHealth,
        onError: (err) => {
          if (Date.now() - storeWarned < 30_000) return;
          storeWarned = Date.now();
          logger.warn({ err: err.message }, 'cannot store stream events in Redis: streams are delivered but cannot be resumed');
        },
      })
    : createMemoryEventStore();
  const rateLimiter: RateLimiter =
    settings.rateLimit.perSecond <= 0
      ? noRateLimit
      : redis
        ? createRedisRateLimiter(redis, { perSecond: settings.rateLimit.perSecond, burst: settings.rateLimit.burst, logger, health: redisHealth })
        : createMemoryRateLimiter({ perSecond: settings.rateLimit.perSecond, burst: settings.rateLimit.burst });

  // A replica that has just started waits a moment for Redis before it serves (the first streams it produces are then
  // resumable elsewhere too), but never longer: without Redis it serves anyway, degraded.
  if (redis && redis.status !== 'ready') {
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
  const gatewayFor = (principal?: Principal) => (principal?.profile === 'read' && readOnly ? readOnly : full);
  // With Redis and sessions, any replica can take over a session (and pass on the client's answers to elicitations).
  const sharedSessions = redis && !settings.stateless ? redisSharedSessions(redis, { ttlMs: settings.sessionIdleTimeoutMs }) : undefined;
  const handle = await serveHttp({
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
      sso: signIn ? `${signIn.mode} at ${sso!.issuer}` : undefined,
    },
    'serving MCP over Streamable HTTP',
  );

  let stopping: Promise<void> | undefined;
  return {
    handle,
    stop() {
      stopping ??= (async () => {
        const { unfinished } = await handle.drain(settings.shutdownTimeoutMs);
        await eventStore.close();
        await sharedSessions?.close();
        await shaper?.close();
        if (redis) await redis.quit().catch(() => redis.disconnect());
        logger.info({ unfinished }, 'stopped');
      })();
      return stopping;
    },
  };
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
