/**
 * The console's HTTP server: 127.0.0.1 only, a per-run access token (in the printed URL, then an HttpOnly cookie),
 * the Host header checked against DNS rebinding, POSTs guarded by an X-Console-Token header (CSRF) and same-origin
 * checks, and a strict Content-Security-Policy. Everything it serves ships in the package.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { consoleTools } from './console-tools.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import { packageRoot } from '../package-root.ts';
import { DEFAULT_TOOLSETS } from '../catalogue/toolsets.ts';
import type { ActivityLog } from './activity.ts';
import { catalogueView } from './catalogue-view.ts';
import { ConfigFileError, planSave, writeSave } from './config-file.ts';
import type { ConfigPatch } from './config-file.ts';
import { testConnection } from './connection.ts';
import type { ConnectionAuth } from './connection.ts';
import { exposedNames, selectionToAllowlist } from './encode-allowlist.ts';
import { renderPage } from './page.ts';
import type { PageState } from './page.ts';
import { PRESETS, presetSelection } from './presets.ts';
import { previewToolsList } from './preview.ts';

export interface ConsoleServerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** The allowlist file the console edits (it need not exist yet). */
  file: string;
  /** The configuration the console started with (the file, environment and flags). */
  config: GatewayConfig;
  /** Present when the gateway runs in this process (`console --serve`). */
  activity?: ActivityLog;
  gatewayUrl?: string;
  /** Called after the file was written (the in-process gateway reloads it). */
  onSaved?: () => Promise<void> | void;
  warnings?: string[];
}

export interface ConsoleServer {
  /** The URL to open, with the access token. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Limits the totals bar shows. */
// The token budget starts above what the gateway's own default (read-only, every toolset: ~14k tokens) costs, so
// the product's default does not open as over budget; it is a tenth of a 200k-token context window.
export const CLIENT_LIMITS = { cursorTools: 40, openaiTools: 128, tokenBudget: 20_000 };

const STATIC_TYPES: Record<string, string> = { 'console.js': 'text/javascript; charset=utf-8', 'console.css': 'text/css; charset=utf-8' };

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const staticCache = new Map<string, string>();
function staticFile(name: string): string {
  let text = staticCache.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(packageRoot(), 'src', 'console', 'static', name), 'utf8');
    staticCache.set(name, text);
  }
  return text;
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'the request body must be a JSON object');
  }
}

interface SelectionBody {
  selected: string[];
  mode: 'static' | 'dynamic';
  toolsets: string[] | null;
}

/** `{selected, mode: static|toolsets|dynamic, toolsets}` from the page, checked. */
function selectionFrom(body: Record<string, unknown>, known: Set<string>, toolsetNames: string[]): SelectionBody {
  const selected = body.selected;
  if (!Array.isArray(selected) || !selected.every((s) => typeof s === 'string')) throw new HttpError(400, '`selected` must be a list of tool names');
  const unknown = selected.filter((s) => !known.has(s));
  if (unknown.length) throw new HttpError(400, `unknown tools: ${unknown.join(', ')}`);
  const mode = body.mode ?? 'static';
  if (mode !== 'static' && mode !== 'toolsets' && mode !== 'dynamic') throw new HttpError(400, '`mode` must be static, toolsets or dynamic');
  let toolsets: string[] | null = null;
  if (mode === 'toolsets') {
    const list = body.toolsets;
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && toolsetNames.includes(s))) {
      throw new HttpError(400, `\`toolsets\` must be a list of toolsets: ${toolsetNames.join(', ')}`);
    }
    toolsets = toolsetNames.filter((n) => list.includes(n));
  }
  return { selected: [...new Set(selected as string[])], mode: mode === 'dynamic' ? 'dynamic' : 'static', toolsets };
}

/** Starts the console; resolves once it listens on 127.0.0.1. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = randomBytes(24).toString('base64url');
  const tools = consoleTools();
  const known = new Set(tools.map((t) => t.name));
  const view = await catalogueView();
  const toolsetNames = view.groups.map((g) => g.toolset);
  const dynamicPreview = await previewToolsList({ allowlist: { readOnly: false, allow: ['*'], deny: [], source: 'config' }, mode: 'dynamic' });
  let config = options.config;
  let port = 0;
  let cookieName = '';
  const sseClients = new Set<ServerResponse>();

  const loopbackHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

  const pageState = (): PageState => ({
    token,
    file: options.file,
    fileExists: existsSync(options.file),
    release: view.release,
    groups: view.groups,
    selected: exposedNames({ allowlist: config.allowlist, tools }),
    presets: PRESETS.map((p) => ({ id: p.id, label: p.label, description: p.description, tools: presetSelection(p.id, tools) })),
    mode: config.mode,
    toolsets: config.toolsets ?? null,
    defaultToolsets: DEFAULT_TOOLSETS,
    dynamicBase: { tools: dynamicPreview.tools.length, tokens: dynamicPreview.tokens },
    limits: CLIENT_LIMITS,
    connection: { url: config.argocdUrl ?? '', tokenConfigured: !!config.token, tokenFile: config.tokenFile ?? '' },
    gateway: options.gatewayUrl ? { url: options.gatewayUrl } : undefined,
    warnings: options.warnings ?? [],
  });

  const patchFor = (sel: SelectionBody, body: Record<string, unknown>): ConfigPatch => {
    const entries = selectionToAllowlist(sel.selected, tools);
    const patch: ConfigPatch = { ...entries, mode: sel.mode, toolsets: sel.toolsets };
    const conn = body.connection as { url?: unknown; tokenFile?: unknown } | undefined;
    if (conn && typeof conn === 'object') {
      if (typeof conn.url === 'string' && conn.url.trim()) patch.url = conn.url.trim();
      if (typeof conn.tokenFile === 'string' && conn.tokenFile.trim()) patch.tokenFile = conn.tokenFile.trim();
    }
    return patch;
  };

  const expectedExposure = (sel: SelectionBody) => sel.selected.filter((n) => !sel.toolsets || sel.toolsets.includes(tools.find((t) => t.name === n)!.toolset));

  const api: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<unknown>> = {
    'POST /api/preview': async (req) => {
      const body = await readBody(req);
      const sel = selectionFrom(body, known, toolsetNames);
      const entries = selectionToAllowlist(sel.selected, tools);
      const preview = await previewToolsList({ allowlist: { ...entries, source: 'config' }, toolsets: sel.toolsets ?? undefined, mode: sel.mode });
      return { ...preview, count: preview.tools.length, reachable: expectedExposure(sel).length };
    },
    'POST /api/plan': async (req) => {
      const body = await readBody(req);
      const sel = selectionFrom(body, known, toolsetNames);
      const patch = patchFor(sel, body);
      const plan = planSave({ file: options.file, patch, tools });
      const expected = expectedExposure(sel);
      return {
        file: plan.file,
        exists: plan.exists,
        diff: plan.diff,
        baseHash: plan.baseHash,
        after: plan.after,
        entries: { readOnly: patch.readOnly, allow: patch.allow, deny: patch.deny },
        exposed: plan.exposed.length,
        matches: plan.exposed.length === expected.length && plan.exposed.every((n) => expected.includes(n)),
      };
    },
    'POST /api/save': async (req) => {
      const body = await readBody(req);
      const sel = selectionFrom(body, known, toolsetNames);
      if (typeof body.baseHash !== 'string') throw new HttpError(400, '`baseHash` (from the reviewed plan) is required');
      const plan = planSave({ file: options.file, patch: patchFor(sel, body), tools });
      const { backup } = writeSave({ file: options.file, after: plan.after, baseHash: body.baseHash });
      config = { ...config, allowlist: { ...selectionToAllowlist(sel.selected, tools), source: 'config' }, mode: sel.mode, toolsets: sel.toolsets ?? undefined };
      await options.onSaved?.();
      return { file: options.file, backup, exposed: plan.exposed.length, changed: plan.diff !== '' };
    },
    'POST /api/connection': async (req) => {
      const body = await readBody(req);
      const sel = selectionFrom(body, known, toolsetNames);
      const auth = body.auth as { kind?: unknown; token?: unknown; tokenFile?: unknown } | undefined;
      let parsed: ConnectionAuth;
      if (auth?.kind === 'token' && typeof auth.token === 'string') parsed = { kind: 'token', token: auth.token };
      else if (auth?.kind === 'file' && typeof auth.tokenFile === 'string') parsed = { kind: 'file', tokenFile: auth.tokenFile };
      else if (auth?.kind === 'configured') parsed = { kind: 'configured' };
      else throw new HttpError(400, '`auth` must be {kind: configured}, {kind: token, token} or {kind: file, tokenFile}');
      if (typeof body.url !== 'string') throw new HttpError(400, '`url` is required');
      const result = await testConnection({ input: { url: body.url, auth: parsed, selected: sel.selected }, base: config, tools });
      return { ok: result.ok, lines: result.lines };
    },
    'GET /api/activity': async () => ({ serving: !!options.activity, gatewayUrl: options.gatewayUrl, entries: options.activity?.recent() ?? [] }),
  };

  const unsubscribe = options.activity?.subscribe((entry) => {
    const data = `event: call\ndata: ${JSON.stringify(entry)}\n\n`;
    for (const res of sseClients) res.write(data);
  });

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader('content-security-policy', CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-frame-options', 'DENY');
  };

  const sendJson = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, status: 401 | 403, message: string) => {
    const url = req.url ?? '/';
    if (url.startsWith('/api/')) return sendJson(res, status, { error: message });
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${status}</title><body style="font:16px system-ui;margin:3rem"><h1>${status === 401 ? 'Sign-in needed' : 'Forbidden'}</h1><p>${message}</p></body></html>`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host.
    if (!loopbackHosts().has(req.headers.host ?? '')) return refuse(req, res, 403, 'Forbidden: the Host header is not this console\'s loopback address.');
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && !loopbackHosts().has(origin.replace(/^http:\/\//, ''))) {
      return refuse(req, res, 403, 'Forbidden: requests from other origins are not accepted.');
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const queryToken = url.searchParams.get('token');
    if (req.method === 'GET' && url.pathname === '/' && queryToken !== null) {
      if (!sameSecret(queryToken, token)) return refuse(req, res, 403, 'Forbidden: this access token is not valid. Use the URL the console printed when it started.');
      res.setHeader('set-cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      res.writeHead(303, { location: '/' }).end();
      return;
    }
    const given = (req.headers['x-console-token'] as string | undefined) ?? cookieValue(req, cookieName);
    if (!given) return refuse(req, res, 401, 'Open the URL with the access token that <code>argocd-mcp-gateway console</code> printed.');
    if (!sameSecret(given, token)) return refuse(req, res, 403, 'Forbidden: the access token is not valid for this console (it changes each time the console starts).');
    if (req.method !== 'GET' && !sameSecret(req.headers['x-console-token'] as string | undefined, token)) {
      return refuse(req, res, 403, 'Forbidden: changes need the X-Console-Token header.');
    }

    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(renderPage(pageState()));
      return;
    }
    const asset = /^\/static\/([a-z.]+)$/.exec(url.pathname)?.[1];
    if (req.method === 'GET' && asset && STATIC_TYPES[asset]) {
      res.writeHead(200, { 'content-type': STATIC_TYPES[asset] }).end(staticFile(asset));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/activity/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive' });
      res.write(`event: hello\ndata: ${JSON.stringify({ serving: !!options.activity })}\n\n`);
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    const route = api[`${req.method} ${url.pathname}`];
    if (!route) {
      sendJson(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
      return;
    }
    try {
      sendJson(res, 200, await route(req, res));
    } catch (err) {
      if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
      else if (err instanceof ConfigFileError) sendJson(res, 409, { error: err.message });
      else throw err;
    }
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: `internal error: ${err.message}` });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    // Loopback only, whatever the configuration says: the console edits files and holds tokens.
    http.listen(options.port ?? 0, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  cookieName = `argocd_mcp_console_${port}`;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    async close() {
      unsubscribe?.();
      for (const res of sseClients) res.end();
      sseClients.clear();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}
