/**
 * Where a setting's value comes from, by its row of the table: the flag, then each environment variable, then the
 * config file's key (and its aliases). The first one set wins and is remembered, so a message can name it.
 */
import { pick } from './read.ts';
import type { ConfigIssue, Source } from './read.ts';
import { rowOf, settingRows } from './settings.ts';
import type { CliFlags, SettingKey } from './settings.ts';
import type { SettingRow } from './setting-types.ts';

/** What every reader of settings gets: the three layers, how to name the file, and where to report problems. */
export interface ReadContext {
  flags: CliFlags;
  env: NodeJS.ProcessEnv;
  file: Record<string, unknown>;
  /** The config file's name, for messages (`gateway.yaml: timeout`). */
  fileLabel: string;
  issues: ConfigIssue[];
}

/** commander's property for a flag: `--client-crt` → `clientCrt`. */
export function flagProp(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The flag's value, when given (a repeatable flag given no times counts as not given). */
export function flagValue(flags: CliFlags, row: SettingRow): unknown {
  if (!row.flag) return undefined;
  const value = (flags as Record<string, unknown>)[flagProp(row.flag)];
  return Array.isArray(value) && !value.length ? undefined : value;
}

/** The first of the row's environment variables that is set, with its name. */
export function envValue(env: NodeJS.ProcessEnv, row: SettingRow): Source | undefined {
  return pick(...(row.env ?? []).map((name): [unknown, string] => [env[name], name]));
}

/** The config-file keys of a row: its own name, then its aliases; none for a row that is not in the file. */
export function fileKeysOf(key: string, row: SettingRow): string[] {
  return row.inFile === false ? [] : [key, ...(row.aliases ?? [])];
}

/** Every key a config file may hold, in table order. */
export function configFileKeys(): string[] {
  return settingRows().flatMap(([key, row]) => fileKeysOf(key, row));
}

/** A setting's value and where it came from: flag > env > file. */
export function sourceOf(ctx: ReadContext, key: SettingKey): Source | undefined {
  const row = rowOf(key);
  return pick(
    [flagValue(ctx.flags, row), row.flag ?? key],
    ...(row.env ?? []).map((name): [unknown, string] => [ctx.env[name], name]),
    ...fileKeysOf(key, row).map((k): [unknown, string] => [ctx.file[k], `${ctx.fileLabel}: ${k}`]),
  );
}

/**
 * One source for several settings read as a chain, layer by layer: each row's flag, then each row's env, then each
 * row's file key. The token file and the token are one such chain (a file path before a literal at each level).
 */
export function sourceOfChain(ctx: ReadContext, keys: SettingKey[]): (Source & { key: SettingKey }) | undefined {
  const layers: Array<Array<[unknown, string, SettingKey]>> = [[], [], []];
  for (const key of keys) {
    const row = rowOf(key);
    layers[0].push([flagValue(ctx.flags, row), row.flag ?? key, key]);
    for (const name of row.env ?? []) layers[1].push([ctx.env[name], name, key]);
    for (const k of fileKeysOf(key, row)) layers[2].push([ctx.file[k], `${ctx.fileLabel}: ${k}`, key]);
  }
  for (const [value, from, key] of layers.flat()) if (value !== undefined && value !== '') return { value, from, key };
  return undefined;
}

/** Every way to set a setting, for a message that asks for it: `--client-crt-key, ARGOCD_CLIENT_KEY_FILE, clientKeyFile`. */
export function waysToSet(key: SettingKey): string {
  const row = rowOf(key);
  return [row.flag, ...(row.env ?? []), ...fileKeysOf(key, row).slice(0, 1)].filter((w): w is string => !!w).join(', ');
}

/** A setting layer for src/config/auth-settings.ts's readAuthSettings: values by config key, and how to name each. */
export interface AuthLayer {
  values: Record<string, unknown>;
  label: (key: string) => string;
}

/** The top level's auth settings as flag, env and file layers, read from the table's rows. */
export function authLayers(ctx: ReadContext, keys: readonly SettingKey[]): AuthLayer[] {
  const flagLayer: AuthLayer = { values: {}, label: (key) => rowOf(key)?.flag ?? key };
  const envNames: Record<string, string> = {};
  const envLayer: AuthLayer = { values: {}, label: (key) => envNames[key] ?? key };
  for (const key of keys) {
    const row = rowOf(key);
    flagLayer.values[key] = flagValue(ctx.flags, row);
    const fromEnv = envValue(ctx.env, row);
    if (fromEnv) {
      envLayer.values[key] = fromEnv.value;
      envNames[key] = fromEnv.from;
    }
  }
  return [flagLayer, envLayer, { values: ctx.file, label: (key) => `${ctx.fileLabel}: ${key}` }];
}
