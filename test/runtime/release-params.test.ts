/**
 * Arguments adapt to the connected release: read off each release's swagger.json, hidden from tools/list, refused in
 * calls (nothing sent), for operation tools and the workflow arguments that map onto them; workflows stay where the
 * release has the operations they need.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { createLogger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { absentArgsOf, compositeAbsentArgs, operationParamsOf, withoutArgs } from '../../src/argocd/release-params.ts';
import { createUpstream } from '../../src/argocd/upstream.ts';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import { specPath } from '../codegen/release-specs.ts';

const doc = (release: string) => JSON.parse(readFileSync(specPath(release), 'utf8')) as unknown;
const tool = (name: string) => loadCatalogue().tools.find((t) => t.name === name)!;

describe('the parameters of a release', () => {
  it.each([
    ['v2.0.5', 'application_list', ['appNamespace', 'projects']],
    ['v2.4.28', 'application_list', ['appNamespace']],
    ['v2.8.21', 'application_list', []],
    ['v2.0.5', 'application_sync', ['appNamespace', 'project', 'revisions', 'sourcePositions']],
    ['v2.10.20', 'application_sync', ['revisions', 'sourcePositions']],
    ['v2.12.13', 'application_sync', []],
    ['v3.5.1', 'application_get_manifests', []],
    ['v3.1.16', 'application_get_manifests', ['noCache']],
  ] as const)('%s: %s lacks %j', (release, name, absent) => {
    const params = operationParamsOf(doc(release)).get(tool(name)._meta['argocd/operationId']);
    expect(params).toBeDefined();
    expect(absentArgsOf(tool(name), params)).toEqual(absent);
  });

  it('reads query names and the top-level fields of a $ref body', () => {
    const sync = operationParamsOf(doc('v2.0.5')).get('ApplicationService_Sync')!;
    expect([...sync.body!].sort()).toEqual(['dryRun', 'infos', 'manifests', 'name', 'prune', 'resources', 'retryStrategy', 'revision', 'strategy', 'syncOptions']);
    expect([...operationParamsOf(doc('v2.0.5')).get('ApplicationService_List')!.query]).toContain('project');
  });

  it('a schema without an argument neither lists nor requires it', () => {
    const schema = { type: 'object', properties: { a: {}, b: {} }, required: ['a', 'b'] };
    expect(withoutArgs(schema, ['b'])).toEqual({ type: 'object', properties: { a: {} }, required: ['a'] });
    expect(schema.properties).toHaveProperty('b');
  });

  it('a workflow argument is absent only when the release offers none of its alternatives', () => {
    const offers = { has: (t: string, a?: string) => t === 'application_list' && a === 'project' };
    expect(compositeAbsentArgs({ project: ['application_list.projects', 'application_list.project'], selector: ['application_list.selector'] }, offers)).toEqual(['selector']);
  });
});

describe('a gateway connected to an older release', () => {
  let sim: Simulator;
  let gateway: Gateway;
  beforeAll(async () => {
    sim = await startSimulator({ release: 'v2.0.5', appCount: 6, syncDurationMs: 200 });
    gateway = createGateway({
      allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
      upstream: createUpstream({ baseUrl: sim.url, token: () => sim.tokens.admin, timeoutMs: 10_000, userAgent: 'test' }),
      logger: createLogger('silent'),
      confirm: 'never',
      composites: WORKFLOWS,
    });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('advertises neither the query parameters nor the body fields the release lacks', async () => {
    const tools = new Map((await gateway.listTools()).map((t) => [t.name, t]));
    const props = (name: string) => Object.keys(tools.get(name)!.inputSchema.properties ?? {});
    expect(props('application_list')).not.toContain('projects');
    expect(props('application_list')).not.toContain('appNamespace');
    expect(props('application_list')).toContain('selector');
    expect(props('application_sync')).not.toContain('revisions');
    expect(props('application_sync')).toContain('revision');
    // Workflow arguments that map onto a missing parameter go too; those with an alternative stay.
    expect(props('sync_and_wait')).not.toContain('appNamespace');
    expect(props('health_report')).toContain('project');
    expect(gateway.serverSupport()?.version).toBe('v2.0.5+sim');
  });

  it('keeps every workflow: the release has the operations each needs', async () => {
    const names = (await gateway.listTools()).map((t) => t.name);
    for (const w of WORKFLOWS) expect(names).toContain(w.tool.name);
  });

  it('refuses a call that passes a parameter the release lacks, naming it and the fix, and sends nothing', async () => {
    const before = sim.requests.length;
    const refused = await gateway.callTool('application_list', { projects: ['default'] });
    expect(refused.isError).toBe(true);
    const text = (refused.content[0] as { text: string }).text;
    expect(text).toContain('v2.0.5+sim');
    expect(text).toContain('`projects`');
    expect(text).toContain('Nothing was sent to Argo CD');
    const workflow = await gateway.callTool('sync_and_wait', { name: 'x', appNamespace: 'argocd' });
    expect(workflow.isError).toBe(true);
    expect((workflow.content[0] as { text: string }).text).toContain('`appNamespace`');
    expect(sim.requests.length).toBe(before);
  });

  it('health_report filters by project with the parameter this release knows', async () => {
    const all = (await gateway.callTool('health_report', {})).structuredContent as { attention: unknown[]; bySync: Record<string, number> };
    const total = Object.values(all.bySync).reduce((a, b) => a + b, 0);
    const none = await gateway.callTool('health_report', { project: 'no-such-project' });
    expect(none.isError, JSON.stringify(none.content)).toBeFalsy();
    expect(total).toBeGreaterThan(0);
    expect((none.structuredContent as { summary: string }).summary).toMatch(/^0 applications/);
    const sent = sim.requests.filter((r) => r.path === '/api/v1/applications').at(-1)!;
    expect(sent.query).toContain('project=no-such-project');
    expect(sent.query).not.toContain('projects=');
  });
});
