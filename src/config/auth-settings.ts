/**
 * The settings of authentication to Argo CD beyond a plain token: username/password, a token command, the argocd
 * CLI's context, extra headers. Read from layers (flags > env > file for the top level; one mapping per instance),
 * validated with messages that name the setting and the fix; secrets are registered for redaction as they are read.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigIssue } from './read.ts';
import { parseDuration } from './read.ts';
import { registerSecret } from '../redact.ts';
import { CliConfigError, readCliContext } from './argocd-cli-config.ts';
import type { ResolvedCliContext } from './argocd-cli-config.ts';
import { expandEnv, parseHeaders } from './headers.ts';
import { defaultOf } from './values.ts';
import type { SsoSettings } from './sso-settings.ts';

/** How one Argo CD is authenticated to (the token and token file of the top level stay in GatewayConfig). */
export interface ArgocdAuthSettings {
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  /** argv of a command that prints a token; run without a shell. */
  tokenCommand?: string[];
  tokenCommandTtlMs?: number;
  /** The argocd CLI context the address or token came from. */
  context?: { name: string; file: string };
  /** An SSO refresh token from the argocd CLI context. */
  refreshToken?: string;
  /** PEM CA bundle from the context's certificate-authority-data. */
  caPem?: string;
  headers?: Record<string, string>;
  /** Signing in to Argo CD's identity provider, per person (`sso:`; src/argocd/auth/sso). */
  sso?: SsoSettings;
}

/** The config keys this module reads (per instance also `token` and `tokenFile`). */
export const AUTH_KEYS = ['username', 'password', 'passwordFile', 'argocdContext', 'tokenCommand', 'tokenCommandTtl', 'headers'] as const;

/** One source of settings: values by config key, and how to name a key from it in a message. */
export interface SettingLayer {
  values: Record<string, unknown>;
  label: (key: string) => string;
}

type Found = { value: unknown; from: string };

function pickFrom(layers: SettingLayer[], key: string): Found | undefined {
  for (const layer of layers) {
    const value = layer.values[key];
    if (value !== undefined && value !== '' && value !== null) return { value, from: layer.label(key) };
  }
  return undefined;
}

/** `["vault","read","-field=token","secret/argocd"]`, or a string: a JSON array, or words split on white space. */
export function parseCommand(value: unknown): string[] | undefined {
  let argv: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        argv = JSON.parse(text);
      } catch {
        return undefined;
      }
    } else argv = text.split(/\s+/).filter(Boolean);
  }
  if (!Array.isArray(argv) || !argv.length || !argv.every((a) => typeof a === 'string') || !(argv[0] as string).trim()) return undefined;
  return argv as string[];
}

/** Whether a program can be run: a path is checked as is, a bare name is looked up on PATH. */
function findExecutable(file: string, env: NodeJS.ProcessEnv): boolean {
  const candidates = file.includes('/') ? [file] : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, file));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A configured way to authenticate other than a plain token, and where it was configured. */
export interface AuthMethod {
  from: string;
  what: string;
}

export interface AuthRead {
  auth: ArgocdAuthSettings;
  /** The non-token ways to authenticate that are configured. */
  methods: AuthMethod[];
  /** The argocd CLI context in use, when one is (its address is used when no other is configured). */
  context?: ResolvedCliContext;
  /** A non-token way to authenticate is configured (username, token command, SSO refresh token). */
  hasOtherMethod: boolean;
}

/**
 * Only one way to authenticate: with several it would be unclear which one a 401 is about. `explicitToken` names
 * where a plain token was configured; a token that came from the argocd CLI's context does not count.
 */
export function reportAuthConflicts(methods: AuthMethod[], explicitToken: string | undefined, issues: ConfigIssue[]): void {
  const all = [...(explicitToken && !explicitToken.startsWith('argocd CLI context') ? [{ from: explicitToken, what: 'a token' }] : []), ...methods];
  if (all.length > 1) {
    issues.push({
      setting: all[1].from,
      message: `several ways to authenticate to Argo CD are configured (${all.map((m) => `${m.what} from ${m.from}`).join('; ')}); keep one`,
    });
  }
}

type Picked = ReturnType<typeof pickFrom>;

/** `token` / `tokenFile` of an instance; returns where the token was configured. */
function readToken(layers: SettingLayer[], env: NodeJS.ProcessEnv, auth: ArgocdAuthSettings, issues: ConfigIssue[]): string | undefined {
  const tokenFile = pickFrom(layers, 'tokenFile');
  const token = pickFrom(layers, 'token');
  if (tokenFile && token) issues.push({ setting: token.from, message: `both token and tokenFile are set (${tokenFile.from}); keep one` });
  let from: string | undefined;
  if (tokenFile) {
    auth.tokenFile = String(tokenFile.value);
    try {
      auth.token = readFileSync(auth.tokenFile, 'utf8').trim();
      if (!auth.token) issues.push({ setting: tokenFile.from, message: `${auth.tokenFile} is empty; write the Argo CD API token into it` });
    } catch (err) {
      issues.push({ setting: tokenFile.from, message: `cannot read ${auth.tokenFile} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
    }
    from = tokenFile.from;
  } else if (token) {
    const expanded = expandEnv(String(token.value).trim(), env);
    if (expanded.missing.length) issues.push({ setting: token.from, message: `references \${${expanded.missing.join('}, ${')}}, which is not set in the environment` });
    auth.token = expanded.value;
    if (/\s/.test(auth.token)) issues.push({ setting: token.from, message: 'the token contains white space; paste the bare token, without "Bearer "' });
    from = token.from;
  }
  registerSecret(auth.token);
  return from;
}

/** username + password / passwordFile; returns the username setting when one is given. */
function readPassword(layers: SettingLayer[], env: NodeJS.ProcessEnv, auth: ArgocdAuthSettings, issues: ConfigIssue[]): Picked {
  const username = pickFrom(layers, 'username');
  const password = pickFrom(layers, 'password');
  const passwordFile = pickFrom(layers, 'passwordFile');
  if (!username) {
    if (password || passwordFile) issues.push({ setting: (password ?? passwordFile)!.from, message: 'a password is set but no username; set username (--username, ARGOCD_USERNAME) too' });
    return undefined;
  }
  auth.username = String(username.value);
  if (password && passwordFile) {
    issues.push({ setting: password.from, message: `both a password and a password file are set (${passwordFile.from}); keep one` });
  } else if (passwordFile) {
    auth.passwordFile = String(passwordFile.value);
    try {
      const text = readFileSync(auth.passwordFile, 'utf8');
      if (!text.replace(/\r?\n$/, '')) issues.push({ setting: passwordFile.from, message: `${auth.passwordFile} is empty; write the password of ${auth.username} into it` });
      else registerSecret(text.replace(/\r?\n$/, ''));
    } catch (err) {
      issues.push({ setting: passwordFile.from, message: `cannot read ${auth.passwordFile} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
    }
  } else if (password) {
    const expanded = expandEnv(String(password.value), env);
    if (expanded.missing.length) issues.push({ setting: password.from, message: `references \${${expanded.missing.join('}, ${')}}, which is not set in the environment` });
    auth.password = expanded.value;
    registerSecret(auth.password);
  } else {
    issues.push({ setting: username.from, message: `no password for ${auth.username}; set ARGOCD_PASSWORD, or passwordFile (--password-file, ARGOCD_PASSWORD_FILE) to a file holding it` });
  }
  return username;
}

/** tokenCommand and its TTL; returns the tokenCommand setting when one is given. */
function readTokenCommand(layers: SettingLayer[], env: NodeJS.ProcessEnv, auth: ArgocdAuthSettings, issues: ConfigIssue[]): Picked {
  const command = pickFrom(layers, 'tokenCommand');
  if (command) {
    const argv = parseCommand(command.value);
    if (!argv) {
      issues.push({ setting: command.from, message: 'must be a command as a list of words, e.g. ["vault", "read", "-field=token", "secret/argocd"] (it runs without a shell)' });
    } else if (!findExecutable(argv[0], env)) {
      issues.push({ setting: command.from, message: `cannot find the program "${argv[0]}"${argv[0].includes('/') ? ' (or it is not executable)' : ' on PATH'}; give its absolute path` });
    } else auth.tokenCommand = argv;
  }
  const ttl = pickFrom(layers, 'tokenCommandTtl');
  if (auth.tokenCommand) auth.tokenCommandTtlMs = defaultOf('tokenCommandTtl');
  if (ttl) {
    const ms = parseDuration(ttl.value);
    if (ms === undefined) issues.push({ setting: ttl.from, message: `"${String(ttl.value)}" is not a duration; use e.g. 5m, 300s, 90` });
    else if (!command) issues.push({ setting: ttl.from, message: 'is set without tokenCommand; remove it or set tokenCommand' });
    else if (auth.tokenCommand) auth.tokenCommandTtlMs = ms;
  }
  return command;
}

/** The argocd CLI's context: asked for by name, or its current context when nothing else says where Argo CD is. */
function readContext(layers: SettingLayer[], env: NodeJS.ProcessEnv, implicit: boolean, issues: ConfigIssue[]): ResolvedCliContext | undefined {
  const contextName = pickFrom(layers, 'argocdContext');
  if (!contextName && !implicit) return undefined;
  try {
    return readCliContext({ env, name: contextName ? String(contextName.value) : undefined, required: !!contextName });
  } catch (err) {
    if (!(err instanceof CliConfigError)) throw err;
    issues.push({ setting: contextName?.from ?? 'argocd CLI config', message: err.message });
    return undefined;
  }
}

/**
 * Reads and validates the auth settings from layers; `implicitContext` lets the argocd CLI's current context fill
 * in when nothing else says where Argo CD is. With `withToken` (instances), `token` and `tokenFile` are read from
 * the layers too and conflicts are reported here; the top level reports them with `reportAuthConflicts`.
 */
export function readAuthSettings(args: {
  layers: SettingLayer[];
  env: NodeJS.ProcessEnv;
  issues: ConfigIssue[];
  implicitContext?: boolean;
  withToken?: boolean;
}): AuthRead {
  const { layers, env, issues } = args;
  const auth: ArgocdAuthSettings = {};
  // The top level reads the token itself; there it only matters whether one is configured.
  const explicitToken = args.withToken ? readToken(layers, env, auth, issues) : (pickFrom(layers, 'tokenFile') ?? pickFrom(layers, 'token'))?.from;
  const username = readPassword(layers, env, auth, issues);
  const command = readTokenCommand(layers, env, auth, issues);
  const headers = pickFrom(layers, 'headers');
  if (headers) {
    const parsed = parseHeaders(headers.value, env);
    for (const problem of parsed.problems) issues.push({ setting: headers.from, message: problem });
    if (Object.keys(parsed.headers).length) auth.headers = parsed.headers;
  }

  const methods = [
    username && { from: username.from, what: 'username/password' },
    command && { from: command.from, what: 'a token command' },
  ].filter(Boolean) as AuthMethod[];
  if (args.withToken) reportAuthConflicts(methods, explicitToken, issues);

  const context = readContext(layers, env, !!args.implicitContext, issues);
  if (context) {
    auth.context = { name: context.name, file: context.file };
    auth.caPem = context.caPem;
    registerSecret(context.token);
    registerSecret(context.refreshToken);
    // An SSO login's refresh token is used only when nothing else says how to authenticate.
    if (!methods.length && !explicitToken && context.refreshToken) auth.refreshToken = context.refreshToken;
  }
  return { auth, methods, context, hasOtherMethod: !!(auth.username || auth.tokenCommand || auth.refreshToken) };
}
