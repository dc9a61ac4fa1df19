/**
 * Confirmation of destructive operations. With `confirm: destructive` (the default) deletes, terminations, cluster
 * auth rotation and syncs or rollbacks that prune need the user's yes: asked through MCP elicitation when the
 * client supports it, otherwise by an explicit `confirm` argument that echoes the target. `writes` asks for every
 * write; `never` asks for nothing. A declined confirmation sends nothing upstream.
 */
import type { CatalogueTool } from '../catalogue/types.ts';

export type ConfirmPolicy = 'destructive' | 'writes' | 'never';

/** Whether this call needs the user's confirmation under the policy. */
export function needsConfirmation(tool: CatalogueTool, args: Record<string, unknown>, policy: ConfirmPolicy): boolean {
  if (policy === 'never' || tool.annotations.readOnlyHint) return false;
  if (args.dryRun === true) return false;
  if (policy === 'writes') return true;
  return tool.annotations.destructiveHint || args.prune === true;
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

/** One sentence saying what will happen, for the elicitation prompt and the error that asks for `confirm`. */
export function describeAction(tool: CatalogueTool, args: Record<string, unknown>, target: string): string {
  const what = tool.title.replace(/^[^:]+:\s*/, '');
  const prune = args.prune === true ? ' with prune (resources no longer in Git are deleted)' : '';
  return `${tool.name} (${what}) on "${target}"${prune}: ${tool.request.method} ${tool.request.path}`;
}

/** The caller's way to ask the user, when the MCP client supports elicitation. */
export type AskUser = (message: string) => Promise<'accept' | 'decline' | 'cancel'>;
