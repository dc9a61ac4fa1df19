/**
 * The hard cap on a tool result, in tokens (o200k, counted, not guessed). A result over it is cut at a clean item
 * boundary with a note that says how much was left out and how to narrow. The tokenizer is loaded only when a
 * result's byte length could exceed the cap: a token is at least one byte, so shorter text always fits.
 */

type CountTokens = (text: string) => number;
let counter: Promise<CountTokens> | undefined;

/** Pieces are cut after whitespace or JSON punctuation once they pass SOFT characters, and at HARD at the latest. */
const SOFT = 512;
const HARD = 1024;
const BOUNDARY = /[\s,{}[\]]/;

/**
 * Tokens of a text, counted on bounded pieces. BPE is quadratic in the length of one pre-token, and a long unbroken
 * run (a base64 blob, a minified log line) is one pre-token: 1 MB of it took ~25 minutes to count whole. On pieces
 * the cost is linear; a cut can only split a token in two, so the count is never below the exact one (JSON and logs
 * come out ~0.3% above), which is the safe side for a cap.
 */
async function countTokens(text: string): Promise<number> {
  const count = await tokenCounter();
  if (text.length <= HARD) return count(text);
  return countPieces(count, text);
}

const tokenCounter = (): Promise<CountTokens> =>
  (counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => m.countTokens as CountTokens));

/** Where the piece that starts at `start` ends (the cut countTokens makes). */
function pieceEnd(text: string, start: number): number {
  let end = Math.min(text.length, start + HARD);
  if (end < text.length) {
    let cut = end;
    while (cut > start + SOFT && !BOUNDARY.test(text[cut - 1])) cut--;
    if (cut > start + SOFT) end = cut;
  }
  return end;
}

/**
 * Tokens of a text counted piece by piece, from `from`; it stops once the count passes `stopAbove`. `seen` is told
 * each piece's start with the count before it, then where counting ended with the count there.
 */
function countPieces(count: CountTokens, text: string, from = 0, stopAbove = Number.POSITIVE_INFINITY, seen?: (start: number, before: number) => void): number {
  let total = 0;
  let start = from;
  while (start < text.length && total <= stopAbove) {
    seen?.(start, total);
    const end = pieceEnd(text, start);
    total += count(text.slice(start, end));
    start = end;
  }
  seen?.(start, total);
  return total;
}

/** Tokens of a text, cheaply: exact counting only when the bytes could exceed `limit`. */
export async function fitsIn(text: string, limit: number): Promise<boolean> {
  if (Buffer.byteLength(text) <= limit) return true;
  return (await countTokens(text)) <= limit;
}

export { countTokens };

export interface Capped {
  text: string;
  value: unknown;
  note?: string;
}

type Json = Record<string, unknown>;

interface Cuttable {
  get: () => unknown[];
  with: (arr: unknown[]) => unknown;
  label: string;
}

/** The array to cut: `items` of a list, the value itself, or the largest array one level down. */
function cuttable(value: unknown): Cuttable | undefined {
  if (Array.isArray(value)) return { get: () => value, with: (arr) => arr, label: 'items' };
  if (typeof value !== 'object' || value === null) return undefined;
  const obj = value as Json;
  let best: string | undefined;
  let bestSize = 0;
  for (const [k, v] of Object.entries(obj)) {
    if (!Array.isArray(v)) continue;
    const size = JSON.stringify(v).length;
    if (k === 'items' || size > bestSize) {
      best = k;
      bestSize = k === 'items' ? Number.POSITIVE_INFINITY : size;
    }
  }
  if (!best) return undefined;
  const key = best;
  return { get: () => obj[key] as unknown[], with: (arr) => ({ ...obj, [key]: arr }), label: key };
}

/**
 * Whether the value cut after k items fits in a number of tokens, counted exactly as countTokens counts that text,
 * from one count of the whole (up to `tokens`, past which nothing fits): a piece ends within HARD characters of its
 * start, so the whole text's pieces that end well before the cut are the cut text's pieces too, and a probe counts
 * only its last ~HARD characters again. The binary search over a 10,000-app answer otherwise counted the whole text
 * a dozen times (35 MB of garbage, ~100-300 ms). Undefined when the value's JSON is not its parts' JSON joined.
 */
async function prefixFits(cut: Cuttable, all: unknown[], whole: string, tokens: number): Promise<((k: number, within: number) => boolean) | undefined> {
  const mark = JSON.stringify('\u0000cut\u0000');
  const shell = JSON.stringify(cut.with(['\u0000cut\u0000']));
  const at = shell.indexOf(mark);
  if (at < 0) return undefined;
  const head = shell.slice(0, at);
  const tail = shell.slice(at + mark.length);
  // ends[k]: where the k-th item's JSON ends in the whole text (ends[0]: just after the opening bracket).
  const ends = [head.length];
  for (let k = 0; k < all.length; k++) ends.push(ends[k] + (k ? 1 : 0) + (JSON.stringify(all[k]) ?? 'null').length);
  if (whole.length !== ends[all.length] + tail.length || !whole.startsWith(head) || !whole.endsWith(tail)) return undefined;
  const count = await tokenCounter();
  const starts: number[] = [];
  const before: number[] = [];
  countPieces(count, whole, 0, tokens, (start, counted) => {
    starts.push(start);
    before.push(counted);
  });
  return (k, within) => {
    const text = k === all.length ? whole : whole.slice(0, ends[k]) + tail;
    if (Buffer.byteLength(text) <= within) return true;
    // Pieces whose window (HARD characters from the start) ends at or before the cut are the same in both texts;
    // the first that reaches past it starts where the shared ones end. Counts only grow piece by piece, so a cut
    // whose shared pieces already count more than `within` does not fit.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] + HARD <= ends[k]) lo = mid + 1;
      else hi = mid;
    }
    if (before[lo] > within) return false;
    return before[lo] + countPieces(count, text, starts[lo], within) <= within;
  };
}

/** A cap: o200k tokens, or a budget in tokens or bytes that says whose limit it is (src/gateway/client-budgets.ts). */
export type Cap = number | { tokens?: number; bytes?: number; why?: string };

/** Room left for the cut note (sent beside the result, and counted by a host that cuts the whole text). */
const NOTE_TOKENS = 200;
const NOTE_BYTES = 600;

interface Limit {
  /** Whether a text fits, leaving room for the note when `reserve` is set. */
  fits(text: string, reserve: boolean): Promise<boolean>;
  /** "20000 tokens", "9728 bytes (GitHub Copilot CLI's limit for a tool result)". */
  label: string;
  /** No text longer than this many characters fits (a token and a character are at least one byte each). */
  chars: number;
  /** The cap in tokens, when it is one. */
  tokens?: number;
}

function limitOf(cap: Cap): Limit {
  const c = typeof cap === 'number' ? { tokens: cap } : cap;
  if (c.bytes !== undefined) {
    const bytes = c.bytes;
    return {
      fits: async (text, reserve) => Buffer.byteLength(text) <= bytes - (reserve ? NOTE_BYTES : 0),
      label: `${bytes} bytes${c.why ? ` (${c.why})` : ''}`,
      chars: bytes,
    };
  }
  const tokens = c.tokens ?? Number.POSITIVE_INFINITY;
  return {
    fits: (text, reserve) => (tokens === Number.POSITIVE_INFINITY ? Promise.resolve(true) : fitsIn(text, tokens - (reserve ? NOTE_TOKENS : 0))),
    label: `${tokens} tokens${'why' in c && c.why ? ` (${c.why})` : ''}`,
    chars: tokens,
    tokens: tokens === Number.POSITIVE_INFINITY ? undefined : tokens,
  };
}

/** Applies the cap; `hint` tells the agent how to narrow this tool's result. */
export async function capResult(value: unknown, cap: Cap, hint: string): Promise<Capped> {
  const limit = limitOf(cap);
  const text = JSON.stringify(value);
  const tokens = limit.tokens;
  // A list over a token cap is counted once, for the whole answer and for every cut of it (prefixFits).
  const listCut = tokens !== undefined && typeof text === 'string' && Buffer.byteLength(text) > tokens ? cuttable(value) : undefined;
  const counted = listCut && tokens !== undefined ? await prefixFits(listCut, listCut.get(), text, tokens) : undefined;
  if (counted && tokens !== undefined ? counted(listCut!.get().length, tokens) : await limit.fits(text, false)) return { text, value };
  const cut = listCut ?? cuttable(value);
  if (cut) {
    const all = cut.get();
    const fits = counted && tokens !== undefined
      ? async (k: number) => counted(k, tokens - NOTE_TOKENS)
      : (k: number) => limit.fits(JSON.stringify(cut.with(all.slice(0, k))), true);
    // Binary search for the most items that fit, leaving room for the note.
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (await fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    const left = all.length - lo;
    const note = `Truncated to stay within ${limit.label}: ${lo} of ${all.length} ${cut.label} shown, ${left} left out. ${hint}`;
    const truncated = cut.with(all.slice(0, lo));
    const withNote =
      typeof truncated === 'object' && truncated !== null && !Array.isArray(truncated)
        ? { ...(truncated as Json), truncated: { shown: lo, omitted: left, of: all.length, field: cut.label } }
        : truncated;
    if (lo > 0 || (await limit.fits(JSON.stringify(withNote), true))) {
      return { text: JSON.stringify(withNote), value: withNote, note };
    }
  }
  // No clean boundary: cut the text itself, and say so.
  let end = Math.min(text.length, limit.chars);
  while (end > 0 && !(await limit.fits(text.slice(0, end), true))) end = Math.floor(end * 0.8);
  const note = `Truncated to stay within ${limit.label}: the first ${end} of ${text.length} characters are shown (not valid JSON). ${hint}`;
  return { text: text.slice(0, end), value: undefined, note };
}
