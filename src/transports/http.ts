/**
 * MCP over Streamable HTTP at /mcp: one SDK transport and Server per session (`Mcp-Session-Id`), DELETE ends a
 * session, idle sessions expire. Host and Origin are checked against DNS rebinding when bound to loopback.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.ts';

export interface HttpOptions {
  host: string;
  port: number;
  createServer: () => Server;
  logger: Logger;
  /** Sessions idle longer than this are closed (default 30 minutes). */
  idleTimeoutMs?: number;
  /** Largest accepted request body (default 4 MiB). */
  maxBodyBytes?: number;
}

export interface HttpHandle {
  url: string;
  port: number;
  close(): Promise<void>;
  sessionCount(): number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function send(res: ServerResponse, status: number, message: string, code = -32000): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

async function readJson(req: IncomingMessage, limit: number): Promise<{ ok: true; body: unknown } | { ok: false; status: number; message: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return { ok: false, status: 413, message: `request body over ${limit} bytes` };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: the body is not JSON' };
  }
}

/** Starts the HTTP listener; resolves once it accepts connections. */
export async function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  const { logger } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const sessions = new Map<string, Session>();
  const loopbackOnly = LOOPBACK.has(options.host);

  const hostAllowed = (req: IncomingMessage): boolean => {
    if (!loopbackOnly) return true;
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!LOOPBACK.has(host)) return false;
    const origin = req.headers.origin;
    if (!origin) return true;
    try {
      return LOOPBACK.has(new URL(origin).hostname) || LOOPBACK.has(`[${new URL(origin).hostname}]`);
    } catch {
      return false;
    }
  };

  const closeSession = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.transport.close().catch(() => undefined);
    await s.server.close().catch(() => undefined);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.pathname !== '/mcp') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the MCP endpoint is /mcp\n');
      return;
    }
    if (!hostAllowed(req)) {
      send(res, 403, 'Forbidden: Host or Origin is not a loopback address');
      return;
    }
    const sessionId = req.headers['mcp-session-id'] as string | undefined;
    const existing = sessionId ? sessions.get(sessionId) : undefined;
    if (existing) existing.lastSeen = Date.now();

    if (req.method === 'POST') {
      const parsed = await readJson(req, maxBodyBytes);
      if (!parsed.ok) {
        send(res, parsed.status, parsed.message, -32700);
        return;
      }
      if (existing) {
        await existing.transport.handleRequest(req, res, parsed.body);
        return;
      }
      if (sessionId) {
        send(res, 404, 'Session not found: it expired or was closed; initialize a new session', -32001);
        return;
      }
      const messages = Array.isArray(parsed.body) ? parsed.body : [parsed.body];
      if (!messages.some((m) => isInitializeRequest(m))) {
        send(res, 400, 'Bad Request: no Mcp-Session-Id header; the first request must be initialize');
        return;
      }
      const server = options.createServer();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server, lastSeen: Date.now() });
          logger.debug({ session: id }, 'session started');
        },
        onsessionclosed: (id) => {
          sessions.delete(id);
          logger.debug({ session: id }, 'session ended');
        },
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed.body);
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!existing) {
        send(res, sessionId ? 404 : 400, sessionId ? 'Session not found' : 'Bad Request: Mcp-Session-Id header is required', sessionId ? -32001 : -32000);
        return;
      }
      await existing.transport.handleRequest(req, res);
      if (req.method === 'DELETE') await closeSession(sessionId!);
      return;
    }
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
  };

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      logger.error({ err: err.message }, 'HTTP request failed');
      send(res, 500, 'Internal error');
    });
  });
  const sweeper = setInterval(() => {
    const cutoff = Date.now() - idleTimeoutMs;
    for (const [id, s] of sessions) if (s.lastSeen < cutoff) void closeSession(id);
  }, Math.min(idleTimeoutMs, 60_000));
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}/mcp`,
    port,
    sessionCount: () => sessions.size,
    async close() {
      clearInterval(sweeper);
      await Promise.all([...sessions.keys()].map(closeSession));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}
