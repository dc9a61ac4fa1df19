/**
 * The gateway's core, independent of the MCP transport: wires which tools are exposed (exposure.ts), how a call runs
 * (call.ts), streams (streams.ts) and the fleet attention reads, around one scope, confirmation gate and GitOps checks.
 */
import { createAttentionReads } from '../fleet/attention-reads.ts';
import { confirmationGate } from '../policy/confirm/gate.ts';
import { createGitopsChecks } from '../policy/gitops/checks.ts';
import { createScopeGuard } from '../policy/scope/scope.ts';
import { createCallTool } from './call.ts';
import { resultBudget } from './client-budgets.ts';
import type { ResultBudget } from './client-budgets.ts';
import { createExposure } from './exposure.ts';
import { createNoticeBoard } from './notices.ts';
import { createStreams } from './streams.ts';
import type { CallContext, Gateway, GatewayOptions } from './types.ts';

export type { CallContext, CompositeTool, Gateway, GatewayOptions } from './types.ts';
export { UNTRUSTED_META, textResult } from './results.ts';

export function createGateway(options: GatewayOptions): Gateway {
  const { upstream } = options;
  const notices = createNoticeBoard();
  const budgetOf = (ctx: CallContext): ResultBudget => resultBudget({ operatorTokens: options.maxResultTokens, clientName: ctx.clientName });
  const scope = createScopeGuard(options.scope ?? {}, upstream);
  const confirmPolicy = options.confirm ?? 'destructive';
  const gitops = createGitopsChecks(typeof options.gitopsChecks === 'object' ? options.gitopsChecks : { mode: options.gitopsChecks ?? 'warn' });
  const confirm = confirmationGate({ policy: confirmPolicy, fallback: options.confirmFallback, tokens: options.confirmTokens, instance: options.instance });
  const exposure = createExposure(options, notices);
  const streams = createStreams({ exposure, scope, upstream, rawResults: options.rawResults, budgetOf });

  const gateway: Gateway = {
    notices,
    exposed: exposure.exposed,
    listTools: exposure.listTools,
    serverSupport: exposure.serverSupport,
    openStream: streams.openStream,
    // Fleet attention feed: its list and watch pass the same allowlist, scope and identity as a call.
    attentionReads: [
      createAttentionReads({ instance: options.instance, tools: exposure.catalogueIndex, ready: exposure.probeServer, refusalOf: exposure.refusalOf, scope, upstream, signIn: options.signIn }),
    ],
    confirmPolicy,
    callTool: createCallTool({ options, exposure, scope, confirm, gitops, budgetOf, runStream: streams.runStream, self: () => gateway }),
  };
  return gateway;
}
