/**
 * Reads a bounded window of an Argo CD NDJSON stream (`{"result": ...}` per line, `{"error": ...}` on failure):
 * stops at maxItems, after waitMs, when the stream ends, or when the caller cancels, and says which.
 */

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
}

/** Collects items; always resolves, never throws for stream trouble. */
export async function collectStream(options: CollectOptions): Promise<StreamWindow> {
  const { body, maxItems, waitMs, signal, onItem, keep = () => true } = options;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const items: unknown[] = [];
  let buffer = '';
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

  const handleLine = (line: string): boolean => {
    const text = line.trim().replace(/^data:\s*/, '');
    if (!text) return true;
    let msg: { result?: unknown; error?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return true;
    }
    if (msg.error !== undefined) {
      error = msg.error;
      stoppedBecause = 'Argo CD reported an error in the stream';
      return false;
    }
    const item = msg.result !== undefined ? msg.result : msg;
    if (!keep(item)) return true;
    items.push(item);
    onItem?.(items.length);
    if (items.length >= maxItems) {
      stoppedBecause = `maxItems reached (${maxItems})`;
      return false;
    }
    return true;
  };

  try {
    reading: for (;;) {
      const next = await Promise.race([reader.read(), timeout, cancelled]);
      if (next === 'timeout') {
        stoppedBecause = `waited ${waitMs / 1000} s (waitSeconds)`;
        break;
      }
      if (next === 'cancelled') {
        stoppedBecause = 'cancelled by the client';
        break;
      }
      if (next.done) {
        if (buffer) handleLine(buffer);
        stoppedBecause ||= 'the stream ended';
        break;
      }
      buffer += decoder.decode(next.value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!handleLine(line)) break reading;
      }
    }
  } catch (err) {
    stoppedBecause = `the stream broke: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => undefined);
  }
  return { items, stoppedBecause, ...(error !== undefined ? { error } : {}) };
}

/** Every item of an NDJSON (or SSE) stream of `{"result": ...}` lines, until it ends or reports an error. */
export async function* ndjsonItems(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      buffer += decoder.decode(next.value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl).trim().replace(/^data:\s*/, '');
        buffer = buffer.slice(nl + 1);
        if (!text) continue;
        let msg: { result?: unknown; error?: unknown };
        try {
          msg = JSON.parse(text) as typeof msg;
        } catch {
          continue;
        }
        if (msg.error !== undefined) return;
        yield msg.result !== undefined ? msg.result : msg;
      }
    }
  } catch {
    // An aborted or broken stream simply ends the iteration.
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
