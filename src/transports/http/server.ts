/**
 * MCP over Streamable HTTP at /mcp, as a service a team runs next to Argo CD.
 *
 * - Sessions (`Mcp-Session-Id`): one transport (./streamable-http.ts) and SDK Server per session; DELETE ends one;
 *   idle ones expire. Or `stateless`: a fresh transport and Server per POST (`sessionIdGenerator: undefined`), so
 *   any replica serves any request.
 * - A POST is answered with plain JSON when its answer is ready first and soon; a request with a progress token,
 *   one the server sends something else about first (a log message, an elicitation), or a slow one gets an SSE
 *   stream (./streamable-http.ts). Every event is stored in the event store, so a client that lost a stream resumes
 *   it with `Last-Event-ID`, on this process or, with Redis, on another.
 * - Guards, in order: Host/Origin (DNS rebinding), inbound auth (JWT or API key → principal), per-client rate
 *   limit (429 + Retry-After), body size (413).
 * - `/healthz` (alive), `/readyz` (Argo CD reachable and the token accepted), `/metrics` (Prometheus), and the
 *   OAuth Protected Resource Metadata when an issuer is configured.
 * - `drain()`: out of rotation (/readyz 503, new requests 503) with the listener still open, standalone streams
 *   closed, in-flight calls finishing (bounded by shutdownTimeout); what outlasts it is answered with an error that
 *   is also stored for a resume; then close.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ScopedEventStore, SharedEventStore } from './event-store.ts';
import { createOriginGuard } from './origin-guard.ts';
import { noRateLimit } from './rate-limit.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { ReadinessProbe } from './readiness.ts';
import type { RedisHealth } from './redis-health.ts';
import { shutdownError } from './shutdown.ts';
import { defaultHttpSettings } from '../../config/http-settings.ts';
import type { HttpSettings } from '../../config/http-settings.ts';
import type { Authenticator, Principal } from '../../inbound-auth/authenticate.ts';
import type { SignInBroker } from '../../argocd/auth/sso/broker.ts';
import { signInPage } from '../../argocd/auth/sso/result-page.ts';
import { wwwAuthenticate } from '../../inbound-auth/authenticate.ts';
import { isMetadataPath, metadataUrlFor, protectedResourceMetadata, resourceUrl } from '../../inbound-auth/metadata.ts';
import { sizeHeapForService } from '../../heap-tuning.ts';
import { serializeMessage } from '../../shaping/raw-json.ts';
import { StreamableHttpTransport, isRequestMessage, isResponseMessage } from './streamable.ts';
import type { SharedSessions } from './shared-sessions.ts';
import type { Logger } from '../../log.ts';
import type { GatewayMetrics } from '../../gateway/metrics.ts';

export interface HttpOptions {
  host: string;
  port: number;
  /** A new MCP Server for a session or a stateless request; the principal decides which tools it sees. */
  createServer: (principal?: Principal) => Server;
  logger: Logger;
  /** Service settings (defaults: sessions, 30 min idle, 4 MiB bodies, no rate limit, no auth). */
  settings?: HttpSettings;
  /** @deprecated use settings.sessionIdleTimeoutMs */
  idleTimeoutMs?: number;
  /** @deprecated use settings.maxBodyBytes */
  maxBodyBytes?: number;
  authenticator?: Authenticator;
  rateLimiter?: RateLimiter;
  eventStore?: SharedEventStore;
  /** Redis, when replicas share it: its state is reported by /readyz (degraded, still ready, while it is away). */
  redisHealth?: Pick<RedisHealth, 'state'>;
  metrics?: GatewayMetrics;
  readiness?: ReadinessProbe;
  /** Per-user sign-in to Argo CD (`sso:`): serves /oauth/callback and /oauth/revoke. */
  signIn?: SignInBroker;
  /** Sessions any replica can take over (with Redis): see src/transports/http/shared-sessions.ts. */
  sharedSessions?: SharedSessions;
}

export interface HttpHandle {
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

interface Session {
  id: string;
  transport: StreamableHttpTransport;
  server: Server;
  store?: ScopedEventStore;
  lastSeen: number;
  /** HTTP requests of this session still open (SSE responses, the GET stream). */
  open: number;
  subject?: string;
  profile?: Principal['profile'];
  /** Stops hearing the client's answers that other replicas received (shared sessions). */
  unshare?: () => void;
}

type Route = 'mcp' | 'healthz' | 'readyz' | 'metrics' | 'oauth-metadata' | 'oauth-callback' | 'oauth-revoke' | 'other';

/** How long a relayed (resumed) stream waits for the next event before giving up on its producer. */
const RELAY_IDLE_MS = 5 * 60_000;
/** The `retry:` hint in priming events: how soon a client reconnects a dropped stream. */
const RETRY_INTERVAL_MS = 1_000;
/** A stateless request whose client went away is still bounded (the gateway's own limits end calls sooner). */
const ORPHAN_LIMIT_MS = 10 * 60_000;

function sendJsonRpcError(res: ServerResponse, status: number, message: string, options: { code?: number; headers?: Record<string, string> } = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...options.headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: options.code ?? -32000, message }, id: null }));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

type BodyResult = { ok: true; body: unknown } | { ok: false; status: number; message: string; code: number };

async function readJson(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const tooLarge: BodyResult = { ok: false, status: 413, message: `Payload Too Large: the request body is over ${limit} bytes`, code: -32000 };
  if (Number(req.headers['content-length'] ?? 0) > limit) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return tooLarge;
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: the body is not JSON', code: -32700 };
  }
}

/** The bearer token of a request (already validated by the authenticator). */
function bearerOf(req: IncomingMessage): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
  return m ? m[1] : '';
}

/** A request id from the caller (a proxy's X-Request-Id) when it is sane, else a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

function routeOf(pathname: string, resource: string | undefined): Route {
  if (pathname === '/mcp') return 'mcp';
  if (pathname === '/healthz') return 'healthz';
  if (pathname === '/readyz') return 'readyz';
  if (pathname === '/metrics') return 'metrics';
  if (pathname === '/oauth/callback') return 'oauth-callback';
  if (pathname === '/oauth/revoke') return 'oauth-revoke';
  if (pathname.startsWith('/.well-known/oauth-protected-resource') && isMetadataPath(pathname, resource ?? 'http://localhost/mcp')) return 'oauth-metadata';
  return 'other';
}

/** The messages of a POST body: a JSON-RPC batch, or one message. */
const messagesOf = <T = JSONRPCMessage>(body: unknown): T[] => (Array.isArray(body) ? body : [body]) as T[];

/** What a POST body asks, for the request log: JSON-RPC methods, and the tool of a tools/call. */
function describeBody(body: unknown): { rpc?: string; tool?: string } {
  const messages = messagesOf<{ method?: string; params?: { name?: unknown } }>(body);
  const methods = messages.map((m) => m?.method).filter((m): m is string => typeof m === 'string');
  const call = messages.find((m) => m?.method === 'tools/call');
  return { rpc: methods.join(',') || undefined, tool: typeof call?.params?.name === 'string' ? call.params.name : undefined };
}

/** How many tools/call requests a POST body holds. */
function toolCallsIn(body: unknown): number {
  return messagesOf<{ method?: unknown }>(body).filter((m) => m?.method === 'tools/call').length;
}

/** The ids of the JSON-RPC requests in a POST body (not its notifications or responses). */
function requestIds(body: unknown): RequestId[] {
  return messagesOf(body)
    .filter(isRequestMessage)
    .map((m) => m.id);
}

/** Starts the HTTP listener; resolves once it accepts connections. */
export async function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  sizeHeapForService();
  const { logger, metrics, readiness, authenticator, eventStore } = options;
  const settings: HttpSettings = options.settings ?? {
    ...defaultHttpSettings(),
    ...(options.idleTimeoutMs !== undefined ? { sessionIdleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
  };
  const rateLimiter = options.rateLimiter ?? noRateLimit;
  const sessions = new Map<string, Session>();
  const guard = createOriginGuard({ bindHost: options.host, allowedHosts: settings.allowedHosts, allowedOrigins: settings.allowedOrigins });
  const auth = authenticator?.enabled ? authenticator : undefined;
  /** Open POST /mcp responses: the calls a graceful stop waits for. */
  let inflight = 0;
  const inflightDone = new Set<() => void>();
  /** Relayed (resumed) streams, closed when draining. */
  const relays = new Set<AbortController>();
  /** Stateless requests still running after their client left (waiting to store a result for a resume). */
  const orphans = new Set<() => void>();
  /** Transports of stateless requests still running (answered by drain() if they outlast it). */
  const statelessRunning = new Set<StreamableHttpTransport>();
  let draining = false;
  metrics?.sessions(() => sessions.size);

  /** Why no session can be opened now (the process's cap, or the subject's), or undefined. */
  const sessionsFull = (subject: string | undefined): { status: number; message: string } | undefined => {
    if (sessions.size >= settings.maxSessions) {
      return { status: 503, message: `Service Unavailable: the gateway holds its maximum of ${settings.maxSessions} sessions (maxSessions); retry later, or use stateless mode` };
    }
    if (subject === undefined) return undefined;
    let mine = 0;
    for (const s of sessions.values()) if (s.subject === subject) mine++;
    if (mine < settings.maxSessionsPerClient) return undefined;
    return { status: 429, message: `Too Many Requests: this client already holds ${mine} open sessions (maxSessionsPerClient); close some with DELETE /mcp or let idle ones expire` };
  };

  /** Ends a session; `forget` drops its stored streams too (not when the process stops: resumers read its answers). */
  const closeSession = async (id: string, forget = true) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    s.unshare?.();
    await s.transport.close().catch(() => undefined);
    await s.server.close().catch(() => undefined);
    // The session's streams cannot be resumed any more: their stored events go with it.
    if (forget) s.store?.forget?.();
  };

  const shared = options.sharedSessions;

  /** A session of this process: its MCP server, event store and transport, forgotten when the transport closes. */
  const registerSession = (id: string, principal: Principal | undefined): Session => {
    const store = eventStore?.forScope(id, principal?.subject);
    const transport = newTransport(store, principal, { id });
    const session: Session = { id, transport, server: options.createServer(principal), store, lastSeen: Date.now(), open: 0, subject: principal?.subject, profile: principal?.profile };
    sessions.set(id, session);
    transport.onclose = () => {
      sessions.delete(id);
    };
    return session;
  };

  /** Takes over a session another replica started, when its record says this principal opened it. */
  const adoptSession = async (id: string, principal: Principal | undefined): Promise<Session | undefined> => {
    const record = await shared!.load(id);
    if (!record || record.subject !== principal?.subject || (principal && record.profile !== principal.profile)) return undefined;
    if (sessions.has(id)) return sessions.get(id); // taken over meanwhile by a concurrent request
    const session = registerSession(id, principal);
    const { server, transport } = session;
    await server.connect(transport);
    transport.adopt(id, record.initialize);
    session.unshare = shared!.onAnswers(id, (m) => transport.onmessage?.(m));
    logger.info({ session: id, subject: principal?.subject }, 'took over a session another replica started');
    return session;
  };

  /** The resource identifier and its metadata URL for this request (from the public URL, or the checked Host). */
  const resourceFor = (req: IncomingMessage) => resourceUrl(settings.publicUrl, req.headers.host, `${options.host}:${port}`);

  const refuseAuth = (req: IncomingMessage, res: ServerResponse, outcome: Extract<Awaited<ReturnType<Authenticator['authenticate']>>, { ok: false }>) => {
    const metadata = auth?.oauth ? metadataUrlFor(resourceFor(req)) : undefined;
    const headers: Record<string, string> = { 'www-authenticate': wwwAuthenticate(outcome, metadata) };
    if (outcome.status === 503) headers['retry-after'] = '5';
    const prefix = outcome.status === 401 ? 'Unauthorized' : outcome.status === 403 ? 'Forbidden' : 'Service Unavailable';
    sendJsonRpcError(res, outcome.status, `${prefix}: ${outcome.description}`, { headers });
  };

  /** Tracks an open response so drain() can wait for it. */
  const track = (res: ServerResponse, session?: Session) => {
    inflight++;
    if (session) session.open++;
    res.once('close', () => {
      inflight--;
      if (session) {
        session.open--;
        session.lastSeen = Date.now();
      }
      if (inflight === 0) for (const done of inflightDone) done();
    });
  };

  const newTransport = (store: ScopedEventStore | undefined, principal: Principal | undefined, stateful: { id: string } | undefined) =>
    new StreamableHttpTransport({
      sessionIdGenerator: stateful ? () => stateful.id : undefined,
      eventStore: store,
      retryInterval: RETRY_INTERVAL_MS,
      onsessioninitialized: stateful
        ? (id) => {
            logger.debug({ session: id, subject: principal?.subject }, 'session started');
          }
        : undefined,
      onsessionclosed: stateful
        ? (id) => {
            if (id) sessions.delete(id);
            logger.debug({ session: id }, 'session ended');
          }
        : undefined,
    });

  /** Stateless: a fresh transport and Server for this one POST, let go once its requests are answered. */
  const handleStateless = async (req: IncomingMessage, res: ServerResponse, body: unknown, principal: Principal | undefined, authInfo: AuthInfo | undefined) => {
    const ids = requestIds(body);
    const pending = new Set<RequestId>(ids);
    const server = options.createServer(principal);
    const scope = randomUUID();
    releaseWhenDelivered(res, scope, ids);
    const store = eventStore?.forScope(scope, principal?.subject);
    const transport = newTransport(store, principal, undefined);
    statelessRunning.add(transport);
    let closed = false;
    let orphanTimer: NodeJS.Timeout | undefined;
    const finish = (answered = false) => {
      if (closed) return;
      closed = true;
      clearTimeout(orphanTimer);
      orphans.delete(finish);
      statelessRunning.delete(transport);
      // Answered in full, nothing of this request runs any more: the transport and server are simply let go.
      // Otherwise closing them aborts what still runs (the upstream calls included), and what it stored goes:
      // no answer will ever complete it.
      if (answered) return;
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
      if (pending.size) store?.forget?.();
    };
    const send = transport.send.bind(transport);
    transport.send = async (message, opts) => {
      try {
        await send(message, opts);
      } finally {
        if (isResponseMessage(message) && pending.delete(message.id) && pending.size === 0) setImmediate(finish, true);
      }
    };
    res.once('close', () => {
      if (pending.size === 0) return finish(true);
      if (closed) return;
      // The client left before the answer. If its stream had begun (a priming event id it can come back with) and
      // there is an event store, the answer is still stored so the client can resume the stream (here or on
      // another replica); otherwise it could never arrive, so stop the work.
      if (!eventStore || !transport.resumable) return finish();
      orphans.add(finish);
      orphanTimer = setTimeout(finish, ORPHAN_LIMIT_MS);
      orphanTimer.unref();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body, authInfo);
    if (pending.size === 0) finish(true);
  };

  /** Once a POST's SSE response ended normally, the client has its answers: their stored events need not stay. */
  const releaseWhenDelivered = (res: ServerResponse, scope: string, ids: RequestId[]) => {
    if (eventStore && ids.length) res.once('finish', () => eventStore.delivered(scope, ids));
  };

  /** A stream resumed from the shared event store (stateless mode, or a session that lives on another replica). */
  const relay = async (req: IncomingMessage, res: ServerResponse, lastEventId: string, principal: Principal | undefined) => {
    if (!eventStore) {
      sendJsonRpcError(res, 400, 'Bad Request: this gateway keeps no event store, so streams cannot be resumed');
      return;
    }
    const abort = new AbortController();
    relays.add(abort);
    res.once('close', () => abort.abort());
    let keepAlive: NodeJS.Timeout | undefined;
    const open = () => {
      if (res.headersSent) return;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.flushHeaders();
      keepAlive = setInterval(() => res.write(': keepalive\n\n'), 15_000);
    };
    try {
      const result = await eventStore.follow(lastEventId, {
        owner: principal?.subject,
        signal: abort.signal,
        idleMs: RELAY_IDLE_MS,
        onReady: open,
        send: (id, message) => {
          open();
          res.write(`event: message\nid: ${id}\ndata: ${serializeMessage(message)}\n\n`);
        },
      });
      if (!result.ok) {
        sendJsonRpcError(res, result.status, result.message, { code: result.status === 404 ? -32001 : -32000, headers: result.status === 503 ? { 'retry-after': '2' } : {} });
        return;
      }
      // Relayed in full, the answer included: once it is written, the stream has served its purpose.
      if (result.stoppedBecause === 'completed') res.once('finish', () => eventStore.release(lastEventId));
      if (result.stoppedBecause === 'producer-gone') logger.info('a resumed stream\'s producer is gone: its requests were answered with an error');
      else logger.debug({ stoppedBecause: result.stoppedBecause }, 'resumed stream ended');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'a resumed stream failed; the client may resume again');
    } finally {
      clearInterval(keepAlive);
      relays.delete(abort);
      if (!res.writableEnded) res.end();
    }
  };

  const handleMcp = async (req: IncomingMessage, res: ServerResponse, log: Logger) => {
    const refused = guard(req);
    if (refused) {
      sendJsonRpcError(res, 403, `Forbidden: ${refused}`);
      return;
    }
    // A browser-based client from an accepted Origin: CORS, so it can read the session id and auth challenges.
    if (req.headers.origin) {
      res.setHeader('access-control-allow-origin', req.headers.origin);
      res.setHeader('access-control-expose-headers', 'mcp-session-id, www-authenticate, retry-after, x-request-id');
      res.setHeader('vary', 'origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': settings.stateless ? 'POST' : 'GET, POST, DELETE',
          'access-control-allow-headers': 'content-type, accept, authorization, x-api-key, mcp-session-id, mcp-protocol-version, last-event-id, x-request-id',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    let principal: Principal | undefined;
    let authInfo: AuthInfo | undefined;
    if (auth) {
      const outcome = await auth.authenticate(req);
      if (!outcome.ok) {
        log.info({ status: outcome.status, reason: outcome.description }, 'refused a request without valid credentials');
        refuseAuth(req, res, outcome);
        return;
      }
      principal = outcome.principal;
      authInfo = {
        // The token itself is passed on only for a token exchange at Argo CD's identity provider (sso.tokenExchange):
        // otherwise nothing after this point needs it, and what is not kept cannot leak.
        token: options.signIn?.mode === 'token-exchange' ? bearerOf(req) : '',
        clientId: principal.subject,
        scopes: principal.scopes,
        expiresAt: principal.expiresAt,
        extra: { subject: principal.subject, clientId: principal.clientId, profile: principal.profile, method: principal.method },
      };
    }
    const rateKey = principal ? `sub:${principal.subject}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    /** Takes `cost` from the client's bucket for a body of `calls` tool calls; false when refused (the 429 is sent). */
    const withinRate = async (cost: number, calls = 1): Promise<boolean> => {
      const decision = await rateLimiter.take(rateKey, cost);
      if (decision.allowed) return true;
      metrics?.rateLimited();
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      log.info({ subject: principal?.subject, retryAfter: seconds, cost }, 'rate limited');
      const what = calls > 1 ? `a batch of ${calls} tool calls is over ${settings.rateLimit.text} for this client` : `over ${settings.rateLimit.text} for this client`;
      sendJsonRpcError(res, 429, `Too Many Requests: ${what}; retry after ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
      return false;
    };
    if (!(await withinRate(1))) return;

    const sessionId = req.headers['mcp-session-id'] as string | undefined;
    let existing = sessionId ? sessions.get(sessionId) : undefined;
    // A session another replica started: taken over here, for its opener only.
    if (!existing && sessionId && shared && !settings.stateless && req.method === 'POST') existing = await adoptSession(sessionId, principal);
    if (existing && existing.subject !== principal?.subject) {
      // Someone else's session id: answered as if it did not exist, so ids cannot be probed.
      sendJsonRpcError(res, 404, 'Session not found: it expired or was closed; initialize a new session', { code: -32001 });
      return;
    }
    if (existing && principal && existing.profile !== principal.profile) {
      sendJsonRpcError(res, 403, `Forbidden: this session was opened with ${existing.profile} access and the token now grants ${principal.profile}; initialize a new session`);
      return;
    }
    if (existing) existing.lastSeen = Date.now();
    if (sessionId) log.setBindings({ session: sessionId });
    if (principal) log.setBindings({ subject: principal.subject });

    if (req.method === 'POST') {
      const parsed = await readJson(req, settings.maxBodyBytes);
      if (!parsed.ok) {
        sendJsonRpcError(res, parsed.status, parsed.message, { code: parsed.code, headers: parsed.status === 413 ? { connection: 'close' } : {} });
        return;
      }
      if (Array.isArray(parsed.body) && parsed.body.length === 0) {
        // JSON-RPC 2.0 §6: an empty array is an Invalid Request, answered with one error.
        sendJsonRpcError(res, 400, 'Invalid Request: an empty batch', { code: -32600 });
        return;
      }
      // Each tool call of a batch counts against the rate limit (the request itself already took one token).
      const calls = toolCallsIn(parsed.body);
      if (calls > 1 && settings.rateLimit.perSecond > 0 && calls > settings.rateLimit.burst) {
        sendJsonRpcError(res, 400, `Invalid Request: a batch of ${calls} tool calls is more than the rate limit's burst (${settings.rateLimit.burst}); send at most ${settings.rateLimit.burst} at once`, { code: -32600 });
        return;
      }
      if (calls > 1 && !(await withinRate(calls - 1, calls))) return;
      const what = describeBody(parsed.body);
      if (what.rpc) log.setBindings(what);
      if (settings.stateless) {
        track(res);
        await handleStateless(req, res, parsed.body, principal, authInfo);
        return;
      }
      if (existing) {
        if (shared) {
          shared.touch(existing.id);
          // The client's answers to the server's own requests go to whichever replica waits for them, this one too.
          const answers = messagesOf(parsed.body).filter(isResponseMessage);
          if (answers.length) await shared.publishAnswers(existing.id, answers);
        }
        track(res, existing);
        releaseWhenDelivered(res, existing.id, requestIds(parsed.body));
        await existing.transport.handleRequest(req, res, parsed.body, authInfo);
        return;
      }
      if (sessionId) {
        sendJsonRpcError(res, 404, 'Session not found: it expired or was closed; initialize a new session', { code: -32001 });
        return;
      }
      if (!messagesOf(parsed.body).some((m) => isInitializeRequest(m))) {
        sendJsonRpcError(res, 400, 'Bad Request: no Mcp-Session-Id header; the first request must be initialize');
        return;
      }
      const full = sessionsFull(principal?.subject);
      if (full) {
        log.warn({ sessions: sessions.size, subject: principal?.subject }, 'refused a new session: at the session cap');
        sendJsonRpcError(res, full.status, full.message, { headers: { 'retry-after': '60' } });
        return;
      }
      const id = randomUUID();
      const session = registerSession(id, principal);
      const { server, transport } = session;
      log.setBindings({ session: id });
      track(res, session);
      releaseWhenDelivered(res, id, requestIds(parsed.body));
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed.body, authInfo);
      // An initialize that failed validation leaves a transport with no session behind.
      if (!transport.sessionId) await closeSession(id);
      else if (shared) {
        const initialize = messagesOf(parsed.body).find((m) => isInitializeRequest(m))!;
        await shared.save(id, { subject: principal?.subject, profile: principal?.profile, initialize }).catch((err: Error) => logger.warn({ err: err.message }, 'cannot record the session in Redis: other replicas cannot take it over'));
        session.unshare = shared.onAnswers(id, (m) => transport.onmessage?.(m));
      }
      return;
    }
    if (req.method === 'GET') {
      const lastEventId = req.headers['last-event-id'];
      if (typeof lastEventId === 'string' && lastEventId && (settings.stateless || !existing)) {
        await relay(req, res, lastEventId, principal);
        return;
      }
      if (settings.stateless) {
        res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method Not Allowed: a stateless gateway has no standalone stream' }, id: null }));
        return;
      }
      if (!existing) {
        sendJsonRpcError(res, sessionId ? 404 : 400, sessionId ? 'Session not found' : 'Bad Request: Mcp-Session-Id header is required', { code: sessionId ? -32001 : -32000 });
        return;
      }
      // The standalone stream is not an in-flight call: draining closes it rather than waiting.
      existing.open++;
      res.once('close', () => {
        existing.open--;
        existing.lastSeen = Date.now();
      });
      await existing.transport.handleRequest(req, res);
      return;
    }
    if (req.method === 'DELETE') {
      if (settings.stateless) {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      if (!existing) {
        sendJsonRpcError(res, sessionId ? 404 : 400, sessionId ? 'Session not found' : 'Bad Request: Mcp-Session-Id header is required', { code: sessionId ? -32001 : -32000 });
        return;
      }
      await existing.transport.handleRequest(req, res);
      await shared?.forget(existing.id);
      await closeSession(existing.id);
      // The transport may have dropped the session from the map already (onsessionclosed): forget it here too.
      existing.store?.forget?.();
      return;
    }
    res.writeHead(405, { allow: settings.stateless ? 'POST' : 'GET, POST, DELETE' }).end();
  };

  /** A call or DELETE of a session this process holds (served while draining; it cannot move elsewhere). */
  const continuesSessionHere = (req: IncomingMessage) => {
    const id = req.headers['mcp-session-id'];
    return typeof id === 'string' && sessions.has(id) && (req.method === 'POST' || req.method === 'DELETE');
  };

  /** The operations port, once it listens (settings.metricsPort may be 0: any free port). */
  let opsPort: number | undefined;
  /** `ops`: the request came to the operations port. */
  const handle = async (req: IncomingMessage, res: ServerResponse, ops: boolean) => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routeOf(url.pathname, settings.publicUrl);
    const log = logger.child({ requestId });
    res.once('close', () => {
      metrics?.httpRequest(route, res.statusCode);
      const entry = { method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) };
      if (route === 'mcp') log.info(entry, 'http request');
      else log.debug(entry, 'http request');
    });

    // While draining, no connection is kept for another request. Only a session that lives here may still send
    // (its calls and its DELETE): anything else is for another replica.
    if (draining) res.setHeader('connection', 'close');
    if (draining && route === 'mcp' && !continuesSessionHere(req)) {
      sendJsonRpcError(res, 503, 'Service Unavailable: this gateway replica is shutting down; send the request again (the load balancer routes it to another replica)', {
        headers: { connection: 'close', 'retry-after': '1' },
      });
      return;
    }
    if (route === 'metrics' && settings.metricsPort !== undefined && !ops) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`metrics are served on port ${opsPort ?? settings.metricsPort}\n`);
      return;
    }
    switch (route) {
      case 'healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case 'readyz': {
        if (draining) {
          sendJson(res, 503, { ready: false, reason: 'shutting down' });
          return;
        }
        if (!readiness) {
          sendJson(res, 200, { ready: true });
          return;
        }
        const state = await readiness.check();
        // Redis away is a degraded service, not an unready one: every replica shares it, and failing them all would
        // turn an outage of the shared store into an outage of the gateway.
        const redis = options.redisHealth?.state();
        sendJson(res, state.ready ? 200 : 503, redis ? { ...state, redis: redis.ok ? 'ok' : redis.reason, ...(redis.ok ? {} : { degraded: true }) } : state);
        return;
      }
      case 'metrics': {
        if (!metrics) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are not enabled\n');
          return;
        }
        const { contentType, body } = await metrics.scrape();
        res.writeHead(200, { 'content-type': contentType }).end(body);
        return;
      }
      case 'oauth-metadata': {
        if (!auth?.oauth || !auth.issuer) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('no OAuth issuer is configured\n');
          return;
        }
        const refused = guard(req);
        if (refused) {
          sendJson(res, 403, { error: refused });
          return;
        }
        // Public metadata: browsers-based clients must be able to read it cross-origin.
        sendJson(res, 200, protectedResourceMetadata(resourceFor(req), auth.issuer), { 'access-control-allow-origin': '*' });
        return;
      }
      case 'oauth-callback': {
        // The browser coming back from Argo CD's identity provider: no MCP credentials, the state is the proof.
        if (!options.signIn || req.method !== 'GET') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
          return;
        }
        const page = await options.signIn.callback(new URL(req.url ?? '/', 'http://localhost'));
        res
          .writeHead(page.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
          .end(signInPage(page.title, page.text));
        return;
      }
      case 'oauth-revoke': {
        // Forgets the caller's Argo CD tokens: the caller is whoever the MCP credentials say.
        if (!options.signIn || req.method !== 'POST') {
          res.writeHead(options.signIn ? 405 : 404, { 'content-type': 'text/plain' }).end(options.signIn ? 'Use POST\n' : 'Not found\n');
          return;
        }
        const refused = guard(req);
        if (refused) {
          sendJson(res, 403, { error: refused });
          return;
        }
        const outcome = auth ? await auth.authenticate(req) : undefined;
        if (!outcome?.ok) {
          if (outcome) refuseAuth(req, res, outcome);
          else sendJson(res, 401, { error: 'inbound auth is not configured, so there is no user to sign out' });
          return;
        }
        const had = await options.signIn.revoke({ subject: outcome.principal.subject });
        sendJson(res, 200, { revoked: had });
        return;
      }
      case 'mcp':
        await handleMcp(req, res, log);
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the MCP endpoint is /mcp\n');
    }
  };

  const http: HttpServer = createServer((req, res) => {
    handle(req, res, false).catch((err: Error) => {
      logger.error({ err: err.message }, 'HTTP request failed');
      sendJsonRpcError(res, 500, 'Internal error', { code: -32603 });
    });
  });
  const sweeper = setInterval(() => {
    const cutoff = Date.now() - settings.sessionIdleTimeoutMs;
    for (const [id, s] of sessions) {
      if (s.open === 0 && s.lastSeen < cutoff) {
        logger.info({ session: id }, 'session expired after being idle');
        void closeSession(id);
      }
    }
  }, Math.max(250, Math.min(settings.sessionIdleTimeoutMs / 4, 60_000)));
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;

  // The operations port: /metrics, /healthz and /readyz only, so MCP's port (and an Ingress in front of it) never
  // publishes them, and a NetworkPolicy can open them to the monitoring namespace alone.
  let opsServer: HttpServer | undefined;
  if (settings.metricsPort !== undefined) {
    const server = createServer((req, res) => {
      const route = routeOf(new URL(req.url ?? '/', 'http://localhost').pathname, undefined);
      if (route !== 'metrics' && route !== 'healthz' && route !== 'readyz') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this port serves /metrics, /healthz and /readyz\n');
        return;
      }
      handle(req, res, true).catch((err: Error) => {
        logger.error({ err: err.message }, 'HTTP request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.metricsPort, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    opsServer = server;
    opsPort = (server.address() as AddressInfo).port;
  }
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  const closeEverything = async () => {
    clearInterval(sweeper);
    for (const abort of relays) abort.abort();
    for (const finish of [...orphans]) finish();
    await Promise.all([...sessions.keys()].map((id) => closeSession(id, false)));
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    const opsClosed = opsServer ? new Promise<void>((resolve) => opsServer!.close(() => resolve())) : undefined;
    opsServer?.closeAllConnections();
    await Promise.all([closed, opsClosed]);
  };

  return {
    url: `http://${hostForUrl}:${port}/mcp`,
    port,
    ...(opsPort !== undefined ? { metricsUrl: `http://${hostForUrl}:${opsPort}/metrics` } : {}),
    sessionCount: () => sessions.size,
    close: closeEverything,
    async drain(timeoutMs) {
      draining = true;
      const started = Date.now();
      http.closeIdleConnections();
      for (const s of sessions.values()) s.transport.closeStandaloneSSEStream();
      for (const abort of relays) abort.abort();
      const transports = () => [...[...sessions.values()].map((s) => s.transport), ...statelessRunning];
      const running = () => transports().reduce((n, t) => n + t.pendingRequests, 0);
      if (inflight > 0 || running() > 0) {
        logger.info({ inflight: running(), timeoutMs }, 'waiting for in-flight calls before stopping');
        // Polled: a stateless call whose client left holds no response open, and is still worth its answer.
        while ((inflight > 0 || running() > 0) && Date.now() - started < timeoutMs) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, Math.min(100, Math.max(1, timeoutMs - (Date.now() - started))));
            function done() {
              clearTimeout(timer);
              inflightDone.delete(done);
              resolve();
            }
            inflightDone.add(done);
          });
        }
      }
      const unfinished = running();
      if (unfinished) {
        logger.warn({ unfinished, timeoutMs }, 'stopping with calls still running (shutdownTimeout reached): they are answered with an error the client can read or resume');
        const error = shutdownError(timeoutMs);
        await Promise.all(transports().map((t) => t.failPending(error)));
      }
      await closeEverything();
      return { unfinished };
    },
  };
}
