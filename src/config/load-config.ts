/**
 * Configuration: load → merge (flags > env > YAML file > defaults) → validate → freeze. Each setting is a row of the
 * table in src/config/settings.ts; the readers of its groups (argocd-connection.ts, tool-settings.ts,
 * http-settings.ts, instances.ts, auth-settings.ts, sso-settings.ts) report every problem at once, each naming
 * the setting, where it came from, and the fix.
 */
import path from 'node:path';
import { reportAuthConflicts } from './auth-settings.ts';
import type { ArgocdAuthSettings } from './auth-settings.ts';
import { readSsoSettings } from './sso-settings.ts';
import type { SsoSettings } from './sso-settings.ts';
import { readArgocdConnection } from './argocd-connection.ts';
import type { ArgocdConnection } from './argocd-connection.ts';
import { readConfigFile } from './config-file.ts';
import { readHttpSettings } from './http-settings.ts';
import type { HttpSettings } from './http-settings.ts';
import { instancesFrom } from './instances.ts';
import type { InstanceConfig } from './instances.ts';
import { ConfigError, normaliseArgocdUrl, parseBool, parseDuration, pick, stringList } from './read.ts';
import type { AllowlistConfig, ConfigIssue, LogLevel, Source } from './read.ts';
import type { CliFlags, Settings } from './settings.ts';
import type { ValueOf } from './setting-types.ts';
import { sourceOf } from './sources.ts';
import type { ReadContext } from './sources.ts';
import { readToolSettings } from './tool-settings.ts';
import type { ToolSettings } from './tool-settings.ts';
import { settingValue } from './values.ts';

export { ConfigError, normaliseArgocdUrl, parseBool, parseDuration, pick, stringList };
export type { AllowlistConfig, CliFlags, ConfigIssue, LogLevel, Source };

export type Transport = ValueOf<Settings['transport']>;

export interface GatewayConfig extends ToolSettings {
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
  /** The largest Argo CD answer read whole, after decompression (always set by loadConfig). */
  maxResponseBytes?: number;
  transport: Transport;
  host: string;
  port: number;
  logLevel: LogLevel;
  configFile?: string;
  /** The HTTP service: sessions, guards, rate limit, Redis, inbound auth (src/config/http-settings.ts). */
  http?: HttpSettings;
}

export interface LoadConfigInput {
  flags: CliFlags;
  env: NodeJS.ProcessEnv;
  /** When true, a missing Argo CD URL or token is not an error (list-tools, demo). */
  argocdOptional?: boolean;
}

/** The three layers: flags and env as given, the config file (--config, else ARGOCD_MCP_CONFIG) read. */
function readLayers(flags: CliFlags, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): { ctx: ReadContext; configFile?: string } {
  const bare: ReadContext = { flags, env, file: {}, fileLabel: 'config file', issues };
  const source = sourceOf(bare, 'config');
  if (!source) return { ctx: bare };
  const configFile = String(source.value);
  return { ctx: { ...bare, file: readConfigFile(configFile, source.from, issues), fileLabel: path.basename(configFile) }, configFile };
}

/** `sso:` (src/argocd/auth/sso), and what it needs of the rest: one Argo CD, and over HTTP, to know who calls. */
function readSso(ctx: ReadContext, transport: Transport, http: HttpSettings): SsoSettings | undefined {
  const { file, fileLabel, issues } = ctx;
  const sso = readSsoSettings(file.sso, ctx.env, fileLabel, issues);
  if (!sso) return undefined;
  const where = `${fileLabel}: sso`;
  if (file.instances !== undefined) issues.push({ setting: where, message: 'applies to one Argo CD; it cannot be combined with instances' });
  if (transport !== 'http') return sso;
  if (!http.auth.issuer && !http.auth.apiKeys) {
    issues.push({ setting: where, message: 'over HTTP each user signs in with their own account, so the gateway must know who calls: configure inbound auth (authIssuer or apiKeysFile)' });
  }
  if (sso.tokenExchange && !http.auth.issuer) {
    issues.push({ setting: `${where}.tokenExchange`, message: 'exchanges the OAuth access tokens MCP clients send: configure authIssuer' });
  }
  if (http.redisUrl && !sso.encryptionKey) {
    issues.push({
      setting: where,
      message: "with redis, replicas share users' Argo CD tokens encrypted with one key: set encryptionKeyFile (or ARGOCD_MCP_SSO_ENCRYPTION_KEY) to 32 random bytes (openssl rand -base64 32)",
    });
  }
  return sso;
}

/** `instances:`, each defaulting to the top level's allowlist, timeout, TLS and headers. */
function readInstances(ctx: ReadContext, conn: ArgocdConnection, allowlist: AllowlistConfig): InstanceConfig[] | undefined {
  const { authRead } = conn;
  return instancesFrom({
    value: ctx.file.instances,
    fileLabel: ctx.fileLabel,
    env: ctx.env,
    issues: ctx.issues,
    defaults: { allowlist, timeoutMs: conn.timeoutMs, insecure: conn.insecure, caFile: conn.caFile, headers: authRead.auth.headers },
    topLevel: [conn.explicitUrlFrom, conn.credentialFrom, ...authRead.methods.map((m) => m.from)].filter((f): f is string => !!f),
  });
}

/** Loads, merges and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig({ flags, env, argocdOptional = false }: LoadConfigInput): Readonly<GatewayConfig> {
  const issues: ConfigIssue[] = [];
  const { ctx, configFile } = readLayers(flags, env, issues);
  const conn = readArgocdConnection(ctx, { argocdOptional, hasInstances: ctx.file.instances !== undefined });
  const transport = settingValue(ctx, 'transport');
  const host = settingValue(ctx, 'host');
  const port = settingValue(ctx, 'port');
  const http = readHttpSettings(ctx, { host, transport });
  const logLevel = settingValue(ctx, 'logLevel');
  const tools = readToolSettings(ctx);
  const sso = readSso(ctx, transport, http);
  const { authRead } = conn;
  reportAuthConflicts([...authRead.methods, ...(sso ? [{ from: `${ctx.fileLabel}: sso`, what: 'SSO sign-in' }] : [])], conn.credentialFrom, issues);
  if (sso) authRead.auth.sso = sso;
  const instances = readInstances(ctx, conn, tools.allowlist);
  const instanceConcurrency = settingValue(ctx, 'instanceConcurrency');

  if (issues.length) throw new ConfigError(issues);
  const one = !instances;
  return Object.freeze({
    ...tools,
    argocdUrl: one ? conn.argocdUrl : undefined,
    token: one ? conn.token : undefined,
    tokenFile: one ? conn.tokenFile : undefined,
    auth: one ? authRead.auth : undefined,
    instances,
    instanceConcurrency,
    insecure: conn.insecure,
    caFile: conn.caFile,
    clientCert: one ? conn.clientCert : undefined,
    timeoutMs: conn.timeoutMs,
    maxResponseBytes: conn.maxResponseBytes,
    transport,
    host,
    port,
    logLevel,
    configFile,
    http,
  });
}
