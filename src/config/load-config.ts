/**
 * Configuration: load → merge (flags > env > YAML file > defaults) → validate → freeze.
 * Every problem is collected and reported at once, each naming the setting, where it came from, and the fix.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYaml } from './yaml.ts';
import { didYouMean } from './did-you-mean.ts';
import { CATALOGUE_FILES, loadCatalogue, useCatalogueDir } from '../catalogue/load-catalogue.ts';
import { resolveToolsets } from '../policy/toolsets.ts';
import { readAuthSettings, reportAuthConflicts, topLevelAuthLayers } from '../argocd/auth/auth-config.ts';
import { readSsoSettings } from '../argocd/auth/sso/sso-settings.ts';
import type { ArgocdAuthSettings } from '../argocd/auth/auth-config.ts';
import { instancesFrom } from './instances.ts';
import type { InstanceConfig } from './instances.ts';
import { HTTP_FILE_KEYS, httpSettingsFrom, parseByteSize } from './http-settings.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../argocd/http-client.ts';
import type { HttpFlags, HttpSettings } from './http-settings.ts';
import { ConfigError, normaliseArgocdUrl, parseBool, parseDuration, pick, stringList } from './read.ts';
import type { AllowlistConfig, ConfigIssue, LogLevel, Source } from './read.ts';

export { ConfigError, normaliseArgocdUrl, parseBool, parseDuration, pick, stringList };
export type { AllowlistConfig, ConfigIssue, LogLevel, Source };

export type Transport = 'stdio' | 'http';

export interface GatewayConfig {
  /** Argo CD base URL including any root path, without a trailing slash; undefined when none is configured. */
  argocdUrl?: string;
  token?: string;
  tokenFile?: string;
  /** A client certificate and key for mutual TLS to Argo CD (PEM files). */
  clientCert?: { certFile: string; keyFile: string };
  /** Username/password, token command, argocd CLI context, extra headers (src/argocd/auth); token and tokenFile stay above. */
  auth?: ArgocdAuthSettings;
  /** Several Argo CD instances (src/gateway/instances.ts); when set, argocdUrl, token and auth are unset. */
  instances?: InstanceConfig[];
  /** With instances: how many a read with `instance: "*"` (or a list) asks at once (src/gateway/instances.ts). */
  instanceConcurrency?: number;
  insecure: boolean;
  caFile?: string;
  /** Upstream request timeout in milliseconds. */
  timeoutMs: number;
  /** The largest Argo CD answer read whole, after decompression (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  transport: Transport;
  host: string;
  port: number;
  allowlist: AllowlistConfig;
  /** Chosen toolsets (expanded), or undefined for all. */
  toolsets?: string[];
  /** `static`: one tool per operation; `dynamic`: search/describe/call meta-tools. */
  mode: 'static' | 'dynamic';
  /** The operator's cap on a tool result (o200k tokens); absent, each client gets its own (client-budgets.ts). */
  maxResultTokens?: number;
  rawResults: boolean;
  adaptToServer: boolean;
  /** GitOps checks before writes to applications: `warn` (default), `refuse` or `off` (src/policy/gitops/). */
  gitopsChecks?: 'warn' | 'refuse' | 'off';
  /** JSON-lines audit file; absent: audit records go to the log on stderr. */
  auditFile?: string;
  /** Confine applications, ApplicationSets and projects to these (empty: no confinement). */
  scope: { projects?: string[]; namespaces?: string[]; clusters?: string[] };
  /** Which calls need the user's confirmation. */
  confirm: 'destructive' | 'writes' | 'never';
  /**
   * When a call needs confirmation and the client cannot ask its user (no elicitation; stateless HTTP): `refuse`
   * (default over HTTP) or `token` (a preview whose token confirms exactly that call once; default over stdio).
   */
  confirmFallback: 'refuse' | 'token';
  logLevel: LogLevel;
  configFile?: string;
  /** The HTTP service: sessions, guards, rate limit, Redis, inbound auth (src/config/http-settings.ts). */
  http?: HttpSettings;
}

/** Options as the command line gives them (commander's parsed flags); the HTTP service's are in HttpFlags. */
export interface CliFlags extends HttpFlags {
  config?: string;
  url?: string;
  tokenFile?: string;
  username?: string;
  passwordFile?: string;
  argocdContext?: string;
  tokenCommand?: string;
  tokenCommandTtl?: string;
  header?: string[];
  insecure?: boolean;
  caFile?: string;
  clientCrt?: string;
  clientCrtKey?: string;
  rootPath?: string;
  timeout?: string;
  transport?: string;
  host?: string;
  port?: string;
  readOnly?: boolean;
  allow?: string[];
  deny?: string[];
  toolsets?: string;
  mode?: string;
  maxResultTokens?: string;
  maxResponseBytes?: string;
  raw?: boolean;
  gitopsChecks?: string;
  auditFile?: string;
  catalogueDir?: string;
  projects?: string;
  namespaces?: string;
  clusters?: string;
  confirm?: string;
  confirmFallback?: string;
  logLevel?: string;
}

/** The keys a config file may hold; anything else is reported (a typo must not be silently ignored). */
const FILE_KEYS = [
  'url', 'server', 'token', 'tokenFile', 'insecure', 'caFile', 'clientCertFile', 'clientKeyFile', 'rootPath', 'timeout',
  'username', 'password', 'passwordFile', 'argocdContext', 'tokenCommand', 'tokenCommandTtl', 'headers', 'instances', 'instanceConcurrency',
  'transport', 'host', 'port', 'readOnly', 'allow', 'deny', 'toolsets', 'mode', 'maxResultTokens', 'maxResponseBytes', 'rawResults',
  'adaptToServer', 'auditFile', 'catalogueDir', 'projects', 'namespaces', 'clusters', 'confirm', 'confirmFallback', 'logLevel', 'sso',
  ...HTTP_FILE_KEYS,
  'gitopsChecks',
] as const;

const LOG_LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Reads the YAML config file; problems become issues rather than exceptions. */
/**
 * yaml's message with its code frame (the line and a caret under the column), which shows where to fix. The file
 * may hold a token or password on that very line: every value is masked, character for character so the caret
 * still points at the right place; keys, indentation and punctuation stay.
 */
function yamlErrorWithFrame(message: string): string {
  const mask = (text: string) => text.replace(/[^\s[\]{},:"'#&*!|>%@`-]{2,}|[A-Za-z0-9_.+/=-]{6,}/g, (run) => '*'.repeat(run.length));
  const [head, ...frame] = message.trimEnd().split('\n');
  const lines = frame
    .filter((l) => l.trim())
    .map((l) => {
      if (/^\s*\^+\s*$/.test(l)) return `    ${l}`;
      const key = /^(\s*(?:- )*[A-Za-z0-9_.-]+:)(.*)$/.exec(l);
      return `    ${key ? `${key[1]}${mask(key[2])}` : mask(l)}`;
    });
  return [head.replace(/"[^"]*"/g, (q) => mask(q)), ...lines].join('\n');
}

function readConfigFile(file: string, setting: string, issues: ConfigIssue[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    issues.push({ setting, message: `cannot read ${file} (${code ?? (err as Error).message}); check the path` });
    return {};
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    issues.push({ setting, message: `${file} is not valid YAML: ${yamlErrorWithFrame((err as Error).message)}` });
    return {};
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    issues.push({ setting, message: `${file} must hold a YAML mapping (key: value lines)` });
    return {};
  }
  for (const key of Object.keys(data)) {
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      const hint = didYouMean(key, FILE_KEYS);
      issues.push({ setting: key, message: `unknown key in ${file}${hint ? ` (did you mean ${hint}?)` : ''}; known keys: ${FILE_KEYS.join(', ')}` });
    }
  }
  return data as Record<string, unknown>;
}

export interface LoadConfigInput {
  flags: CliFlags;
  env: NodeJS.ProcessEnv;
  /** When true, a missing Argo CD URL or token is not an error (list-tools, demo). */
  argocdOptional?: boolean;
}

/** Loads, merges and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig({ flags, env, argocdOptional = false }: LoadConfigInput): Readonly<GatewayConfig> {
  const issues: ConfigIssue[] = [];
  const configFile = flags.config ?? env.ARGOCD_MCP_CONFIG;
  const file = configFile ? readConfigFile(configFile, flags.config ? '--config' : 'ARGOCD_MCP_CONFIG', issues) : {};
  const fileLabel = configFile ? `${path.basename(configFile)}` : 'config file';

  const explicitUrl = pick(
    [flags.url, '--url'],
    [env.ARGOCD_BASE_URL, 'ARGOCD_BASE_URL'],
    [env.ARGOCD_SERVER, 'ARGOCD_SERVER'],
    [file.url, `${fileLabel}: url`],
    [file.server, `${fileLabel}: server`],
  );
  // Username/password, token command, headers, the argocd CLI's context (src/argocd/auth): its address fills in last.
  const hasInstances = file.instances !== undefined;
  const authRead = readAuthSettings({
    layers: topLevelAuthLayers({ flags, env, file, fileLabel }),
    env,
    issues,
    implicitContext: !explicitUrl && !argocdOptional && !hasInstances,
  });
  const cliContext = authRead.context ? `argocd CLI context "${authRead.context.name}"` : '';
  const urlSource = explicitUrl ?? (authRead.context ? { value: authRead.context.url, from: cliContext } : undefined);
  const rootPath = pick([flags.rootPath, '--root-path'], [env.ARGOCD_ROOT_PATH, 'ARGOCD_ROOT_PATH'], [file.rootPath, `${fileLabel}: rootPath`]);
  let argocdUrl: string | undefined;
  if (urlSource) {
    try {
      argocdUrl = normaliseArgocdUrl(String(urlSource.value), rootPath ? String(rootPath.value) : undefined);
    } catch (err) {
      issues.push({
        setting: urlSource.from,
        message: `"${String(urlSource.value)}" is not a usable Argo CD address (${(err as Error).message}); use e.g. https://argocd.example.com or https://example.com/argocd`,
      });
    }
  } else if (!argocdOptional && !hasInstances) {
    issues.push({
      setting: 'ARGOCD_BASE_URL',
      message:
        'no Argo CD address configured; set ARGOCD_BASE_URL (or ARGOCD_SERVER, --url, or `url:` in the config file), or run `argocd-mcp-gateway demo` to try the gateway against the built-in simulator',
    });
  }

  // One precedence chain for the token and the token file: flags > env > file, a file path before a literal at each level.
  const credential = pick(
    [flags.tokenFile, '--token-file'],
    [env.ARGOCD_TOKEN_FILE, 'ARGOCD_TOKEN_FILE'],
    [env.ARGOCD_API_TOKEN, 'ARGOCD_API_TOKEN'],
    [env.ARGOCD_AUTH_TOKEN, 'ARGOCD_AUTH_TOKEN'],
    [file.tokenFile, `${fileLabel}: tokenFile`],
    [file.token, `${fileLabel}: token`],
    [authRead.methods.length ? undefined : authRead.context?.token, cliContext],
  );
  const isFileSource = !!credential && /token-file|TOKEN_FILE|tokenFile/.test(credential.from);
  const tokenFileSource = isFileSource ? credential : undefined;
  const tokenSource = isFileSource ? undefined : credential;
  let token: string | undefined;
  let tokenFile: string | undefined;
  if (tokenFileSource) {
    tokenFile = String(tokenFileSource.value);
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
      if (!token) issues.push({ setting: tokenFileSource.from, message: `${tokenFile} is empty; write the Argo CD API token into it` });
    } catch (err) {
      issues.push({ setting: tokenFileSource.from, message: `cannot read ${tokenFile} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
    }
  } else if (tokenSource) {
    token = String(tokenSource.value).trim();
  } else if (!argocdOptional && !hasInstances && !authRead.hasOtherMethod && file.sso === undefined) {
    issues.push({
      setting: 'ARGOCD_API_TOKEN',
      message: 'no Argo CD token configured; set ARGOCD_API_TOKEN (or ARGOCD_AUTH_TOKEN, --token-file, or `tokenFile:` in the config file) to a token from `argocd account generate-token`',
    });
  }
  if (token && /\s/.test(token)) issues.push({ setting: tokenSource?.from ?? 'token', message: 'the token contains white space; paste the bare token, without "Bearer "' });

  const insecureSource = pick([flags.insecure, '--insecure'], [env.ARGOCD_INSECURE, 'ARGOCD_INSECURE'], [file.insecure, `${fileLabel}: insecure`], [authRead.context?.insecure || undefined, cliContext]);
  const insecure = insecureSource ? parseBool(insecureSource.value) : false;
  if (insecure === undefined) issues.push({ setting: insecureSource!.from, message: 'must be true or false' });

  // A client certificate for an Argo CD behind mutual TLS (the argocd CLI's --client-crt / --client-crt-key).
  const certSource = pick([flags.clientCrt, '--client-crt'], [env.ARGOCD_CLIENT_CERT_FILE, 'ARGOCD_CLIENT_CERT_FILE'], [file.clientCertFile, `${fileLabel}: clientCertFile`]);
  const keySource = pick([flags.clientCrtKey, '--client-crt-key'], [env.ARGOCD_CLIENT_KEY_FILE, 'ARGOCD_CLIENT_KEY_FILE'], [file.clientKeyFile, `${fileLabel}: clientKeyFile`]);
  const clientCert = readClientCert(certSource, keySource, issues);

  const caSource = pick([flags.caFile, '--ca-file'], [env.ARGOCD_CA_FILE, 'ARGOCD_CA_FILE'], [file.caFile, `${fileLabel}: caFile`]);
  let caFile: string | undefined;
  if (caSource) {
    caFile = String(caSource.value);
    try {
      if (!readFileSync(caFile, 'utf8').includes('-----BEGIN CERTIFICATE-----')) {
        issues.push({ setting: caSource.from, message: `${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
      }
    } catch (err) {
      issues.push({ setting: caSource.from, message: `cannot read ${caFile} (${(err as NodeJS.ErrnoException).code}); check the path` });
    }
  }

  const timeoutSource = pick([flags.timeout, '--timeout'], [env.ARGOCD_TIMEOUT, 'ARGOCD_TIMEOUT'], [file.timeout, `${fileLabel}: timeout`]);
  const timeoutMs = timeoutSource ? parseDuration(timeoutSource.value) : 30_000;
  if (timeoutMs === undefined) issues.push({ setting: timeoutSource!.from, message: `"${String(timeoutSource!.value)}" is not a duration; use seconds (30) or 30s, 1500ms, 2m` });

  const responseSource = pick(
    [flags.maxResponseBytes, '--max-response-bytes'],
    [env.ARGOCD_MCP_MAX_RESPONSE_BYTES, 'ARGOCD_MCP_MAX_RESPONSE_BYTES'],
    [file.maxResponseBytes, `${fileLabel}: maxResponseBytes`],
  );
  const maxResponseBytes = responseSource ? parseByteSize(responseSource.value) : DEFAULT_MAX_RESPONSE_BYTES;
  if (maxResponseBytes === undefined || maxResponseBytes < 64 * 1024) {
    issues.push({ setting: responseSource!.from, message: `"${String(responseSource!.value)}" is not a size of at least 64k; use bytes or a unit: 16m, 64m (default 32m; Argo CD answers larger than this are refused)` });
  }

  const transportSource = pick([flags.transport, '--transport'], [env.ARGOCD_MCP_TRANSPORT, 'ARGOCD_MCP_TRANSPORT'], [file.transport, `${fileLabel}: transport`]);
  const transport = (transportSource?.value ?? 'stdio') as Transport;
  if (transport !== 'stdio' && transport !== 'http') issues.push({ setting: transportSource!.from, message: `"${String(transport)}" is not a transport; use stdio or http` });

  const hostSource = pick([flags.host, '--host'], [env.ARGOCD_MCP_HOST, 'ARGOCD_MCP_HOST'], [file.host, `${fileLabel}: host`]);
  const host = String(hostSource?.value ?? '127.0.0.1');
  const portSource = pick([flags.port, '--port'], [env.ARGOCD_MCP_PORT, 'ARGOCD_MCP_PORT'], [file.port, `${fileLabel}: port`]);
  const port = portSource ? Number(portSource.value) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) issues.push({ setting: portSource!.from, message: `"${String(portSource!.value)}" is not a port number (0-65535)` });
  const http = httpSettingsFrom({ flags, env, file, fileLabel, issues, host, transport });

  const levelSource = pick([flags.logLevel, '--log-level'], [env.ARGOCD_MCP_LOG_LEVEL, 'ARGOCD_MCP_LOG_LEVEL'], [file.logLevel, `${fileLabel}: logLevel`]);
  const logLevel = String(levelSource?.value ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) issues.push({ setting: levelSource!.from, message: `"${logLevel}" is not a level; use one of ${LOG_LEVELS.join(', ')}` });

  const allowlist = allowlistFrom({ flags, env, file, fileLabel, issues });

  const catalogueSource = pick([flags.catalogueDir, '--catalogue-dir'], [env.ARGOCD_MCP_CATALOGUE_DIR, 'ARGOCD_MCP_CATALOGUE_DIR'], [file.catalogueDir, `${fileLabel}: catalogueDir`]);
  let catalogueDir: string | undefined;
  if (catalogueSource) {
    const dir = path.resolve(String(catalogueSource.value));
    const missing = CATALOGUE_FILES.filter((f) => !existsSync(path.join(dir, f)));
    if (missing.length) {
      issues.push({ setting: catalogueSource.from, message: `${dir} has no ${missing.join(' or ')}; create it with \`argocd-mcp-gateway generate --spec <swagger.json> --out ${dir}\`` });
    } else catalogueDir = dir;
  }
  // Everything below that reads the catalogue (toolset names) reads the chosen one.
  useCatalogueDir(catalogueDir);

  const toolsetsSource = pick([flags.toolsets, '--toolsets'], [env.ARGOCD_MCP_TOOLSETS, 'ARGOCD_MCP_TOOLSETS'], [file.toolsets, `${fileLabel}: toolsets`]);
  const toolsetNames = toolsetsSource ? stringList(toolsetsSource.value) : undefined;
  let toolsets: string[] | undefined;
  if (toolsetsSource && !toolsetNames) issues.push({ setting: toolsetsSource.from, message: 'must be a list of toolset names' });
  else if (toolsetNames) {
    // The catalogue's toolsets, plus the composite `workflows` (src/workflows).
    const available = [...new Set([...loadCatalogue().tools.map((t) => t.toolset), 'workflows'])].sort();
    const resolved = resolveToolsets(toolsetNames, available);
    if (resolved.unknown.length) {
      issues.push({ setting: toolsetsSource!.from, message: `unknown toolset ${resolved.unknown.map((u) => `"${u}"`).join(', ')}; known: ${available.join(', ')}, plus "default" and "all"` });
    }
    toolsets = resolved.toolsets;
  }

  const modeSource = pick([flags.mode, '--mode'], [env.ARGOCD_MCP_MODE, 'ARGOCD_MCP_MODE'], [file.mode, `${fileLabel}: mode`]);
  const mode = String(modeSource?.value ?? 'static') as GatewayConfig['mode'];
  if (mode !== 'static' && mode !== 'dynamic') issues.push({ setting: modeSource!.from, message: `"${mode}" is not a mode; use static (one tool per operation) or dynamic (search/describe/call)` });

  const capSource = pick([flags.maxResultTokens, '--max-result-tokens'], [env.ARGOCD_MCP_MAX_RESULT_TOKENS, 'ARGOCD_MCP_MAX_RESULT_TOKENS'], [file.maxResultTokens, `${fileLabel}: maxResultTokens`]);
  // Unset, each client gets its own budget (src/gateway/client-budgets.ts).
  const maxResultTokens = capSource ? Number(capSource.value) : undefined;
  if (maxResultTokens !== undefined && (!Number.isInteger(maxResultTokens) || maxResultTokens < 500)) issues.push({ setting: capSource!.from, message: `"${String(capSource!.value)}" must be a whole number of tokens, at least 500 (unset: by client, 20000 for unknown ones)` });

  const rawSource = pick([flags.raw, '--raw'], [env.ARGOCD_MCP_RAW, 'ARGOCD_MCP_RAW'], [file.rawResults, `${fileLabel}: rawResults`]);
  const rawResults = rawSource ? parseBool(rawSource.value) : false;
  if (rawResults === undefined) issues.push({ setting: rawSource!.from, message: 'must be true or false' });

  const adaptSource = pick([env.ARGOCD_MCP_ADAPT_TO_SERVER, 'ARGOCD_MCP_ADAPT_TO_SERVER'], [file.adaptToServer, `${fileLabel}: adaptToServer`]);
  const adaptToServer = adaptSource ? parseBool(adaptSource.value) : true;
  if (adaptToServer === undefined) issues.push({ setting: adaptSource!.from, message: 'must be true or false' });

  const auditSource = pick([flags.auditFile, '--audit-file'], [env.ARGOCD_MCP_AUDIT_FILE, 'ARGOCD_MCP_AUDIT_FILE'], [file.auditFile, `${fileLabel}: auditFile`]);
  const auditFile = auditSource ? String(auditSource.value) : undefined;
  if (auditFile) {
    try {
      appendFileSync(auditFile, '');
    } catch (err) {
      issues.push({ setting: auditSource!.from, message: `cannot write ${auditFile} (${(err as NodeJS.ErrnoException).code}); check the directory and permissions` });
    }
  }

  const scope: GatewayConfig['scope'] = {};
  for (const [key, flag, envName] of [
    ['projects', '--projects', 'ARGOCD_MCP_PROJECTS'],
    ['namespaces', '--namespaces', 'ARGOCD_MCP_NAMESPACES'],
    ['clusters', '--clusters', 'ARGOCD_MCP_CLUSTERS'],
  ] as const) {
    const source = pick([flags[key], flag], [env[envName], envName], [file[key], `${fileLabel}: ${key}`]);
    if (!source) continue;
    const list = stringList(source.value);
    if (!list || !list.length) issues.push({ setting: source.from, message: `must be a non-empty list of ${key}` });
    else scope[key] = list;
  }
  const confirmSource = pick([flags.confirm, '--confirm'], [env.ARGOCD_MCP_CONFIRM, 'ARGOCD_MCP_CONFIRM'], [file.confirm, `${fileLabel}: confirm`]);
  const confirm = String(confirmSource?.value ?? 'destructive') as GatewayConfig['confirm'];
  if (!['destructive', 'writes', 'never'].includes(confirm)) {
    issues.push({ setting: confirmSource!.from, message: `"${confirm}" is not a confirmation policy; use destructive (default), writes or never` });
  }
  const fallbackSource = pick(
    [flags.confirmFallback, '--confirm-fallback'],
    [env.ARGOCD_MCP_CONFIRM_FALLBACK, 'ARGOCD_MCP_CONFIRM_FALLBACK'],
    [file.confirmFallback, `${fileLabel}: confirmFallback`],
  );
  // A model must not be able to confirm its own destructive call: refuse unless the operator opts into tokens.
  const confirmFallback = String(fallbackSource?.value ?? 'refuse') as GatewayConfig['confirmFallback'];
  if (!['refuse', 'token'].includes(confirmFallback)) {
    issues.push({
      setting: fallbackSource!.from,
      message: `"${confirmFallback}" is not a confirmation fallback; use refuse (no confirmation without elicitation) or token (preview, then a single-use token)`,
    });
  }

  // sso: each person signs in to Argo CD's identity provider (src/argocd/auth/sso).
  const sso = readSsoSettings(file.sso, env, fileLabel, issues);
  const gitopsChecks = gitopsChecksFrom(flags, env, file, fileLabel, issues);
  const ssoMethods = sso ? [{ from: `${fileLabel}: sso`, what: 'SSO sign-in' }] : [];
  reportAuthConflicts([...authRead.methods, ...ssoMethods], credential?.from, issues);
  if (sso) {
    authRead.auth.sso = sso;
    if (file.instances !== undefined) issues.push({ setting: `${fileLabel}: sso`, message: 'applies to one Argo CD; it cannot be combined with instances' });
    if (transport === 'http' && !http.auth.issuer && !http.auth.apiKeys) {
      issues.push({
        setting: `${fileLabel}: sso`,
        message: 'over HTTP each user signs in with their own account, so the gateway must know who calls: configure inbound auth (authIssuer or apiKeysFile)',
      });
    }
    if (transport === 'http' && sso.tokenExchange && !http.auth.issuer) {
      issues.push({ setting: `${fileLabel}: sso.tokenExchange`, message: 'exchanges the OAuth access tokens MCP clients send: configure authIssuer' });
    }
    if (transport === 'http' && http.redisUrl && !sso.encryptionKey) {
      issues.push({
        setting: `${fileLabel}: sso`,
        message: 'with redis, replicas share users\' Argo CD tokens encrypted with one key: set encryptionKeyFile (or ARGOCD_MCP_SSO_ENCRYPTION_KEY) to 32 random bytes (openssl rand -base64 32)',
      });
    }
  }
  const instances = instancesFrom({
    value: file.instances,
    fileLabel,
    env,
    issues,
    defaults: { allowlist, timeoutMs: timeoutMs ?? 30_000, insecure: insecure ?? false, caFile, headers: authRead.auth.headers },
    topLevel: [explicitUrl?.from, credential?.from, ...authRead.methods.map((m) => m.from)].filter((f): f is string => !!f),
  });

  const concurrencySource = pick([env.ARGOCD_MCP_INSTANCE_CONCURRENCY, 'ARGOCD_MCP_INSTANCE_CONCURRENCY'], [file.instanceConcurrency, `${fileLabel}: instanceConcurrency`]);
  const instanceConcurrency = concurrencySource ? Number(concurrencySource.value) : undefined;
  if (instanceConcurrency !== undefined && (!Number.isInteger(instanceConcurrency) || instanceConcurrency < 1 || instanceConcurrency > 64)) {
    issues.push({ setting: concurrencySource!.from, message: `"${String(concurrencySource!.value)}" must be a whole number from 1 to 64: how many instances one read with instance "*" asks at once (default 4)` });
  }

  if (issues.length) throw new ConfigError(issues);
  return Object.freeze({
    argocdUrl: instances ? undefined : argocdUrl,
    token: instances ? undefined : token,
    tokenFile: instances ? undefined : tokenFile,
    auth: instances ? undefined : authRead.auth,
    instances,
    instanceConcurrency,
    insecure: insecure ?? false,
    caFile,
    clientCert: instances ? undefined : clientCert,
    timeoutMs: timeoutMs ?? 30_000,
    maxResponseBytes: maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    transport,
    host,
    port,
    allowlist,
    toolsets,
    mode,
    maxResultTokens,
    rawResults: rawResults ?? false,
    adaptToServer: adaptToServer ?? true,
    gitopsChecks,
    auditFile,
    scope,
    confirm,
    confirmFallback,
    logLevel,
    configFile,
    http,
  });
}

function allowlistFrom(args: {
  flags: CliFlags;
  env: NodeJS.ProcessEnv;
  file: Record<string, unknown>;
  fileLabel: string;
  issues: ConfigIssue[];
}): AllowlistConfig {
  const { flags, env, file, fileLabel, issues } = args;
  const list = (source: Source | undefined): string[] | undefined => {
    if (!source) return undefined;
    const l = stringList(source.value);
    if (!l) issues.push({ setting: source.from, message: 'must be a list of entries (tool names, globs, tags, or "METHOD /path")' });
    return l;
  };
  const allowSource = pick([flags.allow?.length ? flags.allow : undefined, '--allow'], [env.ARGOCD_MCP_ALLOW, 'ARGOCD_MCP_ALLOW'], [file.allow, `${fileLabel}: allow`]);
  const denySource = pick([flags.deny?.length ? flags.deny : undefined, '--deny'], [env.ARGOCD_MCP_DENY, 'ARGOCD_MCP_DENY'], [file.deny, `${fileLabel}: deny`]);
  const readOnlySource = pick([flags.readOnly, '--read-only'], [env.ARGOCD_MCP_READ_ONLY, 'ARGOCD_MCP_READ_ONLY'], [file.readOnly, `${fileLabel}: readOnly`]);
  const allow = list(allowSource) ?? ['*'];
  const deny = list(denySource) ?? [];
  const configured = !!(allowSource || denySource || readOnlySource);
  let readOnly = !configured;
  if (readOnlySource) {
    const b = parseBool(readOnlySource.value);
    if (b === undefined) issues.push({ setting: readOnlySource.from, message: 'must be true or false' });
    else readOnly = b;
  }
  return { readOnly, allow, deny, source: configured ? 'config' : 'default' };
}

/** Both files or neither; each a readable PEM, and the key the certificate's. */
function readClientCert(cert: Source | undefined, key: Source | undefined, issues: ConfigIssue[]): { certFile: string; keyFile: string } | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) {
    issues.push({ setting: (cert ?? key)!.from, message: `a client certificate needs both files: set ${cert ? 'the key (--client-crt-key, ARGOCD_CLIENT_KEY_FILE, clientKeyFile)' : 'the certificate (--client-crt, ARGOCD_CLIENT_CERT_FILE, clientCertFile)'} too` });
    return undefined;
  }
  const read = (s: Source) => {
    try {
      return readFileSync(String(s.value), 'utf8');
    } catch (err) {
      issues.push({ setting: s.from, message: `cannot read ${String(s.value)} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
      return undefined;
    }
  };
  const certPem = read(cert);
  const keyPem = read(key);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const x509 = new X509Certificate(certPem);
    if (!x509.checkPrivateKey(createPrivateKey(keyPem))) {
      issues.push({ setting: key.from, message: `${String(key.value)} is not the private key of the certificate in ${String(cert.value)}` });
      return undefined;
    }
  } catch (err) {
    issues.push({ setting: cert.from, message: `${String(cert.value)} and ${String(key.value)} must be a PEM certificate and its PEM private key (${(err as Error).message})` });
    return undefined;
  }
  return { certFile: String(cert.value), keyFile: String(key.value) };
}

/** `gitopsChecks`: what the gateway does when a write would be refused, held or undone by Argo CD (docs/gitops-checks.md). */
function gitopsChecksFrom(flags: CliFlags, env: NodeJS.ProcessEnv, file: Record<string, unknown>, fileLabel: string, issues: ConfigIssue[]): 'warn' | 'refuse' | 'off' {
  const source = pick([flags.gitopsChecks, '--gitops-checks'], [env.ARGOCD_MCP_GITOPS_CHECKS, 'ARGOCD_MCP_GITOPS_CHECKS'], [file.gitopsChecks, `${fileLabel}: gitopsChecks`]);
  const value = String(source?.value ?? 'warn');
  if (value === 'warn' || value === 'refuse' || value === 'off') return value;
  issues.push({ setting: source!.from, message: `"${value}" is not a gitopsChecks mode; use warn (default: say what Argo CD will do, then send), refuse (send nothing when a write would be refused, held or undone) or off` });
  return 'warn';
}
