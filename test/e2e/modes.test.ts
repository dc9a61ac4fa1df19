/** Token-frugal surfaces end to end: toolsets, dynamic mode, the result cap, version adaptation. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsOf, baseEnv, call, CLI, json, ROOT, startSimulator, stdioGateway, textOf } from './harness.ts';
import type { Simulator } from './harness.ts';

const SHARED = path.resolve(ROOT, '../shared/argocd-swagger');

/** The gateway's stderr once it shows `pattern` (its log is written asynchronously), or as it is after 10 s. */
async function stderrMatching(gw: { stderr: () => string }, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (!pattern.test(gw.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return gw.stderr();
}

describe('toolsets, dynamic mode and the result cap', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({});
  });
  afterAll(() => sim?.close());

  it('exposes only the chosen toolsets', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_TOOLSETS: 'projects,version', ARGOCD_MCP_READ_ONLY: 'false' }));
    try {
      const names = (await gw.client.listTools()).tools.map((t) => t.name);
      expect(names.every((n) => n.startsWith('project_') || n === 'version_get')).toBe(true);
      expect(names).toContain('project_create');
      const refused = await call(gw.client, 'application_list');
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain('toolset');
    } finally {
      await gw.close();
    }
  });

  it('dynamic mode advertises a few meta-tools yet reaches every allowed operation, and none that is denied', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_MODE: 'dynamic', ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_DENY: 'application_delete' }));
    try {
      const { tools } = await gw.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['call_tool', 'describe_tool', 'enable_toolset', 'search_tools']);
      expect(JSON.stringify({ tools }).length).toBeLessThan(6000);
      const found = textOf(await call(gw.client, 'search_tools', { query: 'sync application' }));
      expect(found.split('\n')[0]).toMatch(/^application_sync /);
      const deleteHits = textOf(await call(gw.client, 'search_tools', { query: 'delete application', limit: 50 }));
      expect(deleteHits).not.toMatch(/^application_delete /m);
      const described = json<{ inputSchema: { properties: Record<string, unknown> } }>(await call(gw.client, 'describe_tool', { name: 'application_sync' }));
      expect(described.inputSchema.properties).toHaveProperty('prune');
      const listed = json<{ items: unknown[] }>(await call(gw.client, 'call_tool', { name: 'application_list', arguments: { limit: 3 } }));
      expect(listed.items).toHaveLength(3);
      // As advertised (every model API accepts a string, not every one a free-form object): the arguments as JSON text.
      const asText = json<{ items: unknown[] }>(await call(gw.client, 'call_tool', { name: 'application_list', arguments: '{"limit":2}' }));
      expect(asText.items).toHaveLength(2);
      const notJson = await call(gw.client, 'call_tool', { name: 'application_list', arguments: '{limit: 2' });
      expect(notJson.isError).toBe(true);
      expect(textOf(notJson)).toMatch(/call_tool's `arguments` is not valid JSON .*Pass a JSON object/);
      const before = sim.requests.length;
      const refused = await call(gw.client, 'call_tool', { name: 'application_delete', arguments: { name: 'x' } });
      expect(refused.isError).toBe(true);
      const invalid = await call(gw.client, 'call_tool', { name: 'application_get', arguments: { nam: 'x' } });
      expect(invalid.isError).toBe(true);
      expect(sim.requests.length).toBe(before);
      let changed = false;
      gw.client.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).ToolListChangedNotificationSchema, async () => {
        changed = true;
      });
      await call(gw.client, 'enable_toolset', { toolset: 'projects' });
      await new Promise((r) => setTimeout(r, 200));
      expect(changed).toBe(true);
      expect((await gw.client.listTools()).tools.map((t) => t.name)).toContain('project_list');
    } finally {
      await gw.close();
    }
  });

  it('caps a result at the token budget, cutting at an item boundary with a note', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_MAX_RESULT_TOKENS: '3000' }));
    try {
      const result = await call(gw.client, 'application_list', { raw: true });
      expect(result.isError).toBeFalsy();
      const body = JSON.parse((result.content[0] as { text: string }).text) as { items: unknown[]; truncated: { shown: number; omitted: number } };
      expect(body.truncated.omitted).toBeGreaterThan(0);
      expect(body.items).toHaveLength(body.truncated.shown);
      expect(textOf(result)).toMatch(/left out.*limit\/offset/s);
      const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
      expect(countTokens((result.content[0] as { text: string }).text)).toBeLessThanOrEqual(3000);
    } finally {
      await gw.close();
    }
  });

  it('pages a list with limit and offset', async () => {
    const gw = await stdioGateway(baseEnv(sim));
    try {
      const firstResult = await call(gw.client, 'application_list', { limit: 5 });
      const first = appsOf(firstResult);
      const second = appsOf(await call(gw.client, 'application_list', { limit: 5, offset: 5 }));
      expect(first).toHaveLength(5);
      expect(json<{ total: number }>(firstResult).total).toBeGreaterThan(10);
      expect(second[0].name).not.toBe(first[0].name);
    } finally {
      await gw.close();
    }
  });
});

describe('a catalogue generated for another release', () => {
  it('is served from --catalogue-dir / ARGOCD_MCP_CATALOGUE_DIR, and a directory without one stops start-up', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalogue-'));
    const gen = spawnSync(process.execPath, [CLI, 'generate', '--spec', path.join(SHARED, 'v2.14.21.json'), '--out', dir], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const sim = await startSimulator({ swaggerFile: path.join(SHARED, 'v2.14.21.json'), version: 'v2.14.21+sim' });
    const gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CATALOGUE_DIR: dir, ARGOCD_MCP_TOOLSETS: 'all', ARGOCD_MCP_LOG_LEVEL: 'info' }));
    try {
      const names = (await gw.client.listTools()).tools.filter((t) => t._meta?.['argocd/tag'] !== 'Workflows').map((t) => t.name);
      expect(names).toHaveLength(100);
      expect(await stderrMatching(gw, /matches the v2\.14\.21 catalogue/)).toMatch(/matches the v2\.14\.21 catalogue/);
    } finally {
      await gw.close();
      await sim.close();
    }
    const bad = spawnSync(process.execPath, [CLI, 'list-tools', '--catalogue-dir', os.tmpdir()], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--catalogue-dir: .* has no tools\.gen\.json/);
  });
});

describe('version-adaptive catalogue', () => {
  for (const [release, version] of [['v2.4.28', 'v2.4.28+sim'], ['v2.14.21', 'v2.14.21+sim']] as const) {
    it(`hides the tools an Argo CD ${release} does not serve`, async () => {
      const sim = await startSimulator({ swaggerFile: path.join(SHARED, `${release}.json`), version });
      const gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false' }));
      try {
        const tools = (await gw.client.listTools()).tools;
        const names = tools.filter((t) => t._meta?.['argocd/tag'] !== 'Workflows').map((t) => t.name);
        // The workflows stay: the release has the operations they need (test/e2e/releases.test.ts covers every release).
        expect(tools.filter((t) => t._meta?.['argocd/tag'] === 'Workflows')).toHaveLength(7);
        expect(names).not.toContain('application_server_side_diff');
        expect(names).not.toContain('application_get_oci_metadata');
        expect(names).toContain('application_list');
        expect(names.length).toBeLessThan(106);
        if (release === 'v2.4.28') expect(names).not.toContain('applicationset_list');
        const hiding = new RegExp(`${release.replace(/\./g, '\\.')}.*hiding`);
        expect(await stderrMatching(gw, hiding)).toMatch(hiding);
        const refused = await call(gw.client, 'application_server_side_diff', { appName: 'x' });
        expect(refused.isError).toBe(true);
        expect(textOf(refused)).toContain('does not serve');
      } finally {
        await gw.close();
        await sim.close();
      }
    });
  }
});
