/** Result shaping: what is stripped, how lists are summarised, projected and paged, and the token cap. */
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { capResult, countTokens } from '../../src/shaping/cap.ts';
import { age, project, serverFields, shapeResult, strip, summariseApplication, tableToObjects } from '../../src/shaping/shape.ts';

const tool = (name: string) => loadCatalogue().tools.find((t) => t.name === name)!;

const app = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: {
    name,
    namespace: 'argocd',
    resourceVersion: '123',
    managedFields: [{ manager: 'argocd-server', fieldsV1: { 'f:spec': {} } }],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"json"}', team: 'payments' },
    labels: {},
  },
  spec: { project: 'payments', source: { repoURL: 'https://git.example.com/a.git', path: 'deploy', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'payments' } },
  status: {
    sync: { status: 'OutOfSync', revision: 'a'.repeat(40), comparedTo: { source: {} } },
    health: { status: 'Healthy' },
    history: Array.from({ length: 8 }, (_, i) => ({ id: i, revision: 'b'.repeat(40) })),
    resources: [{ kind: 'Deployment', name: 'api', namespace: 'payments', status: 'OutOfSync', health: { status: 'Healthy' }, version: 'v1', group: 'apps' }],
    operationState: {
      phase: 'Failed',
      finishedAt: '2026-01-01T00:00:00Z',
      syncResult: { resources: [{ kind: 'Deployment', name: 'api', status: 'SyncFailed', message: 'boom' }, { kind: 'Service', name: 'api', status: 'Synced' }] },
    },
    ...extra,
  },
});

describe('strip', () => {
  it('drops managedFields, the last-applied annotation, bookkeeping and empty values at any depth', () => {
    expect(strip({ a: { managedFields: [1], b: '', c: [], d: {}, e: null, f: 0, g: false } })).toEqual({ a: { f: 0, g: false } });
    const s = strip(app('x')) as { metadata: Record<string, unknown> };
    expect(s.metadata).toEqual({ name: 'x', namespace: 'argocd', annotations: { team: 'payments' } });
  });
});

describe('shapeResult', () => {
  it('summarises an application list as a table: the columns once, one short row per application', () => {
    const out = shapeResult(tool('application_list'), { metadata: {}, items: [app('a'), app('b')] }, {}).data as { namespace: string; columns: string[]; items: unknown[][]; total: number };
    expect(out.total).toBe(2);
    expect(out.namespace).toBe('argocd');
    expect(out.columns).toEqual(['name', 'project', 'repo', 'path', 'target', 'dest', 'sync', 'health', 'rev', 'op', 'syncedAgo']);
    expect(out.items[0]).toEqual(['a', 'payments', 'git.example.com/a', 'deploy', 'main', 'in-cluster/payments', 'OutOfSync', 'Healthy', 'aaaaaaa', 'Failed', age('2026-01-01T00:00:00Z')]);
    expect(age('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:05:00Z'))).toBe('5m');
    expect(age('2026-01-01T00:00:00Z', Date.parse('2026-01-03T00:00:00Z'))).toBe('2d');
    expect(tableToObjects(out)[1]).toMatchObject({ name: 'b', sync: 'OutOfSync' });
  });

  it('keeps a namespace column when applications live in several namespaces', () => {
    const other = app('c');
    other.metadata.namespace = 'team-a';
    const out = shapeResult(tool('application_list'), { items: [app('a'), other] }, {}).data as { columns: string[]; items: unknown[][] };
    expect(out.columns.at(-1)).toBe('namespace');
    expect(out.items[1].at(-1)).toBe('team-a');
  });

  it('condenses one application: resources one line each, recent history, only failed sync results', () => {
    const out = shapeResult(tool('application_get'), app('a'), {}).data as { status: Record<string, unknown> };
    expect(out.status.resources).toEqual([{ kind: 'Deployment', name: 'api', namespace: 'payments', sync: 'OutOfSync', health: 'Healthy' }]);
    expect(out.status.history).toHaveLength(5);
    expect(out.status.historyNote).toMatch(/3 older/);
    const op = out.status.operationState as { syncResult: { resources: unknown[]; resourceCounts: Record<string, number> } };
    expect(op.syncResult.resources).toEqual([{ kind: 'Deployment', name: 'api', status: 'SyncFailed', message: 'boom' }]);
    expect(op.syncResult.resourceCounts).toEqual({ SyncFailed: 1, Synced: 1 });
  });

  it('projects with fields, and excludes with a leading -', () => {
    expect(project({ a: { b: 1, c: 2 }, d: 3 }, ['a.b', 'd'])).toEqual({ a: { b: 1 }, d: 3 });
    expect(project({ a: { b: 1, c: 2 }, d: 3 }, ['-a.c'])).toEqual({ a: { b: 1 }, d: 3 });
    const out = shapeResult(tool('application_list'), { items: [app('a')] }, { fields: ['items.metadata.name'] }).data as { items: unknown[] };
    expect(out.items).toEqual([{ metadata: { name: 'a' } }]);
  });

  it('pages with limit and offset and says where the next page starts', () => {
    const items = Array.from({ length: 10 }, (_, i) => app(`a${i}`));
    const shaped = shapeResult(tool('application_list'), { items }, { limit: 3, offset: 3 });
    const out = shaped.data as { items: unknown[][]; total: number; offset: number };
    expect(tableToObjects<{ name: string }>(out).map((i) => i.name)).toEqual(['a3', 'a4', 'a5']);
    expect(out.total).toBe(10);
    expect(shaped.notes[0]).toBe('Items 4-6 of 10; next page: offset=6.');
  });

  it('returns the document untouched with raw: true', () => {
    const doc = { items: [app('a')] };
    expect(shapeResult(tool('application_list'), doc, { raw: true }).data).toEqual(doc);
  });
});

describe('serverFields', () => {
  it('asks argocd-server for just the summary fields of an application list', () => {
    const q = serverFields(tool('application_list'), {})!;
    expect(q.split(',')).toContain('items.metadata.name');
    expect(q.split(',')).toContain('items.status.sync.status');
    expect(serverFields(tool('application_list'), { raw: true })).toBeUndefined();
    expect(serverFields(tool('application_list'), { fields: ['metadata.name'] })).toBe('items.metadata.name');
    expect(serverFields(tool('application_get'), {})).toBeUndefined();
  });
});

describe('capResult', () => {
  it('leaves a result under the cap alone', async () => {
    const capped = await capResult({ items: [1, 2, 3] }, 1000, 'hint');
    expect(capped.note).toBeUndefined();
    expect(capped.text).toBe('{"items":[1,2,3]}');
  });

  it('cuts a long list at an item boundary and says how much was left out', async () => {
    const items = Array.from({ length: 500 }, (_, i) => summariseApplication(app(`application-number-${i}`)));
    const capped = await capResult({ items }, 2000, 'Narrow it.');
    const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
    expect(countTokens(capped.text)).toBeLessThanOrEqual(2000);
    const value = capped.value as { items: unknown[]; truncated: { shown: number; omitted: number; of: number } };
    expect(value.items.length).toBe(value.truncated.shown);
    expect(value.truncated.shown + value.truncated.omitted).toBe(500);
    expect(capped.note).toMatch(/Truncated to stay within 2000 tokens: \d+ of 500 items shown, \d+ left out\. Narrow it\./);
  });

  it('cuts text with no list in it, and says the text is not valid JSON', async () => {
    const capped = await capResult({ blob: 'x '.repeat(20000) }, 1000, 'Narrow it.');
    expect(capped.value).toBeUndefined();
    expect(capped.note).toMatch(/not valid JSON/);
  });

  it('counts tokens in linear time: a 2 MB unbroken line is capped, never below the exact count', async () => {
    // Counted whole, BPE is quadratic on one unbroken run (1 MB took ~25 minutes); on bounded pieces it is linear.
    const line = 'x'.repeat(2_000_000);
    const capped = await capResult({ log: line }, 20_000, 'Narrow it.');
    expect(capped.note).toMatch(/Truncated to stay within 20000 tokens/);
    const { countTokens: exact } = await import('gpt-tokenizer/encoding/o200k_base');
    expect(exact(capped.text)).toBeLessThanOrEqual(20_000);
    const json = JSON.stringify(Array.from({ length: 2000 }, (_, i) => summariseApplication(app(`application-number-${i}`))));
    const counted = await countTokens(json);
    expect(counted).toBeGreaterThanOrEqual(exact(json));
    expect(counted).toBeLessThanOrEqual(exact(json) * 1.01);
  });
});
