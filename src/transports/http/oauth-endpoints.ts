/**
 * The OAuth endpoints beside /mcp: the Protected Resource Metadata (RFC 9728) when an issuer is configured, and,
 * with per-user sign-in to Argo CD (`sso:`, src/argocd/auth/sso/broker.ts), the page the browser comes back to
 * from the identity provider (`/oauth/callback`) and the sign-out (`POST /oauth/revoke`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signInPage } from '../../argocd/auth/sso/result-page.ts';
import { protectedResourceMetadata } from './inbound-auth/metadata.ts';
import { sendJson, sendText } from './replies.ts';
import { refuseAuth } from './request-guards.ts';
import type { TransportContext } from './transport-context.ts';

export function serveResourceMetadata(ctx: TransportContext, req: IncomingMessage, res: ServerResponse): void {
  const { auth } = ctx;
  if (!auth?.oauth || !auth.issuer) {
    sendText(res, 404, 'no OAuth issuer is configured');
    return;
  }
  const refused = ctx.guard(req);
  if (refused) {
    sendJson(res, 403, { error: refused });
    return;
  }
  // Public metadata: browser-based clients must be able to read it cross-origin.
  sendJson(res, 200, protectedResourceMetadata(ctx.resourceFor(req), auth.issuer), { 'access-control-allow-origin': '*' });
}

/** The browser coming back from Argo CD's identity provider: no MCP credentials, the state is the proof. */
export async function serveSignInCallback(ctx: TransportContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { signIn } = ctx.options;
  if (!signIn || req.method !== 'GET') {
    sendText(res, 404, 'Not found');
    return;
  }
  const page = await signIn.callback(new URL(req.url ?? '/', 'http://localhost'));
  res
    .writeHead(page.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
    .end(signInPage(page.title, page.text));
}

/** Forgets the caller's Argo CD tokens: the caller is whoever the MCP credentials say. */
export async function serveSignOut(ctx: TransportContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { signIn } = ctx.options;
  if (!signIn || req.method !== 'POST') {
    if (signIn) sendText(res, 405, 'Use POST');
    else sendText(res, 404, 'Not found');
    return;
  }
  const refused = ctx.guard(req);
  if (refused) {
    sendJson(res, 403, { error: refused });
    return;
  }
  const outcome = ctx.auth ? await ctx.auth.authenticate(req) : undefined;
  if (!outcome?.ok) {
    if (outcome) refuseAuth(ctx, req, res, outcome);
    else sendJson(res, 401, { error: 'inbound auth is not configured, so there is no user to sign out' });
    return;
  }
  const had = await signIn.revoke({ subject: outcome.principal.subject });
  sendJson(res, 200, { revoked: had });
}
