/**
 * Reuse of the argocd CLI's own login: its config file (`argocd login` writes it) holds contexts, each naming a
 * server entry (address, TLS options, gRPC-web root path) and a user entry (auth-token, refresh-token).
 * Format and lookup follow argoproj/argo-cd `util/localconfig/localconfig.go` (LocalConfig, ResolveContext,
 * DefaultConfigDir) and how `pkg/apiclient` turns a server entry into a URL (`plain-text` → http, else https;
 * `grpc-web-root-path` is the server's --rootpath).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYaml } from './yaml.ts';

/** A server entry (`servers[]`), with the CLI's YAML keys. */
export interface CliServer {
  server: string;
  insecure?: boolean;
  'grpc-web'?: boolean;
  'grpc-web-root-path'?: string;
  'certificate-authority-data'?: string;
  'client-certificate-data'?: string;
  'client-certificate-key-data'?: string;
  'plain-text'?: boolean;
  core?: boolean;
}

/** A user entry (`users[]`). */
export interface CliUser {
  name: string;
  'auth-token'?: string;
  'refresh-token'?: string;
}

export interface CliLocalConfig {
  'current-context'?: string;
  contexts?: Array<{ name: string; server: string; user: string }>;
  servers?: CliServer[];
  users?: CliUser[];
  'prompts-enabled'?: boolean;
}

/** A context resolved to what the gateway needs. */
export interface ResolvedCliContext {
  name: string;
  /** The config file it came from. */
  file: string;
  /** Argo CD base URL: scheme from `plain-text`, host from `server`, path from `grpc-web-root-path`. */
  url: string;
  insecure: boolean;
  token?: string;
  refreshToken?: string;
  /** PEM text of `certificate-authority-data`, when the server entry has one. */
  caPem?: string;
}

/**
 * The CLI's config directory: $ARGOCD_CONFIG_DIR, else the legacy ~/.argocd when it exists, else
 * $XDG_CONFIG_HOME/argocd, else ~/.config/argocd (localconfig.DefaultConfigDir). Only the given env is read.
 */
export function cliConfigDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.ARGOCD_CONFIG_DIR) return env.ARGOCD_CONFIG_DIR;
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) return undefined;
  const legacy = path.join(home, '.argocd');
  if (existsSync(legacy)) return legacy;
  if (env.XDG_CONFIG_HOME) return path.join(env.XDG_CONFIG_HOME, 'argocd');
  return path.join(home, '.config', 'argocd');
}

export class CliConfigError extends Error {
  override name = 'CliConfigError';
}

/** Parses the config text (pure). Throws CliConfigError naming the problem. */
export function parseCliConfig(text: string, file: string): CliLocalConfig {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new CliConfigError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new CliConfigError(`${file} is not an argocd CLI config (a YAML mapping with contexts, servers, users)`);
  const cfg = data as CliLocalConfig;
  for (const key of ['contexts', 'servers', 'users'] as const) {
    if (cfg[key] !== undefined && cfg[key] !== null && !Array.isArray(cfg[key])) throw new CliConfigError(`${file}: "${key}" must be a list`);
  }
  return cfg;
}

/** ResolveContext: the named context (or current-context) with its server and user entries. */
export function resolveCliContext(cfg: CliLocalConfig, name: string | undefined, file: string): ResolvedCliContext {
  const wanted = name || cfg['current-context'];
  if (!wanted) throw new CliConfigError(`${file} has no current-context; pick one with --argocd-context (contexts: ${contextNames(cfg)})`);
  const ctx = (cfg.contexts ?? []).find((c) => c?.name === wanted);
  if (!ctx) throw new CliConfigError(`context "${wanted}" is not in ${file} (contexts: ${contextNames(cfg)}); \`argocd context\` lists them`);
  const server = (cfg.servers ?? []).find((s) => s?.server === ctx.server);
  if (!server) throw new CliConfigError(`context "${wanted}" names server "${ctx.server}", which is not in the servers list of ${file}; run \`argocd login ${ctx.server}\` again`);
  const user = (cfg.users ?? []).find((u) => u?.name === ctx.user);
  if (!user) throw new CliConfigError(`context "${wanted}" names user "${ctx.user}", which is not in the users list of ${file}; run \`argocd login ${ctx.server}\` again`);
  if (server.core) throw new CliConfigError(`context "${wanted}" is a --core context (it talks to Kubernetes, not to argocd-server); the gateway needs an argocd-server address`);
  if (server['client-certificate-data'] || server['client-certificate-key-data']) {
    throw new CliConfigError(`context "${wanted}" holds its client certificate inline, which the gateway does not read; save it to files and set clientCertFile and clientKeyFile (--client-crt, --client-crt-key)`);
  }
  const host = String(server.server).replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  const root = String(server['grpc-web-root-path'] ?? '').replace(/^\/+|\/+$/g, '');
  const url = `${server['plain-text'] ? 'http' : 'https'}://${host}${root ? `/${root}` : ''}`;
  let caPem: string | undefined;
  if (server['certificate-authority-data']) {
    caPem = Buffer.from(server['certificate-authority-data'], 'base64').toString('utf8');
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new CliConfigError(`context "${wanted}": certificate-authority-data is not a base64 PEM certificate`);
  }
  return {
    name: wanted,
    file,
    url,
    insecure: server.insecure === true,
    token: user['auth-token'] || undefined,
    refreshToken: user['refresh-token'] || undefined,
    caPem,
  };
}

function contextNames(cfg: CliLocalConfig): string {
  const names = (cfg.contexts ?? []).map((c) => c?.name).filter(Boolean);
  return names.length ? names.join(', ') : 'none';
}

/** Reads the CLI config and resolves a context; undefined when there is no config file and none was asked for. */
export function readCliContext(args: { env: NodeJS.ProcessEnv; name?: string; required: boolean }): ResolvedCliContext | undefined {
  const dir = cliConfigDir(args.env);
  if (!dir) {
    if (args.required) throw new CliConfigError('cannot find the argocd CLI config: neither ARGOCD_CONFIG_DIR nor HOME is set');
    return undefined;
  }
  const file = path.join(dir, 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !args.required) return undefined;
    throw new CliConfigError(
      code === 'ENOENT'
        ? `there is no argocd CLI config at ${file}; run \`argocd login SERVER\` first, or set ARGOCD_CONFIG_DIR to the directory holding it`
        : `cannot read ${file} (${code ?? 'error'}); check its permissions`,
    );
  }
  const cfg = parseCliConfig(text, file);
  if (!args.required && !cfg['current-context']) return undefined;
  return resolveCliContext(cfg, args.name, file);
}
