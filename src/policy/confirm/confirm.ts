/**
 * Confirmation of destructive operations (docs/confirmation.md). With `confirm: destructive` (the default) deletes,
 * terminations, cluster auth rotation, and syncs or rollbacks that prune or force need the user's yes; `writes` asks
 * for every write; `never` asks for nothing. A client that can elicit always asks its user: no argument replaces the
 * answer. A client that cannot gets what the operator chose (`confirmFallback`): a refusal, or a preview whose
 * token confirms exactly the previewed request once. Nothing is sent to Argo CD before the confirmation.
 */
import type { CatalogueTool } from '../../catalogue/types.ts';
import { redactValue } from '../../redact.ts';
import { argumentsHash } from './tokens.ts';
import type { ConfirmationTokens } from './tokens.ts';

export type ConfirmPolicy = 'destructive' | 'writes' | 'never';

/** What happens when a call needs confirmation and the client cannot ask its user. */
export type ConfirmFallback = 'refuse' | 'token';

/** The caller's way to ask the user, when the MCP client supports elicitation. */
export type AskUser = (message: string) => Promise<'accept' | 'decline' | 'cancel'>;

/**
 * Operations annotated destructive because they *can* delete (prune): whether one call does depends on its
 * arguments, so under `destructive` only those calls ask.
 */
const PRUNE_CAPABLE = new Set(['ApplicationService_Sync', 'ApplicationService_Rollback']);

/**
 * Whether a sync or rollback's arguments delete or replace resources: `prune: true` deletes what is no longer in
 * Git; `strategy.{apply,hook}.force` (the CLI's `--force`) deletes and re-creates resources that cannot be patched.
 */
export function deletesResources(args: Record<string, unknown>): boolean {
  const strategy = args.strategy as { apply?: { force?: unknown }; hook?: { force?: unknown } } | undefined;
  return args.prune === true || strategy?.apply?.force === true || strategy?.hook?.force === true;
}

/** Whether this call needs the user's confirmation under the policy. */
export function needsConfirmation(tool: CatalogueTool, args: Record<string, unknown>, policy: ConfirmPolicy): boolean {
  if (policy === 'never' || tool.annotations.readOnlyHint) return false;
  if (args.dryRun === true) return false;
  if (policy === 'writes') return true;
  if (PRUNE_CAPABLE.has(tool._meta['argocd/operationId'])) return deletesResources(args);
  return !!tool.annotations.destructiveHint;
}

/** What the user confirms: the object the call acts on, as the agent named it. */
export function confirmationTarget(tool: CatalogueTool, args: Record<string, unknown>): string {
  const params = tool.request.path_params;
  for (const p of [...params].reverse()) {
    const v = args[p.arg];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  for (const key of ['name', 'keyID', 'hostNamePattern', 'url']) {
    const v = args[key];
    if (typeof v === 'string' && v) return v;
  }
  const body = tool.request.body?.kind === 'object' ? (args[tool.request.body.arg] as { metadata?: { name?: string } } | undefined) : undefined;
  return body?.metadata?.name ?? tool.name;
}

/** A Kubernetes resource named by a call's arguments (delete_resource, patch_resource, actions), or undefined. */
function resourceOf(args: Record<string, unknown>): string | undefined {
  if (typeof args.resourceName !== 'string' || typeof args.kind !== 'string') return undefined;
  const group = typeof args.group === 'string' && args.group ? `${args.group}/` : '';
  const ns = typeof args.namespace === 'string' && args.namespace ? `${args.namespace}/` : '';
  return `${group}${args.kind} ${ns}${args.resourceName}`;
}

/** One sentence saying what will happen: the question the user is asked, and the head of a preview. */
export function describeAction(args: { tool: CatalogueTool; args: Record<string, unknown>; target: string; instance?: string; path?: string }): string {
  const { tool, target } = args;
  const a = args.args;
  const what = tool.title.replace(/^[^:]+:\s*/, '');
  const resource = resourceOf(a);
  const on = resource ? `the resource ${resource} of "${target}"` : `"${target}"`;
  const where = args.instance ? ` on the Argo CD instance "${args.instance}"` : '';
  const effects = [
    a.prune === true ? 'with prune (resources no longer in Git are deleted)' : '',
    deletesResources({ strategy: a.strategy }) ? 'with force (resources that cannot be patched are deleted and re-created)' : '',
    a.cascade === false ? 'without cascade (its resources stay in the cluster)' : '',
    a.orphan === true ? 'orphaning its dependents' : '',
  ].filter(Boolean);
  return `${tool.name} (${what}) on ${on}${where}${effects.length ? ` ${effects.join(', ')}` : ''}: ${tool.request.method} ${args.path ?? tool.request.path}`;
}

export type Gate = { ok: true } | { ok: false; message: string };

/** One request as a composite's token covers it: tool, target, and the hash of its arguments. */
export function requestKey(tool: CatalogueTool, args: Record<string, unknown>): string {
  return `${tool.name}|${confirmationTarget(tool, args)}|${argumentsHash(args)}`;
}

/**
 * Decides whether a call that needs confirmation may go ahead. `ask` (elicitation) is always used when the client
 * has it, whatever the arguments carry; without it, `fallback` decides. `request` is what would be sent, for the
 * preview (its values are redacted). A `step` of a composite tool is previewed with a token for the composite's
 * call: made again with it, the composite's steps confirmed so far (and this one) go through.
 */
export async function confirmCall(args: {
  tool: CatalogueTool;
  args: Record<string, unknown>;
  instance?: string;
  caller?: string;
  ask?: AskUser;
  fallback: ConfirmFallback;
  tokens: ConfirmationTokens;
  step?: { tool: string; argsHash: string; covered: string[] };
  request: { method: string; path: string; query?: Record<string, unknown>; body?: unknown };
}): Promise<Gate> {
  const { tool, step } = args;
  const target = confirmationTarget(tool, args.args);
  const action = describeAction({ tool, args: args.args, target, instance: args.instance, path: args.request.path });
  if (args.ask) {
    const answer = await args.ask(`Confirm ${action}?`);
    if (answer === 'accept') return { ok: true };
    return { ok: false, message: `The user ${answer === 'decline' ? 'declined' : 'cancelled'} ${action}. Nothing was sent to Argo CD.` };
  }
  if (args.fallback === 'refuse') {
    return {
      ok: false,
      message:
        `${action} needs the user's confirmation, and this client cannot ask them (it does not support MCP elicitation, ` +
        'or the gateway runs stateless HTTP, where no request can ask). This gateway refuses such calls (confirmFallback: refuse). ' +
        'Use a client with elicitation (HTTP with sessions), or ask the operator for confirmFallback: token. Nothing was sent to Argo CD.',
    };
  }
  const instance = args.instance ?? '';
  const caller = args.caller ?? '';
  const presented = args.args.confirmationToken;
  if (!step && typeof presented === 'string' && presented) {
    const redeemed = await args.tokens.redeem(presented, { tool: tool.name, target, instance, caller, argsHash: argumentsHash(args.args) });
    if (redeemed.ok) return { ok: true };
    return { ok: false, message: `The confirmationToken does not confirm ${action}: ${redeemed.reason}. Call again without it for a new preview. Nothing was sent to Argo CD.` };
  }
  const token = step
    ? await args.tokens.issue({ tool: step.tool, target: step.tool, instance, caller, argsHash: step.argsHash, covers: [...step.covered, requestKey(tool, args.args)] })
    : await args.tokens.issue({ tool: tool.name, target, instance, caller, argsHash: argumentsHash(args.args) });
  const request = redactValue({ method: args.request.method, path: args.request.path, query: args.request.query, body: args.request.body });
  return {
    ok: false,
    message:
      `Not done yet — preview of ${action}.\nRequest: ${JSON.stringify(request)}\n` +
      `Show this to the user. Only if they agree, call ${step?.tool ?? tool.name} again with exactly the same arguments plus ` +
      `confirmationToken: ${JSON.stringify(token)} (it works once, for these arguments only, within 5 minutes). Nothing was sent to Argo CD.`,
  };
}
