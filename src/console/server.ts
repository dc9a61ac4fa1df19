/**
 * The console's HTTP server: 127.0.0.1 only, a per-run access token (in the printed URL, then an HttpOnly cookie),
 * the Host header checked against DNS rebinding, POSTs guarded by an X-Console-Token header (CSRF) and same-origin
 * checks, and a strict Content-Security-Policy. Everything it serves ships in the package.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { packageRoot } from '../package-root.ts';
import type { ActivityLog } from './activity.ts';
import { API_ROUTES, HttpError } from './api-routes.ts';
import { ConfigFileError } from './config-file.ts';
import { openConsoleSession, pageStateOf } from './console-session.ts';
import type { ConsoleServerOptions, ConsoleSession } from './console-session.ts';
import { renderPage } from './page.ts';
import { admit, securityHeaders, sendJson } from './request-guard.ts';
import type { ConsoleListener } from './request-guard.ts';

export { CLIENT_LIMITS } from './console-session.ts';
export type { ConsoleServerOptions } from './console-session.ts';

export interface ConsoleServer {
  /** The URL to open, with the access token. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const STATIC_TYPES: Record<string, string> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

const staticCache = new Map<string, string>();
function staticFile(name: string): string {
  let text = staticCache.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(packageRoot(), 'src', 'console', 'static', name), 'utf8');
    staticCache.set(name, text);
  }
  return text;
}

/** The Activity screen's event streams: each tool call the in-process gateway makes goes to every open one. */
class ActivityStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe?: () => void;

  constructor(private readonly activity: ActivityLog | undefined) {
    this.unsubscribe = activity?.subscribe((entry) => {
      const data = `event: call\ndata: ${JSON.stringify(entry)}\n\n`;
      for (const res of this.clients) res.write(data);
    });
  }

  open(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive' });
    res.write(`event: hello\ndata: ${JSON.stringify({ serving: !!this.activity })}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  close(): void {
    this.unsubscribe?.();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

/** What every request of one console shares. */
interface ConsoleContext {
  session: ConsoleSession;
  listener: ConsoleListener;
  streams: ActivityStreams;
}

async function handleRequest(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  securityHeaders(res);
  const url = admit(req, res, ctx.listener);
  if (!url) return;
  if (req.method === 'GET' && url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(renderPage(pageStateOf(ctx.session)));
    return;
  }
  const asset = /^\/static\/([a-z.]+)$/.exec(url.pathname)?.[1];
  if (req.method === 'GET' && asset && STATIC_TYPES[asset]) {
    res.writeHead(200, { 'content-type': STATIC_TYPES[asset] }).end(staticFile(asset));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/api/activity/stream') {
    ctx.streams.open(req, res);
    return;
  }
  await serveApi(ctx.session, req, res, url);
}

/** One API route's answer; what the caller got wrong (the body, or a file changed since the plan) is a 4xx. */
async function serveApi(session: ConsoleSession, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = API_ROUTES[`${req.method} ${url.pathname}`];
  if (!route) {
    sendJson(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
    return;
  }
  try {
    sendJson(res, 200, await route(session, req));
  } catch (err) {
    if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
    else if (err instanceof ConfigFileError) sendJson(res, 409, { error: err.message });
    else throw err;
  }
}

/** Listens on 127.0.0.1 whatever the configuration says: the console edits files and holds tokens. */
function listenOnLoopback(http: Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve((http.address() as AddressInfo).port);
    });
  });
}

/** Starts the console; resolves once it listens on 127.0.0.1. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const session = await openConsoleSession(options);
  const streams = new ActivityStreams(options.activity);
  // The port, and the cookie named after it, are known once the server listens; no request comes before.
  const listener: ConsoleListener = { port: 0, token: session.token, cookieName: '' };
  const ctx: ConsoleContext = { session, listener, streams };
  const http = createServer((req, res) => {
    handleRequest(ctx, req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: `internal error: ${err.message}` });
      else res.end();
    });
  });
  const port = await listenOnLoopback(http, options.port ?? 0);
  listener.port = port;
  listener.cookieName = `argocd_mcp_console_${port}`;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${session.token}`,
    origin,
    port,
    token: session.token,
    async close() {
      streams.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}
