/** find_app: applications by name fragment, repository, path, cluster, namespace or project, and the fleet filters. */
import type { CompositeTool } from '../gateway/gateway.ts';
import { json, jsonWithNote, textResult, workflowTool } from './common.ts';
import { LIST_FILTER_PARAMS, projectQuery } from './release-adapt.ts';
import { APPLICATION_SUMMARY_FIELDS, shapeResult, tableToObjects } from '../shaping/shape.ts';
import { FILTER_ARGS, clusterIdentities } from '../fleet/filters.ts';
import { ANSWER_ARGS } from '../fleet/answer-shapes.ts';
import { listMatching, readQuestion, shapeMatched } from '../fleet/fleet-call.ts';

/** The fleet filters find_app adds to its own (its `query`, `cluster` and `namespace` keep their meaning). */
const ADDED = ['syncStatus', 'healthStatus', 'operationPhase', 'targetRevision', 'autoSync', 'condition'];

export const findApp: CompositeTool = {
  tool: workflowTool({
    name: 'find_app',
    title: 'Workflow: find applications',
    description: 'Finds applications by name fragment, repository, path, destination cluster or namespace, project, or the fleet filters.',
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
        selector: { type: 'string' },
        ...Object.fromEntries(ADDED.map((k) => [k, FILTER_ARGS[k]])),
        ...ANSWER_ARGS,
        limit: { type: 'integer', minimum: 1, maximum: 200, description: 'Default 20.' },
      },
    },
    uses: ['application_list'],
  }),
  requires: ['application_list'],
  params: { project: LIST_FILTER_PARAMS.project, selector: LIST_FILTER_PARAMS.selector },
  // In summary, every match is returned: the gateway shows `limit` of them and serves the rest by cursor.
  pages: { field: 'applications', defaultLimit: 20 },
  async run(args, ctx, call, offers) {
    const question = readQuestion(args, ADDED);
    if (!question.ok) return textResult(`Invalid arguments for find_app; nothing was sent to Argo CD:\n- ${question.problems.join('\n- ')}`, true);
    const fragment = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const filter = { ...question.filter, nameMatch: fragment(args.query), repo: fragment(args.repo), path: fragment(args.path) };
    const upstream = {
      ...(typeof args.project === 'string' ? projectQuery(offers, [args.project]) : {}),
      ...(typeof args.selector === 'string' ? { selector: args.selector } : {}),
    };
    const listed = await listMatching({ name: 'application_list', args: upstream, ctx, call, ...question, filter, extraFields: ['spec.destination', ...APPLICATION_SUMMARY_FIELDS] });
    if (!listed.ok) return listed.result;
    // find_app's cluster is a fragment of the server URL or name, its namespace exact, as they always were.
    const cluster = fragment(args.cluster)?.toLowerCase();
    const matched = listed.matched.filter(
      (m) => (!cluster || clusterIdentities(m.facts, undefined).some((c) => c.toLowerCase().includes(cluster))) && (typeof args.namespace !== 'string' || m.facts.namespace === args.namespace),
    );
    if (question.answer !== 'summary') {
      const { value, note } = await shapeMatched({ kind: 'app', listed: { ...listed, matched }, ...question, filter, offset: 0, cap: ctx.maxResultTokens ?? Number.POSITIVE_INFINITY });
      return jsonWithNote(value, note);
    }
    const rows = tableToObjects(shapeResult({ response: 'v1alpha1ApplicationList', request: { list: true } }, { items: matched.map((m) => m.item) }, {}).data);
    return json({
      total: listed.total,
      matched: matched.length,
      summary: `${matched.length} of ${listed.total} applications match (answer "names" lists them all in one call).`,
      applications: rows,
    });
  },
};
