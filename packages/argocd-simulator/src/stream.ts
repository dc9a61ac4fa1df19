/** Long-lived streaming answers (NDJSON as grpc-gateway writes them, or SSE) and their bookkeeping. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiError, streamErrorChunk } from './errors.ts';

/** One open stream. */
export class OpenStream {
  closed = false;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    /** Server-Sent Events instead of newline-delimited JSON. */
    readonly sse: boolean,
  ) {}

  /** Writes one message; false once the stream is closed. */
  write(message: unknown): boolean {
    if (this.closed || this.res.destroyed || this.res.writableEnded) return false;
    const json = typeof message === 'string' ? message : JSON.stringify(message);
    this.res.write(this.sse ? `data: ${json}\n\n` : `${json}\n`);
    return true;
  }

  /** Writes a grpc-gateway stream error chunk (`{"error":{...}}`) and ends the stream. */
  fail(err: ApiError): void {
    this.write(streamErrorChunk(err));
    this.end();
  }

  /** Registers work to do when the stream closes (either side). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.cleanups.push(fn);
  }

  /** Ends the response and runs cleanups. */
  end(): void {
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
    this.markClosed();
  }

  /** Runs cleanups once. */
  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // cleanup must never throw into the server
      }
    }
  }
}

/** Tracks every open stream so close() can end them promptly. */
export class StreamHub {
  private readonly open = new Set<OpenStream>();

  /** Starts a streaming 200 answer; SSE when the client asked for text/event-stream. */
  start(req: IncomingMessage, res: ServerResponse): OpenStream {
    const sse = String(req.headers.accept ?? '').includes('text/event-stream');
    res.writeHead(200, sse
      ? { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' }
      : { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Grpc-Metadata-Content-Type': 'application/grpc' });
    res.socket?.setNoDelay(true);
    res.flushHeaders();
    const stream = new OpenStream(res, sse);
    this.open.add(stream);
    const onGone = () => {
      stream.markClosed();
      this.open.delete(stream);
    };
    // res 'close' fires when the client disconnects (req 'close' only means the body was read).
    res.on('close', onGone);
    stream.onClose(() => this.open.delete(stream));
    return stream;
  }

  /** How many streams are open. */
  get size(): number {
    return this.open.size;
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const s of [...this.open]) s.end();
    this.open.clear();
  }
}
