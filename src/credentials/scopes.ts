/**
 * Scopes an MCP client's token carries, and the allowlist profile they select. `argocd:write` gets the configured
 * allowlist; `argocd:read` gets the same allowlist in read-only mode (only GET tools, for tools/list and calls
 * alike); a token with neither is refused with 403 insufficient_scope.
 *
 * src/credentials/ is ground: what a client credential is (scope names, the API keys file), shared by the settings
 * that read the keys file (src/config/http-settings.ts) and the HTTP transport that checks credentials
 * (src/transports/http/inbound-auth/), so neither imports the other.
 */
export const READ_SCOPE = 'argocd:read';
export const WRITE_SCOPE = 'argocd:write';
export const SCOPES_SUPPORTED = [READ_SCOPE, WRITE_SCOPE];

/** `read`: the allowlist forced read-only; `write`: the allowlist as configured. */
export type Profile = 'read' | 'write';

/** The widest profile the scopes allow, or undefined when they allow none. */
export function profileForScopes(scopes: readonly string[]): Profile | undefined {
  if (scopes.includes(WRITE_SCOPE)) return 'write';
  if (scopes.includes(READ_SCOPE)) return 'read';
  return undefined;
}

/** Scopes from a JWT's claims: `scope` (RFC 9068, space-separated) or `scp` (array or string, as some IdPs do). */
export function scopesFromClaims(claims: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === 'string') for (const s of value.split(/\s+/)) if (s) out.add(s);
    if (Array.isArray(value)) for (const s of value) if (typeof s === 'string' && s) out.add(s);
  }
  return [...out];
}
