/**
 * `npm run bench`: starts the simulator and the built gateway (dist/cli.js), and prints, as figures from one run:
 * tools/list tokens per mode and toolset; result tokens raw vs shaped; added latency through the gateway; spawn →
 * initialize time against a bare Node process; RSS after 1,000 calls; the fleet questions at 1,500 and 10,000 apps
 * (bench-fleet.ts). Writes the same tables to docs/bench.md. Tokens are counted with gpt-tokenizer's o200k encoding.
 *
 * `npm run bench -- --only fleet` runs one section and replaces only that section of docs/bench.md;
 * `--fleet-apps 1500` sets the fleet sizes (comma-separated).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { startSimulator } from 'argocd-simulator';
import { tableToObjects } from '../src/shaping/shape.ts';
import { createGateway } from '../src/gateway/gateway.ts';
import { compileAllowlist } from '../src/policy/allowlist.ts';
import { createUpstream } from '../src/argocd/upstream.ts';
import { createLogger } from '../src/log.ts';
import type { Simulator } from 'argocd-simulator';
import { operationInProgress, type WatchedApp } from '../src/workflows/wait.ts';
import { fleet } from './bench-fleet.ts';
import { cli, connectWith, root, rssMb, simulatorProcess, text } from './bench-processes.ts';

const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const ms = (n: number) => `${n.toFixed(2)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

function gatewayEnv(sim: Simulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ARGOCD_BASE_URL: sim.url,
    ARGOCD_API_TOKEN: sim.tokens.admin,
    ARGOCD_MCP_ALLOW: '*',
    ARGOCD_MCP_READ_ONLY: 'false',
    ARGOCD_MCP_LOG_LEVEL: 'warn',
    ...extra,
  };
}

const connect = (sim: Simulator, extra: Record<string, string> = {}) => connectWith(gatewayEnv(sim, extra));

async function toolsListTokens(sim: Simulator): Promise<void> {
  say('## tools/list');
  say();
  say('| mode | tools | bytes | tokens |');
  say('| --- | ---: | ---: | ---: |');
  const readOnlyDefault = gatewayEnv(sim);
  delete (readOnlyDefault as Record<string, string | undefined>).ARGOCD_MCP_ALLOW;
  delete (readOnlyDefault as Record<string, string | undefined>).ARGOCD_MCP_READ_ONLY;
  const modes: Array<[string, Record<string, string>]> = [
    ['full catalogue (all toolsets, writes allowed)', gatewayEnv(sim)],
    ['default toolsets', gatewayEnv(sim, { ARGOCD_MCP_TOOLSETS: 'default' })],
    ['read-only default (no allowlist)', readOnlyDefault],
    ['dynamic mode', gatewayEnv(sim, { ARGOCD_MCP_MODE: 'dynamic' })],
  ];
  let perToolset: Map<string, { tools: number; tokens: number }> | undefined;
  for (const [label, env] of modes) {
    const { client } = await connectWith(env);
    const { tools } = await client.listTools();
    const json = JSON.stringify({ tools });
    say(`| ${label} | ${tools.length} | ${json.length} | ${countTokens(json)} |`);
    if (!perToolset) {
      perToolset = new Map();
      const catalogue = JSON.parse(readFileSync(path.join(root, 'generated', 'tools.gen.json'), 'utf8')) as { tools: Array<{ name: string; toolset: string }> };
      const toolsetOf = new Map(catalogue.tools.map((t) => [t.name, t.toolset]));
      for (const t of tools) {
        const ts = toolsetOf.get(t.name) ?? (t._meta?.['argocd/tag'] === 'Workflows' ? 'workflows' : '?');
        const cur = perToolset.get(ts) ?? { tools: 0, tokens: 0 };
        perToolset.set(ts, { tools: cur.tools + 1, tokens: cur.tokens + countTokens(JSON.stringify(t)) });
      }
      // The generated catalogue alone (one tool per Argo CD operation), without the hand-written workflow tools.
      const operations = tools.filter((t) => toolsetOf.has(t.name));
      const opsJson = JSON.stringify({ tools: operations });
      say(`| (of which the operation tools, one per Argo CD operation) | ${operations.length} | ${opsJson.length} | ${countTokens(opsJson)} |`);
      const largest = Math.max(...tools.map((t) => JSON.stringify(t).length));
      say(`| (largest single tool in the full catalogue) | 1 | ${largest} | |`);
    }
    await client.close();
  }
  if (perToolset) {
    say();
    say('| toolset | tools | tokens |');
    say('| --- | ---: | ---: |');
    for (const [ts, v] of [...perToolset].sort()) say(`| ${ts} | ${v.tools} | ${v.tokens} |`);
  }
  say();
}

async function resultTokens(sim: Simulator, client: Client): Promise<void> {
  say('## Result tokens: raw Argo CD JSON vs the gateway\'s default result');
  say();
  say('| call | raw tokens | shaped tokens | shaped / raw |');
  say('| --- | ---: | ---: | ---: |');
  const auth = { authorization: `Bearer ${sim.tokens.admin}` };
  const apps = (await (await fetch(`${sim.url}/api/v1/applications`, { headers: auth })).json()) as { items: Array<{ metadata: { name: string } }> };
  const app = apps.items[0].metadata.name;
  const cases: Array<[string, string, string, Record<string, unknown>]> = [
    [`list applications (${apps.items.length} apps)`, '/api/v1/applications', 'application_list', {}],
    ['get application', `/api/v1/applications/${app}`, 'application_get', { name: app }],
    ['resource tree', `/api/v1/applications/${app}/resource-tree`, 'application_resource_tree', { applicationName: app }],
    ['managed resources', `/api/v1/applications/${app}/managed-resources`, 'application_managed_resources', { applicationName: app }],
    ['200 log lines', `/api/v1/applications/${app}/logs?tailLines=200`, 'application_logs', { name: app, tailLines: 200, maxItems: 200 }],
  ];
  let listPerApp = 0;
  for (const [label, url, tool, args] of cases) {
    const raw = await (await fetch(`${sim.url}${url}`, { headers: auth })).text();
    const result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
    if (result.isError) throw new Error(`${tool}: ${text(result)}`);
    const rawTokens = countTokens(raw);
    const shapedTokens = countTokens(text(result));
    if (tool === 'application_list') listPerApp = shapedTokens / apps.items.length;
    say(`| ${label} | ${rawTokens} | ${shapedTokens} | ${(shapedTokens / rawTokens).toFixed(3)} |`);
  }
  say(`| (list applications, per application) | | ${listPerApp.toFixed(1)} | |`);
  say();
}

async function latency(): Promise<void> {
  say('## Latency through the gateway (stdio) vs the same request made directly');
  say();
  say('The simulator runs in its own process; "direct" is fetch from the benchmark process, "gateway" is an MCP tools/call over stdio to the gateway process, which makes the same request and shapes the result.');
  say();
  const sim = (await simulatorProcess()) as unknown as Simulator & { close: () => void };
  const { client } = await connect(sim);
  say('| call | direct p50 | direct p95 | gateway p50 | gateway p95 | added p50 | gateway/direct p50 |');
  say('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const auth = { authorization: `Bearer ${sim.tokens.admin}` };
  const apps = (await (await fetch(`${sim.url}/api/v1/applications`, { headers: auth })).json()) as { items: Array<{ metadata: { name: string } }> };
  const app = apps.items[0].metadata.name;
  const cases: Array<[string, string, string, Record<string, unknown>]> = [
    ['version (small)', '/api/version', 'version_get', {}],
    ['get application (large)', `/api/v1/applications/${app}`, 'application_get', { name: app }],
  ];
  for (const [label, url, tool, args] of cases) {
    const n = 200;
    for (let i = 0; i < 20; i++) {
      await (await fetch(`${sim.url}${url}`, { headers: auth })).text();
      await client.callTool({ name: tool, arguments: args });
    }
    const direct: number[] = [];
    const via: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await (await fetch(`${sim.url}${url}`, { headers: auth })).json();
      direct.push(performance.now() - t);
      t = performance.now();
      await client.callTool({ name: tool, arguments: args });
      via.push(performance.now() - t);
    }
    const d50 = percentile(direct, 50);
    const g50 = percentile(via, 50);
    say(`| ${label} | ${ms(d50)} | ${ms(percentile(direct, 95))} | ${ms(g50)} | ${ms(percentile(via, 95))} | ${ms(g50 - d50)} | ${ratio(g50, d50)} |`);
    // The gateway's own work (validate, build, request, shape, cap) without the MCP transport around it.
    const core = createGateway({
      allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
      upstream: createUpstream({ baseUrl: sim.url, token: () => sim.tokens.admin, timeoutMs: 10_000, userAgent: 'bench' }),
      logger: createLogger('silent'),
      adaptToServer: false,
    });
    for (let i = 0; i < 20; i++) await core.callTool(tool, args);
    const inproc: number[] = [];
    const direct2: number[] = [];
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await (await fetch(`${sim.url}${url}`, { headers: auth })).json();
      direct2.push(performance.now() - t);
      t = performance.now();
      await core.callTool(tool, args);
      inproc.push(performance.now() - t);
    }
    const c50 = percentile(inproc, 50);
    const d2 = percentile(direct2, 50);
    say(`| ${label}, gateway core in-process (no MCP transport) | ${ms(d2)} | ${ms(percentile(direct2, 95))} | ${ms(c50)} | ${ms(percentile(inproc, 95))} | ${ms(c50 - d2)} | ${ratio(c50, d2)} |`);
  }
  say();
  await client.close();
  sim.close();
}

/** Time from spawn to the initialize response, median of `runs`. */
async function spawnToInitialize(command: string, args: string[], env: Record<string, string>, runs = 9): Promise<number> {
  const times: number[] = [];
  const init = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdin.write(init);
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('error', reject);
    });
    times.push(performance.now() - t);
    child.kill();
  }
  return percentile(times, 50);
}

async function startup(sim: Simulator): Promise<void> {
  say('## spawn → initialize (median of 9)');
  say();
  const bare = path.join(os.tmpdir(), 'bench-bare-initialize.mjs');
  writeFileSync(
    bare,
    `process.stdin.once('data', (d) => { const id = JSON.parse(String(d).split('\\n')[0]).id; process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'bare', version: '1' } } }) + '\\n'); });`,
  );
  const bareMs = await spawnToInitialize(process.execPath, [bare], { PATH: process.env.PATH ?? '' });
  const gatewayMs = await spawnToInitialize(process.execPath, [cli], gatewayEnv(sim));
  say('| process | ms | ratio to bare Node |');
  say('| --- | ---: | ---: |');
  say(`| bare Node answering initialize by hand | ${bareMs.toFixed(0)} | 1.00× |`);
  say(`| argocd-mcp-gateway (dist/cli.js, stdio) | ${gatewayMs.toFixed(0)} | ${ratio(gatewayMs, bareMs)} |`);
  say();
}

async function memoryRun(sim: Simulator, extraEnv: Record<string, string>): Promise<[number, number]> {
  const { client, pid } = await connect(sim, extraEnv);
  const apps = (await client.callTool({ name: 'application_list', arguments: { limit: 5 } })) as CallToolResult;
  const names = tableToObjects<{ name: string }>(apps.structuredContent).map((a) => a.name);
  const before = rssMb(pid);
  for (let i = 0; i < 1000; i++) {
    const name = names[i % names.length];
    const call = i % 4;
    if (call === 0) await client.callTool({ name: 'application_get', arguments: { name } });
    else if (call === 1) await client.callTool({ name: 'application_list', arguments: {} });
    else if (call === 2) await client.callTool({ name: 'application_resource_tree', arguments: { applicationName: name } });
    else await client.callTool({ name: 'version_get', arguments: {} });
  }
  const after = rssMb(pid);
  await client.close();
  return [before, after];
}

async function memory(sim: Simulator): Promise<void> {
  say('## Memory (RSS of the gateway process)');
  say();
  say('| run | after initialize + 1 call | after 1,000 mixed calls (get, list, tree, version) |');
  say('| --- | ---: | ---: |');
  const [a, b] = await memoryRun(sim, {});
  say(`| dist/cli.js over stdio, as clients start it | ${a.toFixed(1)} MB | ${b.toFixed(1)} MB |`);
  say();
  say('Over stdio the gateway keeps V8\'s young generation at its first 1 MB semi-space (src/heap-tuning.ts) and sends its requests through node:http rather than the global fetch, whose WebAssembly HTTP parser alone costs 10-25 MB (src/argocd/http-client.ts).');
  say();
}

/** Calls and tokens an agent spends on a task: every argument object it writes and every result it reads. */
class Meter {
  calls = 0;
  tokens = 0;
  constructor(private client: Client) {}
  async call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    this.calls += 1;
    const result = (await this.client.callTool({ name, arguments: args })) as CallToolResult;
    this.tokens += countTokens(JSON.stringify({ name, arguments: args })) + countTokens(text(result));
    return result;
  }
}

/** What an agent without the workflow tools must do: poll until the operation is done as `argocd app wait` defines it. */
async function pollUntilDone(m: Meter, name: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const app = JSON.parse(text(await m.call('application_get', { name, fields: ['operation', 'status.operationState', 'status.reconciledAt', 'status.health.status'] }))) as WatchedApp;
    if (!operationInProgress(app) && app.status?.health?.status !== 'Progressing') return;
  }
}

async function workflows(): Promise<void> {
  say('## Workflow tools: calls and tokens for two tasks, with operation tools vs the workflow tool');
  say();
  say('| task | operation tools: calls | tokens | workflow tool: calls | tokens |');
  say('| --- | ---: | ---: | ---: | ---: |');
  const run = async (label: string, manual: (m: Meter) => Promise<void>, flow: (m: Meter) => Promise<void>) => {
    const results: Meter[] = [];
    for (const body of [manual, flow]) {
      const sim = await startSimulator({ syncDurationMs: 1500 });
      const { client } = await connect(sim, { ARGOCD_MCP_CONFIRM: 'never' });
      const m = new Meter(client);
      await body(m);
      results.push(m);
      await client.close();
      await sim.close();
    }
    say(`| ${label} | ${results[0].calls} | ${results[0].tokens} | ${results[1].calls} | ${results[1].tokens} |`);
  };
  await run(
    'sync every OutOfSync app of project payments and report each outcome',
    async (m) => {
      const list = tableToObjects<{ name: string; sync: string }>(JSON.parse(text(await m.call('application_list', { projects: ['payments'] }))));
      for (const a of list.filter((x) => x.sync === 'OutOfSync')) {
        await m.call('application_sync', { name: a.name });
        await pollUntilDone(m, a.name);
      }
    },
    async (m) => {
      // Confirmations are off here (ARGOCD_MCP_CONFIRM=never): the preview is the agent's look before it acts.
      await m.call('sync_many', { project: 'payments' });
      await m.call('sync_many', { project: 'payments', execute: true });
    },
  );
  await run(
    'roll payments-api back to its previous deployment and wait until healthy',
    async (m) => {
      const app = JSON.parse(text(await m.call('application_get', { name: 'payments-api' }))) as { status: { history: Array<{ id: number }> } };
      const history = app.status.history;
      await m.call('application_rollback', { name: 'payments-api', id: history[history.length - 2].id });
      await pollUntilDone(m, 'payments-api');
    },
    async (m) => {
      await m.call('rollback', { name: 'payments-api' });
    },
  );
  say();
}

const machine = () =>
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;

/** The sections in the order they run and are written; `heading` is how each begins in docs/bench.md. */
const sections: Array<{ name: string; heading: string; run: (sim: Simulator, fleetApps: number[]) => Promise<void> }> = [
  { name: 'tools', heading: '## tools/list', run: toolsListTokens },
  {
    name: 'results',
    heading: '## Result tokens',
    run: async (sim) => {
      const { client } = await connect(sim);
      await resultTokens(sim, client);
      await client.close();
    },
  },
  { name: 'latency', heading: '## Latency', run: () => latency() },
  { name: 'startup', heading: '## spawn', run: startup },
  { name: 'memory', heading: '## Memory', run: memory },
  { name: 'workflows', heading: '## Workflow tools', run: () => workflows() },
  { name: 'fleet', heading: '## Fleet', run: (_sim, sizes) => fleet(say, sizes, `${new Date().toISOString().slice(0, 10)} on ${machine()}`) },
];

/** docs/bench.md with the section that begins with `heading` replaced by `section` (appended when absent). */
function replaceSection(doc: string, heading: string, section: string): string {
  const docLines = doc.split('\n');
  const start = docLines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return `${doc.trimEnd()}\n\n${section}`;
  const next = docLines.findIndex((l, i) => i > start && l.startsWith('## '));
  const after = next < 0 ? [] : docLines.slice(next);
  return [...docLines.slice(0, start), ...section.trimEnd().split('\n'), '', ...after].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, 'fleet-apps': { type: 'string', default: '1500,10000' } }, strict: true });
  const fleetApps = values['fleet-apps'].split(',').map(Number);
  if (fleetApps.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--fleet-apps takes application counts, e.g. 1500,10000; got "${values['fleet-apps']}"`);
  const only = values.only === undefined ? undefined : sections.find((s) => s.name === values.only);
  if (values.only !== undefined && !only) throw new Error(`--only takes one of ${sections.map((s) => s.name).join(', ')}; got "${values.only}"`);
  const sim = await startSimulator({});
  if (!only) {
    say('# argocd-mcp-gateway benchmark');
    say();
    say(`Run on ${machine()}; against the built-in simulator on 127.0.0.1. Figures are from one run; compare ratios, not absolute times.`);
    say();
    say(`Written by \`npm run bench\`; \`npm run bench -- --only <section>\` (${sections.map((s) => s.name).join(', ')}) runs one section and replaces only that section here, \`--fleet-apps 1500,10000\` sets the fleet sizes.`);
    say();
  }
  try {
    for (const section of only ? [only] : sections) await section.run(sim, fleetApps);
  } finally {
    await sim.close();
  }
  const file = path.join(root, 'docs', 'bench.md');
  const written = only ? replaceSection(readFileSync(file, 'utf8'), only.heading, lines.join('\n')) : lines.join('\n');
  writeFileSync(file, `${written.trimEnd()}\n`);
  process.stderr.write(`written to docs/bench.md${only ? ` (section ${only.name} only)` : ''}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
