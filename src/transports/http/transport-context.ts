/** What the HTTP transport is given (its options), what it returns (its handle), and what its endpoints share. */
import type { IncomingMessage } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { SignInBroker } from '../../argocd/auth/sso/broker.ts';
import type { HttpSettings } from '../../config/http-settings.ts';
import type { GatewayMetrics } from '../../gateway/metrics.ts';
import type { Logger } from '../../log.ts';
import type { SharedEventStore } from './event-store.ts';
import type { InFlightCalls } from './in-flight.ts';
import type { Authenticator, Principal } from './inbound-auth/authenticate.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { ReadinessProbe } from './readiness.ts';
import type { RedisHealth } from './redis-health.ts';
import type { SessionTable } from './sessions.ts';
import type { SharedSessions } from './shared-sessions.ts';

export interface HttpTransportOptions {
  host: string;
  port: number;
  /** A new MCP Server for a session or a stateless request; the principal decides which tools it sees. */
  createServer: (principal?: Principal) => Server;
  logger: Logger;
  /** Service settings (defaults: sessions, 30 min idle, 4 MiB bodies, no rate limit, no auth). */
  settings?: HttpSettings;
  authenticator?: Authenticator;
  rateLimiter?: RateLimiter;
  eventStore?: SharedEventStore;
  /** Redis, when replicas share it: its state is reported by /readyz (degraded, still ready, while it is away). */
  redisHealth?: Pick<RedisHealth, 'state'>;
  metrics?: GatewayMetrics;
  readiness?: ReadinessProbe;
  /** Per-user sign-in to Argo CD (`sso:`): serves /oauth/callback and /oauth/revoke. */
  signIn?: SignInBroker;
  /** Sessions any replica can take over (with Redis): see ./shared-sessions.ts. */
  sharedSessions?: SharedSessions;
}

export interface HttpTransportHandle {
  url: string;
  port: number;
  /** With `metricsPort`: where /metrics (and /healthz, /readyz) are served. */
  metricsUrl?: string;
  /** Closes at once: sessions, streams and connections (in-flight calls are cancelled). */
  close(): Promise<void>;
  /**
   * Graceful stop: /readyz answers 503 at once and new sessions or stateless requests get 503 (the listener stays
   * open, so a load balancer that has not noticed yet gets an answer, not a refused connection); calls already
   * running may finish for up to `timeoutMs`; what has not finished then is answered with an error the client
   * reads on its stream or, with the event store, on a resumption at another replica; then everything closes.
   */
  drain(timeoutMs: number): Promise<{ unfinished: number }>;
  sessionCount(): number;
}

/** What every endpoint of one running transport shares. */
export interface TransportContext {
  readonly options: HttpTransportOptions;
  readonly settings: HttpSettings;
  readonly logger: Logger;
  readonly sessions: SessionTable;
  readonly calls: InFlightCalls;
  /** Host/Origin check (DNS rebinding): why a request is refused, or undefined. */
  readonly guard: (req: IncomingMessage) => string | undefined;
  /** Inbound auth, when some is configured. */
  readonly auth?: Authenticator;
  readonly rateLimiter: RateLimiter;
  readonly eventStore?: SharedEventStore;
  /** The resource identifier of the MCP endpoint for this request (from the public URL, or the checked Host). */
  resourceFor(req: IncomingMessage): string;
  /** True once drain() began. */
  isDraining(): boolean;
}
