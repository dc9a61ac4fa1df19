/**
 * The built gateway against a hostile "Argo CD" on 127.0.0.1 that sends what no real one should: a 100 MB answer, a
 * gzip bomb, a cut-off gzip body, cut-off JSON, an endless log line, a 900 KB unbroken log line, and a watch that
 * never answers. Each call ends with a result that says what happened, other calls are not held up, and the
 * gateway's peak resident memory (VmHWM of its process) stays under the Helm chart's 512 MiB limit, over stdio and
 * over HTTP (where large answers are shaped on a worker thread).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGateway, stdioGateway } from '../e2e/harness.ts';
import type { HttpGateway, StdioGateway } from '../e2e/harness.ts';

const MiB = 1024 * 1024;

/** Writes `chunk` until `total` bytes went out or the client left, respecting backpressure. */
function pour(res: ServerResponse, chunk: Buffer, total: number, done: () => void): void {
  let sent = 0;
  const more = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    done();
  };
  res.on('close', () => undefined);
  more();
}

function hostileArgocd(): Promise<{ url: string; server: Server }> {
  const item = Buffer.from(`{"metadata":{"name":"app-${'x'.repeat(200)}"},"spec":{"project":"default"}},`);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"Version":"v3.5.1"}');
    if (path === '/api/v1/applications') {
      // 100 MB of a list that never closes its array.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
      return pour(res, Buffer.concat(Array.from({ length: 256 }, () => item)), 100 * MiB, () => res.end());
    }
    if (path === '/api/v1/clusters') {
      // A gzip bomb: 400 MB of zeros, about 400 KB on the wire.
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(res);
      gzip.write('{"items":[{"name":"');
      const zeros = Buffer.alloc(MiB, 48);
      let left = 400;
      const more = () => {
        while (left > 0 && !res.destroyed) {
          left--;
          if (!gzip.write(zeros)) return void gzip.once('drain', more);
        }
        gzip.end();
      };
      res.on('close', () => gzip.destroy());
      return more();
    }
    if (path === '/api/v1/projects') {
      const whole = gzipSync(JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ metadata: { name: `p${i}` } })) }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      return void res.end(whole.subarray(0, Math.floor(whole.length / 2)));
    }
    if (path === '/api/v1/repositories') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"items":[{"repo":"https://git.example.com/a"},{"repo":"https://git.exa');
    }
    if (path === '/api/v1/applications/endless/logs') {
      // One log line that never ends.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"result":{"content":"');
      return pour(res, Buffer.alloc(64 * 1024, 120), 600 * MiB, () => res.end());
    }
    if (path === '/api/v1/applications/long/logs') {
      // One 900 KB unbroken line, then the end-of-logs marker.
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(`{"result":{"content":"${'y'.repeat(900 * 1024)}","timeStamp":"2026-12-07T00:00:00Z"}}\n{"result":{"content":"","last":true}}\n`);
    }
    if (path === '/api/v1/stream/applications') return; // never answers: grpc-gateway sends nothing before an event
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found","code":5,"message":"not found"}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

/** Peak resident memory of a process, from /proc (Linux). */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const text = (r: CallToolResult) => r.content.map((c) => (c as { text?: string }).text ?? '').join('\n');

/** The cases, each with what its result must say. */
const CASES: Array<{ name: string; tool: string; args: Record<string, unknown>; error: boolean; says: RegExp }> = [
  { name: 'a 100 MB answer', tool: 'application_list', args: { raw: true }, error: true, says: /Stopped reading an answer of Argo CD .*larger than 32 MiB \(maxResponseBytes\)[\s\S]*Narrow the request/ },
  { name: 'a gzip bomb', tool: 'cluster_list', args: {}, error: true, says: /Refused a compressed answer of Argo CD .*inflated \d+×.*past the limit of 250×[\s\S]*decompression bomb/ },
  // Compressed streams are read with a sync flush (so watches decode line by line): a cut body shows as cut JSON.
  { name: 'a cut-off gzip body', tool: 'project_list', args: {}, error: true, says: /not valid JSON: the answer was probably cut off/ },
  { name: 'cut-off JSON', tool: 'repository_list', args: {}, error: true, says: /are not valid JSON: the answer was probably cut off/ },
  { name: 'an endless log line', tool: 'application_logs', args: { name: 'endless', waitSeconds: 60 }, error: false, says: /line longer than 1 MiB; stopped reading there/ },
  { name: 'a 900 KB unbroken log line', tool: 'application_logs', args: { name: 'long', waitSeconds: 10 }, error: false, says: /Truncated to stay within 20000 tokens/ },
  { name: 'a watch that never answers', tool: 'application_watch', args: { waitSeconds: 1 }, error: false, says: /no event within 1 s \(waitSeconds\)/ },
];

async function runCases(client: Client): Promise<void> {
  // All at once: none may hold up another.
  const results = await Promise.all(CASES.map((c) => client.callTool({ name: c.tool, arguments: c.args }, undefined, { timeout: 120_000 }) as Promise<CallToolResult>));
  results.forEach((result, i) => {
    const c = CASES[i];
    expect(text(result), c.name).toMatch(c.says);
    expect(!!result.isError, c.name).toBe(c.error);
    expect(text(result), c.name).not.toMatch(/Cannot reach Argo CD|--rootpath/);
  });
}

describe('bounded answers from a hostile Argo CD', () => {
  let hostile: { url: string; server: Server };
  const env = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    ARGOCD_BASE_URL: hostile.url,
    ARGOCD_API_TOKEN: 'tok',
    ARGOCD_MCP_LOG_LEVEL: 'warn',
    ARGOCD_MCP_ADAPT_TO_SERVER: 'false',
    ARGOCD_MCP_READ_ONLY: 'true',
  });
  beforeAll(async () => {
    hostile = await hostileArgocd();
  });
  afterAll(async () => {
    hostile.server.closeAllConnections();
    await new Promise((r) => hostile.server.close(r));
  });

  it('over stdio: every case ends with a result that names it, under 512 MiB', async () => {
    let gw: StdioGateway | undefined;
    try {
      gw = await stdioGateway(env());
      await runCases(gw.client);
      const pid = (gw.client.transport as StdioClientTransport).pid!;
      const peak = peakRssMiB(pid);
      if (process.env.SHOW_PEAK) process.stderr.write(`stdio peak RSS ${peak.toFixed(0)} MiB\n`);
      expect(peak).toBeLessThan(512);
    } finally {
      await gw?.close();
    }
  }, 180_000);

  it('over HTTP with a shaping thread: every case ends with a result that names it, under 512 MiB', async () => {
    let gw: HttpGateway | undefined;
    try {
      gw = await httpGateway({ ...env(), ARGOCD_MCP_WORKER_THREADS: '1' });
      await runCases(await gw.connect());
      const peak = peakRssMiB(gw.child.pid!);
      if (process.env.SHOW_PEAK) process.stderr.write(`http peak RSS ${peak.toFixed(0)} MiB\n`);
      expect(peak).toBeLessThan(512);
    } finally {
      await gw?.close();
    }
  }, 180_000);
});
