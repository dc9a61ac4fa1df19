/**
 * The public face of every tool the gateway can advertise (what tools/list shows: name, title, description,
 * annotations, _meta, inputSchema, execution), one snapshot file per tool in test/__toolsnaps__/<tool>.snap, as
 * github-mcp-server does: the operation tools, the workflow tools, and dynamic mode's meta-tools. A changed
 * face fails until the snapshot is updated on purpose (`vitest -u`, after reading the diff); in CI a missing
 * snapshot fails too (vitest does not write new snapshots when CI is set).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { stableStringify } from '../../codegen/emit/stable-json.ts';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { createLogger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import { WORKFLOWS } from '../../src/workflows/index.ts';

const SNAPS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../__toolsnaps__');
const catalogue = loadCatalogue();

const gatewayOfEverything = () =>
  createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
    logger: createLogger('silent'),
    composites: WORKFLOWS,
  });

/** What a client sees: a gateway exposing every tool, with no Argo CD behind it (as `list-tools` runs). */
async function advertisedTools(): Promise<Tool[]> {
  return await gatewayOfEverything().listTools();
}

/** Dynamic mode's meta-tools, as a client lists them from a real server before enabling any toolset. */
async function dynamicTools(): Promise<Tool[]> {
  const server = createMcpServer(gatewayOfEverything(), '0.0.0-test', 'dynamic');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'toolsnaps-test', version: '1.0.0' });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

const WORKFLOW_NAMES = WORKFLOWS.map((w) => w.tool.name);
const DYNAMIC_NAMES = ['search_tools', 'describe_tool', 'call_tool', 'enable_toolset'];

function face(tool: Tool): Record<string, unknown> {
  const { name, title, description, annotations, _meta, inputSchema, execution } = tool;
  return { name, title, description, annotations, _meta, inputSchema, execution };
}

describe(`the tools of the committed catalogue (${catalogue.release})`, () => {
  let all: Tool[];
  let tools: Tool[];
  beforeAll(async () => {
    all = await advertisedTools();
    tools = all.filter((t) => !WORKFLOW_NAMES.includes(t.name));
  });

  it('are all advertised, in catalogue order, followed by the workflow tools', () => {
    expect(all.map((t) => t.name)).toEqual([...catalogue.tools.map((t) => t.name), ...WORKFLOW_NAMES]);
  });

  it.each(catalogue.tools.map((t) => t.name))('%s matches its snapshot', async (name) => {
    const tool = tools.find((t) => t.name === name)!;
    await expect(stableStringify(face(tool))).toMatchFileSnapshot(path.join(SNAPS, `${name}.snap`));
  });

  it.each(WORKFLOW_NAMES)('the workflow tool %s matches its snapshot', async (name) => {
    const tool = all.find((t) => t.name === name)!;
    await expect(stableStringify(face(tool))).toMatchFileSnapshot(path.join(SNAPS, `${name}.snap`));
  });

  it('leave no snapshot of a tool that no longer exists', () => {
    const snaps = readdirSync(SNAPS).filter((f) => f.endsWith('.snap')).map((f) => f.replace(/\.snap$/, '')).sort();
    expect(snaps).toEqual([...catalogue.tools.map((t) => t.name), ...WORKFLOW_NAMES, ...DYNAMIC_NAMES].sort());
  });

  it('carry the operationId and tag as _meta, and end their description with the request (method and path)', () => {
    for (const tool of tools) {
      const entry = catalogue.tools.find((t) => t.name === tool.name)!;
      expect(tool._meta, tool.name).toEqual({ 'argocd/operationId': entry._meta['argocd/operationId'], 'argocd/tag': entry._meta['argocd/tag'] });
      expect(tool.description?.endsWith(` ${entry.request.method} ${entry.request.path}`), tool.name).toBe(true);
    }
  });

  it('fit a context window: tools/list ≤ 150 KB, no tool over 8 KB', () => {
    const whole = Buffer.byteLength(JSON.stringify({ tools: all }));
    expect(whole).toBeLessThanOrEqual(150 * 1024);
    const large = all.map((t) => ({ name: t.name, bytes: Buffer.byteLength(JSON.stringify(t)) })).filter((t) => t.bytes > 8 * 1024);
    expect(large).toEqual([]);
  });

  it('have object input schemas whose required arguments are all advertised', () => {
    for (const tool of all) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      const props = Object.keys(tool.inputSchema.properties ?? {});
      for (const r of (tool.inputSchema.required as string[] | undefined) ?? []) expect(props, `${tool.name} requires ${r}`).toContain(r);
    }
  });
});

describe('the meta-tools of dynamic mode', () => {
  let tools: Tool[];
  beforeAll(async () => {
    tools = await dynamicTools();
  });

  it('are the four listed before any toolset is enabled', () => {
    expect(tools.map((t) => t.name)).toEqual(DYNAMIC_NAMES);
  });

  it.each(DYNAMIC_NAMES)('%s matches its snapshot', async (name) => {
    const tool = tools.find((t) => t.name === name)!;
    await expect(stableStringify(face(tool))).toMatchFileSnapshot(path.join(SNAPS, `${name}.snap`));
  });
});
