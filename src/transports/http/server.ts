/**
 * MCP over Streamable HTTP at /mcp, as a service a team runs next to Argo CD: the listeners and the route table.
 *
 * - Sessions (`Mcp-Session-Id`, ./sessions.ts): one transport (./streamable.ts) and SDK Server per session; DELETE
 *   ends one; idle ones expire. Or `stateless` (./stateless.ts): a fresh transport and Server per POST, so any
 *   replica serves any request.
 * - A POST is answered with plain JSON when its answer is ready first and soon; a request with a progress token,
 *   one the server sends something else about first (a log message, an elicitation), or a slow one gets an SSE
 *   stream. Every event is stored in the event store (./event-store.ts), so a client that lost a stream resumes it
 *   with `Last-Event-ID`, on this process or, with Redis, on another (./relay.ts).
 * - Guards, in order (./request-guards.ts): Host/Origin (DNS rebinding), inbound auth (JWT or API key → principal),
 *   per-client rate limit (429 + Retry-After), body size (413, ./request-body.ts).
 * - `/healthz`, `/readyz`, `/metrics` (./operations-endpoints.ts), on `metricsPort` when it is set; the OAuth
 *   Protected Resource Metadata and the sign-in pages (./oauth-endpoints.ts).
 * - `drain()`: out of rotation (/readyz 503, new requests 503) with the listener still open, standalone streams
 *   closed, in-flight calls finishing (bounded by shutdownTimeout, ./in-flight.ts); what outlasts it is answered
 *   with an error that is also stored for a resume; then close.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server as NodeHttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultHttpSettings } from '../../config/http-settings.ts';
import { sizeHeapForService } from '../../heap-tuning.ts';
import type { Logger } from '../../log.ts';
import { InFlightCalls } from './in-flight.ts';
import { resourceUrl } from './inbound-auth/metadata.ts';
import { serveMcp } from './mcp-endpoint.ts';
import { serveResourceMetadata, serveSignInCallback, serveSignOut } from './oauth-endpoints.ts';
import { serveHealthz, serveMetrics, serveReadyz } from './operations-endpoints.ts';
import { noRateLimit } from './rate-limit.ts';
import { createOriginGuard } from './origin-guard.ts';
import { sendJsonRpcError, sendText } from './replies.ts';
import { OPERATIONS_ROUTES, requestIdOf, routeOf } from './routes.ts';
import type { Route } from './routes.ts';
import { SessionTable } from './sessions.ts';
import type { HttpTransportHandle, HttpTransportOptions, TransportContext } from './transport-context.ts';

export type { HttpTransportHandle, HttpTransportOptions } from './transport-context.ts';

type Endpoint = (ctx: TransportContext, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** What each route serves; `/mcp` gets the request's logger too. */
const ENDPOINTS: Record<Exclude<Route, 'mcp' | 'other'>, Endpoint> = {
  healthz: (_ctx, _req, res) => serveHealthz(res),
  readyz: (ctx, _req, res) => serveReadyz(ctx, res),
  metrics: (ctx, _req, res) => serveMetrics(ctx, res),
  'oauth-metadata': serveResourceMetadata,
  'oauth-callback': serveSignInCallback,
  'oauth-revoke': serveSignOut,
};

/** A running transport: its shared context, whether it drains, and its ports once they listen. */
interface Running {
  ctx: TransportContext;
  draining: boolean;
  /** The MCP port (options.port may be 0: any free port). */
  port: number;
  /** The operations port (settings.metricsPort may be 0 too). */
  opsPort?: number;
}

function createContext(options: HttpTransportOptions, running: () => Running): TransportContext {
  const { logger, authenticator } = options;
  const settings = options.settings ?? defaultHttpSettings();
  const sessions = new SessionTable({ settings, createServer: options.createServer, logger, eventStore: options.eventStore, shared: options.sharedSessions });
  options.metrics?.sessions(() => sessions.size);
  return {
    options,
    settings,
    logger,
    sessions,
    calls: new InFlightCalls(),
    guard: createOriginGuard({ bindHost: options.host, allowedHosts: settings.allowedHosts, allowedOrigins: settings.allowedOrigins }),
    auth: authenticator?.enabled ? authenticator : undefined,
    rateLimiter: options.rateLimiter ?? noRateLimit,
    eventStore: options.eventStore,
    resourceFor: (req) => resourceUrl(settings.publicUrl, req.headers.host, `${options.host}:${running().port}`),
    isDraining: () => running().draining,
  };
}

/** A call or DELETE of a session this process holds (served while draining; it cannot move elsewhere). */
function continuesSessionHere(ctx: TransportContext, req: IncomingMessage): boolean {
  const id = req.headers['mcp-session-id'];
  return typeof id === 'string' && ctx.sessions.has(id) && (req.method === 'POST' || req.method === 'DELETE');
}

/** Logs the request and counts it in the metrics once its response closed. */
function logWhenClosed(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, route: Route, requestId: string): Logger {
  const started = performance.now();
  const log = ctx.logger.child({ requestId });
  res.once('close', () => {
    ctx.options.metrics?.httpRequest(route, res.statusCode);
    const entry = { method: req.method, path: new URL(req.url ?? '/', 'http://localhost').pathname, status: res.statusCode, ms: Math.round(performance.now() - started) };
    if (route === 'mcp') log.info(entry, 'http request');
    else log.debug(entry, 'http request');
  });
  return log;
}

/** One request, on the MCP port or (`ops`) the operations port. */
async function routeRequest(running: Running, req: IncomingMessage, res: ServerResponse, ops: boolean): Promise<void> {
  const { ctx } = running;
  const requestId = requestIdOf(req);
  res.setHeader('x-request-id', requestId);
  const route = routeOf(new URL(req.url ?? '/', 'http://localhost').pathname, ctx.settings.publicUrl);
  const log = logWhenClosed(ctx, req, res, route, requestId);
  // While draining, no connection is kept for another request. Only a session that lives here may still send
  // (its calls and its DELETE): anything else is for another replica.
  if (running.draining) res.setHeader('connection', 'close');
  if (running.draining && route === 'mcp' && !continuesSessionHere(ctx, req)) {
    sendJsonRpcError(res, 503, 'Service Unavailable: this gateway replica is shutting down; send the request again (the load balancer routes it to another replica)', {
      headers: { connection: 'close', 'retry-after': '1' },
    });
    return;
  }
  if (route === 'metrics' && ctx.settings.metricsPort !== undefined && !ops) {
    sendText(res, 404, `metrics are served on port ${running.opsPort ?? ctx.settings.metricsPort}`);
    return;
  }
  if (route === 'mcp') return serveMcp(ctx, req, res, log);
  if (route === 'other') return sendText(res, 404, 'Not found: the MCP endpoint is /mcp');
  await ENDPOINTS[route](ctx, req, res);
}

/** Starts listening; resolves with the port once it accepts connections. */
async function listen(server: NodeHttpServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The MCP port's listener: every route; a request that throws is answered 500 and logged. */
function createMcpListener(running: Running): NodeHttpServer {
  return createServer((req, res) => {
    routeRequest(running, req, res, false).catch((err: Error) => {
      running.ctx.logger.error({ err: err.message }, 'HTTP request failed');
      sendJsonRpcError(res, 500, 'Internal error', { code: -32603 });
    });
  });
}

/**
 * The operations port: /metrics, /healthz and /readyz only, so MCP's port (and an Ingress in front of it) never
 * publishes them, and a NetworkPolicy can open them to the monitoring namespace alone.
 */
function createOperationsListener(running: Running): NodeHttpServer {
  return createServer((req, res) => {
    const route = routeOf(new URL(req.url ?? '/', 'http://localhost').pathname, undefined);
    if (!OPERATIONS_ROUTES.has(route)) {
      sendText(res, 404, 'Not found: this port serves /metrics, /healthz and /readyz');
      return;
    }
    routeRequest(running, req, res, true).catch((err: Error) => {
      running.ctx.logger.error({ err: err.message }, 'HTTP request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
}

/** Stops listening and drops every connection. */
function closeListener(server: NodeHttpServer | undefined): Promise<void> | undefined {
  if (!server) return undefined;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

/** Starts the HTTP listener (and the operations one, with `metricsPort`); resolves once it accepts connections. */
export async function serveStreamableHttp(options: HttpTransportOptions): Promise<HttpTransportHandle> {
  sizeHeapForService();
  const running: Running = { ctx: createContext(options, () => running), draining: false, port: 0 };
  const { ctx } = running;
  const mcpListener = createMcpListener(running);
  running.port = await listen(mcpListener, options.port, options.host);
  let opsListener: NodeHttpServer | undefined;
  if (ctx.settings.metricsPort !== undefined) {
    opsListener = createOperationsListener(running);
    running.opsPort = await listen(opsListener, ctx.settings.metricsPort, options.host).catch(async (err: Error) => {
      await closeListener(mcpListener);
      throw err;
    });
  }
  ctx.sessions.startIdleSweep();
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const closeEverything = async () => {
    ctx.calls.abandonStreams();
    await ctx.sessions.closeAll();
    await Promise.all([closeListener(mcpListener), closeListener(opsListener)]);
  };
  return {
    url: `http://${hostForUrl}:${running.port}/mcp`,
    port: running.port,
    ...(running.opsPort !== undefined ? { metricsUrl: `http://${hostForUrl}:${running.opsPort}/metrics` } : {}),
    sessionCount: () => ctx.sessions.size,
    close: closeEverything,
    async drain(timeoutMs) {
      running.draining = true;
      mcpListener.closeIdleConnections();
      for (const s of ctx.sessions.all()) s.transport.closeStandaloneSSEStream();
      for (const abort of ctx.calls.relays) abort.abort();
      const unfinished = await ctx.calls.letCallsFinish(() => ctx.sessions.all().map((s) => s.transport), timeoutMs, ctx.logger);
      await closeEverything();
      return { unfinished };
    },
  };
}
