/**
 * The JSON text of a tool result's structured content is made once, when the result is capped (the text content
 * is that same JSON). The transport writes it as it is instead of serializing the object a second time.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const made = new WeakMap<object, string>();

/** Remembers that `json` is exactly `JSON.stringify(value)`; the value must not change afterwards. */
export function rememberJson(value: object, json: string): void {
  made.set(value, json);
}

/** The JSON text remembered for a value, if any. */
export function rememberedJson(value: object): string | undefined {
  return made.get(value);
}

const MARK = '\u0000structuredContent\u0000';
const MARK_JSON = JSON.stringify(MARK);

/** A JSON-RPC message as JSON text, with its result's structured content spliced in when its JSON is known. */
export function serializeMessage(message: JSONRPCMessage): string {
  const result = (message as { result?: { structuredContent?: unknown } }).result;
  const structured = result?.structuredContent;
  const json = structured !== null && typeof structured === 'object' ? made.get(structured) : undefined;
  if (json === undefined) return JSON.stringify(message);
  const text = JSON.stringify({ ...message, result: { ...result, structuredContent: MARK } });
  // A quote inside a JSON string is escaped, so the quoted mark can only be the placeholder itself.
  const at = text.lastIndexOf(MARK_JSON);
  return text.slice(0, at) + json + text.slice(at + MARK_JSON.length);
}
