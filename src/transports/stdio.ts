/** MCP over stdio: stdout carries only protocol messages; logs go to stderr. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';

/** Connects the server to the process's stdin/stdout; resolves when stdin closes. */
export async function serveStdio(server: Server, streams = { stdin: process.stdin, stdout: process.stdout }): Promise<void> {
  const transport = new StdioServerTransport(streams.stdin, streams.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    streams.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
}
