/**
 * Reading Argo CD's streams: NDJSON (`{"result": ...}` per line, `{"error": ...}` on failure; SSE `data:` lines
 * too). `collectStream` reads a bounded window for a tool call; `ndjsonItems` follows a stream for a subscription.
 */
import { formatBytes } from './http-client.ts';

export interface StreamWindow {
  items: unknown[];
  stoppedBecause: string;
  error?: unknown;
}

export interface CollectOptions {
  body: ReadableStream<Uint8Array>;
  maxItems: number;
  waitMs: number;
  signal?: AbortSignal;
  /** Called after each item (for progress notifications). */
  onItem?: (count: number) => void;
  /** Items for which this returns false are not kept (e.g. the empty end-of-logs marker). */
  keep?: (item: unknown) => boolean;
  /** The longest line read (default DEFAULT_MAX_LINE_CHARS; MAX_LOG_LINE_CHARS for logs). */
  maxLineChars?: number;
}

type StreamMessage = { kind: 'result'; value: unknown } | { kind: 'error'; value: unknown };

/** The longest line read from a stream by default (a watch event of a very large application still fits). */
export const DEFAULT_MAX_LINE_CHARS = 32 * 1024 * 1024;
/** The longest pod log line kept whole; longer ones end the window (an endless line must not fill memory). */
export const MAX_LOG_LINE_CHARS = 1024 * 1024;

/** Thrown when a line passes its limit: the stream stops there, and what came before is kept. */
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`Argo CD sent a line longer than ${formatBytes(limit)}; stopped reading there`);
  }
}

function parseLine(line: string): StreamMessage | undefined {
  const text = line.trim().replace(/^data:\s*/, '');
  if (!text) return undefined;
  try {
    const msg = JSON.parse(text) as { result?: unknown; error?: unknown };
    if (msg.error !== undefined) return { kind: 'error', value: msg.error };
    return { kind: 'result', value: msg.result !== undefined ? msg.result : msg };
  } catch {
    return undefined;
  }
}

/**
 * Every message of the stream, in order; unparseable lines are skipped. A line is gathered in pieces (linear in its
 * length however it is chunked) and may not pass `maxLineChars`. Cancels the body when left early.
 */
async function* streamMessages(body: ReadableStream<Uint8Array>, maxLineChars = DEFAULT_MAX_LINE_CHARS): AsyncGenerator<StreamMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pieces: string[] = [];
  let pending = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      const text = decoder.decode(next.value, { stream: true });
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (pending + nl - start > maxLineChars) throw new LineTooLongError(maxLineChars);
        pieces.push(text.slice(start, nl));
        const message = parseLine(pieces.length === 1 ? pieces[0] : pieces.join(''));
        pieces = [];
        pending = 0;
        start = nl + 1;
        if (message) yield message;
      }
      if (start < text.length) {
        pending += text.length - start;
        if (pending > maxLineChars) throw new LineTooLongError(maxLineChars);
        pieces.push(text.slice(start));
      }
    }
    const last = parseLine(pieces.join('') + decoder.decode());
    if (last) yield last;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** Collects a window of items; always resolves, never throws for stream trouble. */
export async function collectStream(options: CollectOptions): Promise<StreamWindow> {
  const { body, maxItems, waitMs, signal, onItem, keep = () => true, maxLineChars } = options;
  const messages = streamMessages(body, maxLineChars);
  const items: unknown[] = [];
  let stoppedBecause = '';
  let error: unknown;

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), waitMs);
  });
  const cancelled = new Promise<'cancelled'>((resolve) => {
    if (signal?.aborted) resolve('cancelled');
    signal?.addEventListener('abort', () => resolve('cancelled'), { once: true });
  });

  try {
    for (;;) {
      const next = await Promise.race([messages.next(), timeout, cancelled]);
      if (next === 'timeout') {
        stoppedBecause = `waited ${waitMs / 1000} s (waitSeconds)`;
        break;
      }
      if (next === 'cancelled') {
        stoppedBecause = 'cancelled by the client';
        break;
      }
      if (next.done) {
        stoppedBecause = 'the stream ended';
        break;
      }
      if (next.value.kind === 'error') {
        error = next.value.value;
        stoppedBecause = 'Argo CD reported an error in the stream';
        break;
      }
      if (!keep(next.value.value)) continue;
      items.push(next.value.value);
      onItem?.(items.length);
      if (items.length >= maxItems) {
        stoppedBecause = `maxItems reached (${maxItems})`;
        break;
      }
    }
  } catch (err) {
    stoppedBecause = err instanceof LineTooLongError ? `${err.message} (the items before it are shown)` : `the stream broke: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
    // Ends the generator (cancelling the body) without waiting for a read that may never come.
    void messages.return(undefined).catch(() => undefined);
  }
  return { items, stoppedBecause, ...(error !== undefined ? { error } : {}) };
}

/** Every item of a stream until it ends, breaks, or reports an error. */
export async function* ndjsonItems(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  try {
    for await (const message of streamMessages(body)) {
      if (message.kind === 'error') return;
      yield message.value;
    }
  } catch {
    // An aborted or broken stream simply ends the iteration.
  }
}
