/** rollback: roll an application back to an earlier deployment and wait. */
import type { CompositeTool } from '../gateway/gateway.ts';
import { APP_ARGS, CONFIRMATION_TOKEN_ARG, WAIT_ARGS, parse, pick, textResult, workflowTool } from './common.ts';
import { outcomeResult, startAndFollow } from './wait.ts';

interface HistoryEntry {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt?: string;
  source?: { targetRevision?: string; chart?: string };
}

export const rollback: CompositeTool = {
  tool: workflowTool({
    name: 'rollback',
    title: 'Workflow: roll back an application',
    description:
      "Rolls an application back to its previous deployment (from status.history, as `argocd app rollback`), or to a given history id or revision, shows what it rolls back from and to, then waits like sync_and_wait. Argo CD refuses while auto-sync is enabled (since 3.1 `automated.enabled: false` counts as off).",
    readOnly: false,
    destructive: true,
    inputSchema: {
      type: 'object',
      properties: {
        ...APP_ARGS,
        id: { type: 'integer', description: 'History id to roll back to (default: the deployment before the current one).' },
        revision: { type: 'string', description: 'Roll back to the latest deployment of this revision.' },
        prune: { type: 'boolean' },
        dryRun: { type: 'boolean' },
        confirmationToken: CONFIRMATION_TOKEN_ARG,
        ...WAIT_ARGS,
      },
      required: ['name'],
    },
    uses: ['application_get', 'application_rollback', 'application_terminate_operation'],
  }),
  requires: ['application_get', 'application_rollback'],
  params: { appNamespace: ['application_rollback.appNamespace'] },
  async run(args, ctx, call) {
    const name = String(args.name);
    const base = pick(args, ['name', 'appNamespace']);
    const got = parse<{ spec?: { syncPolicy?: { automated?: { enabled?: boolean } } }; status?: { history?: HistoryEntry[]; sync?: { revision?: string } } }>(
      await call('application_get', { ...base, fields: ['spec.syncPolicy', 'status.history', 'status.sync.revision'] }, { ...ctx, progressToken: undefined }),
    );
    if (!got.ok) return textResult(got.error, true);
    const history = got.value.status?.history ?? [];
    // server/application/application.go Rollback refuses while IsAutomatedSyncEnabled (types.go): since v3.1
    // `automated.enabled: false` means off. An older server that ignores `enabled` still refuses, and says so.
    const automated = got.value.spec?.syncPolicy?.automated;
    if (automated && automated.enabled !== false) {
      return textResult(
        `${name} has auto-sync enabled, and Argo CD refuses a rollback while it is on (it would sync straight back). Turn it off first, e.g. application_patch { name: "${name}", patchType: "merge", patch: "{\\"spec\\":{\\"syncPolicy\\":{\\"automated\\":{\\"enabled\\":false}}}}" } (Argo CD 3.1+; older: set automated to null), then roll back. Nothing was sent to Argo CD.`,
        true,
      );
    }
    if (history.length === 0) return textResult(`${name} has no deployment history to roll back to.`, true);
    const current = history[history.length - 1];
    let target: HistoryEntry | undefined;
    if (typeof args.id === 'number') target = history.find((h) => h.id === args.id);
    else if (typeof args.revision === 'string') target = [...history].reverse().find((h) => h.revision === args.revision || h.revision?.startsWith(String(args.revision)) || h.source?.targetRevision === args.revision);
    else if (history.length < 2) return textResult(`${name} should have at least two successful deployments to roll back without an id (as \`argocd app rollback\`); it has ${history.length}.`, true);
    else target = history[history.length - 2];
    if (!target) {
      const ids = history.map((h) => `${h.id} (${(h.revision ?? '').slice(0, 8)}, ${h.deployedAt ?? '?'})`).join(', ');
      return textResult(`No matching history entry for ${name}. Its history: ${ids}.`, true);
    }
    const from = { id: current.id, revision: current.revision, deployedAt: current.deployedAt };
    const to = { id: target.id, revision: target.revision, deployedAt: target.deployedAt };
    const { outcome, error } = await startAndFollow({
      call,
      ctx,
      input: args,
      start: () => call('application_rollback', { ...base, id: target.id, ...pick(args, ['prune', 'dryRun']) }, ctx),
    });
    if (error) return textResult(error, true);
    return outcomeResult(outcome!, { from, to });
  },
};
