/**
 * The checks an MCP request passes before it reaches a session, in order: Host/Origin (DNS rebinding) with CORS
 * for an accepted browser origin, inbound auth (JWT or API key → principal), the per-client rate limit
 * (429 + Retry-After).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Logger } from '../../log.ts';
import { wwwAuthenticate } from './inbound-auth/authenticate.ts';
import type { AuthOutcome, Principal } from './inbound-auth/authenticate.ts';
import { metadataUrlFor } from './inbound-auth/metadata.ts';
import { sendJsonRpcError } from './replies.ts';
import type { TransportContext } from './transport-context.ts';

/** Who is calling: nobody in particular without inbound auth. */
export interface Caller {
  principal?: Principal;
  authInfo?: AuthInfo;
}

/** The bearer token of a request (already validated by the authenticator). */
function bearerOf(req: IncomingMessage): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
  return m ? m[1] : '';
}

/** 401/403/503 with the `WWW-Authenticate` challenge (naming the metadata URL when OAuth is configured). */
export function refuseAuth(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, outcome: Extract<AuthOutcome, { ok: false }>): void {
  const metadata = ctx.auth?.oauth ? metadataUrlFor(ctx.resourceFor(req)) : undefined;
  const headers: Record<string, string> = { 'www-authenticate': wwwAuthenticate(outcome, metadata) };
  if (outcome.status === 503) headers['retry-after'] = '5';
  const prefix = outcome.status === 401 ? 'Unauthorized' : outcome.status === 403 ? 'Forbidden' : 'Service Unavailable';
  sendJsonRpcError(res, outcome.status, `${prefix}: ${outcome.description}`, { headers });
}

/**
 * Host/Origin guard, then CORS for a browser-based client from an accepted Origin (so it can read the session id
 * and auth challenges). False when the request was answered here (refused, or a preflight).
 */
export function passOriginAndCors(ctx: TransportContext, req: IncomingMessage, res: ServerResponse): boolean {
  const refused = ctx.guard(req);
  if (refused) {
    sendJsonRpcError(res, 403, `Forbidden: ${refused}`);
    return false;
  }
  if (!req.headers.origin) return true;
  res.setHeader('access-control-allow-origin', req.headers.origin);
  res.setHeader('access-control-expose-headers', 'mcp-session-id, www-authenticate, retry-after, x-request-id');
  res.setHeader('vary', 'origin');
  if (req.method !== 'OPTIONS') return true;
  res.writeHead(204, {
    'access-control-allow-methods': ctx.settings.stateless ? 'POST' : 'GET, POST, DELETE',
    'access-control-allow-headers': 'content-type, accept, authorization, x-api-key, mcp-session-id, mcp-protocol-version, last-event-id, x-request-id',
    'access-control-max-age': '600',
  });
  res.end();
  return false;
}

/** The caller of a request, or undefined when it was refused (the answer is sent). */
export async function authenticateCaller(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<Caller | undefined> {
  if (!ctx.auth) return {};
  const outcome = await ctx.auth.authenticate(req);
  if (!outcome.ok) {
    log.info({ status: outcome.status, reason: outcome.description }, 'refused a request without valid credentials');
    refuseAuth(ctx, req, res, outcome);
    return undefined;
  }
  const { principal } = outcome;
  const authInfo: AuthInfo = {
    // The token itself is passed on only for a token exchange at Argo CD's identity provider (sso.tokenExchange):
    // otherwise nothing after this point needs it, and what is not kept cannot leak.
    token: ctx.options.signIn?.mode === 'token-exchange' ? bearerOf(req) : '',
    clientId: principal.subject,
    scopes: principal.scopes,
    expiresAt: principal.expiresAt,
    extra: { subject: principal.subject, clientId: principal.clientId, profile: principal.profile, method: principal.method },
  };
  return { principal, authInfo };
}

/** Takes tokens from one client's rate-limit bucket; false when refused (the 429 is sent). */
export type RateCheck = (cost: number, calls?: number) => Promise<boolean>;

/** The rate check of a caller: by subject with inbound auth, by remote address without. */
export function rateCheckFor(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, principal: Principal | undefined, log: Logger): RateCheck {
  const key = principal ? `sub:${principal.subject}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
  const text = ctx.settings.rateLimit.text;
  return async (cost, calls = 1) => {
    const decision = await ctx.rateLimiter.take(key, cost);
    if (decision.allowed) return true;
    ctx.options.metrics?.rateLimited();
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    log.info({ subject: principal?.subject, retryAfter: seconds, cost }, 'rate limited');
    const what = calls > 1 ? `a batch of ${calls} tool calls is over ${text} for this client` : `over ${text} for this client`;
    sendJsonRpcError(res, 429, `Too Many Requests: ${what}; retry after ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
    return false;
  };
}
