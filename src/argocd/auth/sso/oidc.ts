/**
 * The gateway as an OAuth 2.0 / OIDC client of Argo CD's identity provider (openid-client): the authorization code
 * flow with PKCE (S256) and state, refresh, and token exchange (RFC 8693). What Argo CD gets is the provider's id
 * token (Argo CD verifies its signature, issuer and audience and maps its groups to RBAC roles).
 */
import * as oidc from 'openid-client';
import { registerSecret } from '../../../redact.ts';
import { jwtClaims } from '../token-times.ts';
import type { SsoSettings } from '../../../config/sso-settings.ts';

/** What a sign-in leaves: the id token Argo CD accepts, and how to get the next one. */
export interface SsoTokens {
  idToken: string;
  refreshToken?: string;
  /** The id token's `exp`, seconds since the epoch. */
  expiresAt?: number;
  /** Who signed in, from the id token: `sub`, and `email` when given. */
  subject: string;
  email?: string;
}

/** A sign-in under way: the URL to open, and what the callback must be checked against (secret: keep server-side). */
export interface PendingSignIn {
  url: string;
  state: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
}

export interface SsoClient {
  readonly settings: SsoSettings;
  /** Starts a sign-in: the provider's authorization URL for `redirectUri`. */
  begin(redirectUri: string): Promise<PendingSignIn>;
  /** Completes it with the URL the browser came back to. Throws with the provider's error. */
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<SsoTokens>;
  refresh(refreshToken: string): Promise<SsoTokens>;
  /** RFC 8693: an id token for Argo CD in exchange for the user's access token at this provider. */
  exchange(subjectToken: string): Promise<SsoTokens>;
  /** Revokes a refresh token at the provider, when it has a revocation endpoint; never throws. */
  revoke(refreshToken: string): Promise<void>;
}

const isLoopback = (u: URL) => u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(u.hostname);

function tokensOf(idToken: string | undefined, refreshToken: string | undefined, previousRefresh?: string): SsoTokens {
  if (!idToken) throw new Error('the identity provider answered without an id_token (is the openid scope granted?)');
  // Unverified here: the client library verified an id token it received, and Argo CD verifies what it is sent.
  const claims = jwtClaims(idToken);
  if (!claims) throw new Error('the identity provider answered with a token that is not a JWT');
  registerSecret(idToken);
  registerSecret(refreshToken);
  return {
    idToken,
    // A provider may keep the refresh token as it is and answer none.
    refreshToken: refreshToken || previousRefresh,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    subject: String(claims.sub ?? ''),
    email: typeof claims.email === 'string' ? claims.email : undefined,
  };
}

/** The provider's error, in words (openid-client's errors carry `error` and `error_description`). */
export function describeSsoError(err: unknown): string {
  const e = err as { message?: string; error?: string; error_description?: string; cause?: { error?: string; error_description?: string } };
  const code = e.error ?? e.cause?.error;
  const description = e.error_description ?? e.cause?.error_description;
  if (code) return `${code}${description ? `: ${description}` : ''}`;
  return e.message ?? String(err);
}

/** The provider's endpoints as configured, without discovery: both URLs are given. */
function configurationFromEndpoints(settings: SsoSettings, auth: oidc.ClientAuth, insecure: boolean): oidc.Configuration {
  const c = new oidc.Configuration(
    { issuer: settings.issuer, authorization_endpoint: settings.authorizationUrl, token_endpoint: settings.tokenUrl },
    settings.clientId,
    undefined,
    auth,
  );
  if (insecure || settings.tokenUrl?.startsWith('http:')) oidc.allowInsecureRequests(c);
  return c;
}

/** The provider's endpoints by discovery, with the one URL the settings give (if any) put in place of its own. */
async function discoverConfiguration(settings: SsoSettings, auth: oidc.ClientAuth, insecure: boolean): Promise<oidc.Configuration> {
  const issuer = new URL(settings.issuer);
  const c = await oidc.discovery(issuer, settings.clientId, undefined, auth, insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
  if (!settings.authorizationUrl && !settings.tokenUrl) return c;
  const meta: oidc.ServerMetadata = {
    ...(JSON.parse(JSON.stringify(c.serverMetadata())) as oidc.ServerMetadata),
    ...(settings.authorizationUrl ? { authorization_endpoint: settings.authorizationUrl } : {}),
    ...(settings.tokenUrl ? { token_endpoint: settings.tokenUrl } : {}),
  };
  const overridden = new oidc.Configuration(meta, settings.clientId, undefined, auth);
  if (insecure) oidc.allowInsecureRequests(overridden);
  return overridden;
}

/**
 * The provider's configuration, read on first use and kept; a failed read is not kept, so the next call tries
 * again (the provider may have been down). Plain HTTP is allowed only to a loopback issuer or a configured http URL.
 */
function configurationLoader(settings: SsoSettings): () => Promise<oidc.Configuration> {
  let configuration: Promise<oidc.Configuration> | undefined;
  const auth = settings.clientSecret ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None();
  const load = async () => {
    const issuer = new URL(settings.issuer);
    const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
    return settings.authorizationUrl && settings.tokenUrl ? configurationFromEndpoints(settings, auth, insecure) : discoverConfiguration(settings, auth, insecure);
  };
  return () => {
    configuration ??= load().catch((err: unknown) => {
      configuration = undefined;
      throw new Error(`cannot read the OIDC configuration of ${settings.issuer} (${describeSsoError(err)}); check sso.issuer`);
    });
    return configuration;
  };
}

/** The authorization URL with PKCE (S256), state and nonce; consent is asked when a refresh token is wanted. */
async function beginSignIn(c: oidc.Configuration, settings: SsoSettings, redirectUri: string): Promise<PendingSignIn> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(c, {
    redirect_uri: redirectUri,
    scope: settings.scopes.join(' '),
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(settings.scopes.includes('offline_access') ? { prompt: 'consent' } : {}),
  });
  return { url: url.href, state, verifier, nonce, redirectUri };
}

async function finishSignIn(c: oidc.Configuration, callbackUrl: URL, pending: PendingSignIn): Promise<SsoTokens> {
  try {
    const answer = await oidc.authorizationCodeGrant(
      c,
      callbackUrl,
      { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true },
      { redirect_uri: pending.redirectUri },
    );
    return tokensOf(answer.id_token, answer.refresh_token);
  } catch (err) {
    throw new Error(`the sign-in did not complete: ${describeSsoError(err)}`);
  }
}

async function refreshTokens(c: oidc.Configuration, refreshToken: string): Promise<SsoTokens> {
  try {
    const answer = await oidc.refreshTokenGrant(c, refreshToken);
    return tokensOf(answer.id_token, answer.refresh_token, refreshToken);
  } catch (err) {
    throw new Error(`the identity provider refused the refresh token (${describeSsoError(err)}); sign in again`);
  }
}

async function exchangeToken(c: oidc.Configuration, settings: SsoSettings, subjectToken: string): Promise<SsoTokens> {
  try {
    const answer = await oidc.genericGrantRequest(c, 'urn:ietf:params:oauth:grant-type:token-exchange', {
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      ...(settings.tokenExchange?.audience ? { audience: settings.tokenExchange.audience } : {}),
    });
    // RFC 8693: the issued token is in access_token, its type in issued_token_type.
    const issued = (answer as { issued_token_type?: string }).issued_token_type;
    const token = issued === 'urn:ietf:params:oauth:token-type:id_token' || !answer.id_token ? answer.access_token : answer.id_token;
    return tokensOf(token, undefined);
  } catch (err) {
    throw new Error(`the identity provider refused the token exchange (${describeSsoError(err)})`);
  }
}

async function revokeRefreshToken(config: () => Promise<oidc.Configuration>, refreshToken: string): Promise<void> {
  try {
    const c = await config();
    if (c.serverMetadata().revocation_endpoint) await oidc.tokenRevocation(c, refreshToken, { token_type_hint: 'refresh_token' });
  } catch {
    // Revocation is best effort: the tokens are forgotten here whatever the provider says.
  }
}

export function createSsoClient(settings: SsoSettings): SsoClient {
  const config = configurationLoader(settings);
  return {
    settings,
    begin: async (redirectUri) => beginSignIn(await config(), settings, redirectUri),
    finish: async (callbackUrl, pending) => finishSignIn(await config(), callbackUrl, pending),
    refresh: async (refreshToken) => refreshTokens(await config(), refreshToken),
    exchange: async (subjectToken) => exchangeToken(await config(), settings, subjectToken),
    revoke: (refreshToken) => revokeRefreshToken(config, refreshToken),
  };
}
