/**
 * The endpoint allowlist: which entries match which tools of the committed catalogue, deny over allow, read-only
 * mode, bad entries, typos; and, through a gateway, that a refused tool is neither listed nor sent upstream.
 */
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../../src/catalogue/types.ts';
import type { AllowlistConfig } from '../../src/config/load-config.ts';
import { AllowlistError, compileAllowlist, compileEntry } from '../../src/policy/allowlist.ts';
import { ARGOCD, fakeArgocd, useNock } from '../fixtures/fake-argocd.ts';
import { gatewayFor, resultText } from '../helpers/gateway.ts';

const tools = loadCatalogue().tools;
const tool = (name: string): CatalogueTool => {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name} in generated/tools.gen.json`);
  return t;
};
const matching = (entry: string) => tools.filter((t) => compileEntry(entry).matches(t)).map((t) => t.name).sort();
const named = (prefix: string) => tools.filter((t) => t.name.startsWith(prefix)).map((t) => t.name).sort();
const config = (c: Partial<AllowlistConfig>): AllowlistConfig => ({ readOnly: false, allow: ['*'], deny: [], source: 'config', ...c });

describe('an allowlist entry matches', () => {
  const table: Array<{ kind: string; entry: string; want: string[] }> = [
    { kind: 'a tool name', entry: 'application_get', want: ['application_get'] },
    { kind: 'an operationId', entry: 'ApplicationService_Get', want: ['application_get'] },
    { kind: 'a tag', entry: 'ClusterService', want: named('cluster_') },
    { kind: 'a toolset', entry: 'clusters', want: named('cluster_') },
    { kind: 'a glob over tool names (not applicationset_*)', entry: 'application_*', want: named('application_') },
    { kind: 'a glob spanning toolsets', entry: 'repo*', want: [...named('repocreds_'), ...named('repository_')].sort() },
    { kind: 'everything', entry: '*', want: tools.map((t) => t.name).sort() },
    { kind: 'METHOD /path with * as one segment', entry: 'GET /api/v1/applications/*', want: ['application_get'] },
    { kind: 'METHOD /path, method in any case', entry: 'get /api/version', want: ['version_get'] },
    {
      kind: 'METHOD /path with ** as any depth',
      entry: 'GET /api/v1/projects/**',
      want: [
        'project_get',
        'project_get_detailed_project',
        'project_get_global_projects',
        'project_get_sync_windows_state',
        'project_list',
        'project_list_events',
        'project_list_links',
      ],
    },
    { kind: 'DELETE /path/**', entry: 'DELETE /api/v1/clusters/**', want: ['cluster_delete'] },
    {
      kind: '* as method, ** below a prefix',
      entry: '* /api/v1/clusters/**',
      want: ['cluster_create', 'cluster_delete', 'cluster_get', 'cluster_invalidate_cache', 'cluster_list', 'cluster_rotate_auth', 'cluster_update'],
    },
    { kind: '{param} as any one segment', entry: 'POST /api/v1/applications/{appName}/sync', want: ['application_sync'] },
    { kind: '{param} against a dotted path parameter', entry: 'PUT /api/v1/projects/{name}', want: ['project_update'] },
    { kind: 'a path with no tool', entry: 'GET /api/v1/nothing/here', want: [] },
    { kind: 'METHOD * as every path (the README\'s "every read")', entry: 'GET *', want: tools.filter((t) => t.request.method === 'GET').map((t) => t.name).sort() },
    { kind: 'METHOD ** as every path', entry: 'DELETE **', want: tools.filter((t) => t.request.method === 'DELETE').map((t) => t.name).sort() },
  ];

  it.each(table)('$kind: "$entry"', ({ entry, want }) => {
    expect(matching(entry)).toEqual(want);
  });

  it('"* /api/v1/clusters/**" also matches /api/v1/clusters itself (** = zero or more segments)', () => {
    expect(matching('* /api/v1/clusters/**')).toEqual(named('cluster_'));
  });
});

describe('compileAllowlist', () => {
  it('lets deny beat allow', () => {
    const list = compileAllowlist(config({ allow: ['application_*'], deny: ['application_delete', 'DELETE /api/v1/applications/**'] }));
    expect(list.refusal(tool('application_get'))).toBeUndefined();
    expect(list.refusal(tool('application_delete'))).toBe('denied by the allowlist entry "application_delete"');
    expect(list.refusal(tool('application_delete_resource'))).toBe('denied by the allowlist entry "DELETE /api/v1/applications/**"');
    expect(list.refusal(tool('cluster_get'))).toBe('not in the allowlist');
  });

  it('in read-only mode keeps exactly the tools annotated readOnlyHint', () => {
    const list = compileAllowlist(config({ readOnly: true }));
    const kept = tools.filter((t) => !list.refusal(t)).map((t) => t.name);
    expect(kept).toEqual(tools.filter((t) => t.annotations.readOnlyHint).map((t) => t.name));
    expect(kept).toContain('application_get');
    expect(kept).not.toContain('application_sync');
  });

  it('says why a write is refused in read-only mode, naming the default when no allowlist was configured', () => {
    const byDefault = compileAllowlist({ readOnly: true, allow: ['*'], deny: [], source: 'default' });
    expect(byDefault.refusal(tool('application_sync'))).toMatch(/read-only \(the default without an allowlist file\).*readOnly: false/);
    const configured = compileAllowlist(config({ readOnly: true }));
    expect(configured.refusal(tool('application_sync'))).toBe('the gateway runs read-only (readOnly: true)');
  });

  it('reports every bad entry at once, in allow and deny alike', () => {
    let error: unknown;
    try {
      compileAllowlist(config({ allow: ['', 'FETCH /x', 'application_get', 'GET x'], deny: ['app list'] }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AllowlistError);
    const message = (error as Error).message;
    expect(message).toContain('an allowlist entry is empty');
    expect(message).toContain('"FETCH /x": FETCH is not an HTTP method');
    expect(message).toContain('"GET x": the path must start with /');
    expect(message).toContain('"app list": APP is not an HTTP method');
    expect(message).not.toContain('application_get');
  });

  it.each(['a.b', 'applications/get', 'tool;rm'])('refuses "%s", which is neither a name, glob, tag, toolset nor METHOD /path', (entry) => {
    expect(() => compileEntry(entry)).toThrow(AllowlistError);
    expect(() => compileEntry(entry)).toThrow(`"${entry}" is neither a tool name, glob, tag, toolset nor "METHOD /path"`);
  });

  it('lists the entries that match no tool (typos)', () => {
    const list = compileAllowlist(
      config({ allow: ['application_get', 'aplication_list', 'GET /api/v1/aplications'], deny: ['clusterz', 'cluster_delete'] }),
    );
    expect(list.unmatched(tools)).toEqual(['aplication_list', 'GET /api/v1/aplications', 'clusterz']);
  });
});

describe('through the gateway', () => {
  useNock();

  it('a denied tool is not listed, and calling it is an error with nothing sent to Argo CD', async () => {
    const argo = fakeArgocd();
    const gateway = gatewayFor(ARGOCD, { allowlist: { deny: ['cluster_*'] } });
    const listed = (await gateway.listTools()).map((t) => t.name);
    expect(listed).toContain('application_get');
    expect(listed.filter((n) => n.startsWith('cluster_'))).toEqual([]);

    const result = await gateway.callTool('cluster_get', { idValue: 'in-cluster', idType: 'name' });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toBe(
      'The tool "cluster_get" is not available on this gateway: denied by the allowlist entry "cluster_*". Nothing was sent to Argo CD.',
    );
    expect(argo.requests).toEqual([]);
  });

  it('the default read-only gateway lists only read-only tools and refuses a write without sending it', async () => {
    const argo = fakeArgocd();
    const gateway = gatewayFor(ARGOCD, { allowlist: { readOnly: true, source: 'default' } });
    const listed = await gateway.listTools();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);

    const result = await gateway.callTool('application_sync', { name: 'guestbook' });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/read-only/);
    expect(argo.requests).toEqual([]);
  });
});
