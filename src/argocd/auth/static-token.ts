/** A token given as is (ARGOCD_API_TOKEN, `token:`) or in a file that is re-read when it changes (mounted secrets). */
import { readFileSync } from 'node:fs';
import { registerSecret } from '../../redact.ts';
import type { TokenSource } from './token-source.ts';

const STATIC_ADVICE =
  'The Argo CD token was refused: it may be expired, revoked, or issued by another Argo CD. Set a valid one in ARGOCD_API_TOKEN (or the token file); `argocd account generate-token` makes one.';

/** A fixed token. */
export function staticTokenSource(token: string | undefined, describe = 'a static API token'): TokenSource {
  registerSecret(token);
  return { describe, advice: STATIC_ADVICE, lastError: () => undefined, token: async () => token };
}

/** How often a token file is looked at again (a Kubernetes secret volume is updated within about a minute). */
export const TOKEN_FILE_RECHECK_MS = 5_000;

/**
 * A token file, re-read at most every few seconds and at once after a 401, so a rotated secret is picked up without
 * a restart. A read that fails or finds the file empty keeps the last good token (secret volumes swap atomically,
 * but a hand edit may be caught half-written).
 */
export function tokenFileSource(file: string, options: { initial?: string; now?: () => number } = {}): TokenSource {
  const now = options.now ?? Date.now;
  let current = options.initial;
  let checkedAt = now();
  let error: string | undefined;
  registerSecret(current);
  const reread = (): boolean => {
    checkedAt = now();
    try {
      const next = readFileSync(file, 'utf8').trim();
      if (!next) {
        error = `${file} is empty`;
        return false;
      }
      error = undefined;
      if (next === current) return false;
      registerSecret(next);
      current = next;
      return true;
    } catch (err) {
      error = `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      return false;
    }
  };
  if (current === undefined) reread();
  return {
    describe: `the token in ${file}`,
    advice: `The Argo CD token in ${file} was refused: it may be expired, revoked, or issued by another Argo CD. Write a valid one into the file (it is re-read when it changes); \`argocd account generate-token\` makes one.`,
    lastError: () => error,
    async token() {
      if (now() - checkedAt > TOKEN_FILE_RECHECK_MS) reread();
      return current;
    },
    async onUnauthorized(rejected) {
      return reread() || (current !== undefined && current !== rejected);
    },
  };
}
