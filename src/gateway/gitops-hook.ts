/** How the gateway runs the GitOps checks: reads through its own call path, and puts the findings first in results. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { SignInUser } from '../argocd/auth/sso/broker.ts';

/** What the checks read of a call's context (the gateway's CallContext has these). */
interface HookContext {
  who?: string;
  requestId?: string;
  user?: SignInUser;
}

/** The gateway, as far as the checks call it: its own call path. */
interface ToolCaller {
  callTool(name: string, args: unknown, ctx?: HookContext & { signal?: AbortSignal; internal?: boolean }): Promise<CallToolResult>;
}
import { withNotice, withWorkflowNotice } from '../policy/gitops/checks.ts';
import type { CheckRead, GitopsVerdict } from '../policy/gitops/checks.ts';

/** Whose reads these are, for the cache: per-user Argo CD identities must not share answers. */
export const gitopsCaller = (ctx: HookContext): string => ctx.user?.subject ?? '';

/**
 * A check's read: an ordinary tool call (so the allowlist, the scope, version adaptation, the caller's own Argo CD
 * token and the audit apply), raw, uncapped, with the checks' deadline; it never asks the user anything.
 */
export function checkReader(gateway: ToolCaller, ctx: HookContext, signal: AbortSignal): CheckRead {
  return async (tool, args) => {
    const result = await gateway.callTool(tool, { ...args, raw: true }, { who: ctx.who, requestId: ctx.requestId, user: ctx.user, signal, internal: true });
    const text = result.content.map((c) => (c as { text?: string }).text ?? '').join('\n');
    if (result.isError) return { ok: false, error: text };
    const value = result.structuredContent as Record<string, unknown> | undefined;
    return value ? { ok: true, value } : { ok: false, error: 'Argo CD answered no object' };
  };
}

/** A result with the findings first: before a tool's own text, or leading a workflow's summary. */
export function withGitopsNotice(result: CallToolResult, verdicts: GitopsVerdict[], kind: 'direct' | 'workflow'): CallToolResult {
  if (!verdicts.some((v) => v.findings.length)) return result;
  return kind === 'workflow' ? withWorkflowNotice(result, verdicts) : withNotice(result, verdicts);
}
