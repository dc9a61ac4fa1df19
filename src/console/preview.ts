/**
 * What an agent sees: the exact `tools/list` for a selection and mode, obtained from the real MCP server through
 * the SDK's client over an in-memory transport, so nothing here re-implements how tools are advertised.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AllowlistConfig } from '../config/load-config.ts';
import { createLogger } from '../log.ts';
import { createMcpServer } from '../mcp/server.ts';
import type { Mode } from '../mcp/server.ts';
import { packageVersion } from '../package-root.ts';
import { compileAllowlist } from '../policy/allowlist.ts';
import { createGateway } from '../gateway/gateway.ts';
import { WORKFLOWS } from '../workflows/index.ts';
import { countTokens } from './catalogue-view.ts';

export interface ToolsListPreview {
  mode: Mode;
  tools: Tool[];
  /** o200k tokens of the `tools/list` result JSON. */
  tokens: number;
  bytes: number;
}

/** Lists tools as a client connected to a gateway with this allowlist, toolsets and mode would. */
export async function previewToolsList(args: { allowlist: AllowlistConfig; toolsets?: string[]; mode: Mode }): Promise<ToolsListPreview> {
  const gateway = createGateway({
    allowlist: compileAllowlist(args.allowlist),
    toolsets: args.toolsets,
    logger: createLogger('silent'),
    adaptToServer: false,
    // The workflow tools, as the gateway serves them (src/compose/build-gateway.ts).
    composites: WORKFLOWS,
  });
  const server = createMcpServer(gateway, packageVersion(), args.mode);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'argocd-mcp-gateway-console', version: packageVersion() });
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    const { tools } = await client.listTools();
    const json = JSON.stringify({ tools });
    return { mode: args.mode, tools, tokens: await countTokens(json), bytes: Buffer.byteLength(json) };
  } finally {
    await client.close();
    await server.close();
  }
}
