/**
 * Several Argo CD instances in one gateway, end to end: two simulators on 127.0.0.1, the configuration as a file,
 * the gateway as buildGateway wires it, and the MCP SDK client (in memory, and over stdio against the built CLI).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { readinessUpstream } from '../../src/compose/build-instances.ts';
import type { Upstream } from '../../src/argocd/upstream.ts';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import type { Mode } from '../../src/mcp/server.ts';
import { startSimulator } from 'argocd-simulator';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import { withFleetArgs } from '../../src/fleet/fleet-call.ts';
import type { Simulator } from 'argocd-simulator';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'instances-'));
let prod: Simulator;
let staging: Simulator;
let configFile: string;
let auditFile: string;

beforeAll(async () => {
  [prod, staging] = await Promise.all([startSimulator({ appCount: 4, seed: 1 }), startSimulator({ appCount: 6, seed: 2 })]);
  configFile = path.join(dir, 'gateway.yaml');
  auditFile = path.join(dir, 'audit.jsonl');
  writeFileSync(path.join(dir, 'staging-password'), 'password\n');
  // prod: read-only with a plain token from the environment; staging: writes allowed, session login.
  writeFileSync(
    configFile,
    `adaptToServer: false
auditFile: ${auditFile}
instances:
  - name: prod
    description: production
    url: ${prod.url}
    token: \${PROD_TOKEN}
    readOnly: true
  - name: staging
    url: ${staging.url}
    username: admin
    passwordFile: ${path.join(dir, 'staging-password')}
    allow: ["*"]
    deny: [application_delete]
`,
  );
});
afterAll(async () => {
  await Promise.all([prod?.close(), staging?.close()]);
});

const env = () => ({ PATH: process.env.PATH ?? '', PROD_TOKEN: prod.tokens.admin });

async function connect(mode: Mode = 'static'): Promise<Client> {
  const config = loadConfig({ flags: { config: configFile, mode }, env: env() });
  const { gateway, version } = buildGateway(config, createLogger('silent'));
  const server = createMcpServer(gateway, version, mode);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'instances-test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
const apiCalls = (sim: Simulator) => sim.requests.filter((r) => r.path.startsWith('/api/v1/applications'));

describe('several Argo CD instances behind one gateway', () => {
  let client: Client;
  let tools: Tool[];
  beforeAll(async () => {
    client = await connect();
    tools = (await client.listTools()).tools;
  });
  afterAll(() => client.close());

  it('advertises each tool once, with a required `instance` whose enum lists the instances that offer it (and "*" on reads)', () => {
    const list = tools.find((t) => t.name === 'application_list')!;
    expect(list.inputSchema.required).toContain('instance');
    expect(list.inputSchema.properties!.instance).toMatchObject({ type: 'string', enum: ['prod', 'staging', '*'] });
    expect((list.inputSchema.properties!.instance as { description: string }).description).toContain('prod (production)');
    // prod is read-only: writes are offered on staging only; staging denies application_delete.
    expect(tools.find((t) => t.name === 'application_sync')!.inputSchema.properties!.instance).toMatchObject({ enum: ['staging'] });
    expect(tools.find((t) => t.name === 'application_delete')).toBeUndefined();
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
  });

  it('leaves the rest of each tool as the catalogue has it', () => {
    const catalogue = new Map(loadCatalogue().tools.map((t) => [t.name, t]));
    // Tools beyond the catalogue (workflow tools) are offered too, with `instance`.
    for (const tool of tools) expect(tool.inputSchema.required, tool.name).toContain('instance');
    expect(tools.filter((t) => !catalogue.has(t.name)).map((t) => t.name).sort()).toEqual(WORKFLOWS.map((w) => w.tool.name).sort());
    for (const tool of tools.filter((t) => catalogue.has(t.name))) {
      const original = catalogue.get(tool.name)!;
      expect(tool.description).toBe(original.description);
      const { instance, cursor, ...rest } = tool.inputSchema.properties!;
      expect(instance).toBeDefined();
      // A list tool also takes the gateway's own `cursor` (src/gateway/paging-hook.ts); no other tool does.
      expect(cursor !== undefined, tool.name).toBe(!!original.request.list);
      // The fleet tools carry their filters and answer shapes, added at runtime as every gateway adds them.
      const advertised = withFleetArgs({ name: tool.name, inputSchema: { type: 'object', properties: (original.inputSchema.properties ?? {}) as Record<string, object> } });
      expect(rest).toEqual(advertised.inputSchema.properties);
    }
  });

  it('routes a call to the named instance, with its own credentials, without passing `instance` on', async () => {
    const beforeProd = apiCalls(prod).length;
    const beforeStaging = apiCalls(staging).length;
    const onProd = await call(client, 'application_list', { instance: 'prod' });
    const onStaging = await call(client, 'application_list', { instance: 'staging' });
    expect(onProd.isError).toBeFalsy();
    expect(onStaging.isError).toBeFalsy();
    const items = (r: CallToolResult) => (JSON.parse(textOf(r)) as { items: unknown[] }).items.length;
    expect([items(onProd), items(onStaging)]).toEqual([4, 6]);
    expect(apiCalls(prod).length).toBe(beforeProd + 1);
    expect(apiCalls(staging).length).toBe(beforeStaging + 1);
    expect(apiCalls(prod).at(-1)!.query).not.toContain('instance');
    // staging logged in with its password first
    expect(staging.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/session')).toBe(true);
    expect(prod.requests.some((r) => r.path === '/api/v1/session')).toBe(false);
  });

  it('refuses a write on the read-only instance and sends nothing', async () => {
    const before = prod.requests.length;
    const result = await call(client, 'application_sync', { instance: 'prod', name: 'payments-api' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('not available');
    expect(prod.requests.length).toBe(before);
  });

  it('asks for `instance` when it is missing or unknown, naming where the tool is offered', async () => {
    const before = prod.requests.length + staging.requests.length;
    const missing = await call(client, 'application_sync', { name: 'payments-api' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('application_sync needs `instance`');
    expect(textOf(missing)).toContain('offered on: staging');
    const unknown = await call(client, 'application_list', { instance: 'qa' });
    expect(textOf(unknown)).toContain('Unknown instance "qa"; the instances are prod, staging');
    expect(prod.requests.length + staging.requests.length).toBe(before);
  });

  it('writes the instance into each audit record', async () => {
    await call(client, 'version_get', { instance: 'staging' });
    const records = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tool: string; instance?: string });
    expect(records.at(-1)).toMatchObject({ tool: 'version_get', instance: 'staging' });
    expect(records.every((r) => r.instance === 'prod' || r.instance === 'staging')).toBe(true);
  });

  it('works in dynamic mode: call_tool passes `instance` through', async () => {
    const dynamic = await connect('dynamic');
    try {
      const described = await call(dynamic, 'describe_tool', { name: 'application_get' });
      expect(JSON.parse(textOf(described)).inputSchema.required).toContain('instance');
      const result = await call(dynamic, 'call_tool', { name: 'application_list', arguments: { instance: 'prod' } });
      expect(result.isError).toBeFalsy();
    } finally {
      await dynamic.close();
    }
  });

  it('no catalogue operation has an argument named `instance` (the name is free for routing)', () => {
    for (const tool of loadCatalogue().tools) expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain('instance');
  });
});

describe('instances through the built CLI over stdio', () => {
  it('serves both instances from the config file', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(ROOT, 'dist', 'cli.js'), '--config', configFile],
      env: { ...env(), ARGOCD_MCP_LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'instances-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.find((t) => t.name === 'application_list')!.inputSchema.properties!.instance).toMatchObject({ enum: ['prod', 'staging', '*'] });
      const result = await call(client, 'application_get', { instance: 'staging', name: 'payments-api', fields: ['metadata.name'] });
      expect(result.isError, textOf(result)).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

describe('readiness with several instances (/readyz of the HTTP service)', () => {
  it('is ready through buildGateway while the instances answer and accept their credentials', async () => {
    const config = loadConfig({ flags: { config: configFile }, env: env() });
    const { upstream } = buildGateway(config, createLogger('silent'));
    expect(await upstream!.getJson('/api/version')).toMatchObject({ ok: true });
    expect(await upstream!.getJson('/api/v1/session/userinfo')).toMatchObject({ ok: true, data: { loggedIn: true } });
  });

  it('stays ready while one instance is down, and says which ones fail when all are', async () => {
    const answering = (ok: boolean): Upstream =>
      ({ baseUrl: 'x', getJson: async () => (ok ? { ok: true, data: { loggedIn: true } } : { ok: false, text: 'connection refused' }), send: async () => ({ kind: 'error', text: '' }) }) as Upstream;
    expect(await readinessUpstream([{ name: 'a', upstream: answering(false) }, { name: 'b', upstream: answering(true) }]).getJson('/api/v1/session/userinfo')).toMatchObject({ ok: true, data: { loggedIn: true } });
    expect(await readinessUpstream([{ name: 'a', upstream: answering(false) }, { name: 'b', upstream: answering(false) }]).getJson('/api/version')).toEqual({ ok: false, text: 'a: connection refused; b: connection refused' });
  });
});
