/** End-to-end harness: the simulator on 127.0.0.1, the built gateway as a child process, the SDK's real client. */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startSimulator } from 'argocd-simulator';
import { tableToObjects } from '../../src/shaping/shape.ts';
import type { Simulator, SimulatorOptions } from 'argocd-simulator';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export { startSimulator };
export type { Simulator, SimulatorOptions };

export function baseEnv(sim: Simulator, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ARGOCD_BASE_URL: sim.url,
    ARGOCD_API_TOKEN: sim.tokens.admin,
    ARGOCD_MCP_LOG_LEVEL: 'warn',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

export interface StdioGateway {
  client: Client;
  stderr: () => string;
  close: () => Promise<void>;
}

/** Spawns `node dist/cli.js [args]` and connects the SDK client over stdio. */
/** `client` sets the SDK client's `clientInfo` and capabilities (a host's, e.g. `{ name: 'claude-code', ... }`). */
export async function stdioGateway(
  env: Record<string, string>,
  args: string[] = [],
  client_: { info?: { name: string; version: string }; options?: ConstructorParameters<typeof Client>[1] } = {},
): Promise<StdioGateway> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const client = new Client(client_.info ?? { name: 'e2e', version: '1.0.0' }, client_.options);
  await client.connect(transport);
  return { client, stderr: () => err, close: () => client.close() };
}

export interface HttpGateway {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  connect: () => Promise<Client>;
  close: () => Promise<void>;
}

/**
 * Waits for a gateway started with `serve --transport http` (logging at info) to log the URL it listens on; its
 * stderr is kept for messages.
 */
export async function listeningUrl(child: ChildProcess, timeoutMs = 15_000): Promise<{ url: string; stderr: () => string }> {
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /"url":"(http:\/\/[^"]+\/mcp)"/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${err}`)));
  });
  return { url, stderr: () => err };
}

/** Spawns the gateway in HTTP mode on a free port and waits until it listens. */
export async function httpGateway(env: Record<string, string>, args: string[] = []): Promise<HttpGateway> {
  const child = spawn(process.execPath, [CLI, 'serve', '--transport', 'http', '--port', '0', ...args], {
    env: { ...env, ARGOCD_MCP_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, stderr } = await listeningUrl(child);
  const clients: Client[] = [];
  return {
    url,
    child,
    stderr,
    async connect() {
      const client = new Client({ name: 'e2e-http', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export function textOf(result: unknown): string {
  // Text items only: a resource link beside the text is not part of it.
  return ((result as CallToolResult).content as Array<{ type: string; text?: string }>).filter((c) => c.type === 'text').map((c) => c.text ?? '').join('\n');
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export function json<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError) throw new Error(`tool error: ${textOf(result)}`);
  return JSON.parse((result.content[0] as { text: string }).text) as T;
}

/** The rows of an application_list summary table as objects ({name, project, sync, health, ...}). */
export function appsOf<T = { name: string; project: string; sync?: string; health?: string }>(result: CallToolResult): T[] {
  return tableToObjects<T>(json(result));
}
