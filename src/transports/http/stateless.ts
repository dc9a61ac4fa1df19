/**
 * `stateless`: a fresh transport and SDK Server per POST (`sessionIdGenerator: undefined`), so any replica serves any
 * request. They are let go once the request's answers are out; a client that left before them can still resume the
 * stream (its answer is stored) when the stream had begun and there is an event store.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { isResponseMessage, requestIdsIn } from './jsonrpc-messages.ts';
import type { Caller } from './request-guards.ts';
import { newStreamableTransport } from './sessions.ts';
import type { StreamableHttpTransport } from './streamable.ts';
import type { TransportContext } from './transport-context.ts';

/** A stateless request whose client went away is still bounded (the gateway's own limits end calls sooner). */
const ORPHAN_LIMIT_MS = 10 * 60_000;

/** Once a POST's response ended normally, the client has its answers: their stored events need not stay. */
export function releaseWhenDelivered(ctx: TransportContext, res: ServerResponse, scope: string, ids: RequestId[]): void {
  const { eventStore } = ctx;
  if (eventStore && ids.length) res.once('finish', () => eventStore.delivered(scope, ids));
}

/** Calls `onAnswered` once every request in `pending` has its answer sent. */
function watchAnswers(transport: StreamableHttpTransport, pending: Set<RequestId>, onAnswered: () => void): void {
  const send = transport.send.bind(transport);
  transport.send = async (message, opts) => {
    try {
      await send(message, opts);
    } finally {
      if (isResponseMessage(message) && pending.delete(message.id) && pending.size === 0) setImmediate(onAnswered);
    }
  };
}

export async function serveStatelessPost(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
  const { principal, authInfo } = caller;
  const ids = requestIdsIn(body);
  const pending = new Set<RequestId>(ids);
  const server = ctx.options.createServer(principal);
  const scope = randomUUID();
  releaseWhenDelivered(ctx, res, scope, ids);
  const store = ctx.eventStore?.forScope(scope, principal?.subject);
  const transport = newStreamableTransport({ store, principal, logger: ctx.logger });
  const { calls } = ctx;
  calls.stateless.add(transport);
  let closed = false;
  let orphanTimer: NodeJS.Timeout | undefined;
  const finish = (answered = false) => {
    if (closed) return;
    closed = true;
    clearTimeout(orphanTimer);
    calls.orphans.delete(finish);
    calls.stateless.delete(transport);
    // Answered in full, nothing of this request runs any more: the transport and server are simply let go.
    // Otherwise closing them aborts what still runs (the upstream calls included), and what it stored goes:
    // no answer will ever complete it.
    if (answered) return;
    void transport.close().catch(() => undefined);
    void server.close().catch(() => undefined);
    if (pending.size) store?.forget?.();
  };
  watchAnswers(transport, pending, () => finish(true));
  res.once('close', () => {
    if (pending.size === 0) return finish(true);
    if (closed) return;
    // The client left before the answer. If its stream had begun (a priming event id it can come back with) and
    // there is an event store, the answer is still stored so the client can resume the stream (here or on
    // another replica); otherwise it could never arrive, so stop the work.
    if (!ctx.eventStore || !transport.resumable) return finish();
    calls.orphans.add(finish);
    orphanTimer = setTimeout(finish, ORPHAN_LIMIT_MS);
    orphanTimer.unref();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body, authInfo);
  if (pending.size === 0) finish(true);
}
