/**
 * An Argo CD stand-in on 127.0.0.1 for authentication tests: session login that issues short-lived JWTs, tokens
 * the test can invalidate (as a server restart with a new secret would), Argo CD's 401 body, SSO settings and an
 * OIDC provider's discovery and token endpoints. Every request is recorded with its headers and body.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface AuthServer {
  url: string;
  requests: AuthRequest[];
  /** Session logins answered with a token. */
  logins: number;
  /** Refresh-token grants answered. */
  refreshes: number;
  /** Lifetime of issued tokens in seconds (default 3600). */
  lifetimeSec: number;
  /** Delay before a login answers, to make concurrent callers overlap. */
  loginDelayMs: number;
  /** Makes every token issued so far invalid. */
  invalidateAll(): void;
  /** Mints a valid token (for static-token tests) with an optional lifetime. */
  mint(sub: string, lifetimeSec?: number): string;
  /** Refresh tokens the OIDC endpoint accepts. */
  refreshTokens: Set<string>;
  close(): Promise<void>;
}

export const USER = 'admin';
export const PASSWORD = 'correct-horse-battery';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export async function startAuthServer(): Promise<AuthServer> {
  const valid = new Set<string>();
  let serial = 0;
  const state = {
    requests: [] as AuthRequest[],
    logins: 0,
    refreshes: 0,
    lifetimeSec: 3600,
    loginDelayMs: 0,
    refreshTokens: new Set<string>(),
  };
  const mint = (sub: string, lifetimeSec = state.lifetimeSec): string => {
    const iat = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'argocd', sub, iat, exp: iat + lifetimeSec, jti: `t${++serial}` })}.c2lnbmF0dXJl${serial}`;
    valid.add(token);
    return token;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0];
      state.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const unauthenticated = (message: string) => send(401, { error: message, code: 16, message, details: [] });
      if (!path.startsWith('/api/') && !path.startsWith('/oidc/')) {
        // argocd-server serves the UI's index.html for any other path.
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<!doctype html><html><body>Argo CD</body></html>');
      }
      if (req.method === 'POST' && path === '/api/v1/session') {
        if (state.loginDelayMs) await new Promise((r) => setTimeout(r, state.loginDelayMs));
        const { username, password } = JSON.parse(body || '{}') as { username?: string; password?: string };
        if (username !== USER || password !== PASSWORD) return unauthenticated('Invalid username or password');
        state.logins++;
        return send(200, { token: mint(`${username}:login`) });
      }
      if (path === '/api/v1/settings') return send(200, { url: addr(), oidcConfig: { issuer: `${addr()}/oidc`, clientID: 'argo-cd', cliClientID: 'argo-cd-cli' } });
      if (path === '/oidc/.well-known/openid-configuration') return send(200, { issuer: `${addr()}/oidc`, token_endpoint: `${addr()}/oidc/token` });
      if (req.method === 'POST' && path === '/oidc/token') {
        const form = new URLSearchParams(body);
        const rt = form.get('refresh_token') ?? '';
        if (form.get('grant_type') !== 'refresh_token' || !state.refreshTokens.has(rt)) return send(400, { error: 'invalid_grant', error_description: 'refresh token is invalid' });
        state.refreshes++;
        state.refreshTokens.delete(rt);
        const next = `rotated-refresh-${state.refreshes}`;
        state.refreshTokens.add(next);
        return send(200, { access_token: 'opaque', token_type: 'bearer', id_token: mint('sso-user'), refresh_token: next });
      }
      const auth = String(req.headers.authorization ?? '');
      const token = auth.replace(/^Bearer\s+/i, '');
      if (!auth) return unauthenticated('no session information');
      if (!valid.has(token)) return unauthenticated('invalid session: token signature is invalid');
      const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number;
      if (exp * 1000 < Date.now()) return unauthenticated('invalid session: token has invalid claims: token is expired');
      if (path === '/api/version') return send(200, { Version: 'v3.5.1+auth-test' });
      if (path === '/api/v1/session/userinfo') return send(200, { loggedIn: true, username: USER, iss: 'argocd' });
      if (path === '/api/v1/applications') return send(200, { metadata: {}, items: [] });
      return send(404, { error: 'not found', code: 5, message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handle = {
    url: addr(),
    mint,
    invalidateAll: () => valid.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  // Live views of the counters (the test reads them after calls).
  return Object.defineProperties(handle, {
    requests: { get: () => state.requests },
    logins: { get: () => state.logins },
    refreshes: { get: () => state.refreshes },
    refreshTokens: { get: () => state.refreshTokens },
    lifetimeSec: { get: () => state.lifetimeSec, set: (v: number) => (state.lifetimeSec = v) },
    loginDelayMs: { get: () => state.loginDelayMs, set: (v: number) => (state.loginDelayMs = v) },
  }) as unknown as AuthServer;
}
