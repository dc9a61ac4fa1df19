/**
 * Bearer JWT access tokens checked as an OAuth 2.1 resource server does (MCP authorization spec, RFC 9068):
 * signature against the issuer's JWKS, `iss`, `aud`, `exp`/`nbf`. The JWKS location comes from the settings or
 * from the issuer's metadata (OpenID discovery, then RFC 8414), fetched on first use so the gateway starts even
 * while the identity provider is down; jose caches the keys and refetches on an unknown `kid`.
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { scopesFromClaims } from '../../../credentials/scopes.ts';

export interface VerifiedToken {
  subject: string;
  clientId?: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
}

export type VerifyOutcome = { ok: true; token: VerifiedToken } | { ok: false; reason: string; retryable?: boolean };

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  jwksUri?: string;
  /** Leeway for clock skew on exp/nbf, in seconds (default 5). */
  clockToleranceSeconds?: number;
  fetchTimeoutMs?: number;
}

/** Where the issuer publishes its metadata: OpenID discovery first, then RFC 8414 (path inserted after the host). */
function metadataUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, '');
  return [
    `${u.origin}${path}/.well-known/openid-configuration`,
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const problems: string[] = [];
  for (const url of metadataUrls(issuer)) {
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) {
        problems.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      const meta = (await res.json()) as { issuer?: string; jwks_uri?: string };
      if (meta.issuer && meta.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
        problems.push(`${url}: names issuer ${meta.issuer}, not ${issuer}`);
        continue;
      }
      if (typeof meta.jwks_uri === 'string') return meta.jwks_uri;
      problems.push(`${url}: no jwks_uri`);
    } catch (err) {
      problems.push(`${url}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot find the issuer's signing keys (${problems.join('; ')}); set authJwksUri`);
}

/** Why jose refused a token, in words a client (and an operator reading logs) can act on. Never includes the token. */
function describeJoseError(err: unknown): { reason: string; retryable?: boolean } {
  if (err instanceof errors.JWTExpired) return { reason: 'the token has expired; get a new one' };
  if (err instanceof errors.JWTClaimValidationFailed) return { reason: `the token's "${err.claim}" claim is not accepted (${err.reason})` };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { reason: 'the token signature does not verify' };
  if (err instanceof errors.JWKSNoMatchingKey) return { reason: 'the token was not signed by a key of the configured issuer' };
  if (err instanceof errors.JWKSTimeout) return { reason: "the issuer's signing keys could not be fetched in time", retryable: true };
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return { reason: 'the token is not a well-formed JWT' };
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return { reason: 'the token uses an algorithm that is not accepted' };
  return { reason: `the token could not be verified (${(err as Error).message})`, retryable: true };
}

export interface JwtVerifier {
  verify(token: string): Promise<VerifyOutcome>;
}

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const timeoutMs = options.fetchTimeoutMs ?? 5_000;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let pending: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  const keys = async () => {
    if (jwks) return jwks;
    pending ??= (async () => {
      const uri = options.jwksUri ?? (await discoverJwksUri(options.issuer, timeoutMs));
      jwks = createRemoteJWKSet(new URL(uri), { timeoutDuration: timeoutMs, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
      return jwks;
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return {
    async verify(token) {
      let keySet: ReturnType<typeof createRemoteJWKSet>;
      try {
        keySet = await keys();
      } catch (err) {
        return { ok: false, reason: (err as Error).message, retryable: true };
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          // Issuers differ on a trailing slash (Auth0 has one, Keycloak not); accept the configured one either way.
          issuer: [options.issuer, options.issuer.endsWith('/') ? options.issuer.slice(0, -1) : `${options.issuer}/`],
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 5,
          requiredClaims: ['exp'],
        }));
      } catch (err) {
        return { ok: false, ...describeJoseError(err) };
      }
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
      const subject = payload.sub ?? clientId;
      if (!subject) return { ok: false, reason: 'the token names no subject (sub) or client (client_id)' };
      return { ok: true, token: { subject, clientId, scopes: scopesFromClaims(payload), expiresAt: payload.exp } };
    },
  };
}
