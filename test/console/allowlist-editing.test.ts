/** Editing the allowlist file from a selection: encoding, YAML round-trip, presets, token totals, saving. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { DEFAULT_TOOLSETS } from '../../src/catalogue/toolsets.ts';
import { advertisedTools, catalogueView } from '../../src/console/catalogue-view.ts';
import { ConfigFileError, applyConfigPatch, planSave, writeSave } from '../../src/console/config-file.ts';
import { exposedNames, selectionToAllowlist } from '../../src/console/encode-allowlist.ts';
import { consoleTools } from '../../src/console/console-tools.ts';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import { unifiedDiff } from '../../src/console/line-diff.ts';
import { PRESETS, presetSelection } from '../../src/console/presets.ts';

const tools = loadCatalogue().tools;
const names = tools.map((t) => t.name);
const reads = tools.filter((t) => t.annotations.readOnlyHint).map((t) => t.name);
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'console-unit-'));

/** What the gateway exposes for a file on disk: the real loader and the real allowlist compiler. */
function exposedByFile(file: string): string[] {
  const config = loadConfig({ flags: { config: file }, env: {}, argocdOptional: true });
  const allowlist = compileAllowlist(config.allowlist);
  return tools.filter((t) => !allowlist.refusal(t) && (!config.toolsets || config.toolsets.includes(t.toolset))).map((t) => t.name);
}

/** A small deterministic PRNG (mulberry32), so random selections are the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('selection → allowlist', () => {
  const cases: Array<{ name: string; selected: string[] }> = [
    { name: 'nothing', selected: [] },
    { name: 'everything', selected: names },
    { name: 'every read', selected: reads },
    { name: 'one write tool', selected: ['application_sync'] },
    { name: 'a whole toolset', selected: names.filter((n) => n.startsWith('cluster_')) },
    { name: 'a toolset but one', selected: names.filter((n) => n.startsWith('application_') && n !== 'application_delete') },
    { name: 'everything but the credential tools', selected: names.filter((n) => !/token|password|^session_(create|delete)/.test(n)) },
    ...PRESETS.map((p) => ({ name: `preset ${p.id}`, selected: presetSelection(p.id, tools) })),
  ];
  const random = rng(42);
  for (let i = 0; i < 25; i++) {
    const density = [0.1, 0.5, 0.9][i % 3];
    cases.push({ name: `random selection #${i} (density ${density})`, selected: names.filter(() => random() < density) });
  }

  it.each(cases)('a saved file exposes exactly the selection: $name', ({ selected }) => {
    const dir = tmp();
    const file = path.join(dir, 'allowlist.yaml');
    writeFileSync(file, applyConfigPatch('', selectionToAllowlist(selected, tools)));
    expect(exposedByFile(file).sort()).toEqual([...selected].sort());
  });

  it('prefers readOnly, toolsets and short deny lists to long lists of names', () => {
    expect(selectionToAllowlist(reads, tools)).toEqual({ readOnly: true, allow: ['*'], deny: [] });
    expect(selectionToAllowlist(names, tools)).toEqual({ readOnly: false, allow: ['*'], deny: [] });
    expect(selectionToAllowlist(names.filter((n) => n.startsWith('cluster_')), tools)).toEqual({ readOnly: false, allow: ['clusters'], deny: [] });
    expect(selectionToAllowlist(['application_sync', 'application_get'], tools)).toEqual({ readOnly: false, allow: ['application_get', 'application_sync'], deny: [] });
    const appsButDelete = selectionToAllowlist(names.filter((n) => n.startsWith('application_') && n !== 'application_delete'), tools);
    expect(appsButDelete).toEqual({ readOnly: false, allow: ['applications'], deny: ['application_delete'] });
    expect(selectionToAllowlist([], tools)).toEqual({ readOnly: true, allow: [], deny: [] });
  });

  it('rejects names the catalogue does not have', () => {
    expect(() => selectionToAllowlist(['application_destroy_everything'], tools)).toThrow(/unknown tool "application_destroy_everything"/);
  });
});

describe('YAML round-trip', () => {
  const ORIGINAL = `# Production gateway, owned by the platform team.
url: https://argocd.example.com # the public ingress

# Reviewed 2026-11-01.
readOnly: true   # flip only with a review
allow:
  - applications # what agents do all day
  - version
deny: ["account_*"]
projects: [payments, web]   # unknown to the console: kept
logLevel: info
`;

  it('keeps comments, key order and keys it does not manage; changes only what it must', () => {
    const out = applyConfigPatch(ORIGINAL, { readOnly: false, allow: ['applications', 'clusters'], deny: ['application_delete'] });
    expect(out).toContain('# Production gateway, owned by the platform team.');
    expect(out).toContain('url: https://argocd.example.com # the public ingress');
    expect(out).toContain('# Reviewed 2026-11-01.');
    expect(out).toContain('readOnly: false # flip only with a review');
    expect(out).toContain('  - applications # what agents do all day');
    expect(out).toContain('projects: [ payments, web ] # unknown to the console: kept');
    expect(out).not.toContain('version');
    expect(Object.keys(loadConfigText(out))).toEqual(['url', 'readOnly', 'allow', 'deny', 'projects', 'logLevel']);
    // Saving the same selection again changes nothing.
    expect(applyConfigPatch(out, { readOnly: false, allow: ['applications', 'clusters'], deny: ['application_delete'] })).toBe(out);
  });

  it('writes a new file with a header, and mode/toolsets only when they differ from the defaults', () => {
    const fresh = applyConfigPatch('', { readOnly: true, allow: ['applications'], deny: [], mode: 'static', toolsets: null });
    expect(fresh).toMatch(/^# argocd-mcp-gateway configuration/);
    expect(fresh).not.toMatch(/^(mode|toolsets|deny):/m);
    const dynamic = applyConfigPatch(fresh, { readOnly: true, allow: ['applications'], deny: [], mode: 'dynamic', toolsets: ['applications'] });
    expect(dynamic).toMatch(/^mode: dynamic$/m);
    expect(dynamic).toMatch(/^toolsets: \[ applications \]$/m);
    const back = applyConfigPatch(dynamic, { readOnly: true, allow: ['applications'], deny: [], mode: 'static', toolsets: null });
    expect(back).toMatch(/^mode: static$/m);
    expect(back).not.toMatch(/^toolsets:/m);
  });

  it('switches a flow list to block style once it grows', () => {
    const out = applyConfigPatch('allow: ["*"]\n', { readOnly: false, allow: ['a_1', 'a_2', 'a_3', 'a_4'], deny: [] });
    expect(out).toContain('allow:\n  - a_1\n  - a_2\n  - a_3\n  - a_4\n');
  });
});

function loadConfigText(text: string): Record<string, unknown> {
  const file = path.join(tmp(), 'c.yaml');
  writeFileSync(file, text);
  loadConfig({ flags: { config: file }, env: {}, argocdOptional: true });
  return parseYaml(text) as Record<string, unknown>;
}

describe('presets', () => {
  it('read-only is every read tool and nothing else', () => {
    expect(presetSelection('read-only', tools)).toEqual(reads);
  });

  it('application operator reads the everyday toolsets and syncs, but creates, updates and deletes nothing', () => {
    const chosen = presetSelection('app-operator', tools);
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(chosen).toEqual(expect.arrayContaining(['application_sync', 'application_rollback', 'application_list', 'cluster_list', 'version_get']));
    for (const n of chosen) {
      const t = byName.get(n)!;
      expect(DEFAULT_TOOLSETS).toContain(t.toolset);
      if (!t.annotations.readOnlyHint) expect(['sync', 'rollback', 'terminate_operation', 'run_resource_action', 'run_resource_action_v2'].some((w) => n === `application_${w}`)).toBe(true);
    }
    expect(chosen.some((n) => /_(create|delete|update|patch)/.test(n) && !n.includes('run_resource'))).toBe(false);
  });

  it('platform admin is everything except minting or revoking credentials and sessions', () => {
    const left = names.filter((n) => !presetSelection('platform-admin', tools).includes(n)).sort();
    expect(left).toEqual(['account_create_token', 'account_delete_token', 'account_update_password', 'project_create_token', 'project_delete_token', 'session_create', 'session_delete']);
  });

  it('an unknown preset is an error that lists the known ones', () => {
    expect(() => presetSelection('root', tools)).toThrow(/known: read-only, app-operator, platform-admin/);
  });
});

describe('workflow tools in the console', () => {
  const offered = consoleTools();
  it('a workflow counts as exposed only when the tools it calls are', () => {
    const exposed = exposedNames({ allowlist: { readOnly: false, allow: ['workflows', 'application_list'], deny: [], source: 'config' }, tools: offered });
    expect(exposed.sort()).toEqual(['application_list', 'find_app', 'health_report']);
  });

  it('every preset saves to a file that exposes exactly what it selected, workflows included', () => {
    for (const preset of PRESETS) {
      const selected = presetSelection(preset.id, offered);
      const entries = selectionToAllowlist(selected, offered);
      expect(exposedNames({ allowlist: { ...entries, source: 'config' }, tools: offered }).sort()).toEqual([...selected].sort());
    }
    expect(presetSelection('app-operator', offered).filter((n) => WORKFLOWS.some((w) => w.tool.name === n)).sort()).toEqual(
      ['diff', 'find_app', 'health_report', 'rollback', 'sync_and_wait', 'sync_many'],
    );
  });

  it("the read-only preset is the gateway's default without an allowlist, workflows included", () => {
    const byDefault = exposedNames({ allowlist: { readOnly: true, allow: ['*'], deny: [], source: 'default' }, tools: offered });
    expect(presetSelection('read-only', offered)).toEqual(byDefault);
    expect(byDefault).toEqual(expect.arrayContaining(['diff', 'find_app', 'health_report']));
  });

  it("a row's summary is the description's first sentence, without the method and path", async () => {
    const view = await catalogueView();
    const row = (name: string) => view.tools.find((t) => t.name === name)!;
    expect(row('account_can_i').summary).toBe('Checks if the current account has permission to perform an action.');
    const workflow = WORKFLOWS.find((w) => w.tool.name === 'sync_and_wait')!.tool.description;
    expect(row('sync_and_wait').summary).toMatch(/^Syncs one application[^\n]*\.$/);
    expect(workflow.startsWith(row('sync_and_wait').summary)).toBe(true);
    expect(row('sync_and_wait').requires).toEqual(['application_sync', 'application_get']);
  });
});

describe('counts and token costs', () => {
  it('groups every tool once, by toolset, in catalogue order, the workflow tools last', async () => {
    const view = await catalogueView();
    expect(view.groups.flatMap((g) => g.tools.map((t) => t.name))).toEqual([...names, ...WORKFLOWS.map((w) => w.tool.name)]);
    expect(view.groups.map((g) => g.toolset)).toEqual([...new Set(tools.map((t) => t.toolset)), 'workflows']);
    for (const g of view.groups) expect(new Set(g.tools.map((t) => t.toolset))).toEqual(new Set([g.toolset]));
  });

  it("counts each tool's o200k tokens of its JSON exactly as tools/list advertises it", async () => {
    const view = await catalogueView();
    const faces = new Map((await advertisedTools()).map((t) => [t.name, t]));
    for (const row of view.tools) {
      const face = faces.get(row.name)!;
      // Workflow tools may also say how they run (`execution`, for MCP tasks).
      expect(Object.keys(face).filter((k) => k !== 'execution').sort()).toEqual(['_meta', 'annotations', 'description', 'inputSchema', 'name', 'outputSchema', 'title']);
      expect(row.tokens).toBe(encode(JSON.stringify(face)).length);
    }
    const total = view.tools.reduce((n, t) => n + t.tokens, 0);
    // The whole tools/list differs from the per-tool sum only by the separators around them.
    const whole = encode(JSON.stringify({ tools: [...faces.values()] })).length;
    expect(Math.abs(whole - total)).toBeLessThan(view.tools.length * 2 + 10);
  });
});

describe('saving', () => {
  it('shows a diff first, keeps the previous file as FILE.bak, and writes what the plan said', () => {
    const dir = tmp();
    const file = path.join(dir, 'allowlist.yaml');
    writeFileSync(file, '# mine\nreadOnly: true\n');
    const plan = planSave({ file, patch: { readOnly: false, allow: ['application_sync'], deny: [] }, tools });
    expect(plan.diff).toContain('-readOnly: true');
    expect(plan.diff).toContain('+readOnly: false');
    expect(plan.diff).toContain('+allow: [ application_sync ]');
    expect(plan.exposed).toEqual(['application_sync']);
    expect(readFileSync(file, 'utf8')).toBe('# mine\nreadOnly: true\n'); // nothing written yet
    const { backup } = writeSave({ file, after: plan.after, baseHash: plan.baseHash });
    expect(backup).toBe(`${file}.bak`);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe('# mine\nreadOnly: true\n');
    expect(readFileSync(file, 'utf8')).toBe(plan.after);
  });

  it('refuses to overwrite a file that changed on disk after the diff was shown', () => {
    const file = path.join(tmp(), 'allowlist.yaml');
    writeFileSync(file, 'readOnly: true\n');
    const plan = planSave({ file, patch: { readOnly: true, allow: ['version'], deny: [] }, tools });
    writeFileSync(file, 'readOnly: true\nlogLevel: debug\n');
    expect(() => writeSave({ file, after: plan.after, baseHash: plan.baseHash })).toThrow(ConfigFileError);
    expect(readFileSync(file, 'utf8')).toBe('readOnly: true\nlogLevel: debug\n');
  });

  it('refuses a result the gateway would not load, naming the problem', () => {
    const file = path.join(tmp(), 'allowlist.yaml');
    writeFileSync(file, 'readOnly: true\nalow: [typo]\n');
    expect(() => planSave({ file, patch: { readOnly: true, allow: ['version'], deny: [] }, tools })).toThrow(/would not load: .*alow: unknown key/s);
  });

  it('creates a file that does not exist yet, without a backup', () => {
    const file = path.join(tmp(), 'new.yaml');
    const plan = planSave({ file, patch: { readOnly: true, allow: ['*'], deny: [] }, tools });
    expect(plan.exists).toBe(false);
    expect(plan.diff).toMatch(/^--- \/dev\/null\n\+\+\+ /);
    expect(writeSave({ file, after: plan.after, baseHash: plan.baseHash }).backup).toBeUndefined();
    expect(exposedByFile(file).sort()).toEqual([...reads].sort());
  });
});

describe('unifiedDiff', () => {
  it('gives hunks with context, and nothing for equal texts', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nc\nD\ne\nf\ng\nh\ni\n';
    expect(unifiedDiff({ before, after, fromLabel: 'x', toLabel: 'x' })).toBe('--- x\n+++ x\n@@ -1,8 +1,9 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n+i\n');
    expect(unifiedDiff({ before, after: before, fromLabel: 'x', toLabel: 'x' })).toBe('');
  });
});
