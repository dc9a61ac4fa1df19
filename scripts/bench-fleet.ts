/**
 * The fleet section of `npm run bench`: the questions of bench-fleet-questions.ts asked of a simulated fleet of N
 * applications through the built gateway (dist/cli.js over stdio, the MCP SDK's client), and the answer tokens of the
 * write tools. Per question: tokens of the answer, how many of the applications it should name it names (checked
 * against the simulator's own list), the bytes the gateway read from Argo CD (at a counting proxy between them), its
 * time against the direct request it projects to (the same URL, fetched and parsed), and the gateway's peak RSS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { startSimulator } from 'argocd-simulator';
import { type FleetApp, type FleetPick, fleetQuestions, pickFrom } from './bench-fleet-questions.ts';
import { connectWith, peakRssMb, resetPeakRss, rssMb, simulatorProcess, text } from './bench-processes.ts';
import { unpackNames } from '../src/fleet/answer-shapes.ts';

type Say = (line?: string) => void;

/** Timed runs per question and size (after one untimed warm-up of each side); the median is reported. */
const RUNS = 7;

/** A loopback proxy that counts the body bytes Argo CD sends and remembers the last applications list URL asked. */
interface CountingProxy {
  url: string;
  bytes: number;
  requests: number;
  lastListPath: string | undefined;
  reset(): void;
  close(): Promise<void>;
}

async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const state: CountingProxy = {
    url: '',
    bytes: 0,
    requests: 0,
    lastListPath: undefined,
    reset() {
      state.bytes = 0;
      state.requests = 0;
    },
    close: () => new Promise((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    if (req.method === 'GET' && req.url?.startsWith('/api/v1/applications?')) state.lastListPath = req.url;
    const out = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        state.bytes += chunk.length;
      });
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** The simulator's own list, projected to what the questions read, and its clusters. */
async function readFleet(url: string, token: string): Promise<{ apps: FleetApp[]; clusters: Array<{ name: string; server: string }> }> {
  const headers = { authorization: `Bearer ${token}` };
  const fields = ['metadata.name', 'spec.project', 'spec.destination', 'status.sync.status', 'status.health.status'].map((f) => `items.${f}`).join(',');
  type Listed = { metadata: { name: string }; spec: { project: string; destination?: { server?: string; name?: string } }; status?: { sync?: { status?: string }; health?: { status?: string } } };
  const list = (await (await fetch(`${url}/api/v1/applications?fields=${fields}`, { headers })).json()) as { items: Listed[] };
  const clusters = (await (await fetch(`${url}/api/v1/clusters`, { headers })).json()) as { items: Array<{ name: string; server: string }> };
  const apps = list.items.map((a) => ({
    name: a.metadata.name,
    project: a.spec.project,
    server: a.spec.destination?.server,
    cluster: a.spec.destination?.name,
    sync: a.status?.sync?.status ?? '',
    health: a.status?.health?.status ?? '',
  }));
  return { apps, clusters: clusters.items.map((c) => ({ name: c.name, server: c.server })) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The applications an answer accounts for: every string in its JSON text, the names a packed `names` answer stands
 * for (src/fleet/answer-shapes.ts), and, for a `counts` answer, as many as it counts when that is all of `expected`.
 */
function accountedFor(answer: string, expected: string[]): number {
  const found = new Set<string>();
  for (const m of answer.matchAll(/"((?:[^"\\]|\\.)*)"/g)) found.add(m[1]);
  let parsed: { names?: Record<string, Record<string, string>>; counts?: Record<string, number> } = {};
  try {
    parsed = JSON.parse(answer) as typeof parsed;
  } catch {
    // A text answer: its strings are all it names.
  }
  for (const group of Object.values(parsed.names ?? {})) for (const name of unpackNames(group)) found.add(name);
  const named = expected.filter((n) => found.has(n)).length;
  const counted = Object.values(parsed.counts ?? {}).reduce((sum, n) => sum + n, 0);
  return counted === expected.length ? counted : named;
}

export interface FleetRow {
  question: string;
  tokens: number;
  named: number;
  total: number;
  upstreamBytes: number;
  directMs: number;
  gatewayMs: number;
  peakMb: number;
}

async function call(client: Client, tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 600_000 })) as CallToolResult;
  if (result.isError) throw new Error(`${tool} ${JSON.stringify(args)}: ${text(result)}`);
  return result;
}

/** One fleet of `apps` applications, seeded once; every question asked of it. */
async function fleetAt(apps: number): Promise<{ rows: FleetRow[]; pick: FleetPick; baselineMb: number; peakResettable: boolean }> {
  const sim = await simulatorProcess({ apps });
  const proxy = await countingProxy(sim.url);
  try {
    const fleet = await readFleet(sim.url, sim.tokens.admin);
    const pick = pickFrom(fleet.apps, fleet.clusters);
    const { client, pid } = await connectWith({
      PATH: process.env.PATH ?? '',
      ARGOCD_BASE_URL: proxy.url,
      ARGOCD_API_TOKEN: sim.tokens.admin,
      ARGOCD_MCP_ALLOW: '*',
      ARGOCD_MCP_LOG_LEVEL: 'warn',
    });
    await client.callTool({ name: 'version_get', arguments: {} });
    const baselineMb = rssMb(pid);
    const rows: FleetRow[] = [];
    let peakResettable = true;
    const headers = { authorization: `Bearer ${sim.tokens.admin}` };
    for (const q of fleetQuestions) {
      const args = q.args(pick);
      // The peak counts the first call too: it may load what later calls reuse (the tokenizer, the compiled query).
      peakResettable = resetPeakRss(pid) && peakResettable;
      proxy.lastListPath = undefined;
      const answer = text(await call(client, q.tool, args));
      const listPath = proxy.lastListPath;
      if (!listPath) throw new Error(`${q.question}: the gateway sent no list request`);
      // The direct request: the very URL the gateway sent (its `fields` projection included), through the same proxy.
      const direct = async () => (await fetch(`${proxy.url}${listPath}`, { headers })).json();
      await direct();
      const directMs: number[] = [];
      const gatewayMs: number[] = [];
      let upstreamBytes = 0;
      for (let i = 0; i < RUNS; i++) {
        let t = performance.now();
        await direct();
        directMs.push(performance.now() - t);
        proxy.reset();
        t = performance.now();
        await call(client, q.tool, args);
        gatewayMs.push(performance.now() - t);
        upstreamBytes = proxy.bytes;
      }
      const expected = q.expectedFrom(fleet.apps, pick);
      rows.push({
        question: q.question,
        tokens: countTokens(answer),
        named: accountedFor(answer, expected),
        total: expected.length,
        upstreamBytes,
        directMs: median(directMs),
        gatewayMs: median(gatewayMs),
        peakMb: peakRssMb(pid),
      });
    }
    await client.close();
    return { rows, pick, baselineMb, peakResettable };
  } finally {
    await proxy.close();
    sim.close();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The write tools' answers: what an agent reads back after asking for a change. */
async function writeReceipts(say: Say): Promise<void> {
  const sim = await startSimulator({ syncDurationMs: 300 });
  try {
    const { client } = await connectWith({
      PATH: process.env.PATH ?? '',
      ARGOCD_BASE_URL: sim.url,
      ARGOCD_API_TOKEN: sim.tokens.admin,
      ARGOCD_MCP_ALLOW: '*',
      ARGOCD_MCP_READ_ONLY: 'false',
      ARGOCD_MCP_CONFIRM: 'never',
      ARGOCD_MCP_LOG_LEVEL: 'warn',
    });
    const headers = { authorization: `Bearer ${sim.tokens.admin}` };
    const app = (name: string) => fetch(`${sim.url}/api/v1/applications/${name}`, { headers }).then((r) => r.json()) as Promise<{ spec: unknown; status: { history?: Array<{ id: number }> } }>;
    const history = (await app('payments-api')).status.history ?? [];
    const calls: Array<[string, Record<string, unknown>]> = [
      ['application_sync', { name: 'billing-service' }],
      ['application_rollback', { name: 'payments-api', id: history[history.length - 2]?.id }],
      ['application_update_spec', { name: 'cart-service', spec: (await app('cart-service')).spec }],
    ];
    say('| write tool | answer tokens | answer bytes |');
    say('| --- | ---: | ---: |');
    for (const [tool, args] of calls) {
      const answer = text(await call(client, tool, args));
      say(`| ${tool} | ${countTokens(answer)} | ${Buffer.byteLength(answer)} |`);
    }
    await client.close();
  } finally {
    await sim.close();
  }
}

function questionTable(say: Say): void {
  const placeholder: FleetPick = { project: '<project>', cluster: { name: '<cluster name>', server: '<cluster server>' }, fragment: '<fragment>' };
  say('| question | tool | arguments |');
  say('| --- | --- | --- |');
  for (const q of fleetQuestions) say(`| ${q.question} | ${q.tool} | \`${JSON.stringify(q.args(placeholder))}\` |`);
}

/** The fleet section at each size in `sizes`. */
export async function fleet(say: Say, sizes: number[], runOn: string): Promise<void> {
  say(`## Fleet: questions over ${sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} applications`);
  say();
  say(`Run ${runOn}; figures from one run, so compare the ratios.`);
  say();
  say(`Each size is seeded once (\`argocd-simulator --apps N\`, its own process) and every question is asked of it through the built gateway (dist/cli.js, stdio, the MCP SDK's client), each the best way the gateway offers: the fleet filters with a names or counts answer (docs/fleet.md). The gateway reaches the simulator through a loopback proxy that counts the bytes Argo CD sends. "named / total": the applications the answer names (or counts, for a counts answer) of those the simulator's own list says it should. "direct": a plain fetch (read and parsed) of the same URL the gateway sent, \`fields\` projection included, through the same proxy. Times are medians of ${RUNS} alternating runs after a warm-up. Peak RSS is the gateway process's VmHWM over that question's calls (reset before each question, so the largest of them is the peak over all questions), with the RSS after initialize for comparison.`);
  say();
  questionTable(say);
  say();
  for (const apps of sizes) {
    process.stderr.write(`fleet: seeding ${apps} apps\n`);
    const { rows, pick, baselineMb, peakResettable } = await fleetAt(apps);
    say(`### ${apps.toLocaleString('en-US')} applications`);
    say();
    say(`project = ${pick.project}, cluster = ${pick.cluster.name} (${pick.cluster.server}), fragment = ${pick.fragment}; gateway RSS after initialize ${baselineMb.toFixed(1)} MB${peakResettable ? '' : ' (VmHWM could not be reset: peaks are since start)'}.`);
    say();
    say('| question | answer tokens | named / total | upstream bytes | direct | gateway | gateway / direct | gateway peak RSS |');
    say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      say(`| ${r.question} | ${r.tokens} | ${r.named} / ${r.total} | ${kb(r.upstreamBytes)} | ${r.directMs.toFixed(0)} ms | ${r.gatewayMs.toFixed(0)} ms | ${(r.gatewayMs / r.directMs).toFixed(2)}× | ${r.peakMb.toFixed(1)} MB |`);
    }
    say();
    const worst = Math.max(...rows.map((r) => r.gatewayMs / r.directMs));
    say(`Gateway peak RSS over all questions: ${Math.max(...rows.map((r) => r.peakMb)).toFixed(1)} MB; largest gateway / direct: ${worst.toFixed(2)}×.`);
    say();
  }
  say('### Write receipts');
  say();
  say('The answer each write tool returns (the 50-app simulator; confirmations off): a receipt (docs/receipts.md). Before receipts, these writes answered with the whole shaped application: median 1,664 tokens for a sync, 1,612 for a rollback, 253 for an update_spec over the same 50 apps (measured by scripts/measure-writes.ts, docs/receipts.md).');
  say();
  await writeReceipts(say);
  say();
  say('Where the gateway\'s memory goes on a 10,000-app list (measured on the OutOfSync question asked as a JMESPath query, a 0.9 MB body): the o200k tokenizer, loaded by the first result whose bytes could pass the cap, holds ~50 MB for the life of the process (src/shaping/cap.ts). The body is read into text once, decoded as it arrives (src/argocd/http-client.ts), and parsed once, on the main thread over stdio. A call\'s garbage went from ~53 MB to ~9 MB (parse to cap, measured in-process) when each item\'s projection stopped splitting its paths again and stopped copying items Argo CD had projected already (src/shaping/project.ts), and the cap counted the answer once, up to the cap, instead of whole once per probe of its binary search (src/shaping/cap.ts); and the old generation now grows at most 20% past what a collection left alive (src/heap-tuning.ts), where it grew to ~4× and the peak reached 174-219 MB. An answer that names fewer than all is cut at the result cap (20,000 tokens for a client the gateway does not know), and says how many it left out.');
  say();
}
