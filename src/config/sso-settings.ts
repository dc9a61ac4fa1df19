/**
 * `sso:` in the config file: signing in to Argo CD's identity provider (OAuth 2.0 / OIDC), per person, so that
 * Argo CD's RBAC applies to whoever uses the gateway. Argo CD accepts the id tokens of the provider configured in
 * its `oidc.config` (or its Dex): the gateway obtains them itself, and never forwards the token an MCP client sent.
 *
 * - Over stdio, `argocd-mcp-gateway login --sso` runs the authorization code flow with PKCE and a loopback callback
 *   (as `argocd login --sso` does) and keeps the tokens in `tokenFile`, readable by the user only.
 * - Over HTTP, each user (the subject of their MCP access token) signs in through the gateway's `/oauth/callback`,
 *   asked with a URL elicitation or an error carrying the link; or, with `tokenExchange`, the gateway exchanges the
 *   user's MCP access token for an Argo CD token at the provider (RFC 8693).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigIssue } from './read.ts';
import { registerSecret } from '../redact.ts';
import { expandEnv } from './headers.ts';

export interface SsoSettings {
  /** The provider's issuer: discovery at `{issuer}/.well-known/openid-configuration`, and the `iss` of its tokens. */
  issuer: string;
  /** Overrides of what discovery says (providers that publish none, or a proxy in front). */
  authorizationUrl?: string;
  tokenUrl?: string;
  clientId: string;
  /** A confidential client's secret (absent: a public client, PKCE only). Never logged. */
  clientSecret?: string;
  scopes: string[];
  /** Where the provider sends the browser back; loopback for `login --sso`, the gateway's `/oauth/callback` over HTTP. */
  redirectUri?: string;
  /** stdio: where `login --sso` keeps the tokens (mode 0600). */
  tokenFile: string;
  /** HTTP: exchange each user's MCP access token for an Argo CD token (RFC 8693) instead of a browser sign-in. */
  tokenExchange?: { audience?: string };
  /** HTTP: the 32-byte key that encrypts users' tokens at rest (memory or Redis). */
  encryptionKey?: Buffer;
  /** Where `encryptionKey` came from, for messages. */
  encryptionKeyFrom?: string;
}

export const SSO_KEYS = [
  'issuer', 'authorizationUrl', 'tokenUrl', 'clientId', 'clientSecret', 'clientSecretFile', 'scopes', 'redirectUri', 'tokenFile',
  'tokenExchange', 'encryptionKeyFile',
] as const;

export const DEFAULT_SSO_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'];
/** The callback `argocd login --sso` uses (its default --sso-port 8085). */
export const DEFAULT_LOGIN_REDIRECT = 'http://localhost:8085/auth/callback';

export function defaultTokenFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'argocd-mcp-gateway', 'sso-token.json');
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

function url(value: unknown, from: string, what: string, issues: ConfigIssue[]): string | undefined {
  const text = String(value ?? '').trim();
  try {
    const u = new URL(text);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
      issues.push({ setting: from, message: `"${text}" must use https (plain http only for localhost / 127.0.0.1)` });
      return undefined;
    }
    return text;
  } catch {
    issues.push({ setting: from, message: `"${text}" is not a URL; give the ${what}, e.g. https://login.example.com/realms/ops` });
    return undefined;
  }
}

/** `base64:...`, 64 hex digits, or 44 base64 characters → a 32-byte key. */
export function parseKey(text: string): Buffer | undefined {
  const t = text.trim();
  const raw = t.startsWith('base64:') ? Buffer.from(t.slice(7), 'base64') : /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  return raw.length === 32 ? raw : undefined;
}

type At = (key: string) => string;

/** The client secret: the environment, a file, or the config (with ${ENV} references), in that order. */
function readClientSecret(sso: Record<string, unknown>, env: NodeJS.ProcessEnv, at: At, out: SsoSettings, issues: ConfigIssue[]): void {
  const secretEnv = env.ARGOCD_MCP_SSO_CLIENT_SECRET;
  if (sso.clientSecret !== undefined && sso.clientSecretFile !== undefined) {
    issues.push({ setting: at('clientSecret'), message: `both clientSecret and clientSecretFile are set (${at('clientSecretFile')}); keep one` });
  } else if (secretEnv) {
    out.clientSecret = secretEnv;
  } else if (sso.clientSecretFile !== undefined) {
    const file = String(sso.clientSecretFile);
    try {
      out.clientSecret = readFileSync(file, 'utf8').trim();
      if (!out.clientSecret) issues.push({ setting: at('clientSecretFile'), message: `${file} is empty; write the client secret into it` });
    } catch (err) {
      issues.push({ setting: at('clientSecretFile'), message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
    }
  } else if (sso.clientSecret !== undefined) {
    const expanded = expandEnv(String(sso.clientSecret), env);
    if (expanded.missing.length) issues.push({ setting: at('clientSecret'), message: `references \${${expanded.missing.join('}, ${')}}, which is not set in the environment` });
    out.clientSecret = expanded.value;
  }
}

/** `tokenExchange`: true, or a mapping with the audience Argo CD expects. */
function readTokenExchange(sso: Record<string, unknown>, at: At, out: SsoSettings, issues: ConfigIssue[]): void {
  if (sso.tokenExchange !== undefined && sso.tokenExchange !== false) {
    const te = sso.tokenExchange;
    if (te === true) out.tokenExchange = {};
    else if (te && typeof te === 'object' && !Array.isArray(te)) {
      const audience = (te as Record<string, unknown>).audience;
      out.tokenExchange = typeof audience === 'string' && audience.trim() ? { audience: audience.trim() } : {};
    } else issues.push({ setting: at('tokenExchange'), message: 'must be true, or a mapping with the audience Argo CD expects: { audience: argo-cd }' });
    if (out.tokenExchange && !out.clientSecret) {
      issues.push({ setting: at('tokenExchange'), message: 'needs a confidential client: set clientSecret (or clientSecretFile, ARGOCD_MCP_SSO_CLIENT_SECRET)' });
    }
  }

}

/** The key that encrypts the stored sessions: ARGOCD_MCP_SSO_ENCRYPTION_KEY or `encryptionKeyFile`. */
function readEncryptionKey(sso: Record<string, unknown>, env: NodeJS.ProcessEnv, at: At, out: SsoSettings, issues: ConfigIssue[]): void {
  const keyText = env.ARGOCD_MCP_SSO_ENCRYPTION_KEY;
  const keyFile = sso.encryptionKeyFile === undefined ? undefined : String(sso.encryptionKeyFile);
  if (keyText || keyFile) {
    const from = keyText ? 'ARGOCD_MCP_SSO_ENCRYPTION_KEY' : at('encryptionKeyFile');
    let text: string | undefined = keyText;
    if (!text && keyFile) {
      try {
        text = readFileSync(keyFile, 'utf8');
      } catch (err) {
        issues.push({ setting: from, message: `cannot read ${keyFile} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
      }
    }
    if (text !== undefined) {
      const key = parseKey(text);
      if (!key) issues.push({ setting: from, message: 'must be 32 random bytes, as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)' });
      else {
        out.encryptionKey = key;
        out.encryptionKeyFrom = from;
      }
    }
  }
}

/** Reads `sso:` (a mapping) and ARGOCD_MCP_SSO_* from the environment; problems are pushed to `issues`. */
export function readSsoSettings(value: unknown, env: NodeJS.ProcessEnv, fileLabel: string, issues: ConfigIssue[]): SsoSettings | undefined {
  if (value === undefined || value === null) return undefined;
  const at = (key: string) => `${fileLabel}: sso.${key}`;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ setting: `${fileLabel}: sso`, message: 'must be a mapping with at least issuer and clientId (see README, "Signing in with SSO")' });
    return undefined;
  }
  const sso = value as Record<string, unknown>;
  for (const key of Object.keys(sso)) {
    if (!(SSO_KEYS as readonly string[]).includes(key)) issues.push({ setting: at(key), message: `unknown key; known keys: ${SSO_KEYS.join(', ')}` });
  }
  const issuer = sso.issuer === undefined ? undefined : url(sso.issuer, at('issuer'), 'issuer URL of Argo CD\'s identity provider', issues);
  if (sso.issuer === undefined) issues.push({ setting: at('issuer'), message: 'is required: the issuer of the identity provider Argo CD trusts (its oidc.config issuer, or {argocd}/api/dex)' });
  const clientId = typeof sso.clientId === 'string' && sso.clientId.trim() ? sso.clientId.trim() : undefined;
  if (!clientId) issues.push({ setting: at('clientId'), message: 'is required: the OAuth client id registered at the provider for the gateway (e.g. Argo CD\'s cliClientID)' });
  const out: SsoSettings = {
    issuer: issuer ?? '',
    clientId: clientId ?? '',
    scopes: DEFAULT_SSO_SCOPES,
    tokenFile: env.ARGOCD_MCP_SSO_TOKEN_FILE || defaultTokenFile(env),
  };
  if (sso.authorizationUrl !== undefined) out.authorizationUrl = url(sso.authorizationUrl, at('authorizationUrl'), 'authorization endpoint', issues);
  if (sso.tokenUrl !== undefined) out.tokenUrl = url(sso.tokenUrl, at('tokenUrl'), 'token endpoint', issues);
  if (sso.redirectUri !== undefined) out.redirectUri = url(sso.redirectUri, at('redirectUri'), 'redirect URI registered for the client', issues);
  if (sso.scopes !== undefined) {
    const list = Array.isArray(sso.scopes) ? sso.scopes : typeof sso.scopes === 'string' ? sso.scopes.split(/[\s,]+/) : undefined;
    if (!list || !list.every((s) => typeof s === 'string' && s.trim()) || !list.length) {
      issues.push({ setting: at('scopes'), message: 'must be a list of scopes, e.g. [openid, profile, email, groups, offline_access]' });
    } else {
      out.scopes = (list as string[]).map((s) => s.trim());
      if (!out.scopes.includes('openid')) issues.push({ setting: at('scopes'), message: 'must include openid: Argo CD accepts id tokens' });
    }
  }
  if (sso.tokenFile !== undefined) out.tokenFile = String(sso.tokenFile).replace(/^~(?=\/)/, env.HOME || os.homedir());

  readClientSecret(sso, env, at, out, issues);
  registerSecret(out.clientSecret);

  readTokenExchange(sso, at, out, issues);
  readEncryptionKey(sso, env, at, out, issues);
  return out;
}
