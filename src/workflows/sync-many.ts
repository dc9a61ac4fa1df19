/** sync_many: preview, confirm and sync every application matching a filter. */
import type { CompositeTool, CallContext } from '../gateway/gateway.ts';
import { CONFIRMATION_TOKEN_ARG, WAIT_ARGS, json, pick, textResult, workflowTool } from './common.ts';
import { type BatchRow, batchRow, summariseBatch } from './batch-result.ts';
import { LIST_FILTER_PARAMS } from './release-adapt.ts';
import { bulkGrant, bulkNeedsConfirmation, confirmBulk, coveredByPreview, issueBulkToken } from './bulk-confirm.ts';
import { SETTINGS } from '../config/settings.ts';
import { type Summary, listApps } from './list-apps.ts';
import { syncAndFollow } from './sync-and-wait.ts';

/** A matching application as the preview lists it. */
const rowOf = (a: Summary) => ({ name: a.name, project: a.project, sync: a.sync, health: a.health });

export const syncMany: CompositeTool = {
  tool: workflowTool({
    name: 'sync_many',
    title: 'Workflow: sync many applications',
    description:
      'Syncs every application matching a project, label selector or status (default OutOfSync): a preview unless execute: true, then syncs them (concurrency limit, overall deadline), waiting on each as sync_and_wait does. Failed or unfinished apps come first and make it an error. A confirmation covers exactly the applications shown.',
    readOnly: false,
    destructive: true,
    inputSchema: {
      type: 'object',
      properties: {
        project: { type: 'string' },
        selector: { type: 'string', description: 'Label selector, e.g. team=payments.' },
        syncStatus: { type: 'string', enum: ['OutOfSync', 'Synced', 'Unknown', 'any'], description: 'Default OutOfSync.' },
        healthStatus: { type: 'string', description: 'Only apps with this health, e.g. Degraded.' },
        names: { type: 'array', items: { type: 'string' }, description: 'Only these applications.' },
        execute: { type: 'boolean', description: 'false (default): preview only. true: sync them.' },
        concurrency: { type: 'integer', minimum: 1, maximum: 10, description: 'Default 3.' },
        deadlineSeconds: { type: 'integer', minimum: 5, maximum: 7200, description: 'Overall deadline for the batch (default 900): no app starts after it; unfinished apps are reported as such.' },
        prune: { type: 'boolean' },
        dryRun: { type: 'boolean' },
        confirmationToken: CONFIRMATION_TOKEN_ARG,
        ...WAIT_ARGS,
        terminateOnCancel: { type: 'boolean', description: 'On cancel, terminate the running operations (part of what the user confirms).' },
      },
    },
    uses: ['application_list', 'application_sync', 'application_get'],
  }),
  requires: ['application_list', 'application_sync', 'application_get'],
  params: LIST_FILTER_PARAMS,
  confirmsItself: true,
  async run(args, ctx, call, offers) {
    const listed = await listApps(call, ctx, args, offers);
    if (!listed.ok) return textResult(listed.error, true);
    const wantSync = (args.syncStatus as string | undefined) ?? 'OutOfSync';
    const names = Array.isArray(args.names) ? new Set(args.names as string[]) : undefined;
    const apps = listed.apps.filter(
      (a) => (wantSync === 'any' || a.sync === wantSync) && (!args.healthStatus || a.health === args.healthStatus) && (!names || names.has(a.name)),
    );
    const settings = ctx.confirmation!;
    const needed = bulkNeedsConfirmation(settings, args, apps.length);
    if (args.execute !== true || apps.length === 0) {
      if (!apps.length) return json({ summary: 'No application matches; nothing to sync.', applications: [] });
      const again = `call sync_many again with the same filters and execute: true`;
      if (!needed || ctx.askUser || settings.fallback === 'refuse') {
        const how = !needed ? '' : ctx.askUser ? ' (the user is asked to confirm the full list)' : ' — it needs the user\'s confirmation, which this client cannot give (confirmFallback: refuse)';
        return json({ summary: `Preview: ${apps.length} applications match. To sync them ${again}${how}.`, applications: apps.map(rowOf) });
      }
      // The token covers exactly the applications this result lists.
      const render = (shown: Summary[]) => ({ summary: 'x'.repeat(500), confirmationToken: 'x'.repeat(40), covers: apps.length, matching: apps.length, applications: shown.map(rowOf) });
      const covered = await coveredByPreview({ rows: apps, budgetTokens: Math.floor((ctx.maxResultTokens ?? SETTINGS.maxResultTokens.fallback) * 0.9), render, renderRow: rowOf });
      const token = await issueBulkToken(settings, ctx, args, covered);
      const rest = apps.length - covered.length;
      return json({
        summary:
          `Preview: ${apps.length} applications match${rest ? `; this confirmation covers the ${covered.length} listed here, not the other ${rest} (narrow the filters, or sync them after these)` : ''}. ` +
          `Show the list to the user. Only if they agree, ${again} and confirmationToken (it works once, within 5 minutes, and runs only the listed applications).`,
        confirmationToken: token,
        covers: covered.length,
        matching: apps.length,
        applications: covered.map(rowOf),
      });
    }
    let run: Summary[] = apps;
    let notCovered = 0;
    let gone: string[] = [];
    let grant;
    // A bulk change is confirmed once, for exactly the listed applications; the per-app syncs carry that grant.
    if (needed) {
      const decision = await confirmBulk(settings, ctx, args, apps);
      if (!decision.ok) return textResult(decision.message, true);
      ({ run, notCovered, gone } = decision);
      grant = bulkGrant(settings, args, run);
    }
    const concurrency = Math.min(Number(args.concurrency ?? 3), 10);
    // One deadline for the whole batch: no app starts after it, and every wait ends by it.
    const deadline = Date.now() + Number(args.deadlineSeconds ?? 900) * 1000;
    const rows: BatchRow[] = [];
    let next = 0;
    let done = 0;
    const perApp: CallContext = { ...ctx, progressToken: undefined, askUser: undefined, confirmed: grant };
    const worker = async () => {
      while (next < run.length && !ctx.signal?.aborted && Date.now() < deadline) {
        const app = run[next++];
        const { outcome, error } = await syncAndFollow(
          call,
          perApp,
          {
            ...pick(args, ['prune', 'dryRun', 'timeoutSeconds', 'waitFor', 'waitForHealth', 'terminateOnCancel']),
            name: app.name,
            // Releases before apps-in-any-namespace (2.5) take no appNamespace: their apps are all in Argo CD's own.
            ...(app.namespace && offers.has('application_sync', 'appNamespace') ? { appNamespace: app.namespace } : {}),
          },
          deadline,
        );
        done += 1;
        const row = batchRow(app.name, outcome, error);
        rows.push(row);
        if (ctx.progressToken !== undefined && ctx.sendProgress) {
          await ctx.sendProgress({ progress: done, total: run.length, message: `${app.name}: ${row.phase}` }).catch(() => undefined);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, run.length) }, worker));
    // Only what was confirmed runs: matching apps the preview did not list, and listed apps that no longer match, are said.
    const unconfirmed = [
      notCovered ? `${notCovered} matching applications were not in the confirmed preview and were not synced` : '',
      gone.length ? `${gone.length} confirmed applications no longer match and were not synced (${gone.join(', ')})` : '',
    ].filter(Boolean);
    return summariseBatch({ rows, notStarted: run.slice(next).map((a) => a.name), total: run.length, deadlinePassed: Date.now() >= deadline, note: unconfirmed.join('; ') });
  },
};
