/**
 * What kind of JSON-RPC message a value is, by its shape, and what a POST body holds. The SDK's guards answer the
 * same by parsing the whole message with its zod schema each time (for an answer, the whole result); here each
 * message was parsed once, on arrival, or was made by the SDK's Server.
 */
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

/** A request: a method and an id (a notification has no id). */
export const isRequestMessage = (m: unknown): m is JSONRPCRequest =>
  isObject(m) && typeof m.method === 'string' && (typeof m.id === 'string' || typeof m.id === 'number');

/** An answer: a result or an error, and no method. */
export const isResponseMessage = (m: unknown): m is JSONRPCMessage & { id: RequestId } => isObject(m) && !('method' in m) && ('result' in m || 'error' in m);

/** An `initialize` request. */
export const isInitialize = (m: JSONRPCMessage): boolean => isRequestMessage(m) && m.method === 'initialize' && isInitializeRequest(m);

/** Whether a request asked for progress (it carries a progress token). */
export function wantsProgress(message: JSONRPCMessage): boolean {
  const params = (message as { params?: { _meta?: { progressToken?: unknown } } }).params;
  return params?._meta?.progressToken !== undefined;
}

/** The messages of a POST body: a JSON-RPC batch, or one message. */
export const messagesOf = <T = JSONRPCMessage>(body: unknown): T[] => (Array.isArray(body) ? body : [body]) as T[];

/** What a POST body asks, for the request log: JSON-RPC methods, and the tool of a tools/call. */
export function describeBody(body: unknown): { rpc?: string; tool?: string } {
  const messages = messagesOf<{ method?: string; params?: { name?: unknown } }>(body);
  const methods = messages.map((m) => m?.method).filter((m): m is string => typeof m === 'string');
  const call = messages.find((m) => m?.method === 'tools/call');
  return { rpc: methods.join(',') || undefined, tool: typeof call?.params?.name === 'string' ? call.params.name : undefined };
}

/** How many tools/call requests a POST body holds. */
export function toolCallsIn(body: unknown): number {
  return messagesOf<{ method?: unknown }>(body).filter((m) => m?.method === 'tools/call').length;
}

/** The ids of the JSON-RPC requests in a POST body (not its notifications or responses). */
export function requestIdsIn(body: unknown): RequestId[] {
  return messagesOf(body)
    .filter(isRequestMessage)
    .map((m) => m.id);
}
