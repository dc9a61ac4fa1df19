/**
 * Resource links in tool results (MCP 2025-06-18 `resource_link` content): a tool that acts on one application
 * (sync, rollback, update, a workflow that waits on it...) points at that application's resource,
 * `argocd://applications/{name}`, which the client can read or subscribe to for its changes (src/mcp/resources.ts).
 * A client on an older protocol version does not know this content type (older SDKs refuse the whole result), so
 * links go only to clients that negotiated 2025-06-18 or later.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { InitializeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, InitializeResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../catalogue/types.ts';
import { applicationUri } from './resources.ts';

/** The first protocol version with `resource_link` content. */
const RESOURCE_LINK_SINCE = '2025-06-18';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The application a call acts on, when the tool acts on one (not a list, not a deletion of the app itself). */
export function applicationOf(tool: CatalogueTool, args: Record<string, unknown>): { name: string; appNamespace?: string } | undefined {
  const body = isRecord(args.application) && isRecord(args.application.metadata) ? args.application.metadata : undefined;
  let name: unknown;
  if (tool._meta['argocd/tag'] === 'Workflows') {
    const props = (tool.inputSchema.properties ?? {}) as Record<string, unknown>;
    if (!('name' in props && 'appNamespace' in props)) return undefined;
    name = args.name;
  } else {
    const { method, path } = tool.request;
    if (tool.toolset !== 'applications' || (method === 'DELETE' && path === '/api/v1/applications/{name}')) return undefined;
    if (path === '/api/v1/applications' && method === 'POST') name = body?.name;
    else if (/^\/api\/v1\/applications\/\{/.test(path)) name = args[tool.request.path_params[0]?.arg ?? 'name'] ?? body?.name;
  }
  if (typeof name !== 'string' || !name) return undefined;
  const ns = args.appNamespace ?? body?.namespace;
  return { name, ...(typeof ns === 'string' && ns ? { appNamespace: ns } : {}) };
}

/** The result with a link to the application's resource after its content. */
export function withApplicationLink(result: CallToolResult, app: { name: string; appNamespace?: string }): CallToolResult {
  const link: ResourceLink = {
    type: 'resource_link',
    uri: applicationUri(app.name, app.appNamespace),
    name: app.name,
    title: `Application ${app.name}`,
    description: 'The application as a resource: read it, or subscribe to hear when it changes.',
    mimeType: 'application/json',
  };
  return { ...result, content: [...result.content, link] };
}

/**
 * Whether this session's client may be sent resource links: it negotiated 2025-06-18 or later in `initialize`
 * (over stateless HTTP, where there is no initialize, its `mcp-protocol-version` header says it).
 */
export function linkSupport(server: Server): (headers?: Record<string, string | string[] | undefined>) => boolean {
  let negotiated: string | undefined;
  const answer = (server as unknown as { _oninitialize?: (r: unknown) => Promise<InitializeResult> })._oninitialize?.bind(server);
  if (answer) {
    server.setRequestHandler(InitializeRequestSchema, async (request) => {
      const result = await answer(request);
      negotiated = result.protocolVersion;
      return result;
    });
  }
  return (headers) => {
    const header = headers?.['mcp-protocol-version'];
    const version = negotiated ?? (typeof header === 'string' ? header : undefined);
    // Protocol versions are dates: they sort as strings.
    return version !== undefined && version >= RESOURCE_LINK_SINCE;
  };
}
