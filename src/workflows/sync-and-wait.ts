/** sync_and_wait: sync one application and wait as `argocd app sync` does. */
import type { CompositeTool, CallContext } from '../gateway/gateway.ts';
import { APP_ARGS, CONFIRMATION_TOKEN_ARG, WAIT_ARGS, pick, textResult, workflowTool } from './common.ts';
import type { Call } from './common.ts';
import { type Outcome, outcomeResult, startAndFollow } from './wait.ts';

type Json = Record<string, unknown>;

/** sync + follow, shared by sync_and_wait, set_revision and sync_many. */
export async function syncAndFollow(call: Call, ctx: CallContext, args: Json, deadline?: number): Promise<{ outcome?: Outcome; error?: string }> {
  const syncArgs = pick(args, ['name', 'appNamespace', 'project', 'revision', 'prune', 'dryRun', 'resources', 'syncOptions', 'strategy', 'retryStrategy']);
  if (Array.isArray(args.syncOptions)) syncArgs.syncOptions = { items: args.syncOptions };
  return startAndFollow({ call, ctx, input: args, deadline, start: () => call('application_sync', syncArgs, ctx) });
}

export const SYNC_ARGS = {
  revision: { type: 'string', description: 'Sync to this revision instead of the target revision.' },
  prune: { type: 'boolean', description: 'Delete resources no longer in Git (asks for confirmation).' },
  dryRun: { type: 'boolean', description: 'Run a dry-run sync operation: nothing changes; its result (and failure) is reported.' },
  resources: {
    type: 'array',
    items: {
      type: 'object',
      properties: { group: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, namespace: { type: 'string' } },
      required: ['kind', 'name'],
    },
    description: 'Only these resources.',
  },
  syncOptions: { type: 'array', items: { type: 'string' }, description: "e.g. ['CreateNamespace=true', 'ServerSideApply=true']." },
  confirmationToken: CONFIRMATION_TOKEN_ARG,
};

export const syncAndWait: CompositeTool = {
  tool: workflowTool({
    name: 'sync_and_wait',
    title: 'Workflow: sync an application and wait',
    description:
      "Syncs one application and waits as `argocd app sync` does: until the operation finished and the app was reconciled since, then for waitFor. Returns the phase, refreshed sync and health, and failed resources with why; a timeout says what it still waited for.",
    readOnly: false,
    // prune: true deletes resources.
    destructive: true,
    inputSchema: { type: 'object', properties: { ...APP_ARGS, ...SYNC_ARGS, ...WAIT_ARGS }, required: ['name'] },
    uses: ['application_sync', 'application_get', 'application_terminate_operation'],
  }),
  requires: ['application_sync', 'application_get'],
  params: { appNamespace: ['application_sync.appNamespace'] },
  async run(args, ctx, call) {
    const { outcome, error } = await syncAndFollow(call, ctx, args);
    if (error) return textResult(error, true);
    return outcomeResult(outcome!);
  },
};
