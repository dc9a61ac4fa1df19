/**
 * A setting's value by its row's type: parsed, checked against the row's bounds and choices, or its default. Each
 * problem is reported under where the value came from, with the forms that work and the default.
 */
import { parseBool, parseByteSize, parseDuration, parseRate, stringList } from './read.ts';
import type { Source } from './read.ts';
import { SETTINGS, rowOf } from './settings.ts';
import type { SettingKey, Settings } from './settings.ts';
import type { SettingRow, ValueOf } from './setting-types.ts';
import { sourceOf } from './sources.ts';
import type { ReadContext } from './sources.ts';

type DefaultOf<R> = R extends { default: unknown } ? ValueOf<R> : ValueOf<R> | undefined;

/** Parses a value as the row's type; undefined when it is not one (the caller reports it). */
function parseAs(row: SettingRow, value: unknown): unknown {
  const text = typeof value === 'string' ? value.trim() : value;
  switch (row.type) {
    case 'bool':
      return parseBool(value);
    case 'duration':
      return parseDuration(value);
    case 'rate':
      return parseRate(value);
    case 'bytes': {
      const n = parseByteSize(value);
      return n !== undefined && n >= (row.min ?? 1) ? n : undefined;
    }
    case 'int':
    case 'port': {
      const n = text === '' || typeof text === 'boolean' ? Number.NaN : Number(text);
      const [min, max] = row.type === 'port' ? [0, 65535] : [row.min ?? 0, row.max ?? Number.MAX_SAFE_INTEGER];
      return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
    }
    case 'list': {
      const list = stringList(value);
      return list && (!row.nonEmpty || list.length) ? list : undefined;
    }
    case 'enum':
      return row.choices?.some(([c]) => c === String(value)) ? String(value) : undefined;
    default:
      return String(value);
  }
}

/** `1m` for 60000 ms, `4m` for 4 MiB: how a default reads. */
function formatNumber(row: SettingRow, n: number): string {
  if (row.type === 'duration') {
    for (const [unit, ms] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (n % ms === 0) return `${n / ms}${unit}`;
    return `${n}ms`;
  }
  if (row.type === 'bytes') {
    for (const [unit, size] of [['m', 1024 * 1024], ['k', 1024]] as const) if (n % size === 0) return `${n / size}${unit}`;
  }
  return String(n);
}

/** The default as an operator reads it (in messages, --help and README), or undefined when there is none. */
export function defaultText(key: string): string | undefined {
  const row = rowOf(key);
  if (row.defaultText !== undefined) return row.defaultText;
  if (row.default === undefined) return undefined;
  if (typeof row.default === 'function') return String(row.default());
  if (Array.isArray(row.default)) return JSON.stringify(row.default);
  return String(row.default);
}

/** A setting's default value, parsed as its type (durations in ms, sizes in bytes, rates per second). */
export function defaultOf<K extends SettingKey>(key: K): DefaultOf<Settings[K]> {
  const row: SettingRow = SETTINGS[key];
  const given = typeof row.default === 'function' ? row.default() : row.default;
  if (given === undefined) return undefined as DefaultOf<Settings[K]>;
  if (Array.isArray(given)) return [...given] as DefaultOf<Settings[K]>;
  return parseAs(row, given) as DefaultOf<Settings[K]>;
}

/** The error for a value that is not of the row's type: what was given, the forms that work, the default. */
function typeError(key: string, row: SettingRow, value: unknown): string {
  const given = `"${String(value)}"`;
  const dflt = defaultText(key);
  const withDefault = dflt !== undefined ? ` (default ${dflt})` : '';
  switch (row.type) {
    case 'bool':
      return `${given} must be true or false`;
    case 'duration':
      return `${given} is not a duration; use seconds (30) or 30s, 1500ms, 2m, 1h${withDefault}`;
    case 'rate':
      return `${given} is not a rate; use requests per second, minute or hour (10/s, 600/m) or off${withDefault}`;
    case 'bytes':
      return `${given} is not a size of at least ${formatNumber(row, row.min ?? 1)}; use bytes or a unit: 1048576, 512k, 16m${withDefault}`;
    case 'port':
      return `${given} is not a port number (0-65535): ${row.doc}`;
    case 'int': {
      const range = row.max !== undefined ? ` from ${row.min ?? 0} to ${row.max}` : `, at least ${row.min ?? 0}`;
      return `${given} must be a whole number${range}: ${row.doc}${withDefault}`;
    }
    case 'list':
      return `must be a ${row.nonEmpty ? 'non-empty ' : ''}list (a YAML list, or comma-separated in flags and env): ${row.doc}`;
    case 'enum': {
      // Values that say what they do are explained, and the default marked; bare ones (log levels) are just listed.
      const choices = (row.choices ?? []).map(([c, what]) => (what ? `${c} (${c === row.default ? 'default: ' : ''}${what})` : c));
      return `${given} is not a ${row.noun ?? key}; use ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
    }
    default:
      return `${given} is not valid: ${row.doc}`;
  }
}

/** A setting read by its row: the value (or the default when unset or invalid) and where it came from. */
export function readSetting<K extends SettingKey>(ctx: ReadContext, key: K): { value: DefaultOf<Settings[K]>; source?: Source } {
  const source = sourceOf(ctx, key);
  if (!source) return { value: defaultOf(key) };
  const row: SettingRow = SETTINGS[key];
  const value = parseAs(row, source.value);
  if (value === undefined) {
    ctx.issues.push({ setting: source.from, message: typeError(key, row, source.value) });
    return { value: defaultOf(key), source };
  }
  return { value: value as DefaultOf<Settings[K]>, source };
}

/** Just the value of readSetting. */
export function settingValue<K extends SettingKey>(ctx: ReadContext, key: K): DefaultOf<Settings[K]> {
  return readSetting(ctx, key).value;
}
