/**
 * The shared machinery of token sources that obtain tokens themselves (session login, token command, OIDC refresh):
 * renew before expiry, one shared attempt for concurrent callers, a new attempt after a 401, and a growing pause
 * after failures so a wrong password cannot hammer Argo CD (it locks accounts out after repeated failures).
 */
import type { Logger } from '../../log.ts';
import { redactText, registerSecret } from '../../redact.ts';
import { tokenSchedule } from './token-times.ts';
import type { TokenSource } from './token-source.ts';

export interface Obtained {
  token: string;
  /** Renew after this long at the latest (a token command's TTL); the JWT `exp` can make it sooner. */
  maxAgeMs?: number;
}

export interface RenewingSourceOptions {
  describe: string;
  advice: string;
  /** Obtains a new token; throws an Error whose message says what went wrong (it must not hold a secret). */
  obtain: () => Promise<Obtained>;
  logger: Logger;
  /** A token to start with (e.g. from the argocd CLI config), used until it is due for renewal. */
  initial?: Obtained;
  /** For tests. */
  now?: () => number;
}

/** First pause after a failed attempt; it doubles per failure up to MAX_BACKOFF_MS. */
export const MIN_BACKOFF_MS = 2_000;
export const MAX_BACKOFF_MS = 5 * 60_000;

interface Current {
  token: string;
  receivedAtMs: number;
  renewAtMs: number;
  expiresAtMs: number;
}

export function createRenewingSource(options: RenewingSourceOptions): TokenSource {
  const now = options.now ?? Date.now;
  const { logger } = options;
  let current: Current | undefined;
  let inflight: Promise<boolean> | undefined;
  let failure: { message: string; retryAtMs: number; count: number } | undefined;

  const accept = (o: Obtained): Current => {
    registerSecret(o.token);
    const receivedAtMs = now();
    return { token: o.token, receivedAtMs, ...tokenSchedule(o.token, receivedAtMs, o.maxAgeMs) };
  };
  if (options.initial) current = accept(options.initial);

  /** One attempt at a time; every caller waits for the same one. Resolves true when a token was obtained. */
  const renew = (): Promise<boolean> => {
    inflight ??= (async () => {
      try {
        const next = accept(await options.obtain());
        current = next;
        failure = undefined;
        logger.info(
          { argocdAuth: options.describe, renewAt: isoOrNever(next.renewAtMs), expiresAt: isoOrNever(next.expiresAtMs) },
          'obtained an Argo CD token',
        );
        return true;
      } catch (err) {
        const count = (failure?.count ?? 0) + 1;
        const pause = Math.min(MIN_BACKOFF_MS * 2 ** (count - 1), MAX_BACKOFF_MS);
        failure = { message: redactText((err as Error).message), retryAtMs: now() + pause, count };
        logger.warn({ argocdAuth: options.describe, retryInMs: pause }, `could not obtain an Argo CD token: ${failure.message}`);
        return false;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };
  const pausing = () => failure !== undefined && now() < failure.retryAtMs;

  return {
    describe: options.describe,
    advice: options.advice,
    lastError: () => failure?.message,
    async token() {
      const t = now();
      if (current && t < current.renewAtMs) return current.token;
      if (current && t < current.expiresAtMs) {
        // Due for renewal but still valid: renew in the background, keep serving the current token meanwhile.
        if (!pausing()) void renew();
        return current.token;
      }
      if (inflight) await inflight;
      else if (!pausing()) await renew();
      return current && now() < current.expiresAtMs ? current.token : undefined;
    },
    async onUnauthorized(rejected) {
      if (inflight) return inflight;
      // The request was sent with an older token and a newer one has arrived since: retry with that.
      if (current && rejected !== undefined && current.token !== rejected) return true;
      if (pausing()) return false;
      current = undefined;
      return renew();
    },
  };
}

function isoOrNever(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : 'never';
}
