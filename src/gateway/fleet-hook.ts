/**
 * Fleet questions (src/fleet/fleet-call.ts) in the call path: a list tool called with fleet filters or an answer
 * shape is answered from the whole list. A `summary` answer is a list like any other: cut, it gives a `cursor`, and
 * its next pages come from a snapshot of the matching rows (src/gateway/paging-hook.ts) instead of listing the fleet
 * again. `names` and `counts` answers fit the budget at fleet scale; a cut one continues with `offset`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../catalogue/types.ts';
import { answerFleetQuestion, isFleetCall } from '../fleet/fleet-call.ts';
import { freshListResult, listPageRequest, servePage } from './paging-hook.ts';
import type { ListPaging } from './paging-hook.ts';
import type { ResultBudget } from './client-budgets.ts';
import { UNTRUSTED_META, textResult } from './results.ts';
import type { CallContext, Gateway } from './types.ts';

export interface FleetHookDeps {
  paging: ListPaging;
  budgetOf: (ctx: CallContext) => ResultBudget;
  instance?: string;
  self: () => Pick<Gateway, 'callTool'>;
}

/** The answer to a fleet question, or undefined when the call asks none (it then runs as it always did). */
export async function fleetAnswer(deps: FleetHookDeps, tool: CatalogueTool, rawArgs: unknown, ctx: CallContext): Promise<CallToolResult | undefined> {
  const given = (rawArgs ?? {}) as Record<string, unknown>;
  if (!isFleetCall(tool.name, given)) return undefined;
  const { cursor, ...args } = given;
  const cap = ctx.internal ? Number.POSITIVE_INFINITY : deps.budgetOf(ctx);
  const summary = (args.answer ?? 'summary') === 'summary' && !ctx.internal;
  const request = listPageRequest(tool, args, { user: ctx.user, cap });
  if (cursor !== undefined && cursor !== null) {
    if (!summary) return textResult(`Invalid arguments for ${tool.name}; nothing was sent to Argo CD:\n- \`cursor\` pages a summary answer; a names or counts answer continues with \`offset\``, true);
    if (args.offset !== undefined) return textResult(`Invalid arguments for ${tool.name}; nothing was sent to Argo CD:\n- give \`cursor\` or \`offset\`, not both`, true);
    return servePage(deps.paging, { ...request, cursor: String(cursor) });
  }
  // A summary is answered whole and paged here, so its cut leaves a snapshot; names and counts fit the budget themselves.
  const { offset, limit, ...whole } = args;
  const answered = await answerFleetQuestion({
    name: tool.name,
    args: summary ? whole : args,
    ctx,
    cap: summary ? Number.POSITIVE_INFINITY : cap,
    instance: deps.instance,
    call: (n, a, c) => deps.self().callTool(n, a, { ...ctx, ...c }),
  });
  if (!answered || answered.isError) return answered;
  if (!summary) return { ...answered, _meta: UNTRUSTED_META };
  const notes = answered.content.slice(1).map((c) => (c as { text?: string }).text ?? '');
  return freshListResult(deps.paging, { ...request, limit: limit as number | undefined, offset: offset as number | undefined, full: answered.structuredContent, notes });
}
