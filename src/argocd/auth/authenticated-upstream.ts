/**
 * From settings to a working Argo CD client: picks the token source, hands `createUpstream` its token, 401 hook and
 * extra headers, and explains a final 401 in terms of the configured method (not the generic "set ARGOCD_API_TOKEN").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../log.ts';
import { createUpstream } from '../upstream.ts';
import type { Upstream } from '../upstream.ts';
import type { ArgocdAuthSettings } from '../../config/auth-settings.ts';
import { createAuthHttp } from './auth-requests.ts';
import { oidcRefreshSource } from './oidc-refresh.ts';
import { sessionLoginSource } from './session-login.ts';
import { staticTokenSource, tokenFileSource } from './static-token.ts';
import { tokenCommandSource } from './token-command.ts';
import { ssoFileSource } from './sso/file-source.ts';
import type { TokenSource } from './token-source.ts';

export interface ArgocdTarget {
  baseUrl: string;
  auth: ArgocdAuthSettings;
  insecure?: boolean;
  caFile?: string;
  /** PEM files of a client certificate and its key (mutual TLS). */
  clientCertFile?: string;
  clientKeyFile?: string;
  timeoutMs: number;
  /** The largest answer read whole (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  userAgent: string;
  logger: Logger;
  /** Calls carry their user's own token (the HTTP service with `sso:`). */
  perUser?: boolean;
}

/** The token source the settings ask for (configuration allows only one method; the CLI context's SSO login first). */
export function createTokenSource(target: ArgocdTarget): TokenSource {
  const { auth, logger } = target;
  const http = () =>
    createAuthHttp({
      insecure: target.insecure,
      caFile: target.caFile,
      clientCertFile: target.clientCertFile,
      clientKeyFile: target.clientKeyFile,
      timeoutMs: target.timeoutMs,
      headers: auth.headers,
      userAgent: target.userAgent,
    });
  if (auth.tokenCommand) {
    return tokenCommandSource({ argv: auth.tokenCommand, ttlMs: auth.tokenCommandTtlMs ?? 5 * 60_000, timeoutMs: Math.max(target.timeoutMs, 10_000), logger });
  }
  if (auth.username) {
    const password = auth.passwordFile ? { file: auth.passwordFile } : { value: auth.password ?? '' };
    return sessionLoginSource({ baseUrl: target.baseUrl, username: auth.username, password, http: http(), logger });
  }
  // Set only when the token came from the same argocd CLI context (an SSO login): refresh it when it expires.
  if (auth.refreshToken && auth.context) {
    return oidcRefreshSource({ baseUrl: target.baseUrl, contextName: auth.context.name, token: auth.token, refreshToken: auth.refreshToken, http: http(), logger });
  }
  // SSO over stdio: the tokens `login --sso` saved. Over HTTP each call carries its user's token (sso/broker.ts),
  // and the gateway's own requests (version, swagger.json, readiness) go without one.
  if (auth.sso && !target.perUser) return ssoFileSource({ settings: auth.sso, logger });
  if (auth.tokenFile) return tokenFileSource(auth.tokenFile, { initial: auth.token });
  if (auth.token) return staticTokenSource(auth.token, auth.context ? `the token of argocd CLI context "${auth.context.name}"` : undefined);
  return staticTokenSource(undefined, 'no token');
}

/** A CA bundle given as PEM text (argocd CLI certificate-authority-data) → a file under the temp directory. */
function caFileFor(target: ArgocdTarget): string | undefined {
  if (target.caFile || !target.auth.caPem) return target.caFile;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-mcp-ca-'));
  const file = path.join(dir, 'ca.pem');
  writeFileSync(file, target.auth.caPem, { mode: 0o600 });
  return file;
}

const GENERIC_401_ADVICE = /^The Argo CD token was refused:.*$/m;

/** The upstream client for one Argo CD, authenticated as configured. */
export function createAuthenticatedUpstream(input: ArgocdTarget): { upstream: Upstream; tokenSource: TokenSource } {
  const target = { ...input, caFile: caFileFor(input) };
  const tokenSource = createTokenSource(target);
  const base = createUpstream({
    baseUrl: target.baseUrl,
    token: () => tokenSource.token(),
    // Given the token the refused request carried, so a 401 renews only a token that is still current (concurrent
    // requests refused with the same old token share one renewal, later ones retry with the new token).
    onUnauthorized: tokenSource.onUnauthorized ? (refused) => tokenSource.onUnauthorized!(refused) : undefined,
    headers: target.auth.headers,
    insecure: target.insecure,
    caFile: target.caFile,
    clientCertFile: target.clientCertFile,
    clientKeyFile: target.clientKeyFile,
    timeoutMs: target.timeoutMs,
    maxResponseBytes: target.maxResponseBytes,
    userAgent: target.userAgent,
  });
  const upstream: Upstream = {
    baseUrl: base.baseUrl,
    getJson: (p, o) => base.getJson(p, o),
    async send(args) {
      const answer = await base.send(args);
      if (answer.kind !== 'error' || answer.status !== 401) return answer;
      const failure = tokenSource.lastError();
      // A failed login or command is the story; otherwise Argo CD refused a token we had.
      const advice = failure ? `The gateway could not obtain an Argo CD token (${tokenSource.describe}): ${failure}` : tokenSource.advice;
      const text = GENERIC_401_ADVICE.test(answer.text) ? answer.text.replace(GENERIC_401_ADVICE, () => advice) : `${answer.text}\n${advice}`;
      return { ...answer, text };
    },
  };
  return { upstream, tokenSource };
}
