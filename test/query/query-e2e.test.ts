/**
 * `query` end to end: the simulator on 127.0.0.1, the gateway as buildGateway wires it (workflows included), the MCP
 * SDK client. The answers are checked against the simulator's own list, read directly with its token.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import { createShaper } from '../../src/shaping/pool.ts';
import type { Shaper } from '../../src/shaping/pool.ts';

let sim: Simulator;
let client: Client;
let threaded: Client;
let shaper: Shaper;
const dir = mkdtempSync(path.join(os.tmpdir(), 'query-e2e-'));

type App = { metadata: { name: string }; spec: { project: string }; status: { sync: { status: string }; health: { status: string } } };
let truth: App[];

async function connect(extra: { shaper?: Shaper } = {}): Promise<Client> {
  const configFile = path.join(dir, 'gateway.yaml');
  writeFileSync(configFile, `url: ${sim.url}\nadaptToServer: false\ngitopsChecks: off\nreadOnly: true\n`);
  const config = loadConfig({ flags: { config: configFile }, env: { ARGOCD_API_TOKEN: sim.tokens.admin } });
  const { gateway, version } = buildGateway(config, createLogger('silent'), extra);
  const server = createMcpServer(gateway, version, 'static');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const c = new Client({ name: 'query-e2e', version: '1.0.0' });
  await c.connect(clientSide);
  return c;
}

beforeAll(async () => {
  sim = await startSimulator({ appCount: 40, seed: 7 });
  const answer = await fetch(`${sim.url}/api/v1/applications`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
  truth = ((await answer.json()) as { items: App[] }).items;
  shaper = createShaper({ threads: 1, logger: createLogger('silent') });
  [client, threaded] = await Promise.all([connect(), connect({ shaper })]);
});
afterAll(async () => {
  await Promise.all([client?.close(), threaded?.close()]);
  await shaper?.close();
  await sim?.close();
});

const call = async (c: Client, name: string, args: Record<string, unknown>) => (await c.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
const first = (r: CallToolResult) => JSON.parse((r.content[0] as { text: string }).text) as unknown;
const listCalls = () => sim.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/api/v1/applications')).length;

describe('query on a read, end to end', () => {
  it('answers "which apps are OutOfSync?" with exactly the simulator\'s OutOfSync apps, on the main thread and on a shaping thread', async () => {
    const want = truth.filter((a) => a.status.sync.status === 'OutOfSync').map((a) => a.metadata.name);
    expect(want.length).toBeGreaterThan(0);
    for (const c of [client, threaded]) {
      const result = await call(c, 'application_list', { query: "items[?status.sync.status=='OutOfSync'].metadata.name" });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(first(result)).toEqual(want);
      expect(result.structuredContent).toEqual({ result: want });
    }
  });

  it('reads fields the list summary leaves out: no default projection is sent with a query', async () => {
    const result = await call(client, 'application_list', { query: 'items[0].status.health' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(first(result)).toEqual(expect.objectContaining({ status: truth[0].status.health.status }));
    expect(sim.requests.at(-1)!.query).not.toContain('fields');
  });

  it('counts with functions: group_by and length agree with the simulator', async () => {
    const result = await call(client, 'application_list', { query: 'group_by(items, &status.health.status).*.length(@)' });
    const counts: Record<string, number> = {};
    for (const a of truth) counts[a.status.health.status] = (counts[a.status.health.status] ?? 0) + 1;
    expect((first(result) as number[]).sort()).toEqual(Object.values(counts).sort());
  });

  it('pages the query\'s result with limit/offset', async () => {
    const result = await call(client, 'application_list', { query: 'items[].metadata.name', limit: 5, offset: 10 });
    expect(first(result)).toEqual(truth.slice(10, 15).map((a) => a.metadata.name));
    expect(textOf(result)).toContain('Items 11-15 of 40');
  });

  it('refuses a syntax error with its column, before anything is sent to Argo CD', async () => {
    const before = sim.requests.length;
    const result = await call(client, 'application_list', { query: "items[?status.sync.status=='OutOfSync'" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/nothing was sent to Argo CD[\s\S]*at column 39/);
    expect(textOf(result)).toContain("  items[?status.sync.status=='OutOfSync'\n" + ' '.repeat(2 + 38) + '^');
    expect(sim.requests.length).toBe(before);
  });

  it('reports a query that fails on the answer as the caller\'s error, saying Argo CD answered', async () => {
    for (const c of [client, threaded]) {
      const result = await call(c, 'application_list', { query: "items[].metadata | join(', ', @)" });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/failed on this answer[\s\S]*Argo CD answered; only the query failed/);
    }
  });

  it('works on a one-object read and on a read workflow (health_report), and leaves find_app\'s own `query` alone', async () => {
    const name = truth[0].metadata.name;
    const got = await call(client, 'application_get', { name, query: '{name: metadata.name, project: spec.project}' });
    expect(first(got)).toEqual({ name, project: truth[0].spec.project });
    const report = await call(client, 'health_report', { query: 'keys(@)' });
    expect(report.isError, textOf(report)).toBeFalsy();
    expect(Array.isArray(first(report))).toBe(true);
    const found = await call(client, 'find_app', { query: name.slice(0, 4) });
    expect(found.isError, textOf(found)).toBeFalsy();
    expect(textOf(found)).toContain(name);
  });

  it('works on a stream\'s window too: log lines filtered as Argo CD sent them', async () => {
    const name = truth[0].metadata.name;
    const plain = await call(client, 'application_logs', { name, maxItems: 5, waitSeconds: 30 });
    expect(plain.isError, textOf(plain)).toBeFalsy();
    const lines = (first(plain) as { items: string[] }).items;
    expect(lines.length).toBeGreaterThan(0);
    const queried = await call(client, 'application_logs', { name, maxItems: 5, waitSeconds: 30, query: '{count: count, pods: items[].podName, contents: items[].content}' });
    expect(queried.isError, textOf(queried)).toBeFalsy();
    const window = first(queried) as { count: number; pods: string[]; contents: string[] };
    expect(window.count).toBe(lines.length);
    // Each shaped line is "time pod content": the query saw the entries those lines were made from.
    window.contents.forEach((content, i) => expect(lines[i]).toContain(content));
    expect(window.pods.length).toBe(lines.length);
  });

  it('costs one list request per call', async () => {
    const before = listCalls();
    await call(client, 'application_list', { query: 'length(items)' });
    expect(listCalls()).toBe(before + 1);
  });
});
