/**
 * The confirmation step of a gateway call, between building the request and sending it: the policy says whether
 * the call needs the user's yes (confirm.ts), then the client's user is asked, or the operator's fallback applies.
 * A composite tool that confirmed a batch itself hands its calls a grant naming exactly what it confirmed.
 */
import type { CatalogueTool } from '../../catalogue/types.ts';
import type { UpstreamRequest } from '../../argocd/build-request.ts';
import { confirmCall, confirmationTarget, needsConfirmation, requestKey } from './confirm.ts';
import type { AskUser, ConfirmFallback, ConfirmPolicy, Gate } from './confirm.ts';
import { PACING_ARGS, argumentsHash, createConfirmationTokens } from './tokens.ts';
import type { ConfirmationTokens } from './tokens.ts';

/**
 * What the calls of a composite tool may do without asking, made inside the gateway (never from arguments): the
 * tools on the targets a batch confirmation named (sync_many), or the exact requests a redeemed token covers.
 */
export interface ConfirmedGrant {
  tools?: ReadonlySet<string>;
  targets?: ReadonlySet<string>;
  /** requestKey()s: tool, target and arguments hash of each covered request. */
  requests?: ReadonlySet<string>;
  instance: string;
}

/** What confirming reads of a call's context (the gateway's CallContext extends it). */
export interface ConfirmContext {
  /** Asks the user to confirm (MCP elicitation), when the client supports it. */
  askUser?: AskUser;
  /**
   * Set by a composite tool for its own calls after it confirmed them as a whole (sync_many's batch): these calls
   * need no further confirmation. Never from the client.
   */
  confirmed?: ConfirmedGrant;
  /** The composite tool making this call, named in a preview so the agent calls it again (not its parts). */
  via?: string;
  /** The hash of that composite call's arguments, which its previews' tokens bind (absent: it confirms itself). */
  viaArgsHash?: string;
  /** The gateway's confirmation settings, for composite tools that confirm a batch themselves. */
  confirmation?: ConfirmationSettings;
  /** A call made by a composite tool for its own reading. */
  internal?: boolean;
  /** The authenticated caller, whose tokens are theirs alone. */
  user?: { subject: string };
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
    /**
     * Before a composite tool runs: what its calls carry. A composite that confirms itself (sync_many) reads its
     * own token; for the others, a token (only without elicitation, under `token`) is redeemed here for the
     * composite's exact arguments, and grants the steps its previews covered.
     */
    async enterComposite<C extends ConfirmContext>(args: { name: string; confirmsItself: boolean; args: Record<string, unknown>; ctx: C }): Promise<{ ok: true; ctx: C } | { ok: false; message: string }> {
      const base: C = { ...args.ctx, via: args.name, confirmation: settings, confirmed: undefined, viaArgsHash: undefined };
      if (args.confirmsItself) return { ok: true, ctx: base };
      const argsHash = argumentsHash(args.args, PACING_ARGS);
      const presented = args.args.confirmationToken;
      if (args.ctx.askUser || settings.fallback !== 'token' || typeof presented !== 'string' || !presented) return { ok: true, ctx: { ...base, viaArgsHash: argsHash } };
      const redeemed = await settings.tokens.redeem(presented, { tool: args.name, target: args.name, instance: settings.instance, caller: args.ctx.user?.subject ?? '', argsHash });
      if (!redeemed.ok) {
        return { ok: false, message: `The confirmationToken does not confirm this ${args.name} call: ${redeemed.reason}. Call again without it for a new preview. Nothing was sent to Argo CD.` };
      }
      return { ok: true, ctx: { ...base, viaArgsHash: argsHash, confirmed: { requests: new Set(redeemed.binding.covers ?? []), instance: settings.instance } } };
    },
    async check(args: { tool: CatalogueTool; args: Record<string, unknown>; ctx: ConfirmContext; request: UpstreamRequest }): Promise<Gate> {
      const { tool, ctx } = args;
      if (!needsConfirmation(tool, args.args, settings.policy)) return { ok: true };
      const grant = ctx.internal && ctx.confirmed?.instance === settings.instance ? ctx.confirmed : undefined;
      if (grant?.tools?.has(tool.name) && grant.targets?.has(confirmationTarget(tool, args.args))) return { ok: true };
      if (grant?.requests?.has(requestKey(tool, args.args))) return { ok: true };
      // A step of a composite: its preview's token confirms the composite's call (not this step alone); a composite
      // that confirms itself has no token for its steps to give.
      const composite = ctx.internal ? ctx.via : undefined;
      return confirmCall({
        tool,
        args: args.args,
        instance: settings.instance || undefined,
        caller: ctx.user?.subject,
        ask: ctx.askUser,
        fallback: composite && !ctx.viaArgsHash ? 'refuse' : settings.fallback,
        tokens: settings.tokens,
        step: composite && ctx.viaArgsHash ? { tool: composite, argsHash: ctx.viaArgsHash, covered: [...(grant?.requests ?? [])] } : undefined,
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
