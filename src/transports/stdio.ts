/** MCP over stdio: stdout carries only protocol messages; logs go to stderr. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { EarlyStdio } from './early-stdio.ts';
import { sizeHeapForOneClient } from '../heap-tuning.ts';

/**
 * Connects the server to the process's stdin/stdout (through the early transport when the CLI started one);
 * resolves when stdin closes.
 */
export async function serveStdio(server: Server, early?: EarlyStdio): Promise<void> {
  sizeHeapForOneClient();
  let transport: Transport;
  if (early) {
    early.setValidator((m) => JSONRPCMessageSchema.parse(m) as Record<string, unknown>);
    transport = early as unknown as Transport;
  } else {
    transport = new StdioServerTransport(process.stdin, process.stdout);
  }
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
}
