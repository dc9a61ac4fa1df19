/**
 * Harness for the HTTP service tests: the built CLI (`node dist/cli.js serve --transport http --port 0`) as a
 * child process on 127.0.0.1, its JSON log lines, the SDK's real client, and raw JSON-RPC over fetch for what a
 * client library hides (headers, SSE event ids, status codes).
 */
import { createServer as createNetServer } from 'node:net';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { StreamableHTTPClientTransportOptions } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The bundle the global setup built, copied once per test process: every vitest run rebuilds dist/ (rm, then
 * write), and a gateway spawned while another run of the suite rebuilds it would find no cli.js. The copy lives
 * under node_modules/.cache, inside the package, so it finds package.json, generated/ and node_modules as
 * dist/cli.js does.
 */
function snapshotDist(): string {
  const cache = path.join(ROOT, 'node_modules', '.cache', 'argocd-mcp-gateway-test');
  // Test workers do not always get to run exit handlers: remove the copies of processes that are gone.
  for (const name of existsSync(cache) ? readdirSync(cache) : []) {
    const pid = Number(/^dist-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(path.join(cache, name), { recursive: true, force: true });
    }
  }
  const target = path.join(cache, `dist-${process.pid}`);
  for (let attempt = 0; ; attempt++) {
    try {
      rmSync(target, { recursive: true, force: true });
      cpSync(path.join(ROOT, 'dist'), target, { recursive: true });
      if (existsSync(path.join(target, 'cli.js'))) break;
    } catch (err) {
      if (attempt >= 20) throw err;
    }
    if (attempt >= 20) throw new Error('dist/cli.js is missing: run `npm run build`');
    execFileSync('sleep', ['0.5']);
  }
  process.once('exit', () => rmSync(target, { recursive: true, force: true }));
  return path.join(target, 'cli.js');
}

export const CLI = snapshotDist();
export const PROTOCOL = '2025-11-25';

export interface Gateway {
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  child: ChildProcess;
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the first log line (already logged or to come) that matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stderr(): string;
  connect(options?: StreamableHTTPClientTransportOptions & { name?: string }): Promise<Client>;
  /** Sends a signal and resolves with the exit code (null if killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  env: Record<string, string | undefined>;
  args?: string[];
  /** Log level for the child (default info: the URL line is an info line). */
  logLevel?: string;
}

const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

/** Spawns the gateway and waits until it logs its URL. */
export async function startGateway(options: StartOptions): Promise<Gateway> {
  const env = Object.fromEntries(
    Object.entries({ PATH: process.env.PATH, ARGOCD_MCP_LOG_LEVEL: options.logLevel ?? 'info', ...options.env }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  const child = spawn(process.execPath, [CLI, 'serve', '--transport', 'http', '--port', '0', ...(options.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      alive.delete(child);
      resolve(code);
    }),
  );
  let text = '';
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const s = d.toString();
    if (text.length < 2_000_000) text += s;
    partial += s;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (lines.length > 20_000) lines.shift();
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
  });
  child.stdout!.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started gateway behind.
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start: ${text}`));
    }, 20_000);
    const onData = () => {
      const m = /"url":"(http:\/\/[^"]+\/mcp)"/.exec(text);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited ${code}: ${text}`));
    });
  });
  const clients: Client[] = [];
  return {
    url,
    origin: new URL(url).origin,
    child,
    exited,
    logs: () => lines,
    async waitForLog(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms:\n${text.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stderr: () => text,
    async connect(opts = {}) {
      const { name, ...transportOptions } = opts;
      const client = new Client({ name: name ?? 'production-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), transportOptions));
      clients.push(client);
      return client;
    },
    async stop(signal = 'SIGTERM') {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs the CLI to completion (for configurations that must be refused); resolves with its exit code and stderr. */
export async function runCli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: Object.fromEntries(Object.entries({ PATH: process.env.PATH, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** A POST to /mcp with the headers a Streamable HTTP client sends. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads SSE events from a response until `until` says stop or the stream ends; returns them. */
export async function readSse(res: Response, until: (e: SseEvent, all: SseEvent[]) => boolean = () => false, timeoutMs = 10_000): Promise<SseEvent[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const next = await Promise.race([reader.read(), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(1, deadline - Date.now())))]);
      if (next === 'timeout' || next.done) break;
      buffer += next.value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const e: SseEvent = { data: '' };
        let hasField = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const i = line.indexOf(':');
          const field = i < 0 ? line : line.slice(0, i);
          const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'id') e.id = value;
          else if (field === 'event') e.event = value;
          else if (field === 'data') e.data += value;
          else continue;
          hasField = true;
        }
        if (!hasField) continue;
        events.push(e);
        if (until(e, events)) return events;
      }
    }
    return events;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** The JSON-RPC messages among SSE events (priming events carry no data). */
export function messagesOf(events: SseEvent[]): Array<Record<string, unknown>> {
  return events.filter((e) => e.data).map((e) => JSON.parse(e.data) as Record<string, unknown>);
}

/** Opens a session with raw fetch; returns its id. */
export async function rawSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await post(url, INITIALIZE, headers);
  if (res.status !== 200) throw new Error(`initialize answered ${res.status}: ${await res.text()}`);
  const id = res.headers.get('mcp-session-id');
  await res.body?.cancel();
  if (id) {
    const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...headers, 'mcp-session-id': id });
    await ack.body?.cancel();
  }
  return id ?? '';
}

export function textOf(result: unknown): string {
  return ((result as CallToolResult).content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
}

export async function metric(origin: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ok = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
    if (ok) total += Number(m[3]);
  }
  return total;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on right now (for servers started with a fixed port). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
