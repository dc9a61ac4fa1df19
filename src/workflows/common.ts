/** Shared pieces of the workflow tools: their catalogue face, reading results, and following an operation. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool, JsonSchema } from '../catalogue/types.ts';
import type { CallContext } from '../gateway/gateway.ts';
import { textResult } from '../gateway/gateway.ts';
import { QUERY_ARG_SCHEMA } from '../query/index.ts';

export type Call = (name: string, args: Record<string, unknown>, ctx?: CallContext) => Promise<CallToolResult>;

/**
 * The catalogue face of a workflow tool. Workflows have no Argo CD operation of their own: `_meta` lists the
 * operations they use, and their pseudo-path `/workflows/<name>` lets "METHOD /path" allowlist entries name them.
 */
export function workflowTool(args: {
  name: string;
  title: string;
  description: string;
  readOnly: boolean;
  destructive?: boolean;
  inputSchema: JsonSchema;
  uses: string[];
}): CatalogueTool {
  return {
    name: args.name,
    title: args.title,
    description: args.description,
    toolset: 'workflows',
    annotations: { readOnlyHint: args.readOnly, destructiveHint: !!args.destructive, idempotentHint: args.readOnly, openWorldHint: false },
    _meta: {
      'argocd/operationId': `Workflow_${args.name}`,
      'argocd/method': args.readOnly ? 'GET' : 'POST',
      'argocd/path': `/workflows/${args.name}`,
      'argocd/tag': 'Workflows',
      ...({ 'argocd/uses': args.uses } as object),
    } as CatalogueTool['_meta'],
    // Read workflows take a JMESPath `query` on their result, as read tools do (applied by the gateway: src/gateway/query-hook.ts).
    inputSchema: args.readOnly ? withQueryArg(args.inputSchema) : args.inputSchema,
    request: { method: args.readOnly ? 'GET' : 'POST', path: `/workflows/${args.name}`, path_params: [], query: [] },
  };
}

function withQueryArg(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  // find_app's own `query` is a name fragment: it stays.
  return properties.query ? schema : { ...schema, properties: { ...properties, query: QUERY_ARG_SCHEMA } };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c as { text?: string }).text ?? '').join('\n');
}

/** The JSON of a successful result, or the error text. */
export function parse<T>(result: CallToolResult): { ok: true; value: T } | { ok: false; error: string } {
  if (result.isError) return { ok: false, error: textOf(result) };
  try {
    return { ok: true, value: JSON.parse((result.content[0] as { text: string }).text) as T };
  } catch {
    return { ok: false, error: textOf(result) };
  }
}

export function json(value: unknown, isError = false): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value) }],
    ...(value && typeof value === 'object' && !Array.isArray(value) ? { structuredContent: value as Record<string, unknown> } : {}),
    ...(isError ? { isError: true } : {}),
  };
}

/** A JSON result with a note after it (what was cut, how to get the rest). */
export function jsonWithNote(value: unknown, note?: string): CallToolResult {
  const result = json(value);
  return note ? { ...result, content: [...result.content, { type: 'text', text: note }] } : result;
}

export { textResult };

/** Arguments every application-targeting workflow accepts. */
export const APP_ARGS: Record<string, JsonSchema> = {
  name: { type: 'string', description: 'Application name.' },
  appNamespace: { type: 'string', description: "Application's namespace, if not Argo CD's own." },
};

export const WAIT_ARGS: Record<string, JsonSchema> = {
  timeoutSeconds: { type: 'integer', minimum: 5, maximum: 3600, description: 'Default 300; then the wait stops (Argo CD carries on).' },
  waitFor: {
    type: 'array',
    items: { type: 'string', enum: ['operation', 'sync', 'health', 'suspended', 'degraded'] },
    description: "As `argocd app wait`'s flags (health: Degraded is an error). Default [operation, health].",
  },
  waitForHealth: { type: 'boolean', description: 'false: waitFor [operation].' },
  terminateOnCancel: { type: 'boolean', description: 'On cancel, terminate the running operation (default false).' },
};

/**
 * Where the gateway previews a call instead of asking (confirmFallback: token), the token of that preview; the
 * gateway takes it (src/policy/confirm/gate.ts), the workflow never passes it on.
 * No description: the name says it, and the preview that issues one says how to use it.
 */
export const CONFIRMATION_TOKEN_ARG = { type: 'string' };

/** The given keys of args that are set. */
export const pick = (args: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
