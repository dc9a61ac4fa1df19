/**
 * MCP logging (`logging/setLevel`, `notifications/message`): the gateway's notices about the connected Argo CD go to
 * the client as log messages, at or above the level the client set (all of them until it sets one). Each Server is
 * one session, so the level is kept here, per Server. What was found before the session started is sent once: over
 * stdio when the session is initialized; over HTTP, where a message outside a request needs the client's GET stream,
 * with the answer to the client's `logging/setLevel`.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { LoggingLevelSchema, SetLevelRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { LoggingLevel, LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../gateway/gateway.ts';
import type { Notice } from '../gateway/notices.ts';

/** The `logger` name clients show beside the messages. */
export const LOGGER_NAME = 'argocd';

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, i) => [level, i]));

const message = (n: Notice): LoggingMessageNotification => ({
  method: 'notifications/message',
  params: { level: n.level, logger: LOGGER_NAME, data: { message: n.message, ...n.data } },
});

export function forwardNotices(server: Server, gateway: Gateway): void {
  const board = gateway.notices;
  if (!board) return;
  let level: LoggingLevel | undefined;
  let replayed = false;
  const wanted = (n: Notice) => level === undefined || SEVERITY.get(n.level)! >= SEVERITY.get(level)!;
  // Replaces the SDK's own handler (which keeps levels by session id for sendLoggingMessage): one Server, one level.
  server.setRequestHandler(SetLevelRequestSchema, async (request, extra) => {
    level = request.params.level;
    if (!replayed) {
      replayed = true;
      for (const n of board.recent().filter(wanted)) await extra.sendNotification(message(n));
    }
    return {};
  });
  let stop: (() => void) | undefined;
  const initialized = server.oninitialized;
  server.oninitialized = () => {
    initialized?.();
    const send = (n: Notice) => (wanted(n) ? server.notification(message(n)).catch(() => undefined) : undefined);
    if (!replayed && server.transport?.sessionId === undefined) {
      replayed = true;
      for (const n of board.recent()) void send(n);
    }
    stop ??= board.subscribe((n) => void send(n));
  };
  const closed = server.onclose;
  server.onclose = () => {
    closed?.();
    stop?.();
  };
}
