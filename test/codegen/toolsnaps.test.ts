/**
 * The public face of every tool (what tools/list advertises: name, title, description, annotations, _meta,
 * inputSchema), one snapshot file per tool in test/__toolsnaps__/<tool>.snap, as github-mcp-server does. A changed
 * face fails until the snapshot is updated on purpose (`vitest -u`, after reading the diff); in CI a missing
 * snapshot fails too (vitest does not write new snapshots when CI is set).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { stableStringify } from '../../codegen/emit/stable-json.ts';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { createLogger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/runtime/allowlist.ts';
import { createGateway } from '../../src/runtime/gateway.ts';

const SNAPS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../__toolsnaps__');
const catalogue = loadCatalogue();

/** What a client sees: a gateway exposing every tool, with no Argo CD behind it (as `list-tools` runs). */
async function advertisedTools(): Promise<Tool[]> {
  const gateway = createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
    logger: createLogger('silent'),
  });
  return await gateway.listTools();
}

function face(tool: Tool): Record<string, unknown> {
  const { name, title, description, annotations, _meta, inputSchema } = tool;
  return { name, title, description, annotations, _meta, inputSchema };
}

describe(`the tools of the committed catalogue (${catalogue.release})`, () => {
  let tools: Tool[];
  beforeAll(async () => {
    tools = await advertisedTools();
  });

  it('are all advertised, in catalogue order', () => {
    expect(tools.map((t) => t.name)).toEqual(catalogue.tools.map((t) => t.name));
  });

  it.each(catalogue.tools.map((t) => t.name))('%s matches its snapshot', async (name) => {
    const tool = tools.find((t) => t.name === name)!;
    await expect(stableStringify(face(tool))).toMatchFileSnapshot(path.join(SNAPS, `${name}.snap`));
  });

  it('leave no snapshot of a tool that no longer exists', () => {
    const snaps = readdirSync(SNAPS).filter((f) => f.endsWith('.snap')).map((f) => f.replace(/\.snap$/, '')).sort();
    expect(snaps).toEqual(catalogue.tools.map((t) => t.name).sort());
  });

  it('carry exactly the four argocd/ _meta keys, matching the request binding', () => {
    for (const tool of tools) {
      const entry = catalogue.tools.find((t) => t.name === tool.name)!;
      expect(Object.keys(tool._meta ?? {}).sort(), tool.name).toEqual(['argocd/method', 'argocd/operationId', 'argocd/path', 'argocd/tag']);
      expect(tool._meta?.['argocd/method'], tool.name).toBe(entry.request.method);
      expect(tool._meta?.['argocd/path'], tool.name).toBe(entry.request.path);
    }
  });

  it('fit a context window: tools/list ≤ 150 KB, no tool over 8 KB', () => {
    const whole = Buffer.byteLength(JSON.stringify({ tools }));
    expect(whole).toBeLessThanOrEqual(150 * 1024);
    const large = tools.map((t) => ({ name: t.name, bytes: Buffer.byteLength(JSON.stringify(t)) })).filter((t) => t.bytes > 8 * 1024);
    expect(large).toEqual([]);
  });

  it('have object input schemas whose required arguments are all advertised', () => {
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      const props = Object.keys(tool.inputSchema.properties ?? {});
      for (const r of (tool.inputSchema.required as string[] | undefined) ?? []) expect(props, `${tool.name} requires ${r}`).toContain(r);
    }
  });
});
