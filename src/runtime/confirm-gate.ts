/**
 * The confirmation step of a gateway call, between building the request and sending it: the policy says whether
 * the call needs the user's yes (confirm.ts), then the client's user is asked, or the operator's fallback applies.
 * A composite tool that confirmed a batch itself hands its calls a grant naming exactly what it confirmed.
 */
import type { CatalogueTool } from '../catalogue/types.ts';
import type { UpstreamRequest } from './build-request.ts';
import { confirmCall, confirmationTarget, needsConfirmation } from './confirm.ts';
import type { ConfirmFallback, ConfirmPolicy, Gate } from './confirm.ts';
import { createConfirmationTokens } from './confirm-tokens.ts';
import type { ConfirmationTokens } from './confirm-tokens.ts';
import type { CallContext } from './gateway.ts';

/** What a composite tool confirmed as a whole: these tools on these targets of this instance, and nothing else. */
export interface ConfirmedGrant {
  tools: ReadonlySet<string>;
  targets: ReadonlySet<string>;
  instance: string;
}

export interface ConfirmationSettings {
  policy: ConfirmPolicy;
  fallback: ConfirmFallback;
  tokens: ConfirmationTokens;
  /** The Argo CD instance's name when several are configured, else ''. */
  instance: string;
}

/** A request path with its parameters filled in, as the preview shows it. */
function filledPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (whole, key: string) => (values[key] !== undefined ? encodeURIComponent(values[key]) : whole));
}

export function confirmationGate(options: { policy: ConfirmPolicy; fallback?: ConfirmFallback; tokens?: ConfirmationTokens; instance?: string }) {
  const settings: ConfirmationSettings = {
    policy: options.policy,
    fallback: options.fallback ?? 'refuse',
    tokens: options.tokens ?? createConfirmationTokens(),
    instance: options.instance ?? '',
  };
  return {
    settings,
    /**
     * The arguments without the removed `confirm` argument: older agents still send it, and it is ignored, never
     * taken for the user's answer (the call is confirmed as if it were absent).
     */
    withoutLegacyConfirm(args: Record<string, unknown>): Record<string, unknown> {
      if (!('confirm' in args)) return args;
      const { confirm: _ignored, ...rest } = args;
      return rest;
    },
    async check(args: { tool: CatalogueTool; args: Record<string, unknown>; ctx: CallContext; request: UpstreamRequest }): Promise<Gate> {
      const { tool, ctx } = args;
      if (!needsConfirmation(tool, args.args, settings.policy)) return { ok: true };
      const grant = ctx.internal ? ctx.confirmed : undefined;
      if (grant && grant.instance === settings.instance && grant.tools.has(tool.name) && grant.targets.has(confirmationTarget(tool, args.args))) {
        return { ok: true };
      }
      return confirmCall({
        tool,
        args: args.args,
        instance: settings.instance || undefined,
        caller: ctx.user?.subject,
        ask: ctx.askUser,
        fallback: settings.fallback,
        tokens: settings.tokens,
        via: ctx.internal ? ctx.via : undefined,
        request: {
          method: tool.request.method,
          path: filledPath(tool.request.path, args.request.path),
          query: Object.keys(args.request.query).length ? args.request.query : undefined,
          body: args.request.hasBody ? args.request.body : undefined,
        },
      });
    },
  };
}

export type ConfirmationGate = ReturnType<typeof confirmationGate>;
