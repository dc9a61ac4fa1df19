/**
 * Who is calling: the bearer credential of an HTTP request, checked as a JWT access token of the configured issuer
 * or as a static API key, turned into a principal (subject, scopes, allowlist profile). Failures carry what the
 * MCP authorization spec asks for: 401 with `WWW-Authenticate: Bearer resource_metadata="…"` (RFC 9728 §5.1) when
 * the credential is missing or invalid, 403 `insufficient_scope` when it is valid but grants no profile.
 */
import type { IncomingMessage } from 'node:http';
import type { InboundAuthSettings } from '../../../config/http-settings.ts';
import { matchApiKey } from '../../../credentials/api-keys.ts';
import { createJwtVerifier } from './jwt.ts';
import type { JwtVerifier } from './jwt.ts';
import { profileForScopes, READ_SCOPE, SCOPES_SUPPORTED } from '../../../credentials/scopes.ts';
import type { Profile } from '../../../credentials/scopes.ts';

export interface Principal {
  subject: string;
  clientId?: string;
  scopes: string[];
  profile: Profile;
  method: 'jwt' | 'api-key';
  /** Seconds since the epoch. */
  expiresAt?: number;
}

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401 | 403 | 503; error?: 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable'; description: string };

export interface Authenticator {
  /** True when some inbound auth is configured. */
  readonly enabled: boolean;
  /** True when OAuth (an issuer) is configured, so Protected Resource Metadata is served. */
  readonly oauth: boolean;
  readonly issuer?: string;
  authenticate(req: IncomingMessage): Promise<AuthOutcome>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The credential a request carries: `Authorization: Bearer …`, or `X-API-Key` for clients that only set headers. */
function credentialOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
    return m ? m[1] : undefined;
  }
  const key = req.headers['x-api-key'];
  return typeof key === 'string' && key.trim() ? key.trim() : undefined;
}

export function createAuthenticator(settings: InboundAuthSettings, audience: string | undefined): Authenticator {
  const verifier: JwtVerifier | undefined =
    settings.issuer && audience ? createJwtVerifier({ issuer: settings.issuer, audience, jwksUri: settings.jwksUri }) : undefined;
  const apiKeys = settings.apiKeys ?? [];
  const enabled = !!verifier || apiKeys.length > 0;

  const grant = (p: Omit<Principal, 'profile'>): AuthOutcome => {
    const profile = profileForScopes(p.scopes);
    if (!profile) {
      return {
        ok: false,
        status: 403,
        error: 'insufficient_scope',
        description: `the token grants none of ${SCOPES_SUPPORTED.join(', ')}; ask for ${READ_SCOPE} (read-only tools) or argocd:write`,
      };
    }
    return { ok: true, principal: { ...p, profile } };
  };

  return {
    enabled,
    oauth: !!verifier,
    issuer: settings.issuer,
    async authenticate(req) {
      const credential = credentialOf(req);
      if (!credential) {
        const malformed = !!req.headers.authorization;
        return {
          ok: false,
          status: 401,
          ...(malformed ? { error: 'invalid_token' as const } : {}),
          description: malformed ? 'the Authorization header must be "Bearer <token>"' : 'this gateway needs a bearer token',
        };
      }
      if (verifier && JWT_SHAPE.test(credential)) {
        const checked = await verifier.verify(credential);
        if (checked.ok) return grant({ ...checked.token, method: 'jwt' });
        if (checked.retryable) return { ok: false, status: 503, error: 'temporarily_unavailable', description: checked.reason };
        // A JWT-shaped string may still be an API key; fall through only when keys are configured.
        if (!apiKeys.length) return { ok: false, status: 401, error: 'invalid_token', description: checked.reason };
      }
      const entry = apiKeys.length ? matchApiKey(apiKeys, credential) : undefined;
      if (entry) return grant({ subject: entry.subject, scopes: entry.scopes, method: 'api-key' });
      return { ok: false, status: 401, error: 'invalid_token', description: verifier ? 'the token is not valid for this gateway' : 'the API key is not valid' };
    },
  };
}

/** The value of `WWW-Authenticate` for a refusal (RFC 6750 §3, RFC 9728 §5.1). */
export function wwwAuthenticate(outcome: Extract<AuthOutcome, { ok: false }>, resourceMetadataUrl: string | undefined): string {
  const quote = (s: string) => s.replace(/["\\]/g, "'");
  const parts = ['realm="argocd-mcp-gateway"'];
  if (outcome.error && outcome.error !== 'temporarily_unavailable') parts.push(`error="${outcome.error}"`);
  if (outcome.error) parts.push(`error_description="${quote(outcome.description)}"`);
  if (outcome.error === 'insufficient_scope' || outcome.status === 401) parts.push(`scope="${READ_SCOPE}"`);
  if (resourceMetadataUrl) parts.push(`resource_metadata="${resourceMetadataUrl}"`);
  return `Bearer ${parts.join(', ')}`;
}
