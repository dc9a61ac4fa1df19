import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { searchTools } from '../../src/mcp/tool-search.ts';
import { resolveToolsets } from '../../src/catalogue/toolsets.ts';
import { operationIdsOf } from '../../src/argocd/version-adapt.ts';

const tools = loadCatalogue().tools;

describe('searchTools ranks the tool an agent means first', () => {
  it.each([
    ['sync application', 'application_sync'],
    ['pod logs', 'application_pod_logs'],
    ['rollback', 'application_rollback'],
    ['undo deployment', 'application_rollback'],
    ['list clusters', 'cluster_list'],
    ['repository credentials', 'repocreds_list'],
    ['gpg keys', 'gpgkey_list'],
    ['can i', 'account_can_i'],
    ['project role token', 'project_create_token'],
  ])('"%s" → %s', (query, expected) => {
    const hits = searchTools(tools, query, 5).map((h) => h.tool.name);
    expect(hits.slice(0, 3)).toContain(expected);
  });

  it('returns nothing for words that match no tool', () => {
    expect(searchTools(tools, 'zzzz qqqq')).toEqual([]);
  });
});

describe('resolveToolsets', () => {
  const available = [...new Set(tools.map((t) => t.toolset))];
  it('expands default and all, and names unknown toolsets', () => {
    expect(resolveToolsets(['all'], available).toolsets).toBeUndefined();
    expect(resolveToolsets(['default'], available).toolsets).toContain('applications');
    expect(resolveToolsets(['default'], available).toolsets).not.toContain('accounts');
    expect(resolveToolsets(['projects', 'nope'], available)).toEqual({ toolsets: ['projects'], unknown: ['nope'] });
  });
});

describe('operationIdsOf', () => {
  it('reads every operationId of a Swagger document', () => {
    expect(operationIdsOf({ paths: { '/a': { get: { operationId: 'A' }, post: { operationId: 'B' } } } })).toEqual(new Set(['A', 'B']));
  });
});
