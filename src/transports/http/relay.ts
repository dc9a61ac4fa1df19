/**
 * A stream resumed from the shared event store (`GET /mcp` with `Last-Event-ID`) when no session here produces it:
 * stateless mode, or a session that lives on another replica. The events after the one the client saw are relayed,
 * then new ones as they are stored, until the answer, the client leaves, or the producer is gone.
 */
import type { ServerResponse } from 'node:http';
import type { Principal } from './inbound-auth/authenticate.ts';
import { sendJsonRpcError } from './replies.ts';
import { DEFAULT_KEEP_ALIVE_MS, SSE_HEADERS, sseEvent, startKeepAlive } from './sse.ts';
import type { TransportContext } from './transport-context.ts';

/** How long a relayed (resumed) stream waits for the next event before giving up on its producer. */
const RELAY_IDLE_MS = 5 * 60_000;

export async function relayResumedStream(ctx: TransportContext, res: ServerResponse, lastEventId: string, principal: Principal | undefined): Promise<void> {
  const { eventStore, logger, calls } = ctx;
  if (!eventStore) {
    sendJsonRpcError(res, 400, 'Bad Request: this gateway keeps no event store, so streams cannot be resumed');
    return;
  }
  const abort = new AbortController();
  calls.relays.add(abort);
  res.once('close', () => abort.abort());
  let keepAlive: NodeJS.Timeout | undefined;
  const open = () => {
    if (res.headersSent) return;
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    keepAlive = startKeepAlive(res, DEFAULT_KEEP_ALIVE_MS);
  };
  try {
    const result = await eventStore.follow(lastEventId, {
      owner: principal?.subject,
      signal: abort.signal,
      idleMs: RELAY_IDLE_MS,
      onReady: open,
      send: (id, message) => {
        open();
        res.write(sseEvent(message, id));
      },
    });
    if (!result.ok) {
      sendJsonRpcError(res, result.status, result.message, { code: result.status === 404 ? -32001 : -32000, headers: result.status === 503 ? { 'retry-after': '2' } : {} });
      return;
    }
    // Relayed in full, the answer included: once it is written, the stream has served its purpose.
    if (result.stoppedBecause === 'completed') res.once('finish', () => eventStore.release(lastEventId));
    if (result.stoppedBecause === 'producer-gone') logger.info('a resumed stream\'s producer is gone: its requests were answered with an error');
    else logger.debug({ stoppedBecause: result.stoppedBecause }, 'resumed stream ended');
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'a resumed stream failed; the client may resume again');
  } finally {
    clearInterval(keepAlive);
    calls.relays.delete(abort);
    if (!res.writableEnded) res.end();
  }
}
