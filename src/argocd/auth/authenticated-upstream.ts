/**
 * From settings to a working Argo CD client: picks the token source, hands `createUpstream` its token and extra
 * headers, and owns what a 401 means: the refused token (the gateway's, or the caller's own under per-user sign-in)
 * is renewed once and the request sent again; a final 401 is explained in terms of the configured method (not the
 * generic "set ARGOCD_API_TOKEN").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../log.ts';
import { createUpstream } from '../upstream.ts';
import type { BareUpstream, Upstream, UpstreamAnswer, UpstreamSendArgs } from '../upstream.ts';
import type { ArgocdAuthSettings } from '../../config/auth-settings.ts';
import { createAuthHttp } from './auth-requests.ts';
import { oidcRefreshSource } from './oidc-refresh.ts';
import { sessionLoginSource } from './session-login.ts';
import { staticTokenSource, tokenFileSource } from './static-token.ts';
import { tokenCommandSource } from './token-command.ts';
import { ssoFileSource } from './sso/file-source.ts';
import type { TokenSource } from './token-source.ts';
import type { SignInBroker } from './sso/broker.ts';

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
  /** Calls carry their user's own token (the HTTP service with `sso:`), which this broker renews when refused. */
  signIn?: SignInBroker;
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
  if (auth.sso && !target.signIn) return ssoFileSource({ settings: auth.sso, logger });
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
      const sent: { token?: string } = {};
      const first = await base.send(args, sent);
      if (!isUnauthorized(first) || args.signal?.aborted) return first;
      const answer = (await sendRenewed({ base, tokenSource, signIn: target.signIn }, args, sent.token)) ?? first;
      return isUnauthorized(answer) ? { ...answer, text: explainUnauthorized(tokenSource, answer.text) } : answer;
    },
  };
  return { upstream, tokenSource };
}

const isUnauthorized = (answer: UpstreamAnswer): answer is Extract<UpstreamAnswer, { kind: 'error' }> => answer.kind === 'error' && answer.status === 401;

/**
 * After a 401: the request sent once more with a renewed token, or undefined when none could be had. The refused
 * token is passed on, so a 401 renews only a token that is still current (concurrent requests refused with the same
 * old token share one renewal, later ones retry with the new token).
 */
async function sendRenewed(
  from: { base: BareUpstream; tokenSource: TokenSource; signIn?: SignInBroker },
  args: UpstreamSendArgs,
  refused: string | undefined,
): Promise<UpstreamAnswer | undefined> {
  if (args.user) {
    // The caller's own token: refreshed, or exchanged anew, by the sign-in broker.
    const next = from.signIn ? await from.signIn.renew(args.user.who, args.user.token) : undefined;
    return next ? from.base.send({ ...args, user: { ...args.user, token: next } }) : undefined;
  }
  if (from.tokenSource.onUnauthorized && (await from.tokenSource.onUnauthorized(refused))) return from.base.send(args);
  return undefined;
}

/** A final 401's text, in terms of the configured method. */
function explainUnauthorized(tokenSource: TokenSource, text: string): string {
  const failure = tokenSource.lastError();
  // A failed login or command is the story; otherwise Argo CD refused a token we had.
  const advice = failure ? `The gateway could not obtain an Argo CD token (${tokenSource.describe}): ${failure}` : tokenSource.advice;
  return GENERIC_401_ADVICE.test(text) ? text.replace(GENERIC_401_ADVICE, () => advice) : `${text}\n${advice}`;
}
