/**
 * The gateway's two uses of a `query` argument outside shaping (src/shaping/queried.ts runs it on an answer): the
 * expression is compiled before anything is sent, so a syntax error costs no Argo CD call; and a read workflow's
 * result (find_app, health_report, diff) is queried as a whole, once the workflow has built it.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../catalogue/types.ts';
import { QUERY_ARG_SCHEMA, compileQuery, runQuery } from '../query/index.ts';
import { strip } from '../shaping/shape.ts';

/** The JMESPath `query` of a call: any operation tool's, and a workflow's when its schema is the JMESPath one. */
export function queryArgOf(args: Record<string, unknown>, composite: CatalogueTool | undefined): unknown {
  if (composite && (composite.inputSchema.properties as Record<string, unknown> | undefined)?.query !== QUERY_ARG_SCHEMA) return undefined;
  return args.query;
}

/** What is wrong with a `query` argument, or undefined when it is absent or compiles. */
export function queryArgProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return '`query` must be a string: a JMESPath expression, e.g. "items[].metadata.name"';
  const compiled = compileQuery(value);
  return compiled.ok ? undefined : compiled.error.text;
}

/**
 * A stream's window ({items, count, stoppedBecause}, items as Argo CD sent them: log entries, watch events) through
 * the query; e.g. `items[?contains(content, 'ERROR')].content` on logs.
 */
export function queryStreamWindow(window: Record<string, unknown>, query: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const ran = runQuery(query, window);
  if (!ran.ok) return { ok: false, message: `${ran.error.text}\nArgo CD answered; only the query failed.` };
  return { ok: true, value: strip(ran.value) ?? null };
}

/** A workflow's successful result with the query applied to its structured value; its notes are kept. */
export function queryComposite(result: CallToolResult, query: string): CallToolResult {
  if (result.isError) return result;
  let value: unknown = result.structuredContent;
  if (value === undefined) {
    try {
      value = JSON.parse((result.content[0] as { text?: string }).text ?? '');
    } catch {
      return { ...result, content: [...result.content, { type: 'text', text: '`query` was not applied: this result is not JSON.' }] };
    }
  }
  const ran = runQuery(query, value);
  if (!ran.ok) return { content: [{ type: 'text', text: `${ran.error.text}\nThe workflow ran; only the query failed.` }], isError: true };
  const out = strip(ran.value) ?? null;
  const structured = typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as Record<string, unknown>) : { result: out };
  return {
    ...result,
    content: [{ type: 'text', text: JSON.stringify(out) }, ...result.content.slice(1)],
    structuredContent: structured,
  };
}
