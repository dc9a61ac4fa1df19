/**
 * Every setting of the gateway, one row each: its config-file key (the row's name), flag, environment variables,
 * type, default and one-line doc. From this table come the CLI flags and their --help (src/config/cli-options.ts),
 * the config-file keys and their did-you-mean (src/config/config-file.ts), reading flags > env > file > default and
 * validation by type, every error naming the flag, variable or key it came from (src/config/sources.ts, values.ts),
 * every default (defaultOf), and README's settings table (`npm run docs:settings`; test/config/settings-table.test.ts
 * fails when README differs).
 *
 * Adding a setting is one row here plus its use:
 *   1. Add the row (name = YAML key, `--flag`, `ARGOCD_MCP_*` env twin, type, default, doc; `serveOnly` for the HTTP
 *      service). Its flag, help, env, YAML key, type check and default follow.
 *   2. Read it where its group is read, `settingValue(ctx, 'name')` (or `readSetting` when the source matters) in
 *      argocd-connection.ts, tool-settings.ts, http-settings.ts or load-config.ts, into a field of GatewayConfig;
 *      any check beyond its type goes there too, its message naming `source.from`.
 *   3. Run `npm run docs:settings` to rewrite README's table.
 * Code that needs a default reads `defaultOf('name')`; none is spelled anywhere else.
 */
import { availableParallelism } from 'node:os';
import type { FlagsOf, SettingRow } from './setting-types.ts';

/** The result budget of a client the gateway does not know (src/gateway/client-budgets.ts), when no cap is set. */
const UNKNOWN_CLIENT_TOKENS = 20_000;

export const SETTINGS = {
  config: { flag: '--config', short: '-c', arg: '<file>', env: ['ARGOCD_MCP_CONFIG'], inFile: false, type: 'file', doc: 'YAML config file holding any setting below (the allowlist, instances, sso)' },

  // --- Argo CD: where it is and how to authenticate (src/config/argocd-connection.ts, src/config/auth-settings.ts)
  url: {
    group: 'Argo CD', flag: '--url', arg: '<url>', env: ['ARGOCD_BASE_URL', 'ARGOCD_SERVER'], aliases: ['server'], type: 'url',
    doc: 'Argo CD address, e.g. https://argocd.example.com[/rootpath]', more: 'a bare host means https; a path is kept (rootpath)',
  },
  token: { group: 'Argo CD', env: ['ARGOCD_API_TOKEN', 'ARGOCD_AUTH_TOKEN'], type: 'secret', doc: 'Argo CD API token (never logged)' },
  tokenFile: { group: 'Argo CD', flag: '--token-file', arg: '<file>', env: ['ARGOCD_TOKEN_FILE'], type: 'file', doc: 'file holding the Argo CD token, re-read when it changes (mounted secrets)' },
  username: {
    group: 'Argo CD', flag: '--username', arg: '<name>', env: ['ARGOCD_USERNAME'], type: 'string',
    doc: 'log in to Argo CD as this local user (session login, renewed before expiry); the password comes from ARGOCD_PASSWORD or --password-file',
  },
  password: { group: 'Argo CD', env: ['ARGOCD_PASSWORD'], type: 'secret', doc: 'the password of username (never logged); ${VAR} is expanded in the file' },
  passwordFile: { group: 'Argo CD', flag: '--password-file', arg: '<file>', env: ['ARGOCD_PASSWORD_FILE'], type: 'file', doc: 'file holding the password, re-read at each login' },
  argocdContext: {
    group: 'Argo CD', flag: '--argocd-context', arg: '<name>', env: ['ARGOCD_CONTEXT'], type: 'string', defaultText: 'current context, when no address is set',
    doc: "use this context of the argocd CLI's config (~/.config/argocd/config or $ARGOCD_CONFIG_DIR): its server, token and TLS settings",
  },
  tokenCommand: {
    group: 'Argo CD', flag: '--token-command', arg: '<argv>', env: ['ARGOCD_TOKEN_COMMAND'], type: 'command',
    doc: 'command that prints a token: a YAML list, or a JSON array / space-separated words in flags and env; run without a shell',
  },
  tokenCommandTtl: { group: 'Argo CD', flag: '--token-command-ttl', arg: '<duration>', env: ['ARGOCD_TOKEN_COMMAND_TTL'], type: 'duration', default: '5m', doc: "how long the token command's token is reused" },
  headers: {
    group: 'Argo CD', flag: '--header', arg: '<name:value>', repeat: 'each', env: ['ARGOCD_HEADERS'], type: 'headers',
    doc: 'extra header for every Argo CD request, e.g. for a proxy; repeatable; ${VAR} is expanded; values never logged (comma- or newline-separated in env)',
  },
  instances: {
    group: 'Argo CD', type: 'structured',
    doc: 'several Argo CDs, each with name, url, credentials and allowlist (file only: see "Several Argo CD instances"; read by src/config/instances.ts)',
  },
  instanceConcurrency: {
    group: 'Argo CD', flag: '--instance-concurrency', arg: '<n>', env: ['ARGOCD_MCP_INSTANCE_CONCURRENCY'], type: 'int', min: 1, max: 64, default: 4,
    doc: 'with instances: how many instances one read with instance "*" (or a list) asks at once',
    more: '(docs/instances.md)',
  },
  rootPath: { group: 'Argo CD', flag: '--root-path', arg: '<path>', env: ['ARGOCD_ROOT_PATH'], type: 'string', doc: "argocd-server's --rootpath, if not already in the URL" },
  insecure: { group: 'Argo CD', flag: '--insecure', env: ['ARGOCD_INSECURE'], type: 'bool', default: false, doc: 'skip TLS verification of Argo CD (warns; prefer caFile)' },
  caFile: { group: 'Argo CD', flag: '--ca-file', arg: '<file>', env: ['ARGOCD_CA_FILE'], type: 'file', doc: 'PEM CA bundle that signed the Argo CD certificate (a private CA)' },
  clientCertFile: {
    group: 'Argo CD', flag: '--client-crt', arg: '<file>', env: ['ARGOCD_CLIENT_CERT_FILE'], type: 'file',
    doc: 'PEM client certificate for an Argo CD behind mutual TLS (with clientKeyFile: both or neither)',
  },
  clientKeyFile: { group: 'Argo CD', flag: '--client-crt-key', arg: '<file>', env: ['ARGOCD_CLIENT_KEY_FILE'], type: 'file', doc: 'PEM private key of the client certificate (it must match)' },
  timeout: {
    group: 'Argo CD', flag: '--timeout', arg: '<duration>', env: ['ARGOCD_TIMEOUT'], type: 'duration', default: '30s', doc: 'Argo CD request timeout: 30, 30s, 1500ms, 2m',
    more: '1h works too: every duration setting reads the same forms',
  },
  maxResponseBytes: {
    group: 'Argo CD', flag: '--max-response-bytes', arg: '<size>', env: ['ARGOCD_MCP_MAX_RESPONSE_BYTES'], type: 'bytes', min: 64 * 1024, default: '32m',
    doc: 'largest Argo CD answer read whole, after decompression: 16m, 64m',
    more: 'larger ones, and compressed ones that inflate over 250×, are refused with an error that says so; a pod log line over 1 MiB ends a log window',
  },
  adaptToServer: {
    group: 'Argo CD', env: ['ARGOCD_MCP_ADAPT_TO_SERVER'], type: 'bool', default: true,
    doc: 'hide (and refuse) the tools and the arguments the connected Argo CD release does not have; see "Argo CD releases"',
  },

  // --- Tools: which are exposed and how they answer (src/config/tool-settings.ts)
  readOnly: { group: 'Tools', flag: '--read-only', env: ['ARGOCD_MCP_READ_ONLY'], type: 'bool', defaultText: 'true without an allowlist', doc: 'expose only read-only tools' },
  allow: {
    group: 'Tools', flag: '--allow', arg: '<entries>', repeat: 'split', env: ['ARGOCD_MCP_ALLOW'], type: 'list', default: ['*'],
    doc: 'allowlist entries (tool names, globs, tags, or "METHOD /path"), comma-separated or repeated',
  },
  deny: { group: 'Tools', flag: '--deny', arg: '<entries>', repeat: 'split', env: ['ARGOCD_MCP_DENY'], type: 'list', default: [], doc: 'denylist entries, comma-separated or repeated' },
  toolsets: {
    group: 'Tools', flag: '--toolsets', arg: '<names>', env: ['ARGOCD_MCP_TOOLSETS'], type: 'list', defaultText: 'all',
    doc: 'expose only these toolsets, comma-separated; "default" = a first-time set, "all"',
    more: '`default` = applications, applicationsets, projects, clusters, repositories, version, workflows',
  },
  mode: {
    group: 'Tools', flag: '--mode', arg: '<mode>', env: ['ARGOCD_MCP_MODE'], type: 'enum', noun: 'mode', default: 'static',
    choices: [['static', 'one tool per operation'], ['dynamic', 'search/describe/call meta-tools']],
    doc: 'static: one tool per operation; dynamic: search/describe/call meta-tools',
  },
  maxResultTokens: {
    group: 'Tools', flag: '--max-result-tokens', arg: '<n>', env: ['ARGOCD_MCP_MAX_RESULT_TOKENS'], type: 'int', min: 500, defaultText: 'by client', fallback: UNKNOWN_CLIENT_TOKENS,
    doc: `cap on any tool result, in o200k tokens; unset, each client gets its own budget (${UNKNOWN_CLIENT_TOKENS} for unknown ones)`,
  },
  rawResults: { group: 'Tools', flag: '--raw', env: ['ARGOCD_MCP_RAW'], type: 'bool', default: false, doc: "return Argo CD's documents unshaped unless a call says otherwise" },
  projects: {
    group: 'Tools', flag: '--projects', arg: '<names>', env: ['ARGOCD_MCP_PROJECTS'], type: 'list', nonEmpty: true,
    doc: 'confine applications, ApplicationSets and projects to these projects, and cluster and repository writes to those scoped to them',
    more: '(docs/scoping.md)',
  },
  namespaces: { group: 'Tools', flag: '--namespaces', arg: '<names>', env: ['ARGOCD_MCP_NAMESPACES'], type: 'list', nonEmpty: true, doc: 'confine applications and ApplicationSets to these namespaces' },
  clusters: {
    group: 'Tools', flag: '--clusters', arg: '<servers>', env: ['ARGOCD_MCP_CLUSTERS'], type: 'list', nonEmpty: true,
    doc: 'confine applications, ApplicationSets and cluster writes to these clusters, by server URL or name (either form matches both)',
  },
  confirm: {
    group: 'Tools', flag: '--confirm', arg: '<policy>', env: ['ARGOCD_MCP_CONFIRM'], type: 'enum', noun: 'confirmation policy', default: 'destructive',
    choices: [['destructive', 'deletes and other destructive calls'], ['writes', 'every write'], ['never', 'none']],
    doc: "which calls need the user's confirmation: destructive, writes or never", more: '([docs/confirmation.md](docs/confirmation.md))',
  },
  confirmFallback: {
    group: 'Tools', flag: '--confirm-fallback', arg: '<mode>', env: ['ARGOCD_MCP_CONFIRM_FALLBACK'], type: 'enum', noun: 'confirmation fallback', default: 'refuse',
    choices: [['refuse', 'no confirmation without elicitation'], ['token', 'preview, then a single-use token']],
    doc: 'when a call needs confirmation and the client cannot ask its user (no elicitation; stateless HTTP): refuse, or token (a preview, then a single-use token)',
    more: 'the token is bound to exactly that request, for 5 minutes; in Redis when `redis` is set',
  },
  gitopsChecks: {
    group: 'Tools', flag: '--gitops-checks', arg: '<mode>', env: ['ARGOCD_MCP_GITOPS_CHECKS'], type: 'enum', noun: 'gitopsChecks mode', default: 'warn',
    choices: [
      ['warn', 'say what Argo CD will do, then send'],
      ['refuse', 'send nothing when a write would be refused, held or undone'],
      ['off', 'no checks'],
    ],
    doc: 'before writes to applications, check ApplicationSet ownership, auto-sync/self-heal and sync windows: warn, refuse or off',
    more: '([docs/gitops-checks.md](docs/gitops-checks.md))',
  },
  catalogueDir: {
    group: 'Tools', flag: '--catalogue-dir', arg: '<dir>', env: ['ARGOCD_MCP_CATALOGUE_DIR'], type: 'file', defaultText: 'the shipped `generated/`',
    doc: 'serve a catalogue made by `generate --out DIR` for another Argo CD release',
  },
  auditFile: {
    group: 'Tools', flag: '--audit-file', arg: '<file>', env: ['ARGOCD_MCP_AUDIT_FILE'], type: 'file', defaultText: '— (stderr log)',
    doc: 'append one JSON line per tool call here instead of logging it', more: 'who, tool, operation, target, status, outcome, duration, redacted arguments',
  },
  sso: {
    group: 'Tools', env: ['ARGOCD_MCP_SSO_CLIENT_SECRET', 'ARGOCD_MCP_SSO_ENCRYPTION_KEY', 'ARGOCD_MCP_SSO_TOKEN_FILE'], type: 'structured',
    doc: "sign each person in to Argo CD's identity provider (read by src/config/sso-settings.ts)",
    more: '`issuer`, `clientId`, `clientSecret`/`clientSecretFile`, `scopes`, `redirectUri`, `authorizationUrl`, `tokenUrl`, `tokenFile`, `tokenExchange`, `encryptionKeyFile` (see "Signing in with SSO")',
  },

  // --- Serving: transport and the HTTP service (src/config/http-settings.ts)
  transport: {
    group: 'Serving', flag: '--transport', arg: '<transport>', env: ['ARGOCD_MCP_TRANSPORT'], type: 'enum', noun: 'transport', default: 'stdio', serveOnly: true,
    choices: [['stdio', ''], ['http', '']], doc: 'stdio, or http (Streamable HTTP at /mcp)',
  },
  host: { group: 'Serving', flag: '--host', arg: '<host>', env: ['ARGOCD_MCP_HOST'], type: 'string', default: '127.0.0.1', serveOnly: true, doc: 'HTTP bind address' },
  port: { group: 'Serving', flag: '--port', arg: '<port>', env: ['ARGOCD_MCP_PORT'], type: 'port', default: 3000, serveOnly: true, doc: 'HTTP port' },
  stateless: {
    group: 'Serving', flag: '--stateless', env: ['ARGOCD_MCP_STATELESS'], type: 'bool', default: false, serveOnly: true,
    doc: 'no sessions: every request is served on its own, by any replica', more: '(see "Serving over HTTP")',
  },
  sessionIdleTimeout: {
    group: 'Serving', flag: '--session-idle-timeout', arg: '<duration>', env: ['ARGOCD_MCP_SESSION_IDLE_TIMEOUT'], type: 'duration', default: '30m', serveOnly: true,
    doc: 'close a session with no request and no open stream for this long',
  },
  maxBodyBytes: {
    group: 'Serving', flag: '--max-body-bytes', arg: '<size>', env: ['ARGOCD_MCP_MAX_BODY_BYTES'], type: 'bytes', min: 1024, default: '4m', serveOnly: true,
    doc: 'largest HTTP request body: 1048576, 512k, 4m', more: 'larger ones get 413',
  },
  allowedHosts: {
    group: 'Serving', flag: '--allowed-hosts', arg: '<hosts>', env: ['ARGOCD_MCP_ALLOWED_HOSTS'], type: 'list', default: [], serveOnly: true,
    defaultText: '— (loopback names when bound to loopback)', doc: 'Host header values to accept (DNS-rebinding guard), comma-separated',
  },
  allowedOrigins: {
    group: 'Serving', flag: '--allowed-origins', arg: '<origins>', env: ['ARGOCD_MCP_ALLOWED_ORIGINS'], type: 'list', default: [], serveOnly: true,
    defaultText: '— (loopback, or same origin)', doc: 'browser origins to accept, comma-separated, e.g. https://chat.example.com',
  },
  allowUnauthenticated: {
    group: 'Serving', flag: '--allow-unauthenticated', env: ['ARGOCD_MCP_ALLOW_UNAUTHENTICATED'], type: 'bool', default: false, serveOnly: true,
    doc: 'serve a non-loopback address without inbound auth', more: 'logs a loud warning; needs `allowedHosts`, the only guard against DNS rebinding then',
  },
  rateLimit: {
    group: 'Serving', flag: '--rate-limit', arg: '<rate>', env: ['ARGOCD_MCP_RATE_LIMIT'], type: 'rate', default: '20/s', serveOnly: true,
    doc: 'requests per client: 10/s, 600/m, or off',
    more: 'a client is its subject, else its address; each tool call of a JSON-RPC batch counts; over it, 429 with `Retry-After`',
  },
  rateLimitBurst: {
    group: 'Serving', flag: '--rate-limit-burst', arg: '<n>', env: ['ARGOCD_MCP_RATE_LIMIT_BURST'], type: 'int', min: 1, default: 100, serveOnly: true,
    doc: 'requests a client may make at once before the rate applies',
  },
  metricsPort: {
    group: 'Serving', flag: '--metrics-port', arg: '<port>', env: ['ARGOCD_MCP_METRICS_PORT'], type: 'port', defaultText: '— (on the MCP port)', serveOnly: true,
    doc: "the port for /metrics, /healthz and /readyz, apart from MCP's", more: 'the Helm chart uses 9090',
  },
  maxSessions: {
    group: 'Serving', flag: '--max-sessions', arg: '<n>', env: ['ARGOCD_MCP_MAX_SESSIONS'], type: 'int', min: 1, default: 1000, serveOnly: true,
    doc: 'the open sessions the gateway holds at most', more: 'past it, `initialize` gets 503 with `Retry-After`',
  },
  maxSessionsPerClient: {
    group: 'Serving', flag: '--max-sessions-per-client', arg: '<n>', env: ['ARGOCD_MCP_MAX_SESSIONS_PER_CLIENT'], type: 'int', min: 1, default: 100, serveOnly: true,
    doc: 'the open sessions one authenticated client may hold', more: 'past it, 429',
  },
  shutdownTimeout: {
    group: 'Serving', flag: '--shutdown-timeout', arg: '<duration>', env: ['ARGOCD_MCP_SHUTDOWN_TIMEOUT'], type: 'duration', default: '20s', serveOnly: true,
    doc: 'on SIGTERM, how long in-flight calls may finish', more: 'those still running then are answered with an error (stored for a resume)',
  },
  redis: {
    group: 'Serving', flag: '--redis', arg: '<url>', env: ['ARGOCD_MCP_REDIS'], type: 'secret', defaultText: '— (memory)', serveOnly: true,
    doc: 'Redis for rate limits, resumable streams and sessions shared by replicas: redis://[:password@]host:6379/0 or rediss:// (never logged)',
  },
  publicUrl: {
    group: 'Serving', flag: '--public-url', arg: '<url>', env: ['ARGOCD_MCP_PUBLIC_URL'], type: 'url', defaultText: '— (from `Host`)', serveOnly: true,
    doc: 'the URL clients use for /mcp, e.g. https://mcp.example.com/mcp', more: 'the OAuth resource identifier and default audience',
  },
  authIssuer: {
    group: 'Serving', flag: '--auth-issuer', arg: '<url>', env: ['ARGOCD_MCP_AUTH_ISSUER'], type: 'url', serveOnly: true,
    doc: 'accept OAuth/OIDC JWT access tokens from this issuer (https; http only on loopback)',
  },
  authAudience: { group: 'Serving', flag: '--auth-audience', arg: '<aud>', env: ['ARGOCD_MCP_AUTH_AUDIENCE'], type: 'string', defaultText: '`publicUrl`', serveOnly: true, doc: 'the audience tokens must carry' },
  authJwksUri: { group: 'Serving', flag: '--auth-jwks-uri', arg: '<url>', env: ['ARGOCD_MCP_AUTH_JWKS_URI'], type: 'url', defaultText: 'discovered', serveOnly: true, doc: "the issuer's JWKS, when its metadata does not say" },
  apiKeysFile: {
    group: 'Serving', flag: '--api-keys-file', arg: '<file>', env: ['ARGOCD_MCP_API_KEYS_FILE'], type: 'file', serveOnly: true,
    doc: 'accept the API keys whose sha256 hashes this file lists', more: 'lines `sha256:<hex> <subject> [scopes]`',
  },
  workerThreads: {
    group: 'Serving', flag: '--worker-threads', arg: '<n>', env: ['ARGOCD_MCP_WORKER_THREADS'], type: 'int', min: 0, max: 16, serveOnly: true,
    // One shaping thread when the machine has a second core for it; none on one core, where it could only compete.
    default: () => (availableParallelism() >= 2 ? 1 : 0), defaultText: '1 with 2+ cores, else 0',
    doc: "the threads that shape Argo CD's answers (0 = on the main thread)", more: 'HTTP only; see "Serving over HTTP"',
  },

  // --- The process
  logLevel: {
    flag: '--log-level', arg: '<level>', env: ['ARGOCD_MCP_LOG_LEVEL'], type: 'enum', noun: 'level', default: 'info',
    choices: [['trace', ''], ['debug', ''], ['info', ''], ['warn', ''], ['error', ''], ['fatal', ''], ['silent', '']],
    doc: 'log level of the structured JSON logs on stderr',
  },
} as const satisfies Record<string, SettingRow>;

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;

/** Options as the command line gives them (commander's parsed flags), derived from the table. */
export type CliFlags = FlagsOf<Settings>;

/** The row of a setting, as the loose row type (for code that walks the table). */
export function rowOf(key: string): SettingRow {
  return (SETTINGS as Record<string, SettingRow>)[key];
}

/** Every row with its name, in table order. */
export function settingRows(): Array<[string, SettingRow]> {
  return Object.entries(SETTINGS as Record<string, SettingRow>);
}
