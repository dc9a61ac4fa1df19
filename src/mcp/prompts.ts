/** MCP prompts for common Argo CD tasks, each naming the tools to use. */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode, GetPromptRequestSchema, ListPromptsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';

interface PromptDef {
  name: string;
  title: string;
  description: string;
  arguments: Array<{ name: string; description: string; required?: boolean }>;
  text(args: Record<string, string>): string;
}

export const PROMPTS: PromptDef[] = [
  {
    name: 'triage_degraded_app',
    title: 'Triage a degraded application',
    description: 'Find out why an application is Degraded or failing to sync, and what to do about it.',
    arguments: [{ name: 'name', description: 'Application name', required: true }],
    text: ({ name }) =>
      [
        `Triage the Argo CD application "${name}".`,
        `1. application_get { name: "${name}", fields: ["status.sync", "status.health", "status.conditions", "status.operationState"] } for its state and last operation.`,
        `2. application_resource_tree { applicationName: "${name}" } to find the resources that are not Healthy.`,
        `3. application_list_resource_events { name: "${name}" } (add resourceName/resourceNamespace for one resource) for warnings.`,
        `4. application_logs { name: "${name}", kind: "Deployment", resourceName: "<the failing workload>", tailLines: 100 } for the failing pods.`,
        `5. diff { name: "${name}" } to see whether the live state drifted from Git.`,
        'Summarise the cause in two sentences, then propose a fix. Do not sync, roll back or delete anything without asking me first.',
      ].join('\n'),
  },
  {
    name: 'plan_release',
    title: 'Plan a release across environments',
    description: 'Plan deploying a revision through a chain of environments (e.g. dev → staging → prod).',
    arguments: [
      { name: 'revision', description: 'Git ref or chart version to release', required: true },
      { name: 'applications', description: 'Comma-separated applications in promotion order, e.g. api-dev,api-staging,api-prod', required: true },
    ],
    text: ({ revision, applications }) =>
      [
        `Plan the release of ${revision} to ${applications}, in that order.`,
        'For each application: application_get (fields: spec.source, spec.sources, spec.syncPolicy, status.sync, status.health) to see the current revision and health, and application_get_sync_windows for windows that would block a sync.',
        'Present a table: application, current revision, target, auto-sync, health, blockers.',
        `Then, only after I approve each step: set_revision { name, revision: "${revision}", sync: true } for one application at a time, checking its outcome before the next. Stop at the first failure and show its failed resources.`,
      ].join('\n'),
  },
  {
    name: 'review_out_of_sync',
    title: 'Review what is out of sync',
    description: 'Review the out-of-sync applications of a project (or all) and what syncing them would change.',
    arguments: [{ name: 'project', description: 'Project name (optional: all projects)' }],
    text: ({ project }) =>
      [
        `Review the out-of-sync applications${project ? ` of project "${project}"` : ''}.`,
        `1. health_report${project ? ` { project: "${project}" }` : ''} for the counts and the applications that need attention.`,
        '2. For each OutOfSync application: diff { name } to summarise what the next sync would change (added, modified, to prune).',
        `3. sync_many${project ? ` { project: "${project}" }` : ''} without execute to preview the batch.`,
        'Recommend which to sync now and which need a closer look. Do not run sync_many with execute: true unless I say so.',
      ].join('\n'),
  },
];

/** Adds the prompts to an MCP server. */
export function registerPrompts(server: Server): void {
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: PROMPTS.map(({ name, title, description, arguments: args }) => ({ name, title, description, arguments: args })),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const prompt = PROMPTS.find((p) => p.name === request.params.name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `No prompt named ${request.params.name}; see prompts/list.`);
    const args = request.params.arguments ?? {};
    const missing = prompt.arguments.filter((a) => a.required && !args[a.name]).map((a) => a.name);
    if (missing.length) throw new McpError(ErrorCode.InvalidParams, `Prompt ${prompt.name} needs ${missing.join(', ')}.`);
    return { description: prompt.description, messages: [{ role: 'user', content: { type: 'text', text: prompt.text(args) } }] };
  });
}
