/**
 * `argocd-mcp-gateway demo`: the built-in Argo CD simulator plus the gateway over HTTP on 127.0.0.1, a short tour
 * through a real MCP client (reads, a sync, a write the allowlist refuses, a confirmation, the token saving), then
 * connection snippets. Keeps serving, with /metrics, until Ctrl-C.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayConfig } from './config/load-config.ts';
import { buildGateway } from './compose/build-gateway.ts';
import { createLogger } from './log.ts';
import { createMcpServer } from './mcp/server.ts';
import { startSimulator } from 'argocd-simulator';
import { operationInProgress, type WatchedApp } from './workflows/wait.ts';
import { serveStreamableHttp } from './transports/http/server.ts';
import { defaultWorkerThreads } from './config/http-settings.ts';
import { createShaper } from './shaping/pool.ts';
import type { Shaper } from './shaping/pool.ts';
import { tableToObjects } from './shaping/shape.ts';
import type { HttpTransportHandle } from './transports/http/server.ts';
import { createMetrics } from './gateway/metrics.ts';
import { defaultOf } from './config/values.ts';
import { SETTINGS } from './config/settings.ts';

/** What the demo's allowlist keeps out, to show a refused write: everything else is allowed. */
const DEMO_DENY = ['application_delete'];

export interface DemoOptions {
  port: number;
  tour: boolean;
  exitAfterTour: boolean;
  /** Where the tour and instructions are written (stdout by default). */
  write?: (text: string) => void;
}

interface AppSummary {
  name: string;
  project: string;
  sync: string;
  health: string;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `    ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n');
}

function json(result: CallToolResult): unknown {
  const text = (result.content[0] as { text?: string } | undefined)?.text ?? '';
  if (result.isError) throw new Error(text);
  return JSON.parse(text);
}

async function listApps(client: Client): Promise<AppSummary[]> {
  const list = tableToObjects<{ name: string; project: string; sync?: string; health?: string }>(
    json((await client.callTool({ name: 'application_list', arguments: {} })) as CallToolResult),
  );
  return list.map((a) => ({ name: a.name, project: a.project, sync: a.sync ?? '?', health: a.health ?? '?' }));
}

/** The tour: what a newcomer should see the gateway do, through the real MCP client over HTTP. */
async function tour(url: string, write: (text: string) => void, argocd: { rawApplicationList: () => Promise<string> }): Promise<void> {
  const client = new Client({ name: 'argocd-mcp-gateway-demo', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const { tools } = await client.listTools();
    const picks = ['application_list', 'application_sync', 'application_rollback', 'application_logs', 'cluster_list', 'repository_list'];
    const workflows = tools.filter((t) => t._meta?.['argocd/tag'] === 'Workflows').length;
    write(`\n1. tools/list: ${tools.length - workflows} tools, one per Argo CD operation this demo's allowlist exposes (every one but application_delete; e.g. ${picks.filter((p) => tools.some((t) => t.name === p)).join(', ')}), and ${workflows} workflow tools (sync_and_wait, rollback, sync_many, ...).`);

    const apps = await listApps(client);
    const outOfSync = apps.filter((a) => a.sync === 'OutOfSync');
    write(`\n2. "What is out of sync?" application_list → ${apps.length} applications, ${outOfSync.length} OutOfSync:`);
    write(table([['NAME', 'PROJECT', 'SYNC', 'HEALTH'], ...outOfSync.map((a) => [a.name, a.project, a.sync, a.health])]));

    const target = outOfSync[0] ?? apps[0];
    if (!target) return;
    write(`\n3. application_sync { name: "${target.name}" } → Argo CD records the operation (app.operation set, the previous operationState cleared); its controller runs it later.`);
    json((await client.callTool({ name: 'application_sync', arguments: { name: target.name } })) as CallToolResult);
    // What `argocd app wait` calls done: no app.operation, operationState finished, and reconciled since.
    const deadline = Date.now() + 30_000;
    const seen: string[] = [];
    let app: WatchedApp = {};
    while (Date.now() < deadline) {
      const fields = ['operation', 'status.operationState', 'status.reconciledAt', 'status.sync.status', 'status.health.status'];
      app = json((await client.callTool({ name: 'application_get', arguments: { name: target.name, fields } })) as CallToolResult) as WatchedApp;
      const op = app.status?.operationState;
      const state = app.operation && !op ? 'requested' : op && !op.finishedAt ? (op.phase ?? 'Running') : op && operationInProgress(app) ? `${op.phase}, not reconciled yet` : `${op?.phase ?? 'none'}, reconciled`;
      if (seen.at(-1) !== state) seen.push(state);
      if (!operationInProgress(app)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    write(`   application_get, polled → ${seen.join(' → ')}; now sync ${app.status?.sync?.status}, health ${app.status?.health?.status}. (The workflow sync_and_wait does this wait for you.)`);

    const events = json(
      (await client.callTool({ name: 'application_list_resource_events', arguments: { name: target.name } })) as CallToolResult,
    ) as { items?: Array<{ reason?: string; message?: string; type?: string; lastTimestamp?: string }> };
    const recent = (events.items ?? []).slice(-5);
    write(`\n4. application_list_resource_events { name: "${target.name}" } → ${events.items?.length ?? 0} events, the latest:`);
    write(table([['TYPE', 'REASON', 'MESSAGE'], ...recent.map((e) => [e.type ?? '', e.reason ?? '', (e.message ?? '').slice(0, 80)])]));

    const text = (r: CallToolResult) => (r.content[0] as { text?: string } | undefined)?.text ?? '';
    const refused = (await client.callTool({ name: 'application_delete', arguments: { name: target.name } })) as CallToolResult;
    write(`\n5. A write the allowlist refuses (this demo's allowlist denies ${DEMO_DENY.join(', ')}): application_delete { name: "${target.name}" }`);
    write(`   → ${refused.isError ? 'refused' : 'NOT refused'}: ${text(refused).split('\n')[0]}`);

    const asked = (await client.callTool({ name: 'application_sync', arguments: { name: target.name, prune: true } })) as CallToolResult;
    write(`\n6. A destructive call waits for the user: application_sync { name: "${target.name}", prune: true }`);
    write(`   → ${asked.isError ? 'held' : 'NOT held'}: ${text(asked).split('\n')[0]}`);
    if (/Nothing was sent to Argo CD\.$/.test(text(asked).trim())) write('   Nothing was sent to Argo CD.');
    write('   (a client that supports MCP elicitation shows the user a yes/no prompt instead)');

    const shaped = text((await client.callTool({ name: 'application_list', arguments: {} })) as CallToolResult);
    const raw = await argocd.rawApplicationList();
    const tokens = (s: string) => Math.round(Buffer.byteLength(s) / 4).toLocaleString('en-US');
    write(`\n7. What the agent reads: application_list as the gateway shapes it is ~${tokens(shaped)} tokens; Argo CD's own answer`);
    write(`   to GET /api/v1/applications is ~${tokens(raw)} tokens (4 bytes a token; docs/bench.md counts exactly).`);
  } finally {
    await client.close();
  }
}

function instructions(args: { url: string; simUrl: string; tokenFile: string }): string {
  const { url, simUrl, tokenFile } = args;
  // From a clone the command is this very file; once installed it is `npx -y argocd-mcp-gateway`.
  const cli = path.resolve(process.argv[1] ?? 'dist/cli.js');
  // The simulator's token is in a file (ARGOCD_TOKEN_FILE), so it is printed nowhere.
  const env = { ARGOCD_BASE_URL: simUrl, ARGOCD_TOKEN_FILE: tokenFile };
  const stdioServer = { command: process.execPath, args: [cli], env };
  const envLine = `ARGOCD_BASE_URL=${simUrl} ARGOCD_TOKEN_FILE=${tokenFile}`;
  return [
    '',
    `The gateway is serving MCP at ${url} (Streamable HTTP), in front of the simulated Argo CD at ${simUrl};`,
    `Prometheus metrics at ${url.replace(/\/mcp$/, '/metrics')}. The demo allows writes (against the simulator only),`,
    `except ${DEMO_DENY.join(', ')}. Connect a client while it runs:`,
    '',
    `  Claude Code:     claude mcp add --transport http argocd ${url}`,
    '  Claude Desktop:  claude_desktop_config.json (stdio; read-only without an allowlist file) →',
    `    ${JSON.stringify({ mcpServers: { argocd: stdioServer } })}`,
    '  Cursor:          .cursor/mcp.json →',
    `    ${JSON.stringify({ mcpServers: { argocd: { url } } })}`,
    '  VS Code:         .vscode/mcp.json →',
    `    ${JSON.stringify({ servers: { argocd: { type: 'http', url } } })}`,
    '',
    '  stdio variant (any client that launches a command):',
    `    ${envLine} ${process.execPath} ${cli}`,
    '',
    'Choose which endpoints to expose (with their token cost), save an allowlist and test the connection, in a',
    'local web page, against this simulator:',
    `    ${envLine} ${process.execPath} ${cli} console --config allowlist.yaml`,
    '',
    'Against your own Argo CD: set ARGOCD_BASE_URL and ARGOCD_API_TOKEN and run `npx -y argocd-mcp-gateway` (read-only',
    'until you give it an allowlist file; see README). Press Ctrl-C to stop the demo.',
  ].join('\n');
}

async function listen(config: GatewayConfig, port: number, write: (t: string) => void, shaper: Shaper | undefined): Promise<HttpTransportHandle> {
  // /metrics as the HTTP service has it (src/compose/http-service.ts): tool calls from the audit records, upstream timings.
  const metrics = createMetrics();
  // 'error': the refusal the tour provokes on purpose would otherwise log a warning in the middle of it.
  const { gateway, logger, version } = buildGateway(config, createLogger('error'), { shaper, audit: metrics.wrapAudit(undefined), wrapUpstream: metrics.wrapUpstream });
  const options = { host: '127.0.0.1', createServer: () => createMcpServer(gateway, version), logger, metrics };
  try {
    return await serveStreamableHttp({ ...options, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    write(`Port ${port} is taken; using a free port instead.`);
    return serveStreamableHttp({ ...options, port: 0 });
  }
}

/** Runs the demo; resolves when it is stopped (Ctrl-C) or, with exitAfterTour, after the tour. */
export async function runDemo(options: DemoOptions): Promise<void> {
  const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
  const sim = await startSimulator({});
  const config: GatewayConfig = {
    argocdUrl: sim.url,
    token: sim.tokens.admin,
    insecure: false,
    timeoutMs: defaultOf('timeout'),
    transport: 'http',
    host: '127.0.0.1',
    port: options.port,
    allowlist: { readOnly: false, allow: ['*'], deny: DEMO_DENY, source: 'config' },
    mode: 'static',
    maxResultTokens: SETTINGS.maxResultTokens.fallback,
    rawResults: false,
    adaptToServer: true,
    scope: {},
    confirm: 'destructive',
    // A local try-out: a client without elicitation (an inspector) gets a preview and a single-use token.
    confirmFallback: 'token',
    logLevel: 'warn',
  };
  // As the HTTP service: large answers are shaped on a thread when the machine has a second core.
  const threads = defaultWorkerThreads();
  const shaper = threads > 0 ? createShaper({ threads, logger: createLogger('warn') }) : undefined;
  const http = await listen(config, options.port, write, shaper).catch(async (err: unknown) => {
    await shaper?.close();
    throw err;
  });
  write(`argocd-mcp-gateway demo: simulated Argo CD at ${sim.url}; gateway at ${http.url}`);
  const stop = async () => {
    await http.close();
    await shaper?.close();
    await sim.close();
  };
  try {
    if (options.tour) {
      write('\nA short tour through a real MCP client:');
      // Argo CD's answer as it is, straight from the simulator, to compare with what the gateway hands the agent.
      const rawApplicationList = async () =>
        (await fetch(`${sim.url}/api/v1/applications`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } })).text();
      await tour(http.url, write, { rawApplicationList });
    }
  } catch (err) {
    write(`\nThe tour failed: ${(err as Error).message}`);
    await stop();
    throw err;
  }
  if (options.exitAfterTour) {
    await stop();
    return;
  }
  const tokenDir = mkdtempSync(path.join(tmpdir(), 'argocd-mcp-demo-'));
  const tokenFile = path.join(tokenDir, 'simulator-token');
  writeFileSync(tokenFile, sim.tokens.admin, { mode: 0o600 });
  write(instructions({ url: http.url, simUrl: sim.url, tokenFile }));
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      write('\nStopping the demo.');
      rmSync(tokenDir, { recursive: true, force: true });
      stop().then(resolve, resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
