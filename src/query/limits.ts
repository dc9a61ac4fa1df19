/**
 * What one query may cost. JMESPath has no loops, but its projections multiply: `[@,@][]` doubles a list, and
 * twenty of them make a million copies; `[@,@]` nested makes a document whose JSON doubles each time, though the
 * references take no memory until something serializes them. So evaluation counts what it builds, and how large each
 * built value would be as JSON, and stops at these bounds with an error that says which one it met.
 */
export const QUERY_LIMITS = {
  /** The longest expression accepted. */
  expressionChars: 2000,
  /** Wall time of one evaluation, in milliseconds (checked every few thousand steps). */
  timeMs: 1000,
  /** Expression nodes visited in one evaluation (a projection visits its right side once per element). */
  steps: 3_000_000,
  /** Values built in one evaluation, in units: one per array element or object member, one per 16 string characters. */
  built: 8_000_000,
  /** The JSON size, in characters, of any one value the query builds (references expanded). */
  valueChars: 64 * 1024 * 1024,
} as const;

export type QueryLimits = { -readonly [K in keyof typeof QUERY_LIMITS]: number };
