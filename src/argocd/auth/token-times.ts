/** Reading a JWT's claims without verifying it: to learn when a token expires or whom it names, never to trust it. */

export interface JwtTimes {
  /** Expiry, seconds since the epoch (RFC 7519 §4.1.4). */
  exp?: number;
  /** Issued at, seconds since the epoch. */
  iat?: number;
}

/** The claims of a JWT's payload, unverified, or undefined when the token is not a JWT (e.g. an opaque token). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `exp`/`iat` claims of a JWT, or undefined when the token is not a JWT (e.g. an opaque token). */
export function jwtTimes(token: string): JwtTimes | undefined {
  const claims = jwtClaims(token);
  if (!claims) return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { exp: num(claims.exp), iat: num(claims.iat) };
}

/** Share of a token's remaining lifetime after which it is renewed. */
export const RENEW_AT_FRACTION = 0.8;

/**
 * When to renew and when the token stops working, in epoch ms. Measured from when we received the token (our
 * clock), not from `iat`, so a skewed server clock only shifts the expiry, never makes us renew in a loop.
 */
export function tokenSchedule(token: string, receivedAtMs: number, maxAgeMs?: number): { renewAtMs: number; expiresAtMs: number } {
  const exp = jwtTimes(token)?.exp;
  let renewAtMs = maxAgeMs !== undefined ? receivedAtMs + maxAgeMs : Number.POSITIVE_INFINITY;
  let expiresAtMs = Number.POSITIVE_INFINITY;
  if (exp !== undefined) {
    expiresAtMs = exp * 1000;
    const lifetime = Math.max(0, expiresAtMs - receivedAtMs);
    renewAtMs = Math.min(renewAtMs, receivedAtMs + lifetime * RENEW_AT_FRACTION);
  }
  return { renewAtMs, expiresAtMs };
}
