/**
 * Resource links in tool results, end to end over stdio against the simulator: a tool or workflow that acts on one
 * application links its resource (`argocd://applications/{name}`), which the client can then read; lists, errors and
 * deletions carry none; a client on a protocol version before resource links (2025-03-26) gets none.
 */
import { spawn } from 'node:child_process';
import type { CallToolResult, ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, call, CLI, startSimulator, stdioGateway } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

const links = (r: CallToolResult) => r.content.filter((c): c is ResourceLink => c.type === 'resource_link');

describe('resource links', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300 });
    gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never' }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('a read of one application links its resource, which the client can read', async () => {
    const result = await call(gw.client, 'application_get', { name: 'guestbook' });
    expect(result.isError).toBeFalsy();
    expect(links(result)).toEqual([
      expect.objectContaining({ type: 'resource_link', uri: 'argocd://applications/guestbook', name: 'guestbook', mimeType: 'application/json' }),
    ]);
    const read = await gw.client.readResource({ uri: links(result)[0].uri });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ metadata: { name: 'guestbook' } });
  });

  it('a sync, and the sync_and_wait workflow, link the application they act on', async () => {
    const synced = await call(gw.client, 'application_sync', { name: 'guestbook' });
    expect(synced.isError, JSON.stringify(synced.content)).toBeFalsy();
    expect(links(synced).map((l) => l.uri)).toEqual(['argocd://applications/guestbook']);
    const waited = await call(gw.client, 'sync_and_wait', { name: 'helm-guestbook', timeoutSeconds: 120 });
    expect(waited.isError, JSON.stringify(waited.content)).toBeFalsy();
    expect(links(waited).map((l) => l.uri)).toEqual(['argocd://applications/helm-guestbook']);
  });

  it('lists, errors and other workflows carry no link', async () => {
    expect(links(await call(gw.client, 'application_list', { limit: 2 }))).toEqual([]);
    const missing = await call(gw.client, 'application_get', { name: 'no-such-app' });
    expect(missing.isError).toBe(true);
    expect(links(missing)).toEqual([]);
    expect(links(await call(gw.client, 'health_report', {}))).toEqual([]);
  });

  it('a client on protocol 2025-03-26 gets no link (its SDK would refuse the content type)', async () => {
    const child = spawn(process.execPath, [CLI], { env: baseEnv(sim), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const send = (m: object) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'old', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'application_get', arguments: { name: 'guestbook' } } });
    const deadline = Date.now() + 20_000;
    let answer: { result?: CallToolResult } | undefined;
    while (!answer && Date.now() < deadline) {
      answer = out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((m) => m.id === 2);
      if (!answer) await new Promise((r) => setTimeout(r, 50));
    }
    child.kill();
    expect(answer?.result?.isError).toBeFalsy();
    expect(answer?.result?.content.map((c) => c.type)).toEqual(['text']);
  });
});
