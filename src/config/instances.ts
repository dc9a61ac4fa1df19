/**
 * `instances:` in the config file: several Argo CDs behind one gateway, each with its own name, address, auth and
 * allowlist. An instance that says nothing about readOnly/allow/deny gets the top-level allowlist (read-only when
 * there is none), so adding an instance never widens what is allowed by accident; likewise `timeout`, `insecure`,
 * `caFile` and `headers` default to the top level's (a shared private CA or proxy).
 */
import type { AllowlistConfig, ConfigIssue } from './read.ts';
import { normaliseArgocdUrl, parseDuration } from './read.ts';
import { AUTH_KEYS, readAuthSettings } from './auth-settings.ts';
import type { ArgocdAuthSettings } from './auth-settings.ts';
import { readFileSync } from 'node:fs';

export interface InstanceConfig {
  /** The value of the `instance` argument that routes a call here. */
  name: string;
  description?: string;
  /** Base URL including any root path. */
  argocdUrl: string;
  auth: ArgocdAuthSettings;
  insecure: boolean;
  caFile?: string;
  timeoutMs: number;
  allowlist: AllowlistConfig;
}

export const INSTANCE_KEYS = [
  'name', 'description', 'url', 'server', 'rootPath', 'token', 'tokenFile', ...AUTH_KEYS, 'insecure', 'caFile', 'timeout', 'readOnly', 'allow', 'deny',
] as const;

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

function list(value: unknown): string[] | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  return undefined;
}

interface InstanceDefaults {
  allowlist: AllowlistConfig;
  timeoutMs: number;
  insecure?: boolean;
  caFile?: string;
  headers?: Record<string, string>;
}

type Issues = ConfigIssue[];

/** The instance's name: lower-case, unique; `at` names the entry before it has one. */
function readInstanceName(e: Record<string, unknown>, at: string, seen: Set<string>, issues: Issues): string {
  const label = (key: string) => `${at}.${key}`;
  for (const key of Object.keys(e)) {
    if (!(INSTANCE_KEYS as readonly string[]).includes(key)) issues.push({ setting: label(key), message: `unknown instance key; known keys: ${INSTANCE_KEYS.join(', ')}` });
  }
  const name = typeof e.name === 'string' ? e.name : '';
  if (!NAME.test(name)) {
    issues.push({ setting: label('name'), message: `${e.name === undefined ? 'is missing' : `"${String(e.name)}" is not a usable name`}; use lower-case letters, digits, - and _ (e.g. prod, staging-eu); it is what agents pass as \`instance\`` });
  } else if (seen.has(name)) {
    issues.push({ setting: label('name'), message: `"${name}" is used by two instances; names must be unique` });
  }
  seen.add(name);
  return name;
}

/** `url` (or `server`) with `rootPath`; empty when missing (reported unless an argocd CLI context may give it). */
function readInstanceUrl(e: Record<string, unknown>, keyLabel: (key: string) => string, issues: Issues): string {
  const rawUrl = e.url ?? e.server;
  if (rawUrl === undefined || rawUrl === '') {
    if (e.argocdContext === undefined) issues.push({ setting: keyLabel('url'), message: 'is missing; set the Argo CD address, e.g. https://argocd.example.com' });
    return '';
  }
  try {
    return normaliseArgocdUrl(String(rawUrl), e.rootPath ? String(e.rootPath) : undefined);
  } catch (err) {
    issues.push({ setting: keyLabel(e.url !== undefined ? 'url' : 'server'), message: `"${String(rawUrl)}" is not a usable Argo CD address (${(err as Error).message}); use e.g. https://argocd.example.com` });
    return '';
  }
}

/** `caFile`, else the top level's. */
function readInstanceCaFile(e: Record<string, unknown>, keyLabel: (key: string) => string, issues: Issues, fallback: string | undefined): string | undefined {
  if (e.caFile === undefined) return fallback;
  const caFile = String(e.caFile);
  try {
    if (!readFileSync(caFile, 'utf8').includes('-----BEGIN CERTIFICATE-----')) issues.push({ setting: keyLabel('caFile'), message: `${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
  } catch (err) {
    issues.push({ setting: keyLabel('caFile'), message: `cannot read ${caFile} (${(err as NodeJS.ErrnoException).code}); check the path` });
  }
  return caFile;
}

/** readOnly/allow/deny; an instance that says nothing about them gets the top level's allowlist. */
function readInstanceAllowlist(e: Record<string, unknown>, keyLabel: (key: string) => string, issues: Issues, fallback: AllowlistConfig): AllowlistConfig {
  if (e.readOnly === undefined && e.allow === undefined && e.deny === undefined) return fallback;
  const readOnly = e.readOnly === undefined ? false : bool(e.readOnly);
  if (readOnly === undefined) issues.push({ setting: keyLabel('readOnly'), message: 'must be true or false' });
  const allow = e.allow === undefined ? ['*'] : list(e.allow);
  const deny = e.deny === undefined ? [] : list(e.deny);
  if (!allow) issues.push({ setting: keyLabel('allow'), message: 'must be a list of entries (tool names, globs, tags, or "METHOD /path")' });
  if (!deny) issues.push({ setting: keyLabel('deny'), message: 'must be a list of entries (tool names, globs, tags, or "METHOD /path")' });
  return { readOnly: readOnly ?? true, allow: allow ?? [], deny: deny ?? [], source: 'config' };
}

interface InstanceInput {
  entry: unknown;
  /** `instances[2]`, for messages before the instance has a name. */
  at: string;
  where: string;
  seen: Set<string>;
  env: NodeJS.ProcessEnv;
  issues: Issues;
  defaults: InstanceDefaults;
}

/** One entry of `instances:`: its name, address, auth (src/argocd/auth), TLS, timeout and allowlist. */
function readInstance({ entry, at, where, seen, env, issues, defaults }: InstanceInput): InstanceConfig | undefined {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    issues.push({ setting: at, message: 'must be a mapping with name, url and auth settings' });
    return undefined;
  }
  const e = entry as Record<string, unknown>;
  const name = readInstanceName(e, at, seen, issues);
  const at2 = name ? `${where}.${name}` : at;
  const keyLabel = (key: string) => `${at2}.${key}`;
  let argocdUrl = readInstanceUrl(e, keyLabel, issues);

  const read = readAuthSettings({ layers: [{ values: e, label: keyLabel }], env, issues, withToken: true });
  if (!argocdUrl && read.context) argocdUrl = normaliseArgocdUrl(read.context.url);
  if (!read.auth.token && !read.hasOtherMethod && !read.context?.token) {
    issues.push({ setting: at2, message: 'has no credentials; set token, tokenFile, username with password/passwordFile, tokenCommand, or argocdContext' });
  }
  const auth: ArgocdAuthSettings = { ...read.auth };
  if (!auth.headers && defaults.headers) auth.headers = defaults.headers;
  if (!auth.token && !read.hasOtherMethod && read.context?.token) auth.token = read.context.token;

  const insecure = e.insecure === undefined ? (read.context?.insecure || defaults.insecure) ?? false : bool(e.insecure);
  if (insecure === undefined) issues.push({ setting: keyLabel('insecure'), message: 'must be true or false' });
  const timeoutMs = e.timeout === undefined ? defaults.timeoutMs : parseDuration(e.timeout);
  if (timeoutMs === undefined) issues.push({ setting: keyLabel('timeout'), message: `"${String(e.timeout)}" is not a duration; use seconds (30) or 30s, 1500ms, 2m` });
  return {
    name,
    description: typeof e.description === 'string' ? e.description : undefined,
    argocdUrl,
    auth,
    insecure: insecure ?? false,
    caFile: readInstanceCaFile(e, keyLabel, issues, defaults.caFile),
    timeoutMs: timeoutMs ?? defaults.timeoutMs,
    allowlist: readInstanceAllowlist(e, keyLabel, issues, defaults.allowlist),
  };
}

/**
 * Reads `instances:`; returns undefined when the key is absent. `topLevel` names the top-level address and auth
 * settings that are set: with instances they would be ambiguous, so each is reported.
 */
export function instancesFrom(args: {
  value: unknown;
  fileLabel: string;
  env: NodeJS.ProcessEnv;
  issues: ConfigIssue[];
  defaults: InstanceDefaults;
  topLevel: string[];
}): InstanceConfig[] | undefined {
  const { value, fileLabel, env, issues, defaults } = args;
  if (value === undefined || value === null) return undefined;
  const where = `${fileLabel}: instances`;
  if (!Array.isArray(value) || !value.length) {
    issues.push({ setting: where, message: 'must be a list of instances, each with at least name and url (see README, "Several Argo CD instances")' });
    return undefined;
  }
  for (const from of args.topLevel) {
    issues.push({ setting: from, message: 'is set, but so is instances: each instance has its own address and auth; move it into an instance (or unset it)' });
  }
  const seen = new Set<string>();
  const out: InstanceConfig[] = [];
  value.forEach((entry: unknown, i: number) => {
    const instance = readInstance({ entry, at: `${where}[${i}]`, where, seen, env, issues, defaults });
    if (instance) out.push(instance);
  });
  return out;
}

/** One instance as a single-instance configuration (for `check`, which tests one Argo CD at a time). */
export function instanceAsConfig<C extends { instances?: InstanceConfig[] }>(config: C, instance: InstanceConfig): C {
  return {
    ...config,
    instances: undefined,
    argocdUrl: instance.argocdUrl,
    token: instance.auth.token,
    tokenFile: instance.auth.tokenFile,
    auth: instance.auth,
    insecure: instance.insecure,
    caFile: instance.caFile,
    timeoutMs: instance.timeoutMs,
    allowlist: instance.allowlist,
  };
}
