/** health_report: applications counted by sync and health, and the ones that need attention. */
import type { CompositeTool } from '../gateway/gateway.ts';
import { json, parse, textResult, workflowTool } from './common.ts';
import { LIST_FILTER_PARAMS, projectQuery } from './release-adapt.ts';

type Json = Record<string, unknown>;

export const healthReport: CompositeTool = {
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
