/** health_report: applications counted by sync and health, and the ones that need attention. */
import type { CompositeTool } from '../gateway/gateway.ts';
import { json, jsonWithNote, textResult, workflowTool } from './common.ts';
import { LIST_FILTER_PARAMS, projectQuery } from './release-adapt.ts';
import { FILTER_ARGS } from '../fleet/filters.ts';
import { ANSWER_ARGS } from '../fleet/answer-shapes.ts';
import { listMatching, readQuestion, shapeMatched } from '../fleet/fleet-call.ts';

type Json = Record<string, unknown>;
type ReportedApp = { metadata: { name: string }; spec?: { project?: string }; status?: { sync?: { status?: string }; health?: { status?: string; message?: string }; conditions?: Array<{ type?: string; message?: string }>; operationState?: { phase?: string; message?: string } } };

/** What the report reads beyond what its filter needs. */
const REPORT_FIELDS = ['status.sync.status', 'status.health.status', 'status.health.message', 'status.conditions', 'status.operationState.phase', 'status.operationState.message'];

export const healthReport: CompositeTool = {
  tool: workflowTool({
    name: 'health_report',
    title: 'Workflow: health report',
    description:
      'Counts applications by sync and health status (for a project or all) and lists the degraded, missing and out-of-sync ones with their top condition or message.',
    readOnly: true,
    inputSchema: { type: 'object', properties: { project: { type: 'string' }, selector: { type: 'string' }, repo: { type: 'string' }, ...FILTER_ARGS, ...ANSWER_ARGS } },
    uses: ['application_list'],
  }),
  requires: ['application_list'],
  params: LIST_FILTER_PARAMS,
  // The gateway pages `attention` within the result cap; the rest is served by cursor. The counts are exact.
  pages: { field: 'attention' },
  async run(args, ctx, call, offers) {
    // The fleet filters narrow what is reported on; `answer` names or counts the matching apps instead.
    const question = readQuestion(args, [...Object.keys(FILTER_ARGS), 'repo']);
    if (!question.ok) return textResult(`Invalid arguments for health_report; nothing was sent to Argo CD:\n- ${question.problems.join('\n- ')}`, true);
    const upstream: Json = {
      ...(typeof args.project === 'string' ? projectQuery(offers, [args.project]) : {}),
      ...(typeof args.selector === 'string' ? { selector: args.selector } : {}),
    };
    const listed = await listMatching({ name: 'application_list', args: upstream, ctx, call, ...question, extraFields: REPORT_FIELDS });
    if (!listed.ok) return listed.result;
    if (question.answer !== 'summary') {
      const { value, note } = await shapeMatched({ kind: 'app', listed, ...question, offset: 0, cap: ctx.maxResultTokens ?? Number.POSITIVE_INFINITY });
      return jsonWithNote(value, note);
    }
    const items = listed.matched.map((m) => m.item as ReportedApp);
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
    // The counts are exact however long the list of apps needing attention is; the gateway pages `attention`.
    return json(
      {
        total: listed.total,
        matched: items.length,
        summary: `${items.length} applications${args.project ? ` in ${String(args.project)}` : ''}: ${bySync.Synced ?? 0} Synced, ${bySync.OutOfSync ?? 0} OutOfSync; ${healthy} Healthy, ${byHealth.Degraded ?? 0} Degraded, ${byHealth.Progressing ?? 0} Progressing, ${byHealth.Missing ?? 0} Missing. ${attention.length} need attention.`,
        bySync,
        byHealth,
        attention,
      },
    );
  },
};
