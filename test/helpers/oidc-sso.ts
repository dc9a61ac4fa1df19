/**
 * A real OpenID provider (`oidc-provider` 8 on 127.0.0.1) for end-to-end tests of signing in to Argo CD through SSO.
 *
 * - Authorization code flow with PKCE (S256 only; required unless a client opts out), for public clients (no secret,
 *   `token_endpoint_auth_method: 'none'`) and confidential ones (`client_secret_basic` or `client_secret_post`), with
 *   plain-http loopback redirect URIs (`http://127.0.0.1:PORT/auth/callback`, `http://localhost:8085/auth/callback`).
 * - Scopes `openid profile email groups offline_access`. ID tokens are RS256, `aud` = the client id, and carry
 *   `email`, `email_verified`, `name`, `preferred_username` and `groups` (the provider is configured with
 *   `conformIdTokenClaims: false`, so the claims are in the ID token and not only at userinfo). `sub` is the account key.
 * - Refresh tokens for every client allowed the `refresh_token` grant (the default) that asked for `offline_access`.
 *   oidc-provider drops `offline_access` unless the request also has `prompt=consent`; like Dex, this helper adds
 *   `prompt=consent` itself, so callers need not. The refresh grant returns a new ID token.
 * - OAuth 2.0 Token Exchange (RFC 8693): a client configured with `tokenExchange: true` (confidential only) posts
 *   `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`, `subject_token` (an access token this provider
 *   issued to a user: opaque, looked up in the provider's store, or a JWT access token for a resource, verified against
 *   the provider's key and `typ: at+jwt`), `subject_token_type=urn:ietf:params:oauth:token-type:access_token`,
 *   `requested_token_type=urn:ietf:params:oauth:token-type:id_token` (may be omitted) and `audience=<a configured
 *   client id>`, and gets `{ access_token: <ID token for the subject's account, aud = audience>, issued_token_type,
 *   token_type: 'N_A', expires_in }`. Bad or expired subject tokens get 400 `invalid_grant`, missing or unsupported
 *   parameters 400 `invalid_request`, an unknown audience 400 `invalid_target`; a client without the grant gets
 *   oidc-provider's 400 `invalid_request` "requested grant type is not allowed for this client".
 * - A simulated browser (`browserLogin`) that walks the provider's redirects with its own cookie jar (a fresh one per
 *   call: no SSO session is reused between calls), signs in as an account and consents to whatever was asked, through
 *   interaction routes this helper serves at `/interaction/:uid` on the provider's own server (no HTML form).
 *
 * State lives in a per-provider in-memory adapter, so `revokeAll()` forgets every grant, session and token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import Provider, * as oidcProviderModule from 'oidc-provider';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const SSO_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;

export interface SsoAccount {
  email: string;
  groups: string[];
  /** Defaults to the account key. */
  name?: string;
}

export interface SsoClient {
  id: string;
  /** Absent: a public client (`token_endpoint_auth_method: 'none'`). */
  secret?: string;
  /** For confidential clients; default `client_secret_basic`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Exact redirect URIs (plain-http loopback is fine). The first one is used by `accessTokenFor`/`tokensFor`. */
  redirectUris: string[];
  /** Default true: the authorization request must carry an S256 `code_challenge`. */
  pkceRequired?: boolean;
  /** Allow the refresh_token grant (default true). */
  refreshTokens?: boolean;
  /** Allow the token exchange grant (confidential clients only; default false). */
  tokenExchange?: boolean;
}

export interface SsoProviderOptions {
  accounts: Record<string, SsoAccount>;
  clients: SsoClient[];
  /** ID token lifetime in seconds, also for exchanged ID tokens (default 300). */
  idTokenTtl?: number;
  /** Access token lifetime in seconds, opaque and JWT (default 300). */
  accessTokenTtl?: number;
  /** Refresh token lifetime in seconds (default 86400). */
  refreshTokenTtl?: number;
  /** Scopes of resource servers (e.g. `argocd:write` for an MCP server's access tokens), besides the OIDC ones. */
  resourceScopes?: string[];
}

/** A token endpoint response. */
export interface SsoTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

export interface SsoFollowResult {
  /** The client redirect URL that was requested (with `code` and `state`). */
  url: string;
  status: number;
  /** `location` header of that response, if it redirected (not followed). */
  location: string | null;
  body: string;
}

export interface SsoProvider {
  issuer: string;
  /** The public signing keys (RS256, `use: sig`, with `kid`), as served at the jwks_uri. */
  publicJwks(): JsonWebKey[];
  /**
   * Plays the user's browser: GETs `authorizationUrl`, signs in as `account`, consents, and returns the URL the
   * provider redirects to on the client's side (`redirect_uri?code=…&state=…`, or `?error=…`) without requesting it.
   * Throws if the provider stops on an error page (e.g. an unregistered redirect_uri or a missing PKCE challenge).
   */
  browserLogin(authorizationUrl: string, account: string): Promise<string>;
  /** `browserLogin`, then one GET of the returned redirect URL (its redirects are not followed). */
  browserLoginAndFollow(authorizationUrl: string, account: string): Promise<SsoFollowResult>;
  /**
   * The full code flow (PKCE, the client's first redirect URI, its own auth method) for `account`; returns the token
   * response. Default scope `openid profile email groups offline_access`. With `resource`, the access token is a JWT
   * (RFC 9068, `typ: at+jwt`, `aud` = resource); without, it is opaque.
   */
  tokensFor(account: string, options: { clientId: string; resource?: string; scope?: string }): Promise<SsoTokens>;
  /** `tokensFor(...).access_token`: a subject token for token exchange. */
  accessTokenFor(account: string, options: { clientId: string; resource?: string; scope?: string }): Promise<string>;
  /** Forgets every session, grant, code, access and refresh token (JWT access tokens issued so far are refused too). */
  revokeAll(): void;
  close(): Promise<void>;
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// ---------------------------------------------------------------------------------------------------------------
// The parts of oidc-provider 8 (which ships no types) used here.

interface OidcClientEntity {
  clientId: string;
  clientAuthMethod: string;
  grantTypeAllowed(type: string): boolean;
}
interface OidcCtx {
  oidc: { params: Record<string, string | undefined>; client: OidcClientEntity };
  body: unknown;
}
interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
interface InteractionDetails {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, string | undefined>;
  session?: { accountId?: string };
  grantId?: string;
}
interface ProviderApi {
  proxy: boolean;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  registerGrantType(
    name: string,
    handler: (ctx: OidcCtx, next: () => Promise<void>) => Promise<void>,
    params?: string[],
    dupes?: string[],
  ): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  Grant: {
    new (init: { accountId: string; clientId: string }): OidcGrant;
    find(id: string): Promise<OidcGrant | undefined>;
  };
  AccessToken: {
    find(value: string): Promise<{ accountId?: string; clientId: string; isExpired: boolean } | undefined>;
  };
  Client: { find(id: string): Promise<unknown> };
}
type OidcErrorClass = new (description?: string) => Error;
const { errors } = oidcProviderModule as unknown as {
  errors: { InvalidGrant: OidcErrorClass; InvalidRequest: OidcErrorClass; InvalidTarget: OidcErrorClass };
};

// ---------------------------------------------------------------------------------------------------------------
// A per-provider in-memory adapter (oidc-provider's own is a process-wide LRU that cannot be cleared).

interface Stored {
  payload: Record<string, unknown>;
  expiresAt: number;
}
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

function memoryAdapterFactory(store: Map<string, Stored>) {
  const get = (key: string): Stored | undefined => {
    const hit = store.get(key);
    if (hit && hit.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return hit;
  };
  return function adapterFor(model: string) {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
        const expiresAt = Date.now() + expiresIn * 1000;
        if (model === 'Session') store.set(`sessionUid:${String(payload.uid)}`, { payload: { id }, expiresAt });
        if (GRANTABLE.has(model) && typeof payload.grantId === 'string') {
          const grantKey = `grant:${payload.grantId}`;
          const keys = (get(grantKey)?.payload.keys as string[] | undefined) ?? [];
          store.set(grantKey, { payload: { keys: [...keys, key(id)] }, expiresAt: Number.MAX_SAFE_INTEGER });
        }
        store.set(key(id), { payload, expiresAt });
      },
      async find(id: string) {
        return get(key(id))?.payload;
      },
      async findByUid(uid: string) {
        const ref = get(`sessionUid:${uid}`)?.payload.id;
        return typeof ref === 'string' ? get(key(ref))?.payload : undefined;
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id: string) {
        const hit = get(key(id));
        if (hit) hit.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id: string) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId: string) {
        const keys = (get(`grant:${grantId}`)?.payload.keys as string[] | undefined) ?? [];
        for (const k of keys) store.delete(k);
        store.delete(`grant:${grantId}`);
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A minimal cookie jar for one simulated browser (all cookies come from the issuer; honours Path and expiry).

class CookieJar {
  private readonly cookies = new Map<string, { name: string; value: string; path: string; expiresAt: number }>();

  store(res: Response, requestUrl: URL): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestUrl.pathname.replace(/\/[^/]*$/, '') || '/';
      let expiresAt = Number.POSITIVE_INFINITY;
      for (const attribute of attributes) {
        const [k, ...rest] = attribute.split('=');
        const v = rest.join('=').trim();
        switch (k.trim().toLowerCase()) {
          case 'path':
            path = v || '/';
            break;
          case 'expires':
            expiresAt = Math.min(expiresAt, Date.parse(v));
            break;
          case 'max-age':
            expiresAt = Date.now() + Number(v) * 1000;
            break;
        }
      }
      const id = `${name};${path}`;
      if (!value || expiresAt <= Date.now()) this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path, expiresAt });
    }
  }

  header(url: URL): string {
    const now = Date.now();
    return [...this.cookies.values()]
      .filter((c) => c.expiresAt > now && pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------------------

export async function startSsoProvider(options: SsoProviderOptions): Promise<SsoProvider> {
  const { accounts, clients } = options;
  const idTokenTtl = options.idTokenTtl ?? 300;
  const accessTokenTtl = options.accessTokenTtl ?? 300;
  const refreshTokenTtl = options.refreshTokenTtl ?? 86_400;
  const byId = new Map(clients.map((c) => [c.id, c]));
  for (const c of clients) {
    if (c.tokenExchange && !c.secret) throw new Error(`client ${c.id}: token exchange needs a confidential client`);
  }

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kid = `sso-${randomBytes(4).toString('hex')}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid };
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid };
  const localJwks = createLocalJWKSet({ keys: [publicJwk] });

  const store = new Map<string, Stored>();
  const jwtAccessTokenIds = new Set<string>();
  const revokedJwtIds = new Set<string>();

  const claimsOf = (accountId: string) => {
    const a = accounts[accountId];
    return {
      sub: accountId,
      email: a.email,
      email_verified: true,
      name: a.name ?? accountId,
      preferred_username: accountId,
      groups: [...a.groups],
    };
  };
  const extraScopes = options.resourceScopes ?? [];
  const ssoScope = [...SSO_SCOPES.filter((s) => s !== 'offline_access'), ...extraScopes].join(' ');

  const provider = new Provider(issuer, {
    adapter: memoryAdapterFactory(store),
    clients: clients.map((c) => ({
      client_id: c.id,
      ...(c.secret
        ? { client_secret: c.secret, token_endpoint_auth_method: c.authMethod ?? 'client_secret_basic' }
        : { token_endpoint_auth_method: 'none' }),
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: [
        'authorization_code',
        ...(c.refreshTokens === false ? [] : ['refresh_token']),
        ...(c.tokenExchange ? [TOKEN_EXCHANGE_GRANT] : []),
      ],
      scope: [...SSO_SCOPES, ...extraScopes].join(' '),
      id_token_signed_response_alg: 'RS256',
    })),
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    scopes: [...SSO_SCOPES, ...extraScopes],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: {
      methods: ['S256'],
      required: (_ctx: unknown, client: OidcClientEntity) => byId.get(client.clientId)?.pkceRequired ?? true,
    },
    clientBasedCORS: () => true,
    // Plain-text error pages (e.g. an unregistered redirect_uri), which browserLogin puts in its error message.
    renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'text/plain';
      ctx.body = Object.entries(out)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
    },
    findAccount: (_ctx: unknown, id: string) =>
      Object.hasOwn(accounts, id) ? { accountId: id, claims: async () => claimsOf(id) } : undefined,
    issueRefreshToken: async (_ctx: unknown, client: OidcClientEntity, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: idTokenTtl,
      RefreshToken: refreshTokenTtl,
      Grant: refreshTokenTtl,
      Interaction: 600,
      Session: refreshTokenTtl,
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf ?? (undefined as unknown as string),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: ssoScope,
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: accessTokenTtl,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  }) as unknown as ProviderApi;
  // Plain http on loopback is fine for a test issuer.
  provider.proxy = false;

  provider.on('access_token.issued', (token) => {
    const jti = (token as { jti?: string }).jti;
    if (jti) jwtAccessTokenIds.add(jti);
  });

  /** The account behind a subject token this provider issued, or undefined if it is invalid, expired or revoked. */
  async function subjectAccount(subjectToken: string): Promise<string | undefined> {
    if (subjectToken.split('.').length === 3) {
      try {
        const { payload } = await jwtVerify(subjectToken, localJwks, {
          issuer,
          typ: 'at+jwt',
          algorithms: ['RS256'],
        });
        if (typeof payload.jti !== 'string' || revokedJwtIds.has(payload.jti)) return undefined;
        if (payload.sub === payload.client_id) return undefined; // a client credentials token: no user
        return typeof payload.sub === 'string' ? payload.sub : undefined;
      } catch {
        return undefined;
      }
    }
    const token = await provider.AccessToken.find(subjectToken);
    if (!token || token.isExpired) return undefined;
    return token.accountId;
  }

  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx, next) => {
      const { params } = ctx.oidc;
      if (!params.subject_token) throw new errors.InvalidRequest('missing required parameter subject_token');
      if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
        throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
      }
      if (params.requested_token_type && params.requested_token_type !== ID_TOKEN_TYPE) {
        throw new errors.InvalidRequest(`requested_token_type must be ${ID_TOKEN_TYPE}`);
      }
      if (params.actor_token) throw new errors.InvalidRequest('actor_token is not supported');
      const audience = params.audience;
      if (!audience) throw new errors.InvalidRequest('missing required parameter audience');
      if (!byId.has(audience)) throw new errors.InvalidTarget(`audience ${audience} is not a known client`);

      const accountId = await subjectAccount(params.subject_token);
      if (!accountId || !Object.hasOwn(accounts, accountId)) {
        throw new errors.InvalidGrant('subject_token is invalid, expired or revoked');
      }
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ ...claimsOf(accountId), azp: ctx.oidc.client.clientId })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(issuer)
        .setSubject(accountId)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + idTokenTtl)
        .setJti(randomBytes(16).toString('base64url'))
        .sign(privateKey);
      ctx.body = { access_token: idToken, issued_token_type: ID_TOKEN_TYPE, token_type: 'N_A', expires_in: idTokenTtl };
      await next();
    },
    ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'actor_token', 'actor_token_type'],
  );

  // Validate the client metadata now rather than on the first request.
  for (const c of clients) await provider.Client.find(c.id);

  async function handleInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      // The "login page": what a real one would render as a form.
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ uid: details.uid, prompt: details.prompt, params: details.params }));
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    if (details.prompt.name === 'login') {
      const account = form.get('account') ?? '';
      if (!Object.hasOwn(accounts, account)) {
        res.statusCode = 400;
        res.end(`unknown account ${account}`);
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: account } }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name === 'consent') {
      const accountId = details.session?.accountId;
      const clientId = details.params.client_id;
      if (!accountId || !clientId) throw new Error('consent without a session');
      const grant =
        (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
        new provider.Grant({ accountId, clientId });
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    res.statusCode = 400;
    res.end(`unsupported prompt ${details.prompt.name}`);
  }

  const callback = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname.startsWith('/interaction/')) {
      handleInteraction(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.end();
        res.statusCode = 500;
        res.end(`interaction failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      return;
    }
    if (url.pathname === '/auth' && req.method === 'GET') {
      // Honour offline_access as Dex and Keycloak do: oidc-provider ignores it unless prompt has consent.
      const scope = url.searchParams.get('scope')?.split(' ') ?? [];
      const prompt = url.searchParams.get('prompt')?.split(' ').filter(Boolean) ?? [];
      if (scope.includes('offline_access') && !prompt.includes('consent') && !prompt.includes('none')) {
        url.searchParams.set('prompt', [...prompt, 'consent'].join(' '));
        req.url = `${url.pathname}${url.search}`;
      }
    }
    callback(req, res);
  });

  const issuerOrigin = new URL(issuer).origin;

  async function browserLogin(authorizationUrl: string, account: string): Promise<string> {
    if (!Object.hasOwn(accounts, account)) throw new Error(`no account ${account}`);
    const jar = new CookieJar();
    let url = authorizationUrl;
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 25; hop++) {
      const target = new URL(url);
      if (target.origin !== issuerOrigin) return url; // left the provider: the client's redirect_uri
      const headers: Record<string, string> = {};
      const cookie = jar.header(target);
      if (cookie) headers.cookie = cookie;
      const res = await fetch(target, { method: body ? 'POST' : 'GET', headers, body, redirect: 'manual' });
      jar.store(res, target);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        url = new URL(location, target).href;
        body = undefined;
        continue;
      }
      if (res.status === 200 && !body && target.pathname.startsWith('/interaction/')) {
        await res.arrayBuffer();
        body = new URLSearchParams({ account }); // "submit the form"
        continue;
      }
      throw new Error(`SSO login stopped at ${target.pathname}: HTTP ${res.status}: ${(await res.text()).slice(0, 2000)}`);
    }
    throw new Error('SSO login: too many redirects');
  }

  async function tokensFor(
    account: string,
    { clientId, resource, scope = SSO_SCOPES.join(' ') }: { clientId: string; resource?: string; scope?: string },
  ): Promise<SsoTokens> {
    const client = byId.get(clientId);
    if (!client) throw new Error(`no client ${clientId}`);
    const redirectUri = client.redirectUris[0];
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(8).toString('hex');
    const auth = new URL(`${issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope,
      state,
      nonce: randomBytes(8).toString('hex'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...(resource ? { resource } : {}),
    }).toString();
    const back = new URL(await browserLogin(auth.href, account));
    const code = back.searchParams.get('code');
    if (!code || back.searchParams.get('state') !== state) {
      throw new Error(`authorization failed: ${back.searchParams.get('error')}: ${back.searchParams.get('error_description')}`);
    }
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    if (resource) body.set('resource', resource);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (!client.secret) body.set('client_id', clientId);
    else if (client.authMethod === 'client_secret_post') {
      body.set('client_id', clientId);
      body.set('client_secret', client.secret);
    } else {
      const basic = `${encodeURIComponent(clientId)}:${encodeURIComponent(client.secret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    }
    const res = await fetch(`${issuer}/token`, { method: 'POST', headers, body });
    const json = (await res.json()) as SsoTokens & { error?: string; error_description?: string };
    if (!res.ok || !json.access_token) throw new Error(`token request failed: ${json.error}: ${json.error_description}`);
    return json;
  }

  return {
    issuer,
    publicJwks: () => [{ ...publicJwk } as JsonWebKey],
    browserLogin,
    async browserLoginAndFollow(authorizationUrl, account) {
      const url = await browserLogin(authorizationUrl, account);
      const res = await fetch(url, { redirect: 'manual' });
      return { url, status: res.status, location: res.headers.get('location'), body: await res.text() };
    },
    tokensFor,
    async accessTokenFor(account, opts) {
      return (await tokensFor(account, opts)).access_token;
    },
    revokeAll() {
      store.clear();
      for (const jti of jwtAccessTokenIds) revokedJwtIds.add(jti);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
