/**
 * Settings of the HTTP service: sessions or stateless, binding and DNS-rebinding guards, body limit, rate limit,
 * shutdown, Redis, and inbound auth (OAuth 2.1 resource server or API keys). Their rows are in the settings table
 * (src/config/settings.ts); what a row's type cannot check (origins, URLs, the API keys file, combinations) is
 * checked here, every problem reported at once, each naming the setting and the fix.
 */
import { readFileSync } from 'node:fs';
import { parseByteSize, parseRate } from './read.ts';
import type { ConfigIssue, Source } from './read.ts';
import type { CliFlags } from './settings.ts';
import { waysToSet, sourceOf } from './sources.ts';
import type { ReadContext } from './sources.ts';
import { defaultOf, defaultText, readSetting, settingValue } from './values.ts';
import { parseApiKeys } from '../credentials/api-keys.ts';
import type { ApiKeyEntry } from '../credentials/api-keys.ts';

export interface RateLimitSettings {
  /** Tokens added per second; 0 turns the limit off. */
  perSecond: number;
  /** Bucket size: how many requests a client may make at once after being idle. */
  burst: number;
  /** The setting as written (`10/s`), for messages. */
  text: string;
}

export interface InboundAuthSettings {
  /** OAuth 2.1 / OIDC issuer whose JWT access tokens are accepted. */
  issuer?: string;
  /** The `aud` a token must carry (default: the public URL of /mcp). */
  audience?: string;
  /** Where the issuer's signing keys are (default: discovered from the issuer's metadata). */
  jwksUri?: string;
  /** API keys (sha256 hashes) from `apiKeysFile`. */
  apiKeys?: ApiKeyEntry[];
  apiKeysFile?: string;
}

export interface HttpSettings {
  stateless: boolean;
  sessionIdleTimeoutMs: number;
  maxBodyBytes: number;
  allowedHosts: string[];
  allowedOrigins: string[];
  allowUnauthenticated: boolean;
  rateLimit: RateLimitSettings;
  /** A second port for /metrics, /healthz and /readyz only (then /metrics is not served on the MCP port). */
  metricsPort?: number;
  /** Open sessions the process holds at most (each costs memory until it is closed or idles out). */
  maxSessions: number;
  /** Open sessions one authenticated subject may hold at most (unauthenticated clients share the total only). */
  maxSessionsPerClient: number;
  shutdownTimeoutMs: number;
  /** redis:// or rediss:// URL (may hold a password: never logged). */
  redisUrl?: string;
  /** The URL clients use for /mcp (the OAuth resource identifier), when it differs from the bind address. */
  publicUrl?: string;
  auth: InboundAuthSettings;
  /** Threads that parse and shape large Argo CD answers (src/shaping/pool.ts); 0 shapes on the main thread. */
  workerThreads: number;
}

/** One shaping thread when the machine has a second core for it; none on one core (the table's default). */
export function defaultWorkerThreads(): number {
  return defaultOf('workerThreads');
}

/** The flags of these settings, as commander parses them (derived from the settings table). */
export type HttpFlags = CliFlags;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** An http(s) URL; plain http only for a loopback host (tests, a local IdP). */
function checkUrl(source: Source, what: string, issues: ConfigIssue[], schemes = ['https:', 'http:']): string | undefined {
  const text = String(source.value).trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    issues.push({ setting: source.from, message: `"${text}" is not a URL; give the full ${what}, e.g. https://idp.example.com/realms/ops` });
    return undefined;
  }
  if (!schemes.includes(url.protocol)) {
    issues.push({ setting: source.from, message: `"${text}" must use ${schemes.join(' or ')}` });
    return undefined;
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    issues.push({ setting: source.from, message: `"${text}" uses plain http to another machine; use https (http is accepted only for 127.0.0.1/localhost)` });
    return undefined;
  }
  // Kept as written: an issuer's trailing slash is part of its identity (iss must match exactly).
  return text;
}

export { parseByteSize, parseRate };

/** The rate limit: requests per second (0 = off) and the burst. */
function readRateLimit(ctx: ReadContext): RateLimitSettings {
  const rate = readSetting(ctx, 'rateLimit');
  return { perSecond: rate.value, burst: settingValue(ctx, 'rateLimitBurst'), text: rate.source ? String(rate.source.value) : defaultText('rateLimit')! };
}

/** Browser origins, each scheme://host[:port]; `*` is refused. */
function readOrigins(ctx: ReadContext): string[] {
  const { value, source } = readSetting(ctx, 'allowedOrigins');
  const origins: string[] = [];
  for (const origin of value) {
    if (origin === '*') {
      ctx.issues.push({ setting: source!.from, message: '"*" would let any web page drive the gateway; list the origins, e.g. https://chat.example.com' });
      continue;
    }
    try {
      const u = new URL(origin);
      if (u.origin === 'null' || u.pathname !== '/' || u.search) throw new Error('not an origin');
      origins.push(u.origin);
    } catch {
      ctx.issues.push({ setting: source!.from, message: `"${origin}" is not an origin; write scheme://host[:port], e.g. https://chat.example.com` });
    }
  }
  return origins;
}

/** A redis:// or rediss:// URL; it may carry a password, so a message names the setting, never the value. */
function readRedis(ctx: ReadContext): string | undefined {
  const source = sourceOf(ctx, 'redis');
  if (!source) return undefined;
  const text = String(source.value).trim();
  let ok = false;
  try {
    ok = ['redis:', 'rediss:'].includes(new URL(text).protocol);
  } catch {
    ok = false;
  }
  if (ok) return text;
  ctx.issues.push({ setting: source.from, message: 'is not a Redis URL; use redis://host:6379/0 (or rediss:// for TLS; a password goes in the URL: redis://:PASSWORD@host:6379)' });
  return undefined;
}

/** The URL clients use for /mcp, ending in /mcp. */
function readPublicUrl(ctx: ReadContext): string | undefined {
  const source = sourceOf(ctx, 'publicUrl');
  if (!source) return undefined;
  try {
    const u = new URL(String(source.value));
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    if (u.search || u.hash) throw new Error('query');
    const url = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
    return url.endsWith('/mcp') ? url : `${url}/mcp`;
  } catch {
    ctx.issues.push({ setting: source.from, message: `"${String(source.value)}" is not the URL clients use; write e.g. https://mcp.example.com/mcp` });
    return undefined;
  }
}

/** API keys (their sha256 hashes) from the file `source` names. */
function readApiKeys(ctx: ReadContext, source: Source, auth: InboundAuthSettings): void {
  const keysFile = String(source.value);
  auth.apiKeysFile = keysFile;
  let text: string | undefined;
  try {
    text = readFileSync(keysFile, 'utf8');
  } catch (err) {
    ctx.issues.push({ setting: source.from, message: `cannot read ${keysFile} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
    return;
  }
  const parsed = parseApiKeys(text);
  for (const p of parsed.problems) ctx.issues.push({ setting: source.from, message: `${keysFile} ${p}` });
  if (!parsed.problems.length && !parsed.keys.length) {
    ctx.issues.push({ setting: source.from, message: `${keysFile} holds no key; add lines "sha256:<hex> <subject> [scopes]" (see README, API keys)` });
  }
  auth.apiKeys = parsed.keys;
}

/** Inbound auth: an OAuth issuer (with an audience or public URL), and/or API keys. */
function readInboundAuth(ctx: ReadContext, publicUrl: string | undefined): InboundAuthSettings {
  const { issues } = ctx;
  const auth: InboundAuthSettings = {};
  const issuerSource = sourceOf(ctx, 'authIssuer');
  if (issuerSource) auth.issuer = checkUrl(issuerSource, 'issuer URL', issues);
  const audienceSource = sourceOf(ctx, 'authAudience');
  if (audienceSource) auth.audience = String(audienceSource.value).trim();
  const jwksSource = sourceOf(ctx, 'authJwksUri');
  if (jwksSource) auth.jwksUri = checkUrl(jwksSource, 'JWKS URL', issues);
  if ((audienceSource || jwksSource) && !issuerSource) {
    issues.push({ setting: (audienceSource ?? jwksSource)!.from, message: `has no effect without authIssuer; set authIssuer (${waysToSet('authIssuer')}) to the OAuth issuer` });
  }
  if (issuerSource && !auth.audience && !publicUrl) {
    issues.push({
      setting: issuerSource.from,
      message: 'tokens must be checked for an audience: set authAudience (ARGOCD_MCP_AUTH_AUDIENCE) or publicUrl (ARGOCD_MCP_PUBLIC_URL, then used as the audience)',
    });
  }
  const keysSource = sourceOf(ctx, 'apiKeysFile');
  if (keysSource) readApiKeys(ctx, keysSource, auth);
  return auth;
}

/** Serving a non-loopback address needs inbound auth, or allowedHosts with allowUnauthenticated. */
function checkExposure(ctx: ReadContext, serving: { host: string; transport: string }, s: HttpSettings): void {
  if (serving.transport !== 'http' || isLoopbackHost(serving.host) || s.auth.issuer || s.auth.apiKeys) return;
  if (s.allowUnauthenticated && s.allowedHosts.length === 0) {
    // Without credentials, the Host header is what stops a DNS-rebinding page: a page served from evil.example whose
    // name later resolves to this address talks to the gateway as its own origin.
    ctx.issues.push({
      setting: 'allowedHosts',
      message: `serving ${serving.host} without inbound auth needs allowedHosts (--allowed-hosts, ARGOCD_MCP_ALLOWED_HOSTS): the host names clients use, e.g. mcp.example.com; otherwise any web page can reach the gateway through DNS rebinding`,
    });
  }
  if (!s.allowUnauthenticated) {
    ctx.issues.push({
      setting: 'host',
      message: `binding ${serving.host} lets other machines reach the gateway, so it needs inbound auth: set authIssuer (OAuth) or apiKeysFile, or pass --allow-unauthenticated (ARGOCD_MCP_ALLOW_UNAUTHENTICATED=true) to accept anyone who can reach the port`,
    });
  }
}

/** Reads and validates the HTTP service settings; `serving` is the bind address and transport, already read. */
export function readHttpSettings(ctx: ReadContext, serving: { host: string; transport: string }): HttpSettings {
  const stateless = settingValue(ctx, 'stateless');
  const sessionIdleTimeoutMs = settingValue(ctx, 'sessionIdleTimeout');
  const shutdownTimeoutMs = settingValue(ctx, 'shutdownTimeout');
  const maxBodyBytes = settingValue(ctx, 'maxBodyBytes');
  const allowedHosts = settingValue(ctx, 'allowedHosts').map((h) => h.toLowerCase());
  const allowedOrigins = readOrigins(ctx);
  const allowUnauthenticated = settingValue(ctx, 'allowUnauthenticated');
  const rateLimit = readRateLimit(ctx);
  const redisUrl = readRedis(ctx);
  const publicUrl = readPublicUrl(ctx);
  const auth = readInboundAuth(ctx, publicUrl);
  const workerThreads = settingValue(ctx, 'workerThreads');
  const maxSessions = settingValue(ctx, 'maxSessions');
  const maxSessionsPerClient = settingValue(ctx, 'maxSessionsPerClient');
  const metricsPort = settingValue(ctx, 'metricsPort');
  const settings: HttpSettings = {
    stateless,
    sessionIdleTimeoutMs,
    maxBodyBytes,
    allowedHosts,
    allowedOrigins,
    allowUnauthenticated,
    maxSessions,
    maxSessionsPerClient,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    rateLimit,
    shutdownTimeoutMs,
    redisUrl,
    publicUrl,
    auth,
    workerThreads,
  };
  checkExposure(ctx, serving, settings);
  return settings;
}

/** The settings a caller gets when it gives none (the demo, tests that build serveStreamableHttp directly): no rate limit. */
export function defaultHttpSettings(): HttpSettings {
  return {
    stateless: defaultOf('stateless'),
    sessionIdleTimeoutMs: defaultOf('sessionIdleTimeout'),
    maxBodyBytes: defaultOf('maxBodyBytes'),
    allowedHosts: [],
    allowedOrigins: [],
    allowUnauthenticated: defaultOf('allowUnauthenticated'),
    maxSessions: defaultOf('maxSessions'),
    maxSessionsPerClient: defaultOf('maxSessionsPerClient'),
    rateLimit: { perSecond: 0, burst: defaultOf('rateLimitBurst'), text: 'off' },
    shutdownTimeoutMs: defaultOf('shutdownTimeout'),
    auth: {},
    workerThreads: defaultWorkerThreads(),
  };
}
