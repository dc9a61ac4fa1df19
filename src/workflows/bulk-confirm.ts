/**
 * sync_many's confirmation: one yes for the whole batch, bound to exactly the applications it showed. The user is
 * asked with the full list (elicitation); without elicitation the preview's token covers the applications that
 * preview listed (all of them, or the first ones that fit in a result, with the exact count of the others), and
 * an execution runs only those. The per-app syncs then carry a grant naming exactly those applications.
 */
import { countTokens, fitsIn } from '../shaping/cap.ts';
import { deletesResources } from '../policy/confirm/confirm.ts';
import { PACING_ARGS, argumentsHash } from '../policy/confirm/tokens.ts';
import type { ConfirmedGrant, ConfirmationSettings } from '../policy/confirm/gate.ts';
import type { CallContext } from '../gateway/gateway.ts';

export interface BulkApp {
  name: string;
  namespace?: string;
}

/**
 * The token binds sync_many's filters and what each sync does; not `execute` (what differs between preview and
 * execution) nor how the gateway paces and waits.
 */
const NOT_BOUND = ['execute', ...PACING_ARGS];
const BULK_TARGET = '(the applications the preview listed)';

const keyOf = (a: BulkApp) => `${a.namespace ?? ''}/${a.name}`;

/** Whether this bulk sync needs the user's yes: a pruning or forced sync, several apps, terminations, or `writes`. */
export function bulkNeedsConfirmation(settings: ConfirmationSettings, args: Record<string, unknown>, count: number): boolean {
  if (settings.policy === 'never' || args.dryRun === true || count === 0) return false;
  return settings.policy === 'writes' || count > 1 || deletesResources(args) || args.terminateOnCancel === true;
}

/** The sentence the user confirms. */
export function bulkAction(settings: ConfirmationSettings, args: Record<string, unknown>, count: number): string {
  const effects = [
    args.prune === true ? ' with prune (resources no longer in Git are deleted)' : '',
    deletesResources({ strategy: args.strategy }) ? ' with force' : '',
    settings.instance ? ` on the Argo CD instance "${settings.instance}"` : '',
    args.terminateOnCancel === true ? ', terminating their running operations if this call is cancelled' : '',
  ].join('');
  return `sync ${count} application${count === 1 ? '' : 's'}${effects}`;
}

/** What the per-app calls may do without asking again: sync (and terminate, when asked for) exactly these apps. */
export function bulkGrant(settings: ConfirmationSettings, args: Record<string, unknown>, apps: BulkApp[]): ConfirmedGrant {
  const tools = new Set(['application_sync']);
  if (args.terminateOnCancel === true) tools.add('application_terminate_operation');
  return { tools, targets: new Set(apps.map((a) => a.name)), instance: settings.instance };
}

/**
 * The applications a preview's token covers: all of them when the preview fits in the result cap, else the most
 * that fit (in the order shown), so the agent and the user always see every application the token covers.
 * Rows are counted once each (linear), the cut is estimated from their running sum, then checked on the real text.
 */
export async function coveredByPreview<T extends BulkApp>(args: {
  rows: T[];
  budgetTokens: number;
  render: (shown: T[]) => unknown;
  renderRow: (row: T) => unknown;
}): Promise<T[]> {
  const { rows, budgetTokens, render } = args;
  const fits = async (n: number) => fitsIn(JSON.stringify(render(rows.slice(0, n))), budgetTokens);
  if (await fits(rows.length)) return rows;
  const frame = await countTokens(JSON.stringify(render([])));
  let n = 0;
  let sum = frame;
  for (const row of rows) {
    // +1 for the comma between rows.
    sum += (await countTokens(JSON.stringify(args.renderRow(row)))) + 1;
    if (sum > budgetTokens) break;
    n += 1;
  }
  // Tokens of a joined text can differ a little from the sum of its parts: shrink until the real text fits.
  while (n > 0 && !(await fits(n))) n = Math.floor(n * 0.95);
  return rows.slice(0, n);
}

/** Issues the token for a preview: bound to the arguments (without `execute`) and the exact applications shown. */
export async function issueBulkToken(settings: ConfirmationSettings, ctx: CallContext, args: Record<string, unknown>, covered: BulkApp[]): Promise<string> {
  return settings.tokens.issue({
    tool: 'sync_many',
    target: BULK_TARGET,
    instance: settings.instance,
    caller: ctx.user?.subject ?? '',
    argsHash: argumentsHash(args, NOT_BOUND),
    covers: covered.map(keyOf),
  });
}

export type BulkDecision<T> = { ok: true; run: T[]; notCovered: number; gone: string[] } | { ok: false; message: string };

/**
 * Decides what an execution runs: with elicitation, the user is asked with the full list and the answer covers
 * exactly `apps`; without, the operator's fallback decides, and a token runs only the applications it covers that
 * still match (`gone`: covered ones that no longer match; `notCovered`: matching ones the preview did not show).
 */
export async function confirmBulk<T extends BulkApp>(settings: ConfirmationSettings, ctx: CallContext, args: Record<string, unknown>, apps: T[]): Promise<BulkDecision<T>> {
  const action = bulkAction(settings, args, apps.length);
  if (ctx.askUser) {
    const answer = await ctx.askUser(`Confirm: ${action}: ${apps.map((a) => (a.namespace ? `${a.namespace}/${a.name}` : a.name)).join(', ')}?`);
    if (answer === 'accept') return { ok: true, run: apps, notCovered: 0, gone: [] };
    return { ok: false, message: `The user ${answer === 'decline' ? 'declined' : 'cancelled'} the bulk sync (${action}). Nothing was sent to Argo CD.` };
  }
  if (settings.fallback === 'refuse') {
    return {
      ok: false,
      message:
        `${action} needs the user's confirmation, and this client cannot ask them (no MCP elicitation, or stateless HTTP). ` +
        'This gateway refuses such calls (confirmFallback: refuse). Nothing was sent to Argo CD.',
    };
  }
  const token = args.confirmationToken;
  if (typeof token !== 'string' || !token) {
    return {
      ok: false,
      message: `${action} needs confirmation: call sync_many without execute first; its preview lists the applications and gives a confirmationToken for exactly them. Nothing was sent to Argo CD.`,
    };
  }
  const redeemed = await settings.tokens.redeem(token, {
    tool: 'sync_many',
    target: BULK_TARGET,
    instance: settings.instance,
    caller: ctx.user?.subject ?? '',
    argsHash: argumentsHash(args, NOT_BOUND),
  });
  if (!redeemed.ok) {
    return { ok: false, message: `The confirmationToken does not confirm this bulk sync: ${redeemed.reason}. Preview again (sync_many without execute). Nothing was sent to Argo CD.` };
  }
  const covers = new Set(redeemed.binding.covers ?? []);
  const run = apps.filter((a) => covers.has(keyOf(a)));
  const matching = new Set(apps.map(keyOf));
  const gone = [...covers].filter((k) => !matching.has(k)).map((k) => k.replace(/^\//, ''));
  return { ok: true, run, notCovered: apps.length - run.length, gone };
}
