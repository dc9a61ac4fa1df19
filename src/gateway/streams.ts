/**
 * Argo CD's streaming operations (watches, logs): a call collects a bounded window of items into one result, and
 * openStream hands a subscription its items as they come. Both keep only what the scope allows.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../catalogue/types.ts';
import { STREAM_DEFAULTS } from '../catalogue/stream-bounds.ts';
import { buildRequest } from '../argocd/build-request.ts';
import { MAX_LOG_LINE_CHARS, collectStream, ndjsonItems } from '../argocd/collect-stream.ts';
import type { Upstream } from '../argocd/upstream.ts';
import type { ScopeGuard } from '../policy/scope/scope.ts';
import { capResult } from '../shaping/cap.ts';
import type { Cap } from '../shaping/cap.ts';
import { condenseTree, strip, summariseApplicationObject } from '../shaping/shape.ts';
import type { ShapeArgs } from '../shaping/shape.ts';
import { queryStreamWindow } from './query-hook.ts';
import { jsonResult, narrowHint, textResult } from './results.ts';
import type { Exposure } from './exposure.ts';
import type { CallContext, Gateway } from './types.ts';

/** A stream's answer as the upstream hands it over. */
export interface StreamAnswer {
  body: ReadableStream<Uint8Array>;
  close: () => void;
  note?: string;
}

/** A stream item, shaped like the one-shot tools shape their results. */
function shapeStreamItem(tool: CatalogueTool, item: unknown, args: ShapeArgs): unknown {
  if (args.raw) return item;
  if (tool.request.stream === 'logs') {
    const e = item as { podName?: string; timeStampStr?: string; content?: string };
    return [e.timeStampStr, e.podName, e.content].filter(Boolean).join(' ');
  }
  const event = item as { type?: string; application?: unknown; applicationSet?: unknown };
  if (event.application !== undefined) {
    return { type: event.type, application: args.fields?.length ? strip(event.application) : summariseApplicationObject(event.application) };
  }
  if (Array.isArray((item as { nodes?: unknown }).nodes)) return condenseTree(item);
  return strip(item);
}

function isLogContent(item: unknown): boolean {
  const entry = item as { content?: string; last?: boolean };
  return !(entry && entry.last === true && !entry.content);
}


/** How long a stream call waits in all (waitSeconds, bounded), in ms; undefined for other calls. */
export function streamWaitMs(tool: CatalogueTool, args: Record<string, unknown>): number | undefined {
  if (!tool.request.stream) return undefined;
  return Math.min(Number(args.waitSeconds ?? STREAM_DEFAULTS[tool.request.stream].waitSeconds), STREAM_DEFAULTS.waitSeconds) * 1000;
}

export interface StreamsDeps {
  exposure: Pick<Exposure, 'catalogueIndex' | 'probeServer' | 'refusalOf'>;
  scope: ScopeGuard;
  upstream?: Upstream;
  rawResults?: boolean;
  budgetOf: (ctx: CallContext) => Cap;
}

export function createStreams(deps: StreamsDeps): { runStream: (tool: CatalogueTool, args: Record<string, unknown>, answer: StreamAnswer, ctx: CallContext) => Promise<CallToolResult>; openStream: Gateway['openStream'] } {
  const { exposure, scope, upstream, budgetOf } = deps;

  /** A call's window of a stream: up to maxItems items or waitSeconds, whichever comes first, as one result. */
  async function runStream(tool: CatalogueTool, args: Record<string, unknown>, answer: StreamAnswer, ctx: CallContext): Promise<CallToolResult> {
    const kind = tool.request.stream!;
    const defaults = STREAM_DEFAULTS[kind];
    const maxItems = Math.min(Number(args.maxItems ?? defaults.maxItems), STREAM_DEFAULTS.maxItems);
    const waitSeconds = Math.min(Number(args.waitSeconds ?? defaults.waitSeconds), STREAM_DEFAULTS.waitSeconds);
    let lastProgress = 0;
    const shapeArgs: ShapeArgs = { raw: (args.raw as boolean | undefined) ?? deps.rawResults, fields: args.fields as string[] | undefined };
    const window = await collectStream({
      body: answer.body,
      maxItems,
      waitMs: waitSeconds * 1000,
      signal: ctx.signal,
      keep: kind === 'logs' ? isLogContent : undefined,
      maxLineChars: kind === 'logs' ? MAX_LOG_LINE_CHARS : undefined,
      onItem: (count) => {
        if (ctx.progressToken === undefined || !ctx.sendProgress) return;
        const now = Date.now();
        // At most every 200 ms; none for the last item, which the result itself reports right after.
        if (now - lastProgress < 200 || count >= maxItems) return;
        lastProgress = now;
        ctx.sendProgress({ progress: count, total: maxItems, message: `${count} ${kind === 'logs' ? 'log lines' : 'events'} received` }).catch(() => undefined);
      },
    });
    answer.close();
    const visible = scope.filter(tool, window.items) as unknown[];
    const result: Record<string, unknown> = {
      items: visible.map((i) => shapeStreamItem(tool, i, shapeArgs)),
      count: visible.length,
      stoppedBecause: answer.note ?? window.stoppedBecause,
    };
    if (window.error !== undefined) result.error = window.error;
    // query: on the window with its items as Argo CD sent them (src/gateway/query-hook.ts).
    const queried = typeof args.query === 'string' ? queryStreamWindow({ ...result, items: visible }, args.query) : undefined;
    if (queried && !queried.ok) return textResult(queried.message, true);
    const capped = await capResult(queried ? queried.value : result, budgetOf(ctx), narrowHint(tool));
    const out = jsonResult(capped.text, capped.value, capped.note ? [capped.note] : []);
    return window.error !== undefined ? { ...out, isError: true } : out;
  }

  async function openStream(name: string, args: Record<string, unknown>, signal: AbortSignal) {
    const tool = exposure.catalogueIndex().get(name);
    if (!tool?.request.stream) return { ok: false as const, error: `${name} is not a streaming tool` };
    await exposure.probeServer();
    const refusal = exposure.refusalOf(tool);
    if (refusal) return { ok: false as const, error: `${name} is not available: ${refusal}` };
    if (!upstream) return { ok: false as const, error: 'No Argo CD is configured.' };
    const verdict = await scope.check(tool, args);
    if (!verdict.ok) return { ok: false as const, error: verdict.refusal! };
    const built = buildRequest(tool, verdict.args);
    if (!built.ok) return { ok: false as const, error: built.problems.join('; ') };
    const answer = await upstream.send({ tool, request: built.request, signal });
    if (answer.kind !== 'stream') return { ok: false as const, error: answer.kind === 'error' ? answer.text : 'Argo CD did not answer with a stream' };
    signal.addEventListener('abort', () => answer.close(), { once: true });
    const body = answer.body;
    async function* items(): AsyncIterable<unknown> {
      for await (const item of ndjsonItems(body)) {
        const kept = scope.filter(tool!, [item]) as unknown[];
        if (kept.length) yield kept[0];
      }
    }
    return { ok: true as const, items: items() };
  }

  return { runStream, openStream };
}
