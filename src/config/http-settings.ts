/**
 * Settings of the HTTP service (issue 7): sessions or stateless, binding and DNS-rebinding guards, body limit,
 * rate limit, shutdown, Redis, and inbound auth (OAuth 2.1 resource server or API keys). Parsed here and called
 * from loadConfig, so they follow the same rules: flags > env > file > defaults, every problem reported at once,
 * each naming the setting and the fix.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseBool, parseDuration, pick, stringList } from './read.ts';
import type { ConfigIssue, Source } from './read.ts';
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

/** One shaping thread when the machine has a second core for it; none on one core, where it could only compete. */
export function defaultWorkerThreads(): number {
  return availableParallelism() >= 2 ? 1 : 0;
}

export const MAX_WORKER_THREADS = 16;

export const HTTP_DEFAULTS = {
  sessionIdleTimeoutMs: 30 * 60_000,
  maxBodyBytes: 4 * 1024 * 1024,
  rateLimit: '20/s',
  rateLimitBurst: 100,
  shutdownTimeoutMs: 20_000,
  maxSessions: 1000,
  maxSessionsPerClient: 100,
} as const;

/** Config-file keys this module reads (loadConfig reports any other key). */
export const HTTP_FILE_KEYS = [
  'stateless', 'sessionIdleTimeout', 'maxBodyBytes', 'allowedHosts', 'allowedOrigins', 'allowUnauthenticated',
  'rateLimit', 'rateLimitBurst', 'shutdownTimeout', 'redis', 'publicUrl', 'authIssuer', 'authAudience', 'authJwksUri',
  'apiKeysFile', 'workerThreads', 'maxSessions', 'maxSessionsPerClient', 'metricsPort',
] as const;

/** The flags of these settings, as commander parses them. */
export interface HttpFlags {
  stateless?: boolean;
  sessionIdleTimeout?: string;
  maxBodyBytes?: string;
  allowedHosts?: string;
  allowedOrigins?: string;
  allowUnauthenticated?: boolean;
  rateLimit?: string;
  rateLimitBurst?: string;
  shutdownTimeout?: string;
  redis?: string;
  publicUrl?: string;
  authIssuer?: string;
  authAudience?: string;
  authJwksUri?: string;
  apiKeysFile?: string;
  workerThreads?: string;
  maxSessions?: string;
  maxSessionsPerClient?: string;
  metricsPort?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}



/** `4194304`, `512k`, `4m`, `4MiB`, `1mb` → bytes. */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const n = Number(m[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
  return n > 0 ? n : undefined;
}

/** `10/s`, `600/m`, `3600/h`, `0` or `off` → requests per second (0 = no limit). */
export function parseRate(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === '0' || text === 'off' || text === 'none') return 0;
  const m = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/.exec(text);
  if (!m) return undefined;
  const per = m[2].startsWith('h') ? 3600 : m[2].startsWith('m') ? 60 : 1;
  const n = Number(m[1]) / per;
  return n > 0 ? n : undefined;
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

export interface HttpSettingsInput {
  flags: HttpFlags;
  env: NodeJS.ProcessEnv;
  file: Record<string, unknown>;
  fileLabel: string;
  issues: ConfigIssue[];
  /** The bind address and transport, already validated by loadConfig. */
  host: string;
  transport: string;
}

/** Reads and validates the HTTP service settings; problems are pushed to `issues`. */
export function httpSettingsFrom(input: HttpSettingsInput): HttpSettings {
  const { flags, env, file, fileLabel, issues } = input;
  const src = (flag: unknown, flagName: string, envName: string, fileKey: string) =>
    pick([flag, flagName], [env[envName], envName], [file[fileKey], `${fileLabel}: ${fileKey}`]);

  const bool = (s: Source | undefined, fallback: boolean): boolean => {
    if (!s) return fallback;
    const b = parseBool(s.value);
    if (b === undefined) issues.push({ setting: s.from, message: `"${String(s.value)}" must be true or false` });
    return b ?? fallback;
  };
  const duration = (s: Source | undefined, fallback: number, hint: string): number => {
    if (!s) return fallback;
    const ms = parseDuration(s.value);
    if (ms === undefined) issues.push({ setting: s.from, message: `"${String(s.value)}" is not a duration; use e.g. ${hint}` });
    return ms ?? fallback;
  };
  const list = (s: Source | undefined): string[] => {
    if (!s) return [];
    const l = stringList(s.value);
    if (!l) issues.push({ setting: s.from, message: 'must be a list (comma-separated in flags and env)' });
    return l ?? [];
  };

  const stateless = bool(src(flags.stateless, '--stateless', 'ARGOCD_MCP_STATELESS', 'stateless'), false);
  const sessionIdleTimeoutMs = duration(
    src(flags.sessionIdleTimeout, '--session-idle-timeout', 'ARGOCD_MCP_SESSION_IDLE_TIMEOUT', 'sessionIdleTimeout'),
    HTTP_DEFAULTS.sessionIdleTimeoutMs,
    '30m, 900s (idle sessions are closed after this)',
  );
  const shutdownTimeoutMs = duration(
    src(flags.shutdownTimeout, '--shutdown-timeout', 'ARGOCD_MCP_SHUTDOWN_TIMEOUT', 'shutdownTimeout'),
    HTTP_DEFAULTS.shutdownTimeoutMs,
    '20s (how long in-flight calls may finish after SIGTERM)',
  );

  const bodySource = src(flags.maxBodyBytes, '--max-body-bytes', 'ARGOCD_MCP_MAX_BODY_BYTES', 'maxBodyBytes');
  let maxBodyBytes: number = HTTP_DEFAULTS.maxBodyBytes;
  if (bodySource) {
    const n = parseByteSize(bodySource.value);
    if (n === undefined || n < 1024) {
      issues.push({ setting: bodySource.from, message: `"${String(bodySource.value)}" is not a size of at least 1k; use bytes or a unit: 1048576, 512k, 4m (default 4m)` });
    } else maxBodyBytes = n;
  }

  const allowedHosts = list(src(flags.allowedHosts, '--allowed-hosts', 'ARGOCD_MCP_ALLOWED_HOSTS', 'allowedHosts')).map((h) => h.toLowerCase());
  const originsSource = src(flags.allowedOrigins, '--allowed-origins', 'ARGOCD_MCP_ALLOWED_ORIGINS', 'allowedOrigins');
  const allowedOrigins: string[] = [];
  for (const origin of list(originsSource)) {
    if (origin === '*') {
      issues.push({ setting: originsSource!.from, message: '"*" would let any web page drive the gateway; list the origins, e.g. https://chat.example.com' });
      continue;
    }
    try {
      const u = new URL(origin);
      if (u.origin === 'null' || u.pathname !== '/' || u.search) throw new Error('not an origin');
      allowedOrigins.push(u.origin);
    } catch {
      issues.push({ setting: originsSource!.from, message: `"${origin}" is not an origin; write scheme://host[:port], e.g. https://chat.example.com` });
    }
  }

  const allowUnauthenticated = bool(
    src(flags.allowUnauthenticated, '--allow-unauthenticated', 'ARGOCD_MCP_ALLOW_UNAUTHENTICATED', 'allowUnauthenticated'),
    false,
  );

  const rateSource = src(flags.rateLimit, '--rate-limit', 'ARGOCD_MCP_RATE_LIMIT', 'rateLimit');
  let perSecond = parseRate(HTTP_DEFAULTS.rateLimit)!;
  if (rateSource) {
    const r = parseRate(rateSource.value);
    if (r === undefined) issues.push({ setting: rateSource.from, message: `"${String(rateSource.value)}" is not a rate; use requests per second, minute or hour (10/s, 600/m) or off` });
    else perSecond = r;
  }
  const burstSource = src(flags.rateLimitBurst, '--rate-limit-burst', 'ARGOCD_MCP_RATE_LIMIT_BURST', 'rateLimitBurst');
  let burst: number = HTTP_DEFAULTS.rateLimitBurst;
  if (burstSource) {
    const n = Number(burstSource.value);
    if (!Number.isInteger(n) || n < 1) issues.push({ setting: burstSource.from, message: `"${String(burstSource.value)}" must be a whole number of requests, at least 1 (default ${HTTP_DEFAULTS.rateLimitBurst})` });
    else burst = n;
  }

  const redisSource = src(flags.redis, '--redis', 'ARGOCD_MCP_REDIS', 'redis');
  let redisUrl: string | undefined;
  if (redisSource) {
    const text = String(redisSource.value).trim();
    let ok = false;
    try {
      ok = ['redis:', 'rediss:'].includes(new URL(text).protocol);
    } catch {
      ok = false;
    }
    // The URL may carry a password: the message names the setting, never the value.
    if (!ok) issues.push({ setting: redisSource.from, message: 'is not a Redis URL; use redis://host:6379/0 (or rediss:// for TLS; a password goes in the URL: redis://:PASSWORD@host:6379)' });
    else redisUrl = text;
  }

  const publicSource = src(flags.publicUrl, '--public-url', 'ARGOCD_MCP_PUBLIC_URL', 'publicUrl');
  let publicUrl: string | undefined;
  if (publicSource) {
    try {
      const u = new URL(String(publicSource.value));
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      if (u.search || u.hash) throw new Error('query');
      publicUrl = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
      if (!publicUrl.endsWith('/mcp')) publicUrl += '/mcp';
    } catch {
      issues.push({ setting: publicSource.from, message: `"${String(publicSource.value)}" is not the URL clients use; write e.g. https://mcp.example.com/mcp` });
    }
  }

  const auth: InboundAuthSettings = {};
  const issuerSource = src(flags.authIssuer, '--auth-issuer', 'ARGOCD_MCP_AUTH_ISSUER', 'authIssuer');
  if (issuerSource) auth.issuer = checkUrl(issuerSource, 'issuer URL', issues);
  const audienceSource = src(flags.authAudience, '--auth-audience', 'ARGOCD_MCP_AUTH_AUDIENCE', 'authAudience');
  if (audienceSource) auth.audience = String(audienceSource.value).trim();
  const jwksSource = src(flags.authJwksUri, '--auth-jwks-uri', 'ARGOCD_MCP_AUTH_JWKS_URI', 'authJwksUri');
  if (jwksSource) auth.jwksUri = checkUrl(jwksSource, 'JWKS URL', issues);
  if ((audienceSource || jwksSource) && !issuerSource) {
    issues.push({ setting: (audienceSource ?? jwksSource)!.from, message: 'has no effect without authIssuer; set authIssuer (ARGOCD_MCP_AUTH_ISSUER) to the OAuth issuer' });
  }
  if (issuerSource && !auth.audience && !publicUrl) {
    issues.push({
      setting: issuerSource.from,
      message: 'tokens must be checked for an audience: set authAudience (ARGOCD_MCP_AUTH_AUDIENCE) or publicUrl (ARGOCD_MCP_PUBLIC_URL, then used as the audience)',
    });
  }
  const keysSource = src(flags.apiKeysFile, '--api-keys-file', 'ARGOCD_MCP_API_KEYS_FILE', 'apiKeysFile');
  if (keysSource) {
    const keysFile = String(keysSource.value);
    auth.apiKeysFile = keysFile;
    let text: string | undefined;
    try {
      text = readFileSync(keysFile, 'utf8');
    } catch (err) {
      issues.push({ setting: keysSource.from, message: `cannot read ${keysFile} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
    }
    if (text !== undefined) {
      const parsed = parseApiKeys(text);
      for (const p of parsed.problems) issues.push({ setting: keysSource.from, message: `${keysFile} ${p}` });
      if (!parsed.problems.length && !parsed.keys.length) {
        issues.push({ setting: keysSource.from, message: `${keysFile} holds no key; add lines "sha256:<hex> <subject> [scopes]" (see README, API keys)` });
      }
      auth.apiKeys = parsed.keys;
    }
  }

  const threadsSource = src(flags.workerThreads, '--worker-threads', 'ARGOCD_MCP_WORKER_THREADS', 'workerThreads');
  let workerThreads = defaultWorkerThreads();
  if (threadsSource) {
    const n = Number(String(threadsSource.value).trim());
    if (String(threadsSource.value).trim() === '' || !Number.isInteger(n) || n < 0 || n > MAX_WORKER_THREADS) {
      issues.push({
        setting: threadsSource.from,
        message: `"${String(threadsSource.value)}" must be a whole number from 0 to ${MAX_WORKER_THREADS}: the threads that shape Argo CD's answers (0 = on the main thread; default ${defaultWorkerThreads()} on this machine)`,
      });
    } else workerThreads = n;
  }

  const sessionCap = (value: ReturnType<typeof src>, fallback: number, what: string): number => {
    if (!value) return fallback;
    const n = Number(String(value.value).trim());
    if (String(value.value).trim() === '' || !Number.isInteger(n) || n < 1) {
      issues.push({ setting: value.from, message: `"${String(value.value)}" must be a whole number, at least 1: ${what} (default ${fallback})` });
      return fallback;
    }
    return n;
  };
  const maxSessions = sessionCap(src(flags.maxSessions, '--max-sessions', 'ARGOCD_MCP_MAX_SESSIONS', 'maxSessions'), HTTP_DEFAULTS.maxSessions, 'the open sessions the gateway holds at most');
  const maxSessionsPerClient = sessionCap(
    src(flags.maxSessionsPerClient, '--max-sessions-per-client', 'ARGOCD_MCP_MAX_SESSIONS_PER_CLIENT', 'maxSessionsPerClient'),
    HTTP_DEFAULTS.maxSessionsPerClient,
    'the open sessions one authenticated client may hold',
  );

  const metricsSource = src(flags.metricsPort, '--metrics-port', 'ARGOCD_MCP_METRICS_PORT', 'metricsPort');
  let metricsPort: number | undefined;
  if (metricsSource) {
    const n = Number(String(metricsSource.value).trim());
    if (String(metricsSource.value).trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
      issues.push({ setting: metricsSource.from, message: `"${String(metricsSource.value)}" is not a port number (0-65535): the port for /metrics, /healthz and /readyz, apart from MCP's` });
    } else metricsPort = n;
  }

  if (input.transport === 'http' && !isLoopbackHost(input.host) && allowUnauthenticated && !auth.issuer && !auth.apiKeys && allowedHosts.length === 0) {
    // Without credentials, the Host header is what stops a DNS-rebinding page: a page served from evil.example whose
    // name later resolves to this address talks to the gateway as its own origin.
    issues.push({
      setting: 'allowedHosts',
      message: `serving ${input.host} without inbound auth needs allowedHosts (--allowed-hosts, ARGOCD_MCP_ALLOWED_HOSTS): the host names clients use, e.g. mcp.example.com; otherwise any web page can reach the gateway through DNS rebinding`,
    });
  }

  if (input.transport === 'http' && !isLoopbackHost(input.host) && !auth.issuer && !auth.apiKeys && !allowUnauthenticated) {
    issues.push({
      setting: 'host',
      message: `binding ${input.host} lets other machines reach the gateway, so it needs inbound auth: set authIssuer (OAuth) or apiKeysFile, or pass --allow-unauthenticated (ARGOCD_MCP_ALLOW_UNAUTHENTICATED=true) to accept anyone who can reach the port`,
    });
  }

  return {
    stateless,
    sessionIdleTimeoutMs,
    maxBodyBytes,
    allowedHosts,
    allowedOrigins,
    allowUnauthenticated,
    maxSessions,
    maxSessionsPerClient,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    rateLimit: { perSecond, burst, text: rateSource ? String(rateSource.value) : HTTP_DEFAULTS.rateLimit },
    shutdownTimeoutMs,
    redisUrl,
    publicUrl,
    auth,
    workerThreads,
  };
}

/** The settings a caller gets when it gives none (the demo, tests that build serveStreamableHttp directly). */
export function defaultHttpSettings(): HttpSettings {
  return {
    stateless: false,
    sessionIdleTimeoutMs: HTTP_DEFAULTS.sessionIdleTimeoutMs,
    maxBodyBytes: HTTP_DEFAULTS.maxBodyBytes,
    allowedHosts: [],
    allowedOrigins: [],
    allowUnauthenticated: false,
    maxSessions: HTTP_DEFAULTS.maxSessions,
    maxSessionsPerClient: HTTP_DEFAULTS.maxSessionsPerClient,
    rateLimit: { perSecond: 0, burst: HTTP_DEFAULTS.rateLimitBurst, text: 'off' },
    shutdownTimeoutMs: HTTP_DEFAULTS.shutdownTimeoutMs,
    auth: {},
    workerThreads: defaultWorkerThreads(),
  };
}
