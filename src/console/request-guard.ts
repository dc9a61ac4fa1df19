/**
 * Who may talk to the console: the Host header checked against DNS rebinding, other origins refused, the per-run
 * access token (from the printed URL, then an HttpOnly cookie), and X-Console-Token on every change (CSRF).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** Where the console listens, and the secret it was started with. */
export interface ConsoleListener {
  port: number;
  token: string;
  cookieName: string;
}

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-frame-options', 'DENY');
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}

/** A refusal as the asker reads it: JSON for the API, a short page for a browser. */
function refuse(req: IncomingMessage, res: ServerResponse, status: 401 | 403, message: string): void {
  const url = req.url ?? '/';
  if (url.startsWith('/api/')) return sendJson(res, status, { error: message });
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${status}</title><body style="font:16px system-ui;margin:3rem"><h1>${status === 401 ? 'Sign-in needed' : 'Forbidden'}</h1><p>${message}</p></body></html>`);
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

/** What to do with a request: serve it, trade the printed URL's token for the cookie, or refuse it. */
type Admission = { kind: 'serve'; url: URL } | { kind: 'set-cookie' } | { kind: 'refuse'; status: 401 | 403; message: string };

const refusal = (status: 401 | 403, message: string): Admission => ({ kind: 'refuse', status, message });

function admissionOf(req: IncomingMessage, listener: ConsoleListener): Admission {
  const { port, token, cookieName } = listener;
  const loopbackHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host.
  if (!loopbackHosts.has(req.headers.host ?? '')) return refusal(403, 'Forbidden: the Host header is not this console\'s loopback address.');
  const origin = req.headers.origin;
  if (origin && origin !== 'null' && !loopbackHosts.has(origin.replace(/^http:\/\//, ''))) {
    return refusal(403, 'Forbidden: requests from other origins are not accepted.');
  }
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const queryToken = url.searchParams.get('token');
  if (req.method === 'GET' && url.pathname === '/' && queryToken !== null) {
    if (!sameSecret(queryToken, token)) return refusal(403, 'Forbidden: this access token is not valid. Use the URL the console printed when it started.');
    return { kind: 'set-cookie' };
  }
  const given = (req.headers['x-console-token'] as string | undefined) ?? cookieValue(req, cookieName);
  if (!given) return refusal(401, 'Open the URL with the access token that <code>argocd-mcp-gateway console</code> printed.');
  if (!sameSecret(given, token)) return refusal(403, 'Forbidden: the access token is not valid for this console (it changes each time the console starts).');
  if (req.method !== 'GET' && !sameSecret(req.headers['x-console-token'] as string | undefined, token)) {
    return refusal(403, 'Forbidden: changes need the X-Console-Token header.');
  }
  return { kind: 'serve', url };
}

/** Answers a request that is not to be served (refused, or signed in by cookie); the URL to serve otherwise. */
export function admit(req: IncomingMessage, res: ServerResponse, listener: ConsoleListener): URL | undefined {
  const admission = admissionOf(req, listener);
  if (admission.kind === 'refuse') refuse(req, res, admission.status, admission.message);
  else if (admission.kind === 'set-cookie') {
    res.setHeader('set-cookie', `${listener.cookieName}=${listener.token}; HttpOnly; SameSite=Strict; Path=/`);
    res.writeHead(303, { location: '/' }).end();
  }
  return admission.kind === 'serve' ? admission.url : undefined;
}
