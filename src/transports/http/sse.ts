/** Server-Sent Events as MCP's Streamable HTTP writes them: the response headers, one event, keep-alive comments. */
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { serializeMessage } from '../../shaping/raw-json.ts';

/** Headers of an SSE response; `x-accel-buffering: no` keeps nginx-style proxies from holding events back. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** How often an open stream gets a `: keepalive` comment, so proxies do not close it as idle. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;

/** One `message` event; with an id when it is stored for a resumption. */
export function sseEvent(message: JSONRPCMessage, eventId: string | undefined): string {
  const data = serializeMessage(message);
  return eventId === undefined ? `event: message\ndata: ${data}\n\n` : `event: message\nid: ${eventId}\ndata: ${data}\n\n`;
}

/** Writes a keep-alive comment every `ms` while the response is open; the timer does not hold the process. */
export function startKeepAlive(res: ServerResponse, ms: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (!res.writableEnded) res.write(': keepalive\n\n');
  }, Math.min(ms, 2 ** 31 - 1));
  timer.unref();
  return timer;
}
