/** diff: what the next sync of an application would change. */
import { createTwoFilesPatch } from 'diff';
import type { CompositeTool } from '../gateway/gateway.ts';
import { APP_ARGS, json, parse, pick, textResult, workflowTool } from './common.ts';
import { DIFF_PARAMS, diffPath } from './release-adapt.ts';

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

export const diff: CompositeTool = {
  tool: workflowTool({
    name: 'diff',
    title: 'Workflow: what the next sync changes',
    description:
      "Compares live and desired state of every managed resource of an application (Argo CD's own comparison, with the application's diff strategy) and summarises what the next sync would change: added, modified and to-be-pruned resources, each with a short unified diff. The result's `path` says which comparison ran.",
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
