/**
 * The `workflows` toolset: the tasks people actually give an agent, each built only from the generated operations
 * (so the allowlist, read-only mode, scoping, confirmations, RBAC and the audit apply to every step).
 */
import { createTwoFilesPatch } from 'diff';
import type { CompositeTool } from '../gateway/gateway.ts';
import { APP_ARGS, WAIT_ARGS, json, parse, textOf, textResult, workflowTool } from './common.ts';
import type { Call } from './common.ts';
import { type BatchRow, batchRow, summariseBatch } from './batch-result.ts';
import { owningAppSet, verifyRevision } from './revision-check.ts';
import { type Outcome, outcomeResult, readApp, startAndFollow, verdict, waitForApp, waitForOf } from './wait.ts';
import type { CallContext } from '../gateway/gateway.ts';
import type { ReleaseOffers } from '../argocd/release-params.ts';
import { tableToObjects } from '../shaping/shape.ts';
import { DIFF_PARAMS, diffPath, LIST_FILTER_PARAMS, projectQuery } from './release-adapt.ts';
import { bulkGrant, bulkNeedsConfirmation, confirmBulk, coveredByPreview, issueBulkToken } from './bulk-confirm.ts';
import { SETTINGS } from '../config/settings.ts';

type Json = Record<string, unknown>;

/**
 * Where the gateway previews a call instead of asking (confirmFallback: token), the token of that preview; the
 * gateway takes it (src/policy/confirm/gate.ts), the workflow never passes it on.
 */
/** No description: the name says it, and the preview that issues one says how to use it. */
const CONFIRMATION_TOKEN_ARG = { type: 'string' };

const pick = (args: Json, keys: string[]) => Object.fromEntries(keys.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));

interface Summary {
  name: string;
  namespace?: string;
  project?: string;
  repo?: string;
  path?: string;
  target?: string;
  dest?: string;
  sync?: string;
  health?: string;
  op?: string;
}

async function listApps(call: Call, ctx: CallContext, args: Json, offers: ReleaseOffers): Promise<{ ok: true; apps: Summary[] } | { ok: false; error: string }> {
  const query: Json = {};
  if (typeof args.project === 'string') Object.assign(query, projectQuery(offers, [args.project]));
  if (Array.isArray(args.projects)) Object.assign(query, projectQuery(offers, args.projects as string[]));
  if (typeof args.selector === 'string') query.selector = args.selector;
  if (typeof args.repo === 'string') query.repo = args.repo;
  const got = parse<unknown>(await call('application_list', query, { ...ctx, progressToken: undefined }));
  return got.ok ? { ok: true, apps: tableToObjects<Summary>(got.value) } : got;
}

/** sync + follow, shared by sync_and_wait, set_revision and sync_many. */
async function syncAndFollow(call: Call, ctx: CallContext, args: Json, deadline?: number): Promise<{ outcome?: Outcome; error?: string }> {
  const syncArgs = pick(args, ['name', 'appNamespace', 'project', 'revision', 'prune', 'dryRun', 'resources', 'syncOptions', 'strategy', 'retryStrategy']);
  if (Array.isArray(args.syncOptions)) syncArgs.syncOptions = { items: args.syncOptions };
  return startAndFollow({ call, ctx, input: args, deadline, start: () => call('application_sync', syncArgs, ctx) });
}

const SYNC_ARGS = {
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

const syncAndWait: CompositeTool = {
  tool: workflowTool({
    name: 'sync_and_wait',
    title: 'Workflow: sync an application and wait',
    description:
      "Syncs one application and waits as `argocd app sync` does: until the operation finished and the app was reconciled since, then for waitFor, with progress. Returns the phase, the refreshed sync and health, and failed resources with why; a timeout says what it still waited for.",
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

interface HistoryEntry {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt?: string;
  source?: { targetRevision?: string; chart?: string };
}

const rollback: CompositeTool = {
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

const syncMany: CompositeTool = {
  tool: workflowTool({
    name: 'sync_many',
    title: 'Workflow: sync many applications',
    description:
      'Syncs every application matching a project / label selector / status (default OutOfSync). Without execute: true it only previews them. With execute: true it syncs them (concurrency limit, overall deadline), waiting on each as sync_and_wait does. Apps that failed or did not finish are listed first (and make it an error), then the rest. A confirmation covers exactly the applications shown.',
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
        terminateOnCancel: { type: 'boolean', description: 'If the call is cancelled, terminate the running operations (part of what the user confirms).' },
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
    const rowOf = (a: Summary) => ({ name: a.name, project: a.project, sync: a.sync, health: a.health });
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

const setRevision: CompositeTool = {
  tool: workflowTool({
    name: 'set_revision',
    title: 'Workflow: deploy a revision',
    description:
      "Sets an application's targetRevision (a Git branch, tag or commit, or a Helm chart version) and reads it back (an ApplicationSet may put it back). With sync: true it syncs and waits like sync_and_wait; when auto-sync is on, it follows the operation Argo CD's auto-sync starts instead.",
    readOnly: false,
    destructive: true,
    inputSchema: {
      type: 'object',
      properties: {
        ...APP_ARGS,
        revision: { type: 'string', description: 'Git ref or chart version.' },
        sourceIndex: { type: 'integer', minimum: 0, description: 'For multi-source applications: which source (default 0).' },
        sync: { type: 'boolean', description: 'Sync and wait afterwards (default false).' },
        verifySeconds: { type: 'integer', minimum: 0, maximum: 30, description: 'For an app an ApplicationSet generated: how long to watch that the change holds (default 3).' },
        prune: { type: 'boolean' },
        confirmationToken: CONFIRMATION_TOKEN_ARG,
        ...WAIT_ARGS,
      },
      required: ['name', 'revision'],
    },
    uses: ['application_get', 'application_patch', 'application_sync'],
  }),
  requires: ['application_get', 'application_patch'],
  params: { appNamespace: ['application_patch.appNamespace'] },
  async run(args, ctx, call) {
    const name = String(args.name);
    const base = pick(args, ['name', 'appNamespace']);
    const got = parse<{ metadata?: { ownerReferences?: Array<{ kind?: string; name?: string }> }; spec?: { source?: Json; sources?: Json[]; syncPolicy?: { automated?: { enabled?: boolean } } } }>(
      await call('application_get', { ...base, fields: ['metadata.ownerReferences', 'spec.source', 'spec.sources', 'spec.syncPolicy'] }, ctx),
    );
    if (!got.ok) return textResult(got.error, true);
    const spec = got.value.spec ?? {};
    const appSet = owningAppSet(got.value);
    let patch: Json;
    let before: unknown;
    let index: number | undefined;
    if (spec.sources?.length) {
      index = Number(args.sourceIndex ?? 0);
      if (!spec.sources[index]) return textResult(`${name} has ${spec.sources.length} sources; sourceIndex ${index} does not exist.`, true);
      before = spec.sources[index].targetRevision;
      const sources = spec.sources.map((s, i) => (i === index ? { ...s, targetRevision: args.revision } : s));
      patch = { spec: { sources } };
    } else {
      before = spec.source?.targetRevision;
      patch = { spec: { source: { targetRevision: args.revision } } };
    }
    const beforePatch = await readApp(call, ctx, name, base.appNamespace as string | undefined);
    const patched = await call('application_patch', { ...base, patchType: 'merge', patch: JSON.stringify(patch) }, ctx);
    if (patched.isError) return textResult(textOf(patched), true);
    const change = { from: before ?? null, to: args.revision };
    // Read the change back; an ApplicationSet's app is watched a little longer, as its controller reverts within seconds.
    const check = () => verifyRevision({ call, ctx, name, appNamespace: base.appNamespace as string | undefined, sourceIndex: index, expected: String(args.revision), watchSeconds: appSet ? Number(args.verifySeconds ?? 3) : 0 });
    const reverted = (v: Awaited<ReturnType<typeof check>>, synced: string) =>
      json(
        {
          summary: `${name}: targetRevision was set to ${String(args.revision)}, but ${v.error ? `reading it back failed: ${v.error}` : `it reads ${String(v.now ?? '(none)')} again ${v.afterSeconds} s later${appSet ? `: the ApplicationSet "${appSet}" that generated this app put it back. Change the revision in the ApplicationSet's template (or allow it with ignoreApplicationDifferences)` : ''}`}. ${synced}`,
          ...change,
          now: v.now ?? null,
          ...(appSet ? { applicationSet: appSet } : {}),
        },
        true,
      );
    const first = await check();
    if (!first.held) return reverted(first, 'Nothing was synced.');
    if (args.sync !== true) return json({ summary: `${name}: targetRevision ${String(before ?? '(none)')} → ${String(args.revision)}${appSet ? ` (held ${first.afterSeconds} s against ApplicationSet "${appSet}")` : ''}. Not synced (sync: true to deploy it now).`, ...change });
    let followed: { outcome?: Outcome; error?: string };
    const automated = spec.syncPolicy?.automated;
    if (automated && automated.enabled !== false) {
      // Auto-sync deploys the new revision itself (controller autoSync); a sync of ours would be refused while its
      // operation runs, so follow that one: the first operation whose source carries the new revision.
      const revisionOf = (o: { source?: { targetRevision?: string }; sources?: Array<{ targetRevision?: string }> } | undefined) =>
        index === undefined ? o?.source?.targetRevision : o?.sources?.[index]?.targetRevision;
      const outcome = await waitForApp({
        call,
        ctx,
        name,
        appNamespace: base.appNamespace as string | undefined,
        waitFor: waitForOf(args),
        timeoutSeconds: Number(args.timeoutSeconds ?? 300),
        after: beforePatch.ok ? beforePatch.value.metadata?.resourceVersion : undefined,
        expect: {
          describe: `Argo CD's auto-sync to start an operation for ${String(args.revision)}`,
          test: (a) => [a.operation?.sync, a.status?.operationState?.operation?.sync].some((o) => revisionOf(o) === String(args.revision)),
        },
        terminateOnCancel: args.terminateOnCancel as boolean | undefined,
      });
      followed = { outcome };
    } else {
      followed = await syncAndFollow(call, ctx, { ...args, revision: undefined });
    }
    const { outcome, error } = followed;
    if (error) return textResult(`targetRevision set to ${String(args.revision)}, but the sync did not start: ${error}`, true);
    const after = await check();
    if (!after.held) return reverted(after, `The sync ended ${outcome!.phase}, so what it deployed may not be ${String(args.revision)}.`);
    return outcomeResult(outcome!, { targetRevision: change });
  },
};

interface ManagedResource {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  normalizedLiveState?: string;
  predictedLiveState?: string;
  targetState?: string;
  liveState?: string;
  hook?: boolean;
}

function toYamlish(state: string | undefined): string {
  if (!state || state === 'null') return '';
  try {
    return `${JSON.stringify(JSON.parse(state), null, 2)}\n`;
  } catch {
    return `${state}\n`;
  }
}

const diff: CompositeTool = {
  tool: workflowTool({
    name: 'diff',
    title: 'Workflow: what the next sync changes',
    description:
      "Compares live and desired state of every managed resource of an application (Argo CD's own comparison, with the application's diff strategy) and summarises what the next sync would change: added, modified, and to-be-pruned resources, each with a compact unified diff (capped). The result's `path` says which comparison ran.",
    readOnly: true,
    inputSchema: {
      type: 'object',
      properties: { ...APP_ARGS, maxDiffLines: { type: 'integer', minimum: 5, maximum: 400, description: 'Lines of diff per resource (default 40).' } },
      required: ['name'],
    },
    uses: ['application_managed_resources'],
  }),
  requires: ['application_managed_resources'],
  params: DIFF_PARAMS,
  async run(args, ctx, call, offers) {
    const name = String(args.name);
    const { path, why } = diffPath(offers);
    const got = parse<{ items?: ManagedResource[] }>(
      await call('application_managed_resources', { applicationName: name, ...pick(args, ['appNamespace']), raw: true }, ctx),
    );
    if (!got.ok) return textResult(got.error, true);
    const maxLines = Number(args.maxDiffLines ?? 40);
    const changes: Array<Record<string, unknown>> = [];
    let unchanged = 0;
    for (const r of got.value.items ?? []) {
      if (r.hook) continue;
      const live = toYamlish(r.normalizedLiveState ?? r.liveState);
      const desired = toYamlish(r.predictedLiveState ?? r.targetState);
      const id = `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
      if (live === desired) {
        unchanged += 1;
        continue;
      }
      const change = !live ? 'add' : !desired ? 'prune' : 'modify';
      const patch = createTwoFilesPatch(`live/${id}`, `desired/${id}`, live, desired, '', '', { context: 2 })
        .split('\n')
        .slice(4);
      const shown = patch.slice(0, maxLines);
      changes.push({
        resource: id,
        change,
        diff: shown.join('\n') + (patch.length > maxLines ? `\n… ${patch.length - maxLines} more lines` : ''),
      });
    }
    const counts = { add: 0, modify: 0, prune: 0 } as Record<string, number>;
    for (const c of changes) counts[String(c.change)] += 1;
    const summary = changes.length
      ? `The next sync of ${name} changes ${changes.length} resources (${counts.add} added, ${counts.modify} modified, ${counts.prune} to prune — pruned only with prune: true); ${unchanged} unchanged.`
      : `${name} is in sync: the next sync changes nothing (${unchanged} resources compared).`;
    return json({ summary, path, pathWhy: why, changes });
  },
};

const healthReport: CompositeTool = {
  tool: workflowTool({
    name: 'health_report',
    title: 'Workflow: health report',
    description:
      'Counts applications by sync and health status (for a project or all) and lists the degraded, missing and out-of-sync ones with their top condition or message.',
    readOnly: true,
    inputSchema: { type: 'object', properties: { project: { type: 'string' }, selector: { type: 'string' } } },
    uses: ['application_list'],
  }),
  requires: ['application_list'],
  params: LIST_FILTER_PARAMS,
  // The gateway pages `attention` within the result cap; the rest is served by cursor.
  pages: { field: 'attention' },
  async run(args, ctx, call, offers) {
    const query: Json = {
      fields: ['metadata.name', 'metadata.namespace', 'spec.project', 'status.sync.status', 'status.health.status', 'status.health.message', 'status.conditions', 'status.operationState.phase', 'status.operationState.message'],
      ...(typeof args.project === 'string' ? projectQuery(offers, [args.project]) : {}),
      ...(typeof args.selector === 'string' ? { selector: args.selector } : {}),
    };
    const got = parse<{ items?: Array<{ metadata: { name: string }; spec?: { project?: string }; status?: { sync?: { status?: string }; health?: { status?: string; message?: string }; conditions?: Array<{ type?: string; message?: string }>; operationState?: { phase?: string; message?: string } } }> }>(
      await call('application_list', query, ctx),
    );
    if (!got.ok) return textResult(got.error, true);
    const items = got.value.items ?? [];
    const bySync: Record<string, number> = {};
    const byHealth: Record<string, number> = {};
    const attention: Array<Record<string, unknown>> = [];
    for (const a of items) {
      const sync = a.status?.sync?.status ?? 'Unknown';
      const health = a.status?.health?.status ?? 'Unknown';
      bySync[sync] = (bySync[sync] ?? 0) + 1;
      byHealth[health] = (byHealth[health] ?? 0) + 1;
      if (sync !== 'Synced' || !['Healthy', 'Suspended'].includes(health)) {
        const condition = a.status?.conditions?.[0];
        const op = a.status?.operationState;
        attention.push({
          name: a.metadata.name,
          project: a.spec?.project,
          sync,
          health,
          why: condition ? `${condition.type}: ${condition.message}` : a.status?.health?.message ?? (op?.phase && op.phase !== 'Succeeded' ? `${op.phase}: ${op.message}` : undefined),
        });
      }
    }
    const order = (h: unknown) => ['Degraded', 'Missing', 'Unknown', 'Progressing', 'Suspended', 'Healthy'].indexOf(String(h));
    attention.sort((x, y) => order(x.health) - order(y.health) || String(x.name).localeCompare(String(y.name)));
    const healthy = byHealth.Healthy ?? 0;
    return json({
      summary: `${items.length} applications${args.project ? ` in ${String(args.project)}` : ''}: ${bySync.Synced ?? 0} Synced, ${bySync.OutOfSync ?? 0} OutOfSync; ${healthy} Healthy, ${byHealth.Degraded ?? 0} Degraded, ${byHealth.Progressing ?? 0} Progressing, ${byHealth.Missing ?? 0} Missing. ${attention.length} need attention.`,
      bySync,
      byHealth,
      attention,
    });
  },
};

const findApp: CompositeTool = {
  tool: workflowTool({
    name: 'find_app',
    title: 'Workflow: find applications',
    description: 'Finds applications by a name fragment, repository, path, destination cluster or namespace, or project. Returns the matching summaries.',
    readOnly: true,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Name fragment (case-insensitive).' },
        repo: { type: 'string', description: 'Repository URL or a fragment of it.' },
        path: { type: 'string', description: 'Path or chart fragment.' },
        cluster: { type: 'string', description: 'Destination server URL or cluster name fragment.' },
        namespace: { type: 'string', description: 'Destination namespace.' },
        project: { type: 'string' },
        limit: { type: 'integer', minimum: 1, maximum: 200, description: 'Default 20.' },
      },
    },
    uses: ['application_list'],
  }),
  requires: ['application_list'],
  params: { project: LIST_FILTER_PARAMS.project },
  // Every match is returned: the gateway shows `limit` of them, and serves the rest by cursor.
  pages: { field: 'applications', defaultLimit: 20 },
  async run(args, ctx, call, offers) {
    const listed = await listApps(call, ctx, typeof args.project === 'string' ? { project: args.project } : {}, offers);
    if (!listed.ok) return textResult(listed.error, true);
    const has = (value: string | undefined, fragment: unknown) => typeof fragment !== 'string' || (value ?? '').toLowerCase().includes(fragment.toLowerCase());
    const matches = listed.apps.filter((a) => {
      const [cluster, namespace] = splitDest(a.dest);
      return has(a.name, args.query) && has(a.repo, args.repo) && has(a.path, args.path) && has(cluster, args.cluster) && (typeof args.namespace !== 'string' || namespace === args.namespace);
    });
    return json({ summary: `${matches.length} of ${listed.apps.length} applications match.`, applications: matches });
  },
};

function splitDest(dest: string | undefined): [string | undefined, string | undefined] {
  if (!dest) return [undefined, undefined];
  const i = dest.lastIndexOf('/');
  return i > 0 && !dest.slice(i + 1).includes(':') ? [dest.slice(0, i), dest.slice(i + 1)] : [dest, undefined];
}

/** Every workflow tool. */
export const WORKFLOWS: CompositeTool[] = [syncAndWait, rollback, syncMany, setRevision, diff, healthReport, findApp];

export { verdict };
