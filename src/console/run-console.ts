/**
 * `argocd-mcp-gateway console`: the local web console for the allowlist file, optionally with the gateway serving
 * MCP over HTTP in the same process (`--serve`, its calls on the Activity screen) and the built-in simulator as
 * the Argo CD (`--simulator`). Opens nothing by itself; prints the URL with its one-time access token.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildGateway } from '../compose/build-gateway.ts';
import { loadConfig } from '../config/load-config.ts';
import { applyConfig } from '../compose/apply-config.ts';
import type { CliFlags, GatewayConfig } from '../config/load-config.ts';
import { createLogger } from '../log.ts';
import { createMcpServer } from '../mcp/server.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { serveStreamableHttp } from '../transports/http/server.ts';
import type { HttpTransportHandle } from '../transports/http/server.ts';
import { createActivityLog } from './activity.ts';
import { startConsoleServer } from './server.ts';
import type { ConsoleServer } from './server.ts';

/** The file the console edits when neither --config nor ARGOCD_MCP_CONFIG names one. */
export const DEFAULT_CONFIG_FILE = 'allowlist.yaml';

export interface ConsoleOptions {
  flags: CliFlags;
  env: NodeJS.ProcessEnv;
  /** The console's own port (0: a free one). */
  port?: number;
  /** Also serve the gateway over HTTP in this process. */
  serve?: boolean;
  /** The gateway's HTTP port with --serve (default: the config's `port`, a free one if taken). */
  gatewayPort?: number;
  /** Start the built-in Argo CD simulator and use it as the Argo CD. */
  simulator?: boolean;
  write?: (line: string) => void;
}

export interface ConsoleHandle {
  console: ConsoleServer;
  file: string;
  gatewayUrl?: string;
  simulator?: { url: string; tokens: { admin: string; readonly: string } };
  close(): Promise<void>;
}

/** Starts everything the options ask for; the caller decides how long it runs. */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleHandle> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const file = path.resolve(options.flags.config ?? options.env.ARGOCD_MCP_CONFIG ?? DEFAULT_CONFIG_FILE);
  const closers: Array<() => Promise<void>> = [];
  let env = options.env;
  let simulator: ConsoleHandle['simulator'];
  if (options.simulator) {
    const { startSimulator } = await import('argocd-simulator');
    const sim = await startSimulator({});
    simulator = { url: sim.url, tokens: sim.tokens };
    closers.push(() => sim.close());
    env = { ...env, ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_SERVER: undefined, ARGOCD_AUTH_TOKEN: undefined };
  }
  // A file that does not exist yet is the one the console will create: load everything else without it.
  const exists = existsSync(file);
  const load = (): GatewayConfig =>
    loadConfig({ flags: { ...options.flags, config: exists || existsSync(file) ? file : undefined }, env: { ...env, ARGOCD_MCP_CONFIG: undefined }, argocdOptional: !options.serve });
  let config: GatewayConfig;
  try {
    config = load();
    applyConfig(config);
  } catch (err) {
    await Promise.all(closers.map((c) => c()));
    throw err;
  }
  const warnings: string[] = [];
  for (const [name, key] of [['ARGOCD_MCP_ALLOW', 'allow'], ['ARGOCD_MCP_DENY', 'deny'], ['ARGOCD_MCP_READ_ONLY', 'readOnly']] as const) {
    if (env[name]) warnings.push(`${name} is set: it overrides \`${key}\` in the file, so the gateway will not use what you save here until it is unset.`);
  }

  let gatewayUrl: string | undefined;
  let onSaved: (() => void) | undefined;
  const activity = options.serve ? createActivityLog() : undefined;
  if (options.serve && activity) {
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    let current: { gateway: Gateway; mode: GatewayConfig['mode'] } = { gateway: buildGateway(config, logger, { audit: activity.sink }).gateway, mode: config.mode };
    const version = buildGateway(config, createLogger('silent')).version;
    const serverOptions = { host: '127.0.0.1', logger, createServer: () => createMcpServer(activity.observe(current.gateway), version, current.mode) };
    const port = options.gatewayPort ?? config.port;
    let http: HttpTransportHandle;
    try {
      http = await serveStreamableHttp({ ...serverOptions, port });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      write(`Port ${port} is taken; the gateway uses a free port instead.`);
      http = await serveStreamableHttp({ ...serverOptions, port: 0 });
    }
    gatewayUrl = http.url;
    closers.unshift(() => http.close());
    // New MCP sessions get the saved allowlist; sessions already open keep theirs until they reconnect.
    onSaved = () => {
      try {
        const next = load();
        current = { gateway: buildGateway(next, logger, { audit: activity.sink }).gateway, mode: next.mode };
        write(`Reloaded ${file}: new MCP sessions get the saved tools.`);
      } catch (err) {
        write(`Saved, but the gateway keeps its previous configuration: ${(err as Error).message}`);
      }
    };
  }

  const server = await startConsoleServer({ port: options.port, file, config, activity, gatewayUrl, onSaved, warnings });
  closers.unshift(() => server.close());
  write(`argocd-mcp-gateway console for ${file}${exists ? '' : ' (a new file)'}`);
  if (simulator) write(`Simulated Argo CD at ${simulator.url} (admin token in use; Connection tests it).`);
  if (gatewayUrl) write(`Gateway serving MCP at ${gatewayUrl}; its tool calls show on the Activity screen.`);
  write(`Open this URL in your browser (it holds a one-time access token; do not share it):\n\n  ${server.url}\n`);
  for (const w of warnings) write(`Warning: ${w}`);
  return {
    console: server,
    file,
    gatewayUrl,
    simulator,
    async close() {
      for (const close of closers) await close().catch(() => undefined);
    },
  };
}

/** Runs the console until Ctrl-C. */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const handle = await startConsole(options);
  await new Promise<void>((resolve) => {
    const stop = () => handle.close().then(resolve, resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
