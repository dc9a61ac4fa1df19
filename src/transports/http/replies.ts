/** The plain answers of the HTTP transport: a JSON-RPC error with no id (a refused HTTP request), JSON, text. */
import type { ServerResponse } from 'node:http';

/** A JSON-RPC error for a request the transport refused before any message was read (`id: null`). */
export function sendJsonRpcError(res: ServerResponse, status: number, message: string, options: { code?: number; headers?: Record<string, string> } = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...options.headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: options.code ?? -32000, message }, id: null }));
}

/** A JSON document that no cache may keep (health, readiness, metadata, sign-out). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** A line of plain text, for the endpoints that are not MCP (404s that say where to go instead). */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`${text}\n`);
}
