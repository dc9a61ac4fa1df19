/**
 * One read on several Argo CD instances, end to end: two simulators on 127.0.0.1 and two instances that are down
 * (ports nothing listens on), the configuration as a file, the gateway as buildGateway wires it, the MCP SDK client.
 * Then the merge and the concurrency bound on their own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { mapLimit, mergeAnswers } from '../../src/gateway/fan-out.ts';
import { textResult } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import { anthropicProblems, geminiJsonSchemaProblems, geminiParametersProblems, openAiStrictProblems, shapeProblems } from '../codegen/dialects.ts';

type App = { metadata: { name: string }; status: { sync: { status: string } } };

let a: Simulator;
let b: Simulator;
let client: Client;
let tools: Tool[];
const truth: Record<string, App[]> = {};
const dir = mkdtempSync(path.join(os.tmpdir(), 'fan-out-'));

/** A port on 127.0.0.1 that nothing listens on: an Argo CD that is down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startSimulator({ appCount: 5, seed: 11 }), startSimulator({ appCount: 7, seed: 12 })]);
  for (const [name, sim] of [['a', a], ['b', b]] as const) {
    const answer = await fetch(`${sim.url}/api/v1/applications`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
    truth[name] = ((await answer.json()) as { items: App[] }).items;
  }
  const [c, d] = [await deadPort(), await deadPort()];
  const configFile = path.join(dir, 'gateway.yaml');
  writeFileSync(
    configFile,
    `adaptToServer: false
gitopsChecks: off
instanceConcurrency: 2
instances:
  - name: a
    url: ${a.url}
    token: \${A_TOKEN}
    allow: ["*"]
  - name: b
    url: ${b.url}
    token: \${B_TOKEN}
    allow: ["*"]
  - name: c
    url: http://127.0.0.1:${c}
    token: down
    timeout: 2s
  - name: d
    url: http://127.0.0.1:${d}
    token: down
    timeout: 2s
`,
  );
  const config = loadConfig({ flags: { config: configFile }, env: { A_TOKEN: a.tokens.admin, B_TOKEN: b.tokens.admin } });
  expect(config.instanceConcurrency).toBe(2);
  const { gateway, version } = buildGateway(config, createLogger('silent'));
  const server = createMcpServer(gateway, version, 'static');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'fan-out-test', version: '1.0.0' });
  await client.connect(clientSide);
  tools = (await client.listTools()).tools;
});
afterAll(async () => {
  await client?.close();
  await Promise.all([a?.close(), b?.close()]);
});

const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
const valueOf = <T>(r: CallToolResult) => JSON.parse((r.content[0] as { text: string }).text) as T;
const requests = () => a.requests.length + b.requests.length;

type Merged = { columns?: string[]; items: unknown[]; instances: string[]; errors?: Array<{ instance: string; error: string }>; skipped?: unknown[]; total?: number };

describe('a read on every instance (instance: "*")', () => {
  it('merges the application lists with an instance column, and reports the instances that are down', async () => {
    const result = await call('application_list', { instance: '*' });
    expect(result.isError, textOf(result)).toBeFalsy();
    const merged = valueOf<Merged>(result);
    expect(merged.columns![0]).toBe('instance');
    const names = (merged.items as unknown[][]).map((row) => `${String(row[0])}/${String(row[1])}`).sort();
    const want = [...truth.a.map((x) => `a/${x.metadata.name}`), ...truth.b.map((x) => `b/${x.metadata.name}`)].sort();
    expect(names).toEqual(want);
    expect(merged.total).toBe(12);
    expect(merged.instances).toEqual(['a', 'b']);
    expect(merged.errors!.map((e) => e.instance)).toEqual(['c', 'd']);
    for (const e of merged.errors!) expect(e.error).toMatch(/ECONNREFUSED|refused|reach|connect/i);
    expect(textOf(result)).toContain('Failed on c, d (see errors); the rows are from a, b.');
  });

  it('runs the query on each instance: "which apps are OutOfSync?" answered per instance, exactly', async () => {
    const result = await call('application_list', { instance: '*', query: "items[?status.sync.status=='OutOfSync'].metadata.name" });
    const merged = valueOf<Merged>(result);
    expect(merged.columns).toEqual(['instance', 'value']);
    const want = ['a', 'b'].flatMap((i) => truth[i].filter((x) => x.status.sync.status === 'OutOfSync').map((x) => [i, x.metadata.name]));
    expect(merged.items).toEqual(want);
  });

  it('asks only the instances named in a list, once each', async () => {
    const before = { a: a.requests.length, b: b.requests.length };
    const result = await call('version_get', { instance: ['b', 'a', 'b'] });
    expect(result.isError, textOf(result)).toBeFalsy();
    const merged = valueOf<Merged>(result);
    expect((merged.items as Array<{ instance: string; Version?: string }>).map((i) => i.instance)).toEqual(['b', 'a']);
    expect((merged.items as Array<{ Version?: string }>).every((i) => typeof i.Version === 'string')).toBe(true);
    expect({ a: a.requests.length - before.a, b: b.requests.length - before.b }).toEqual({ a: 1, b: 1 });
  });

  it('finds an application on the instance that has it; the others say why not in errors', async () => {
    const name = truth.b.find((x) => !truth.a.some((y) => y.metadata.name === x.metadata.name))!.metadata.name;
    const result = await call('application_get', { instance: ['a', 'b'], name, query: 'metadata.name' });
    expect(result.isError, textOf(result)).toBeFalsy();
    const merged = valueOf<Merged>(result);
    expect(merged.items).toEqual([['b', name]]);
    // Argo CD answers 403 for an application that does not exist (server/application/application.go getAppEnforceRBAC).
    expect(merged.errors).toEqual([{ instance: 'a', error: expect.stringMatching(/403[\s\S]*does not exist/) }]);
  });

  it('is an error only when every instance asked failed, naming each and why', async () => {
    const result = await call('application_list', { instance: ['c', 'd'] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^application_list failed on every instance asked \(c, d\):\n- c: Cannot reach Argo CD[\s\S]+\n- d: Cannot reach Argo CD/);
  });

  it('never fans out a write: "*" and lists are refused with nothing sent', async () => {
    const before = requests();
    for (const instance of ['*', ['a', 'b']]) {
      const result = await call('application_sync', { instance, name: truth.a[0].metadata.name });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('application_sync changes Argo CD, so it runs on one instance at a time');
      expect(textOf(result)).toContain('Nothing was sent to Argo CD.');
    }
    expect(requests()).toBe(before);
  });

  it('pages one instance by cursor: a cursor with "*" or a list is refused with nothing sent', async () => {
    const first = await call('application_list', { instance: 'b', limit: 3 });
    const cursor = first.structuredContent?.cursor as string;
    expect(cursor).toBeTruthy();
    const before = requests();
    for (const instance of ['*', ['a', 'b']]) {
      const result = await call('application_list', { instance, limit: 3, cursor });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain("`cursor` pages one instance's list");
    }
    expect(requests()).toBe(before);
    const next = await call('application_list', { instance: 'b', limit: 3, cursor });
    expect(textOf(next)).toContain('Items 4-6 of 7');
    const elsewhere = await call('application_list', { instance: 'a', limit: 3, cursor });
    expect(elsewhere.isError).toBe(true);
    expect(requests()).toBe(before);
    // A fan-out's note gives each instance's own cursor, for that instance.
    const merged = await call('application_list', { instance: '*', limit: 3 });
    const ofB = /\[b\] Items 1-3 of 7; next page: cursor="([^"]+)"/.exec(textOf(merged));
    expect(ofB, textOf(merged)).not.toBeNull();
    const afterMerge = requests();
    expect(textOf(await call('application_list', { instance: 'b', limit: 3, cursor: ofB![1] }))).toContain('Items 4-6 of 7');
    expect(requests()).toBe(afterMerge);
  });

  it('refuses unknown names in a list before asking anyone', async () => {
    const before = requests();
    const result = await call('application_list', { instance: ['a', 'qa'] });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Unknown instance "qa"; the instances are a, b, c, d (or "*" for all). Nothing was sent to Argo CD.');
    expect(requests()).toBe(before);
  });

  it('advertises "*" and lists on reads only, in a form every model API accepts', () => {
    const list = tools.find((t) => t.name === 'application_list')!;
    expect(list.inputSchema.properties!.instance).toMatchObject({ type: 'string', enum: ['a', 'b', 'c', 'd', '*'], description: expect.stringContaining('"*" (all) or a JSON list of names') });
    expect(tools.find((t) => t.name === 'application_sync')!.inputSchema.properties!.instance).toMatchObject({ type: 'string', enum: ['a', 'b'] });
    for (const tool of tools) {
      const schema = tool.inputSchema as Record<string, unknown>;
      const problems = [...openAiStrictProblems(schema), ...geminiParametersProblems(schema), ...geminiJsonSchemaProblems(schema), ...anthropicProblems({ name: tool.name, inputSchema: schema }), ...shapeProblems(schema)];
      expect(problems, tool.name).toEqual([]);
    }
  });
});

describe('the merge and the concurrency bound', () => {
  it('instanceConcurrency is a whole number from 1 to 64 (default 4), and an error names where it was set', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, `instanceConcurrency: 0\ninstances:\n  - name: a\n    url: http://127.0.0.1:1\n    token: t\n`);
    expect(() => loadConfig({ flags: { config: file }, env: {} })).toThrow(/bad\.yaml: instanceConcurrency: "0" must be a whole number from 1 to 64/);
    expect(() => loadConfig({ flags: { config: file }, env: { ARGOCD_MCP_INSTANCE_CONCURRENCY: 'many' } })).toThrow(/ARGOCD_MCP_INSTANCE_CONCURRENCY: "many" must be a whole number/);
    writeFileSync(file, `instances:\n  - name: a\n    url: http://127.0.0.1:1\n    token: t\n`);
    expect(loadConfig({ flags: { config: file }, env: {} }).instanceConcurrency).toBe(4);
  });

  it('mapLimit never runs more than the limit at once, and keeps the order', async () => {
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const done = mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      return n * 10;
    });
    while (releases.length || running) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(most).toBe(2);
  });

  it('over the budget, every instance keeps the same number of rows, so none disappears behind the others', async () => {
    const rows = (n: number, tag: string) => ({ items: Array.from({ length: n }, (_, i) => ({ name: `${tag}-app-${i}`, note: 'x'.repeat(40) })) });
    const json = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value as Record<string, unknown> });
    const result = await mergeAnswers({
      tool: 'application_list',
      answers: [{ instance: 'big', result: json(rows(400, 'big')) }, { instance: 'small', result: json(rows(3, 'small')) }, { instance: 'down', result: textResult('connection refused', true) }],
      skipped: [],
      budget: { tokens: 2000, why: 'a test budget' },
      hint: 'Narrow.',
    });
    const merged = JSON.parse((result.content[0] as { text: string }).text) as { items: Array<{ instance: string }>; truncated: { perInstance: number }; errors: unknown[] };
    const per = (i: string) => merged.items.filter((r) => r.instance === i).length;
    expect(per('small')).toBe(3);
    expect(per('big')).toBe(merged.truncated.perInstance);
    expect(per('big')).toBeGreaterThan(3);
    expect(per('big')).toBeLessThan(400);
    expect(merged.errors).toEqual([{ instance: 'down', error: 'connection refused' }]);
    expect(textOf(result)).toMatch(/at most \d+ rows per instance shown \(big \d+ of 400, small 3 of 3\)/);
  });
});
