/** set_revision: set an application's targetRevision, check it holds, and optionally sync. */
import type { CompositeTool } from '../gateway/gateway.ts';
import { APP_ARGS, CONFIRMATION_TOKEN_ARG, WAIT_ARGS, json, parse, pick, textOf, textResult, workflowTool } from './common.ts';
import { owningAppSet, verifyRevision } from './revision-check.ts';
import { type Outcome, outcomeResult, readApp, waitForApp, waitForOf } from './wait.ts';
import { syncAndFollow } from './sync-and-wait.ts';

type Json = Record<string, unknown>;

export const setRevision: CompositeTool = {
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
