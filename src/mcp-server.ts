/** The MCP face of the gateway: a low-level SDK Server whose tools come from the generated catalogue. */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from './runtime/gateway.ts';

export const SERVER_NAME = 'argocd-mcp-gateway';

const INSTRUCTIONS = [
  'Tools for one Argo CD, one per API operation (tool name = service_operation).',
  'Start with application_list (filter with projects, selector, repo) and application_get; application names are',
  'Argo CD names, and apps outside Argo CD\'s namespace need appNamespace. Writes such as application_sync return',
  'at once while Argo CD works: read application_get again to follow the operation. Errors explain what to fix.',
].join(' ');

/** A new MCP Server bound to the shared gateway (cheap: one per stdio process or HTTP session). */
export function createMcpServer(gateway: Gateway, version: string): Server {
  const server = new Server(
    { name: SERVER_NAME, title: 'Argo CD MCP gateway', version },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: gateway.listTools() }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const progressToken = request.params._meta?.progressToken;
    return gateway.callTool(request.params.name, request.params.arguments, {
      signal: extra.signal,
      progressToken,
      sendProgress:
        progressToken === undefined
          ? undefined
          : (p) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...p } }),
    });
  });
  return server;
}
