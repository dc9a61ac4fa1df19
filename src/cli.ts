#!/usr/bin/env node
/** The `argocd-mcp-gateway` command: serve (default), demo, list-tools, check, login, console, generate. */
import { Command } from 'commander';
import { ConfigError, loadConfig, parseDuration } from './config/load-config.ts';
import type { CliFlags, GatewayConfig, LoadConfigInput } from './config/load-config.ts';
import { applyConfig } from './compose/apply-config.ts';
import { packageVersion } from './package-root.ts';
import { didYouMean } from './config/did-you-mean.ts';
import { AllowlistError } from './policy/allowlist.ts';
import { withSettingOptions } from './config/cli-options.ts';
import { defaultOf } from './config/values.ts';
import { EarlyStdio } from './transports/early-stdio.ts';
import { sizeHeapForOneClient } from './heap-tuning.ts';
import { SERVER_NAME, SERVER_TITLE, serverCapabilities, serverInstructions } from './mcp/server-info.ts';

/** Options every gateway command shares, derived from the settings table (src/config/settings.ts); each has an environment twin. */
function withGatewayOptions(cmd: Command): Command {
  return withSettingOptions(cmd, { serve: false });
}

/** Loads the configuration and applies it to the process (the catalogue it names, its audit file). */
function loadGatewayConfig(input: LoadConfigInput): GatewayConfig {
  const config = loadConfig(input);
  applyConfig(config);
  return config;
}

function fail(err: unknown): never {
  // What the operator can fix is a message; a stack trace is for bugs (SpecError: a `generate --spec` that cannot be read).
  if (err instanceof ConfigError || err instanceof AllowlistError || (err as Error)?.name === 'SpecError') {
    process.stderr.write(`argocd-mcp-gateway: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`argocd-mcp-gateway: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}

/** The message for a word that `serve` (the default command) was given: a typo of a command, or a command after options. */
function misplacedCommand(word: string, commands: string[]): string {
  if (commands.includes(word)) {
    return `"${word}" must come first, before its options: argocd-mcp-gateway ${word} [options] (see argocd-mcp-gateway ${word} --help)`;
  }
  const hint = didYouMean(word, commands);
  return `unknown command "${word}"${hint ? ` (did you mean "${hint}"?)` : ''}; the commands are ${commands.join(', ')} (serve is the default; see --help)`;
}

/** `serve` (the default command): MCP over stdio, or over HTTP with --transport http. */
function addServeCommand(program: Command): void {
  withSettingOptions(
    program
      .command('serve', { isDefault: true })
      .description('serve MCP (the default command; stdio unless --transport http, then Streamable HTTP at /mcp)')
      // A word left over is a mistyped command or one put after options: the action says which, not commander.
      .allowExcessArguments(true),
    { serve: true },
  ).action(async (flags: CliFlags, command: Command) => {
    if (command.args.length) {
      early?.dispose();
      process.stderr.write(`argocd-mcp-gateway: ${misplacedCommand(command.args[0], program.commands.map((c) => c.name()))}\n`);
      process.exit(2);
    }
    const config = loadGatewayConfig({ flags, env: process.env });
    if (early && config.transport === 'stdio' && config.mode) {
      const version = packageVersion();
      early.answerInitialize({
        supportedVersions: PROTOCOL_VERSIONS,
        result: (protocolVersion) => ({
          protocolVersion,
          capabilities: serverCapabilities(config.mode),
          serverInfo: { name: SERVER_NAME, title: SERVER_TITLE, version },
          instructions: serverInstructions(config.mode),
        }),
      });
    } else early?.dispose();
    const { serve } = await import('./serve.ts');
    await serve(config, config.transport === 'stdio' ? early : undefined);
  });
}

/** `demo`, `list-tools` and `check`. */
function addToolCommands(program: Command): void {
  program
    .command('demo')
    .description('start the built-in Argo CD simulator and the gateway (HTTP on 127.0.0.1), show a short tour, keep serving')
    .option('--port <port>', 'gateway HTTP port (default 3000; a free one if taken)')
    .option('--no-tour', 'skip the tour')
    .option('--exit-after-tour', 'stop after the tour (for scripts)')
    .action(async (flags: { port?: string; tour: boolean; exitAfterTour?: boolean }) => {
      const { runDemo } = await import('./demo.ts');
      await runDemo({ port: flags.port ? Number(flags.port) : defaultOf('port'), tour: flags.tour, exitAfterTour: !!flags.exitAfterTour });
    });

  withGatewayOptions(
    program
      .command('list-tools')
      .description('print the tools a configuration exposes (no Argo CD needed)')
      .option('--json', 'machine-readable output'),
  ).action(async (flags: CliFlags & { json?: boolean }) => {
    const config = loadGatewayConfig({ flags, env: process.env, argocdOptional: true });
    const { listTools } = await import('./commands.ts');
    process.exitCode = await listTools(config, { json: !!flags.json });
  });

  withGatewayOptions(
    program.command('check').description('validate the configuration, flag allowlist entries that match nothing, and test the connection and token'),
  ).action(async (flags: CliFlags) => {
    const config = loadGatewayConfig({ flags, env: process.env });
    const { check } = await import('./commands.ts');
    process.exitCode = await check(config);
  });
}

/** `login --sso`: sign in to Argo CD's identity provider for the stdio gateway. */
async function runLogin(flags: CliFlags & { sso?: boolean; browser: boolean; wait?: string }): Promise<void> {
  const { sso, browser, wait: timeout, ...gatewayFlags } = flags;
  if (!sso) {
    process.stderr.write('login needs --sso: the gateway signs in to Argo CD\'s identity provider (set sso: in the config file); for a token, set ARGOCD_API_TOKEN instead\n');
    process.exitCode = 2;
    return;
  }
  const config = loadConfig({ flags: gatewayFlags, env: process.env, argocdOptional: true });
  const settings = config.auth?.sso;
  if (!settings) {
    process.stderr.write('login --sso needs an sso: section in the config file (--config): issuer and clientId at least; see README, "Signing in with SSO"\n');
    process.exitCode = 2;
    return;
  }
  const timeoutMs = timeout ? parseDuration(timeout) : undefined;
  if (timeout && timeoutMs === undefined) {
    process.stderr.write(`--wait: "${timeout}" is not a duration; use e.g. 5m or 300s\n`);
    process.exitCode = 2;
    return;
  }
  const { runSsoLogin } = await import('./argocd/auth/sso/login.ts');
  try {
    await runSsoLogin({ settings, write: (t) => process.stderr.write(`${t}\n`), openBrowser: browser, timeoutMs });
  } catch (err) {
    process.stderr.write(`login failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

/** `login` and `console`. */
function addOperatorCommands(program: Command): void {
  withGatewayOptions(
    program
      .command('login')
      .description("sign in to Argo CD's identity provider (the config's sso:) in a browser, for the stdio gateway")
      .option('--sso', 'authorization code flow with PKCE and a loopback callback, as `argocd login --sso` (the only kind)')
      .option('--no-browser', 'print the URL without trying to open a browser')
      .option('--wait <duration>', 'how long to wait for the browser to come back (default 5m)'),
  ).action(runLogin);

  withGatewayOptions(
    program
      .command('console')
      .description('a local web page to choose endpoints (with their token cost), test the connection, preview tools/list and watch calls; prints its URL')
      .option('--port <port>', 'console port on 127.0.0.1 (default: a free one)')
      .option('--serve', 'also serve the gateway over HTTP in this process; its tool calls show on the Activity screen')
      .option('--gateway-port <port>', 'with --serve: the gateway HTTP port (default: the config port, 3000)')
      .option('--simulator', 'use the built-in Argo CD simulator as the Argo CD (try everything without a cluster)'),
  ).action(async (flags: CliFlags & { port?: string; serve?: boolean; gatewayPort?: string; simulator?: boolean }) => {
    const { port, serve, gatewayPort, simulator, ...gatewayFlags } = flags;
    const { runConsole } = await import('./console/run-console.ts');
    await runConsole({
      flags: gatewayFlags,
      env: process.env,
      port: port ? Number(port) : 0,
      serve: !!serve,
      gatewayPort: gatewayPort ? Number(gatewayPort) : undefined,
      simulator: !!simulator,
    });
  });
}

/** `generate`: the catalogue from a swagger.json. */
function addGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description("regenerate the tool catalogue from an Argo CD swagger.json (a file, a URL, or a server's address)")
    .requiredOption('--spec <file|url>', 'swagger.json file, its URL, or an argocd-server address (its /swagger.json is read)')
    .option('--out <dir>', 'output directory', 'generated')
    .option('--release <version>', 'release label for the banner, e.g. v2.14.21 (default: from the file name)')
    .action(async (flags: { spec: string; out: string; release?: string }) => {
      const { describeMissingGeneratorPackages, missingGeneratorPackages } = await import('./generator-packages.ts');
      const missing = missingGeneratorPackages();
      if (missing.length) {
        process.stderr.write(`argocd-mcp-gateway: ${describeMissingGeneratorPackages(missing)}\n`);
        process.exit(2);
      }
      const { generate } = await import('../codegen/generate.ts');
      const written = await generate({ spec: flags.spec, out: flags.out, release: flags.release });
      process.stderr.write(`wrote ${written.join(', ')}\n`);
    });
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('argocd-mcp-gateway')
    .description('An MCP server that gives AI agents the whole Argo CD API as validated tools, behind an endpoint allowlist.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
serve is the default command: \`argocd-mcp-gateway [options]\` is \`argocd-mcp-gateway serve [options]\`, MCP over stdio
(what a desktop client launches). Options come after the command: \`argocd-mcp-gateway check --config gateway.yaml\`.
Each command's options: argocd-mcp-gateway <command> --help`);
  addServeCommand(program);
  addToolCommands(program);
  addOperatorCommands(program);
  addGenerateCommand(program);
  await program.parseAsync(argv);
}

/**
 * The MCP protocol versions of the bundled SDK, newest first, put here by scripts/build.mjs. Without them (running
 * from source) the SDK answers `initialize` itself, a little later.
 */
declare const __MCP_PROTOCOL_VERSIONS__: readonly string[] | undefined;
const PROTOCOL_VERSIONS: readonly string[] = typeof __MCP_PROTOCOL_VERSIONS__ === 'undefined' ? [] : __MCP_PROTOCOL_VERSIONS__;

/** `argocd-mcp-gateway [serve] [flags]`, i.e. possibly MCP over stdio: listen on stdin from the first instant. */
function mayServeStdio(argv: string[]): boolean {
  const args = argv.slice(2);
  if (args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version')) return false;
  const command = args.find((a) => !a.startsWith('-'));
  return PROTOCOL_VERSIONS.length > 0 && (command === undefined || command === 'serve' || args.indexOf(command) > 0);
}

// Started before anything heavy is loaded: `initialize` is answered as soon as the configuration is valid, while the
// SDK and the gateway load (spawn → initialize is what a client waits for at every start).
const early = mayServeStdio(process.argv) ? new EarlyStdio() : undefined;
// Sized for one client from the start (the modules that load now are what grows it); HTTP restores the default.
if (early) sizeHeapForOneClient();

main(process.argv).catch(fail);
