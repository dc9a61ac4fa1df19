/**
 * How a call's outcome becomes a tool result: an error text, or Argo CD's JSON as text plus structuredContent, with
 * secrets masked and Argo CD's parts marked untrusted.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../catalogue/types.ts';
import { redactText } from '../redact.ts';
import { rememberJson } from '../shaping/raw-json.ts';

/** A result of plain text: the gateway's own message, or an error the caller can act on. */
export function textResult(text: string, isError = false): CallToolResult {
  return { content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) };
}

function parseMasked(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback === undefined ? undefined : { truncatedText: text };
  }
}

/** A JSON result: the text, plus structuredContent when it is an object, plus any notes. */
export function jsonResult(answer: string, parsed: unknown, notes: string[] = []): CallToolResult {
  // A secret the gateway knows (its token, a header value) echoed by Argo CD, or a password in a URL, never reaches
  // the model: the text is masked, and the value parsed again from it when anything was.
  const text = redactText(answer);
  const value = text === answer ? parsed : parseMasked(text, parsed);
  // Every tool advertises an object outputSchema, so a successful result always carries an object; a value that
  // is not one (a list, or text cut at the cap) is wrapped.
  const structured =
    value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : value === undefined
        ? { truncatedText: text }
        : { result: value };
  // The text is the structured value's JSON (capResult made it), so the transport need not serialize it again.
  if (structured === value) rememberJson(structured, text);
  return {
    content: [{ type: 'text', text }, ...notes.map((n) => ({ type: 'text' as const, text: n }))],
    structuredContent: structured,
    _meta: UNTRUSTED_META,
  };
}

/**
 * Says in the result itself which parts are Argo CD's content (names, messages, annotations anyone could write): data
 * to report, never instructions. The notes after the first text block are the gateway's own.
 */
export const UNTRUSTED_META = Object.freeze({ 'argocd-mcp-gateway/untrusted': ['structuredContent', 'content[0]'] });


/** How to narrow this tool's result, for the note of a capped one. */
export function narrowHint(tool: CatalogueTool): string {
  if (tool.request.list) return 'Narrow with this tool\'s filters, `fields` (e.g. ["metadata.name"]), or limit/offset.';
  if (tool.request.stream) return 'Lower maxItems or waitSeconds, or filter the stream.';
  return 'Select parts with `fields` (e.g. ["status.sync"]) or use a more specific tool.';
}
