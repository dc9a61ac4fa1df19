/**
 * The primitives every settings reader shares (the top-level merge in load-config.ts, the HTTP service's settings,
 * Argo CD auth, SSO, instances, the logger): a leaf module, so none of them imports the merge back.
 */
import type { ValueOf } from './setting-types.ts';
import type { Settings } from './settings.ts';

/** A log level: the logLevel row's choices. */
export type LogLevel = ValueOf<Settings['logLevel']>;

export interface AllowlistConfig {
  readOnly: boolean;
  allow: string[];
  deny: string[];
  /** Where the allowlist came from: `default` means no file or flag said anything (read-only). */
  source: 'default' | 'config';
}

export interface ConfigIssue {
  setting: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `invalid configuration:\n${issues.map((i) => `  - ${i.setting}: ${i.message}`).join('\n')}`,
    );
  }
}

/** A setting's value and where it came from (a flag, an env var, the config file). */
export type Source = { value: unknown; from: string };

/** Picks the first defined value in priority order, remembering where it came from. */
export function pick(...candidates: Array<[unknown, string]>): Source | undefined {
  for (const [value, from] of candidates) if (value !== undefined && value !== '') return { value, from };
  return undefined;
}

/** `argocd.example.com` → `https://argocd.example.com`; keeps any path (argocd-server's --rootpath). */
export function normaliseArgocdUrl(raw: string, rootPath?: string): string {
  let text = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `https://${text}`;
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`scheme ${url.protocol} is not http or https`);
  if (url.search || url.hash) throw new Error('must not carry a query string or fragment');
  let pathname = url.pathname.replace(/\/+$/, '');
  if (rootPath) {
    const root = `/${rootPath.replace(/^\/+|\/+$/g, '')}`;
    if (root !== '/' && !pathname.endsWith(root)) pathname += root;
  }
  return `${url.protocol}//${url.host}${pathname}`;
}

/** `true`/`false`, and in text `1 true yes on` / `0 false no off`; undefined for anything else. */
export function parseBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
  }
  return undefined;
}

/** `30`, `30s`, `1500ms`, `2m`, `1h` → milliseconds: the one reader of every duration setting. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value * 1000;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : m[2] === 'h' ? n * 3_600_000 : n * 1000;
  return ms > 0 ? ms : undefined;
}

/** A list of strings, or a comma-separated string. */
export function stringList(value: unknown): string[] | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  return undefined;
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
