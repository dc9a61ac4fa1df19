/**
 * What a graceful stop waits for or ends: open POST responses (the calls), stateless requests still running,
 * relayed (resumed) streams, and stateless requests whose client left but whose answer is still worth storing.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../../log.ts';
import { shutdownError } from './shutdown.ts';
import type { StreamableHttpTransport } from './streamable.ts';

/** Anything that counts its open requests: a session (its SSE responses and GET stream). */
export interface OpenCounter {
  open: number;
  lastSeen: number;
}

export class InFlightCalls {
  /** Open POST /mcp responses. */
  private responses = 0;
  private readonly waiters = new Set<() => void>();
  /** Relayed (resumed) streams, ended when draining. */
  readonly relays = new Set<AbortController>();
  /** Stateless requests still running after their client left (waiting to store a result for a resume). */
  readonly orphans = new Set<() => void>();
  /** Transports of stateless requests still running (answered by drain() if they outlast it). */
  readonly stateless = new Set<StreamableHttpTransport>();

  /** Tracks an open response (and its session's open count) until it closes. */
  track(res: ServerResponse, session?: OpenCounter): void {
    this.responses++;
    if (session) session.open++;
    res.once('close', () => {
      this.responses--;
      if (session) {
        session.open--;
        session.lastSeen = Date.now();
      }
      if (this.responses === 0) for (const done of this.waiters) done();
    });
  }

  /** Ends relayed streams and lets go of orphaned stateless requests (their stored events stay for resumers). */
  abandonStreams(): void {
    for (const abort of this.relays) abort.abort();
    for (const finish of [...this.orphans]) finish();
  }

  /**
   * Waits, up to `timeoutMs`, until no response is open and no transport has a request running; what still runs
   * then is answered with an error the client reads on its stream or, from the event store, on a resumption.
   * Polled: a stateless call whose client left holds no response open, and is still worth its answer.
   */
  async letCallsFinish(transports: () => StreamableHttpTransport[], timeoutMs: number, logger: Logger): Promise<number> {
    const started = Date.now();
    const all = () => [...transports(), ...this.stateless];
    const running = () => all().reduce((n, t) => n + t.pendingRequests, 0);
    if (this.responses > 0 || running() > 0) {
      logger.info({ inflight: running(), timeoutMs }, 'waiting for in-flight calls before stopping');
      while ((this.responses > 0 || running() > 0) && Date.now() - started < timeoutMs) {
        await this.settle(Math.min(100, Math.max(1, timeoutMs - (Date.now() - started))));
      }
    }
    const unfinished = running();
    if (unfinished) {
      logger.warn({ unfinished, timeoutMs }, 'stopping with calls still running (shutdownTimeout reached): they are answered with an error the client can read or resume');
      const error = shutdownError(timeoutMs);
      await Promise.all(all().map((t) => t.failPending(error)));
    }
    return unfinished;
  }

  /** Resolves after `ms`, or sooner when the last open response closes. */
  private settle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }
}
