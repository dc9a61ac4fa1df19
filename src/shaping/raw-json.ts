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

/**
 * An object that is `json` (a JSON object's text): parsed when something first looks into it, and written by
 * serializeMessage as that text without being parsed at all. A result shaped on a shaping thread (shaper.ts) comes
 * back as text; the transport only needs the text, and anything else that reads the result still sees the object.
 * Changing it makes it a plain parsed object for serializeMessage too.
 */
export function lazyJsonObject(json: string): Record<string, unknown> {
  let target: Record<string, unknown> | undefined;
  const parsed = () => (target ??= JSON.parse(json) as Record<string, unknown>);
  const changed = () => {
    made.delete(proxy);
    return parsed();
  };
  const proxy: Record<string, unknown> = new Proxy<Record<string, unknown>>(
    {},
    {
      get: (_t, key) => Reflect.get(parsed(), key),
      has: (_t, key) => Reflect.has(parsed(), key),
      ownKeys: () => Reflect.ownKeys(parsed()),
      // The empty target has none of the keys, so each must be reported configurable (a proxy invariant).
      getOwnPropertyDescriptor: (_t, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(parsed(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
      set: (_t, key, value) => Reflect.set(changed(), key, value),
      deleteProperty: (_t, key) => Reflect.deleteProperty(changed(), key),
      defineProperty: (_t, key, descriptor) => Reflect.defineProperty(changed(), key, descriptor),
    },
  );
  made.set(proxy, json);
  return proxy;
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
