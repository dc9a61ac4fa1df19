/** The shape of a row of the settings table (src/config/settings.ts) and the types derived from the table. */

/**
 * How a setting's value is written and checked. Scalars are parsed and validated by type (src/config/values.ts);
 * `structured` settings (a mapping or list in the config file) have their own reader, named in the row's doc.
 */
export type SettingType =
  | 'string' // any text
  | 'file' // a path (the reader checks it can be read)
  | 'url' // an address (the reader checks its form)
  | 'secret' // text that is never logged nor echoed in a message
  | 'int' // a whole number within min..max
  | 'port' // 0-65535
  | 'bool' // true/false, and in text 1/0, yes/no, on/off
  | 'duration' // 30, 30s, 1500ms, 2m, 1h (parseDuration)
  | 'bytes' // 4194304, 512k, 4m (parseByteSize), at least min
  | 'rate' // 10/s, 600/m, 3600/h, off (parseRate)
  | 'list' // a YAML list, or comma-separated text
  | 'enum' // one of choices
  | 'command' // an argv: a YAML list, or a JSON array / words in text
  | 'headers' // `Name: value` lines
  | 'structured'; // a mapping or list read by its own reader

export interface SettingRow {
  /** The section it is listed under in --help (ungrouped rows come first, with --help itself). */
  readonly group?: 'Argo CD' | 'Tools' | 'Serving';
  /** The command-line flag, `--kebab-case`; commander's property is its camelCase (`--client-crt` → clientCrt). */
  readonly flag?: string;
  /** A one-letter alias of the flag (`-c`). */
  readonly short?: string;
  /** The flag's value placeholder in --help (`<duration>`); a bool flag takes none. */
  readonly arg?: string;
  /** A flag given several times: `split` also splits each on commas; `each` keeps each whole. */
  readonly repeat?: 'split' | 'each';
  /** Environment variables, in priority order (the first set one wins). */
  readonly env?: readonly string[];
  /** False: not a config-file key (the row's name is the YAML key otherwise). */
  readonly inFile?: false;
  /** Other config-file keys read for the same setting, after the row's own (`server` for `url`). */
  readonly aliases?: readonly string[];
  readonly type: SettingType;
  /** For enums: each value and what it does (shown in the error for any other value). */
  readonly choices?: readonly (readonly [string, string])[];
  /** What a value is called in an error (`"grpc" is not a transport`). */
  readonly noun?: string;
  readonly min?: number;
  readonly max?: number;
  /** For lists: an empty list is an error. */
  readonly nonEmpty?: boolean;
  /** The value when nothing sets it, written as an operator would (`30s`, `4m`, `20/s`), or computed. */
  readonly default?: string | number | boolean | readonly string[] | (() => number);
  /** How the default reads in --help and README when the value alone would not say it (`by client`). */
  readonly defaultText?: string;
  /** A value code falls back on when the setting is unset, other than a default (see maxResultTokens). */
  readonly fallback?: number;
  /** One line: what the setting does (--help and README). */
  readonly doc: string;
  /** More for README only: forms, limits, where to read on. */
  readonly more?: string;
  /** Only `serve` takes the flag (the HTTP service's settings, transport, host, port). */
  readonly serveOnly?: boolean;
}

/** `client-crt` → `clientCrt`. */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** commander's property for a flag. */
export type FlagProp<F> = F extends `--${infer N}` ? Camel<N> : never;

type FlagValue<R> = R extends { type: 'bool' } ? boolean : R extends { repeat: string } ? string[] : string;

/** Options as commander parses them, one property per row with a flag. */
export type FlagsOf<T extends Record<string, SettingRow>> = {
  -readonly [K in keyof T as T[K] extends { flag: string } ? FlagProp<T[K]['flag']> : never]?: FlagValue<T[K]>;
};

type ChoiceOf<R> = R extends { choices: readonly (readonly [infer V, string])[] } ? V : string;

/** The type of a setting's value once read. */
export type ValueOf<R> = R extends { type: 'bool' }
  ? boolean
  : R extends { type: 'int' | 'port' | 'duration' | 'bytes' | 'rate' }
    ? number
    : R extends { type: 'list' }
      ? string[]
      : R extends { type: 'enum' }
        ? ChoiceOf<R>
        : string;
