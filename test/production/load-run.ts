/**
 * Load runs against the simulator: N concurrent MCP sessions (the SDK's client over Streamable HTTP) calling
 * `application_get` through the built gateway for a fixed time, in sessions mode and stateless, and the same
 * upstream request made directly with fetch at the same concurrency, for the gateway's added latency. Everything
 * runs on 127.0.0.1 and stops by itself (bounded by time and by count of sessions).
 *
 * Used by `npm run load` (test/production/load.ts, figures into docs/load.md) and by a short smoke test in CI.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CLI, ROOT, freePort } from './harness.ts';

export interface Latencies {
  count: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU seconds the phase cost the load generator (this process) and the simulator. */
  clientCpuSeconds: number;
  simulatorCpuSeconds: number;
}

export interface GatewayPhase extends Latencies {
  mode: 'sessions' | 'stateless';
  rssBeforeMb: number;
  rssPeakMb: number;
  /** RSS 1 s after the sessions closed, and the last one watched (`rssAfterMb`), `settledAfterSeconds` later. */
  rssAfterMb: number;
  rssOneSecondAfterMb: number;
  settledAfterSeconds: number;
  cpuSeconds: number;
}

export interface LoadReport {
  sessions: number;
  seconds: number;
  /** The direct request, measured before the gateway phases and again after them (both runs together). */
  direct: Latencies;
  /** Calls per second of the direct run before the gateway phases and of the one after. */
  directRuns: [number, number];
  phases: GatewayPhase[];
}

export interface LoadOptions {
  sessions: number;
  seconds: number;
  /** Which gateway phases to run (both by default). */
  modes?: ReadonlyArray<GatewayPhase['mode']>;
  /**
   * The MCP client of each session: `fetch` (default here; `npm run load` uses autocannon) speaks JSON-RPC over
   * fetch, the same HTTP client as the direct phase; `sdk` is the SDK's `Client` + `StreamableHTTPClientTransport` (which costs the load generator about 1.5 ms
   * of CPU per call more, on the machine the gateway shares); `autocannon` sends the same JSON-RPC calls with
   * autocannon, one keep-alive connection per session (the sessions are opened with fetch first), which costs the
   * load generator least, so more of a shared machine is left to the gateway.
   */
  client?: LoadClientKind;
  /** How long to watch the gateway's RSS come down after the sessions closed (default 60 s). */
  settleSeconds?: number;
  log?: (line: string) => void;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarise(latencies: number[], errors: number, errorSamples: string[], seconds: number): Omit<Latencies, 'clientCpuSeconds' | 'simulatorCpuSeconds'> {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    count: latencies.length,
    errors,
    errorSamples,
    seconds,
    throughput: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}


interface Proc {
  child: ChildProcess;
  stop(): Promise<void>;
}

function track(child: ChildProcess): Proc {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The simulator in its own process, so that its work is not counted against the load generator's. */
async function startSimulatorProcess(): Promise<Proc & Sim> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'packages/argocd-simulator/src/main.ts'), '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${text}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const u = /listening on (http:\/\/\S+)/.exec(text);
      const t = /admin token:\s+(\S+)/.exec(text);
      if (u && t) {
        clearTimeout(timer);
        resolve({ url: u[1], token: t[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${text}`)));
  });
  return { ...track(child), url, token, pid: child.pid };
}

/** The built gateway on a known port, logging at info (each request is a log line, as in production). */
async function startGatewayProcess(sim: { url: string; token: string }, args: string[]): Promise<Proc & { url: string; origin: string }> {
  const port = await freePort();
  // LOAD_PROFILE_DIR: a V8 CPU profile of the gateway per phase, to see where its time goes.
  const profile = process.env.LOAD_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.LOAD_PROFILE_DIR] : [];
  // LOAD_GATEWAY_NODE_FLAGS: Node/V8 flags for the gateway (e.g. heap sizes), to measure their effect.
  const nodeFlags = (process.env.LOAD_GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, ...profile, CLI, 'serve', '--transport', 'http', '--port', String(port), ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ARGOCD_BASE_URL: sim.url,
      ARGOCD_API_TOKEN: sim.token,
      ARGOCD_MCP_RATE_LIMIT: 'off',
      ARGOCD_MCP_LOG_LEVEL: 'info',
      // LOAD_WORKER_THREADS: the gateway's shaping threads (default: its own, one on 2+ cores).
      ...(process.env.LOAD_WORKER_THREADS ? { ARGOCD_MCP_WORKER_THREADS: process.env.LOAD_WORKER_THREADS } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Drained, not kept: at this volume, holding the log would measure the test, not the gateway (LOAD_GATEWAY_LOG=FILE
  // writes it to a file instead).
  if (process.env.LOAD_GATEWAY_LOG) child.stderr!.pipe(createWriteStream(process.env.LOAD_GATEWAY_LOG));
  else child.stderr!.resume();
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...track(child), url: `${origin}/mcp`, origin };
}

async function scrape(origin: string): Promise<{ rssMb: number; cpu: number }> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMb: value('argocd_mcp_process_resident_memory_bytes') / 1024 / 1024, cpu: value('argocd_mcp_process_cpu_seconds_total') };
}

async function appNames(sim: { url: string; token: string }): Promise<string[]> {
  const res = await fetch(`${sim.url}/api/v1/applications?fields=items.metadata.name`, { headers: { authorization: `Bearer ${sim.token}` } });
  const list = (await res.json()) as { items: Array<{ metadata: { name: string } }> };
  return list.items.map((a) => a.metadata.name);
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export type LoadClientKind = 'fetch' | 'sdk' | 'autocannon';

/** A tool-calling MCP client. */
interface LoadClient {
  callTool(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean; content?: unknown }>;
  close(): Promise<void>;
}

const PROTOCOL_VERSION = '2025-11-25';

/** The JSON-RPC messages of an MCP answer body: one JSON message, or the data of each SSE event (priming events have none). */
function messagesIn(text: string, sse: boolean): Array<Record<string, unknown>> {
  if (!sse) return [JSON.parse(text) as Record<string, unknown>];
  return text
    .split('\n\n')
    .map((event) => event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n'))
    .filter(Boolean)
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

/**
 * An MCP session over Streamable HTTP with fetch: initialize (keeping the Mcp-Session-Id), notifications/initialized,
 * then tools/call POSTs whose answer (JSON, or the SSE stream of the request) is read to the matching response;
 * DELETE ends the session. Stateless gateways simply send no session id back.
 */
class FetchSession implements LoadClient {
  private sessionId: string | undefined;
  private nextId = 1;
  constructor(private readonly url: string) {}

  /** The session's Mcp-Session-Id (none from a stateless gateway). */
  get id(): string | undefined {
    return this.sessionId;
  }

  static async open(url: string): Promise<FetchSession> {
    const s = new FetchSession(url);
    await s.request('initialize', { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'load', version: '1' } });
    await s.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return s;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION };
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    return h;
  }

  private async post(message: Record<string, unknown>): Promise<Response> {
    const res = await fetch(this.url, { method: 'POST', headers: this.headers(), body: JSON.stringify(message) });
    this.sessionId ??= res.headers.get('mcp-session-id') ?? undefined;
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return res;
  }

  private async request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const res = await this.post({ jsonrpc: '2.0', id, method, params });
    const text = await res.text();
    const messages = messagesIn(text, (res.headers.get('content-type') ?? '').includes('text/event-stream'));
    const answer = messages.find((m) => m.id === id);
    if (!answer) throw new Error(`no answer to request ${id} in: ${text.slice(0, 200)}`);
    if (answer.error) throw new Error(`JSON-RPC error: ${JSON.stringify(answer.error).slice(0, 200)}`);
    return answer.result as Record<string, unknown>;
  }

  callTool(name: string, args: Record<string, unknown>) {
    return this.request('tools/call', { name, arguments: args });
  }

  async close(): Promise<void> {
    if (this.sessionId) await fetch(this.url, { method: 'DELETE', headers: this.headers() }).then((r) => r.arrayBuffer());
  }
}

async function openClient(kind: LoadClientKind, url: string, name: string): Promise<LoadClient> {
  if (kind !== 'sdk') return FetchSession.open(url);
  const client = new Client({ name, version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    callTool: (tool, args) => client.callTool({ name: tool, arguments: args }) as Promise<{ isError?: boolean; content?: unknown }>,
    close: () => client.close(),
  };
}

/** A run's figures and every call's latency (to combine runs). */
type Timed = Latencies & { latencies: number[] };

/** Two runs of the same phase as one: every call of both, their times and CPU added. */
function combine(a: Timed, b: Timed): Latencies {
  return {
    ...summarise([...a.latencies, ...b.latencies], a.errors + b.errors, [...a.errorSamples, ...b.errorSamples].slice(0, 5), a.seconds + b.seconds),
    clientCpuSeconds: a.clientCpuSeconds + b.clientCpuSeconds,
    simulatorCpuSeconds: a.simulatorCpuSeconds + b.simulatorCpuSeconds,
  };
}

/** Runs `workers` loops of `call` until `seconds` have passed; every call is timed, every failure counted. */
async function drive(
  workers: number,
  seconds: number,
  simulatorPid: number | undefined,
  call: (worker: number, n: number) => Promise<void>,
  onTimedStart?: () => Promise<void>,
): Promise<Timed> {
  const latencies: number[] = [];
  const samples: string[] = [];
  let errors = 0;
  const fail = (err: unknown) => {
    errors++;
    if (samples.length < 5) samples.push((err as Error).message.slice(0, 300));
  };
  // One untimed call per worker first: connections, caches and the JIT warm up, and the run measures the steady
  // state rather than a hundred first calls arriving at once (which queue behind each other on a 2-core machine).
  await Promise.all(Array.from({ length: workers }, (_, w) => call(w, -1).catch(fail)));
  await onTimedStart?.();
  const clientCpu = process.cpuUsage();
  const simulatorCpu = processCpuSeconds(simulatorPid);
  const started = performance.now();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const t0 = performance.now();
        try {
          await call(w, n);
        } catch (err) {
          fail(err);
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const used = process.cpuUsage(clientCpu);
  return {
    ...summarise(latencies, errors, samples, (performance.now() - started) / 1000),
    latencies,
    clientCpuSeconds: (used.user + used.system) / 1e6,
    simulatorCpuSeconds: processCpuSeconds(simulatorPid) - simulatorCpu,
  };
}

/** Whether an MCP answer body (JSON, or the SSE stream of a slow call) is a successful tool result. */
function answerProblem(status: number, body: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
  try {
    const m = messagesIn(body, !body.startsWith('{')).find((msg) => 'result' in msg || 'error' in msg) as
      | { error?: unknown; result?: { isError?: boolean; content?: unknown } }
      | undefined;
    if (!m) return `no answer in: ${body.slice(0, 200)}`;
    if (m.error) return `JSON-RPC error: ${JSON.stringify(m.error).slice(0, 200)}`;
    if (m.result?.isError) return `tool error: ${JSON.stringify(m.result.content).slice(0, 200)}`;
    return undefined;
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
}

/**
 * `workers` connections calling `application_get` through the gateway with autocannon for `seconds`, each on its
 * own session (`sessionIds[i]`, none when stateless) and starting at its own application, as the fetch loops do.
 */
async function autocannonDrive(url: string, apps: string[], workers: number, seconds: number, sessionIds: Array<string | undefined>, simulatorPid: number | undefined): Promise<Latencies> {
  const { default: autocannon } = await import('autocannon');
  const samples: string[] = [];
  let errors = 0;
  let clientIndex = 0;
  const onResponse = (status: number, body: string) => {
    const problem = answerProblem(status, body);
    if (!problem) return;
    errors++;
    if (samples.length < 5) samples.push(problem);
  };
  const target = new URL(url);
  const clientCpu = process.cpuUsage();
  const simulatorCpu = processCpuSeconds(simulatorPid);
  const result = await autocannon({
    url: target.origin,
    connections: workers,
    duration: seconds,
    // Each connection: its session's header and a round of calls over every application, from its own offset.
    setupClient(client: { setRequests(requests: unknown[]): void }) {
      const w = clientIndex++ % workers;
      const session = sessionIds[w];
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': PROTOCOL_VERSION,
        ...(session ? { 'mcp-session-id': session } : {}),
      };
      client.setRequests(
        apps.map((_, i) => ({
          method: 'POST',
          path: target.pathname,
          headers,
          body: JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'application_get', arguments: { name: apps[(w + i) % apps.length] } } }),
          onResponse,
        })),
      );
    },
  });
  const used = process.cpuUsage(clientCpu);
  const count = result.requests.total;
  errors += result.errors + result.timeouts;
  return {
    count,
    errors,
    errorSamples: samples,
    seconds: result.duration,
    throughput: count / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    clientCpuSeconds: (used.user + used.system) / 1e6,
    simulatorCpuSeconds: processCpuSeconds(simulatorPid) - simulatorCpu,
  };
}

type Sim = { url: string; token: string; pid?: number };

async function directPhase(sim: Sim, apps: string[], options: LoadOptions): Promise<Timed> {
  return drive(options.sessions, options.seconds, sim.pid, async (w, n) => {
    const name = apps[(w + n + apps.length) % apps.length];
    const res = await fetch(`${sim.url}/api/v1/applications/${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${sim.token}`, accept: 'application/json' } });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    JSON.parse(text);
  });
}

async function gatewayPhase(sim: Sim, apps: string[], mode: GatewayPhase['mode'], options: LoadOptions): Promise<GatewayPhase> {
  const gw = await startGatewayProcess(sim, mode === 'stateless' ? ['--stateless'] : []);
  try {
    const kind = options.client ?? 'fetch';
    // Warm up (catalogue, validators, the version probe) before measuring memory.
    const warm = await openClient(kind, gw.url, 'load-warmup');
    await warm.callTool('application_get', { name: apps[0] });
    await warm.close();
    const before = await scrape(gw.origin);
    const clients: LoadClient[] = [];
    for (let i = 0; i < options.sessions; i += 20) {
      const batch = await Promise.all(Array.from({ length: Math.min(20, options.sessions - i) }, () => openClient(kind, gw.url, `load-${i}`)));
      clients.push(...batch);
    }
    let peak = before.rssMb;
    let cpuAtStart = before.cpu;
    const sampler = setInterval(() => {
      scrape(gw.origin).then(
        (s) => {
          peak = Math.max(peak, s.rssMb);
        },
        () => undefined,
      );
    }, 1_000);
    const callEach = async (w: number, n: number) => {
      const name = apps[(w + n + apps.length) % apps.length];
      const r = await clients[w].callTool('application_get', { name });
      if (r.isError) throw new Error(`tool error: ${JSON.stringify(r.content).slice(0, 200)}`);
    };
    let result: Latencies;
    if (kind === 'autocannon') {
      // Warm-up as with the other clients: one call per session, then the timed run.
      await Promise.all(clients.map((_, w) => callEach(w, -1)));
      cpuAtStart = (await scrape(gw.origin)).cpu;
      result = await autocannonDrive(gw.url, apps, options.sessions, options.seconds, clients.map((c) => (c as FetchSession).id), sim.pid);
    } else {
      result = await drive(options.sessions, options.seconds, sim.pid, callEach, async () => {
        cpuAtStart = (await scrape(gw.origin)).cpu;
      });
    }
    clearInterval(sampler);
    const gatewayCpuSeconds = (await scrape(gw.origin)).cpu - cpuAtStart;
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    const closedAt = performance.now();
    // V8 gives memory back when its memory reducer sees the process idle (tens of seconds, not at once): watch for
    // up to `settleSeconds` until the RSS is within 20 MB of where it started.
    let after = await scrape(gw.origin);
    let afterFirstSecond = after.rssMb;
    for (let waited = 0; waited < (options.settleSeconds ?? 60); waited++) {
      await new Promise((r) => setTimeout(r, 1_000));
      after = await scrape(gw.origin);
      if (waited === 0) afterFirstSecond = after.rssMb;
      if (after.rssMb <= before.rssMb + 20) break;
    }
    return {
      ...result,
      mode,
      rssBeforeMb: before.rssMb,
      rssPeakMb: Math.max(peak, after.rssMb),
      rssAfterMb: after.rssMb,
      rssOneSecondAfterMb: afterFirstSecond,
      settledAfterSeconds: (performance.now() - closedAt) / 1000,
      cpuSeconds: gatewayCpuSeconds,
    };
  } finally {
    await gw.stop();
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const sim = await startSimulatorProcess();
  try {
    const apps = await appNames(sim);
    log(`simulator: ${apps.length} applications; ${options.sessions} concurrent sessions, ${options.seconds} s per phase`);
    // The direct request is measured before the gateway phases and again after them, and the two runs count as one:
    // on a shared machine the speed drifts over minutes, and the ratios should not hang on one side of the drift.
    log('phase: direct fetch to the simulator');
    const before = await directPhase(sim, apps, options);
    const phases: GatewayPhase[] = [];
    for (const mode of options.modes ?? (['sessions', 'stateless'] as const)) {
      log(`phase: gateway, ${mode}`);
      phases.push(await gatewayPhase(sim, apps, mode, options));
    }
    log('phase: direct fetch to the simulator, again');
    const after = await directPhase(sim, apps, options);
    return { sessions: options.sessions, seconds: options.seconds, direct: combine(before, after), directRuns: [before.throughput, after.throughput], phases };
  } finally {
    await sim.stop();
  }
}

const f = (n: number, digits = 1) => n.toFixed(digits);
const perCall = (seconds: number, calls: number) => (Number.isFinite(seconds) && calls ? ((seconds * 1000) / calls).toFixed(2) : '—');

/** The report as a Markdown table. */
export function formatReport(report: LoadReport): string {
  const d = report.direct;
  const rows = [
    '| run | calls | errors | calls/s | × direct | p50 ms | p90 ms | p99 ms | max ms | added p50 | added p99 | CPU ms per call: gateway / clients / simulator | RSS before → peak → 1 s after → settled (MB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    `| direct fetch (before + after) | ${d.count} | ${d.errors} | ${f(d.throughput)} | 1 | ${f(d.p50)} | ${f(d.p90)} | ${f(d.p99)} | ${f(d.max)} | — | — | — / ${perCall(d.clientCpuSeconds, d.count)} / ${perCall(d.simulatorCpuSeconds, d.count)} | — |`,
    ...report.phases.map(
      (p) =>
        `| gateway, ${p.mode} | ${p.count} | ${p.errors} | ${f(p.throughput)} | ${f(p.throughput / d.throughput, 2)} | ${f(p.p50)} | ${f(p.p90)} | ${f(p.p99)} | ${f(p.max)} | +${f(p.p50 - d.p50)} | +${f(p.p99 - d.p99)} | ${perCall(p.cpuSeconds, p.count)} / ${perCall(p.clientCpuSeconds, p.count)} / ${perCall(p.simulatorCpuSeconds, p.count)} | ${f(p.rssBeforeMb, 0)} → ${f(p.rssPeakMb, 0)} → ${f(p.rssOneSecondAfterMb, 0)} → ${f(p.rssAfterMb, 0)} (${f(p.settledAfterSeconds, 0)} s) |`,
    ),
  ];
  return rows.join('\n');
}
