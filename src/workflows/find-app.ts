/** find_app: applications by name fragment, repository, path, cluster, namespace or project. */
import type { CompositeTool } from '../gateway/gateway.ts';
import { json, textResult, workflowTool } from './common.ts';
import { LIST_FILTER_PARAMS } from './release-adapt.ts';
import { listApps, splitDest } from './list-apps.ts';

export const findApp: CompositeTool = {
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
  async run(args, ctx, call, offers) {
    const listed = await listApps(call, ctx, typeof args.project === 'string' ? { project: args.project } : {}, offers);
    if (!listed.ok) return textResult(listed.error, true);
    const has = (value: string | undefined, fragment: unknown) => typeof fragment !== 'string' || (value ?? '').toLowerCase().includes(fragment.toLowerCase());
    const matches = listed.apps.filter((a) => {
      const [cluster, namespace] = splitDest(a.dest);
      return has(a.name, args.query) && has(a.repo, args.repo) && has(a.path, args.path) && has(cluster, args.cluster) && (typeof args.namespace !== 'string' || namespace === args.namespace);
    });
    const limit = Number(args.limit ?? 20);
    return json({
      summary: `${matches.length} of ${listed.apps.length} applications match${matches.length > limit ? `; the first ${limit} are shown` : ''}.`,
      applications: matches.slice(0, limit),
    });
  },
};
