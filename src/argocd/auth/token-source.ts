/**
 * A token source: where the gateway gets the bearer token it sends to Argo CD, and what it does when Argo CD
 * refuses it. The upstream (src/argocd/upstream.ts) calls `token()` per request; the authenticated upstream
 * (authenticated-upstream.ts) calls `onUnauthorized()` once after a 401, then retries the request when it resolved true.
 */

export interface TokenSource {
  /** How the gateway authenticates, for logs and error messages (never holds a secret): "session login as admin". */
  readonly describe: string;
  /** The token to send now; undefined when none could be obtained (the reason is in `lastError()`). Never throws. */
  token(): Promise<string | undefined>;
  /**
   * Argo CD answered 401 to a request sent with `rejected` (undefined: sent without a token): obtain a new token;
   * true when there is a new one to retry with. Never throws.
   */
  onUnauthorized?(rejected: string | undefined): Promise<boolean>;
  /** Why the last attempt to obtain a token failed, already redacted; undefined after a success. */
  lastError(): string | undefined;
  /** What to tell the caller after a 401, replacing the generic "set ARGOCD_API_TOKEN" advice. */
  readonly advice: string;
}
