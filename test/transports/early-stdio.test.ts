/** The early stdio transport answers `initialize` exactly as the SDK server would, and loses nothing. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EarlyStdio } from '../../src/transports/early-stdio.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const init = (id: number, version = '2025-06-18') => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 't', version: '1' } },
});

function harness() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const written: unknown[] = [];
  stdout.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => written.push(JSON.parse(l))));
  const early = new EarlyStdio(stdin, stdout);
  const send = (m: unknown) => stdin.write(`${JSON.stringify(m)}\n`);
  return { early, send, written, tick: () => new Promise((r) => setImmediate(r)) };
}

describe('EarlyStdio', () => {
  it('waits for the configuration, then answers initialize with the negotiated version', async () => {
    const h = harness();
    h.send(init(1, '1999-01-01'));
    await h.tick();
    expect(h.written).toEqual([]);
    h.early.answerInitialize({ supportedVersions: ['2025-11-25', '2025-06-18'], result: (v) => ({ protocolVersion: v }) });
    await h.tick();
    expect(h.written).toEqual([{ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-11-25' } }]);
  });

  it('hands every buffered message to the SDK in order and drops only its duplicate initialize reply', async () => {
    const h = harness();
    h.early.answerInitialize({ supportedVersions: ['2025-06-18'], result: (v) => ({ protocolVersion: v }) });
    h.send(init(7));
    h.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    h.send({ jsonrpc: '2.0', id: 8, method: 'tools/list' });
    await h.tick();
    const seen: unknown[] = [];
    h.early.onmessage = (m) => seen.push(m);
    await h.early.start();
    expect(seen.map((m) => (m as { method: string }).method)).toEqual(['initialize', 'notifications/initialized', 'tools/list']);
    await h.early.send({ jsonrpc: '2.0', id: 7, result: { protocolVersion: '2025-06-18' } });
    await h.early.send({ jsonrpc: '2.0', id: 8, result: { tools: [] } });
    await h.tick();
    expect(h.written).toEqual([
      { jsonrpc: '2.0', id: 7, result: { protocolVersion: '2025-06-18' } },
      { jsonrpc: '2.0', id: 8, result: { tools: [] } },
    ]);
  });

  it('leaves a malformed initialize to the SDK', async () => {
    const h = harness();
    h.early.answerInitialize({ supportedVersions: ['2025-06-18'], result: (v) => ({ protocolVersion: v }) });
    h.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    await h.tick();
    expect(h.written).toEqual([]);
  });
});

async function initializeResult(command: string, args: string[]): Promise<unknown> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ARGOCD_BASE_URL: 'http://127.0.0.1:1', ARGOCD_API_TOKEN: 'x', ARGOCD_MCP_LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  child.stdin.write(`${JSON.stringify(init(1))}\n`);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]);
    });
  });
  child.kill();
  return JSON.parse(line);
}

describe('the bundle answers initialize exactly as the SDK server does', () => {
  it('matches the SDK-only answer of the gateway run from source', async () => {
    const fast = await initializeResult(process.execPath, [path.join(ROOT, 'dist', 'cli.js')]);
    const sdk = await initializeResult(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts')]);
    expect(fast).toEqual(sdk);
  }, 30_000);
});
