/**
 * Fleet filters and answer shapes end to end: a 1,500-application simulator on 127.0.0.1, the gateway as
 * buildGateway wires it, the MCP SDK client. Every answer is checked against a computation over the simulator's own
 * list, read directly with its token: the names and counts must be exact and complete.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import { unpackNames } from './expand-names.ts';

type App = {
  metadata: { name: string };
  spec: { project: string; destination: { server?: string; name?: string; namespace?: string }; source?: { path?: string; chart?: string; targetRevision?: string }; syncPolicy?: { automated?: { enabled?: boolean } } };
  status: { sync?: { status?: string }; health?: { status?: string }; operationState?: { phase?: string }; conditions?: Array<{ type: string }> };
};

let sim: Simulator;
let client: Client;
let gatewayOf: ReturnType<typeof buildGateway>['gateway'];
let truth: App[];
let clusters: Array<{ name: string; server: string }>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-filters-'));

beforeAll(async () => {
  sim = await startSimulator({ appCount: 1500, seed: 3 });
  const get = async (p: string) => (await (await fetch(`${sim.url}${p}`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } })).json()) as { items: unknown[] };
  truth = (await get('/api/v1/applications')).items as App[];
  clusters = (await get('/api/v1/clusters')).items as Array<{ name: string; server: string }>;
  const configFile = path.join(dir, 'gateway.yaml');
  writeFileSync(configFile, `url: ${sim.url}\nadaptToServer: false\ngitopsChecks: off\nreadOnly: true\nauditFile: ${path.join(dir, 'audit.log')}\n`);
  const config = loadConfig({ flags: { config: configFile }, env: { ARGOCD_API_TOKEN: sim.tokens.admin } });
  const { gateway, version } = buildGateway(config, createLogger('silent'));
  gatewayOf = gateway;
  const server = createMcpServer(gateway, version, 'static');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'fleet-filters', version: '1.0.0' });
  await client.connect(clientSide);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await sim?.close();
});

const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
const first = <T = Record<string, unknown>>(r: CallToolResult) => JSON.parse((r.content[0] as { text: string }).text) as T;
const namesOf = (r: CallToolResult) => Object.values(first<{ names: Record<string, Record<string, string>> }>(r).names).flatMap(unpackNames).sort();
const sorted = (apps: App[]) => apps.map((a) => a.metadata.name).sort();

const autoSync = (a: App) => !!a.spec.syncPolicy?.automated && a.spec.syncPolicy.automated.enabled !== false;
const serverOf = (a: App) => a.spec.destination.server ?? clusters.find((c) => c.name === a.spec.destination.name)?.server;

describe('fleet filters on application_list, against the simulator\'s own list', () => {
  const someCluster = () => clusters.find((c) => truth.some((a) => a.spec.destination.name === c.name) && truth.some((a) => a.spec.destination.server === c.server))!;
  const cases: Array<[string, () => Record<string, unknown>, (a: App) => boolean]> = [
    ['syncStatus', () => ({ syncStatus: 'OutOfSync' }), (a) => a.status.sync?.status === 'OutOfSync'],
    ['healthStatus', () => ({ healthStatus: 'Degraded' }), (a) => a.status.health?.status === 'Degraded'],
    ['operationPhase', () => ({ operationPhase: 'Failed' }), (a) => a.status.operationState?.phase === 'Failed'],
    ['projects (sent upstream)', () => ({ projects: ['identity'] }), (a) => a.spec.project === 'identity'],
    ['cluster by name, matching destinations given by server too', () => ({ cluster: someCluster().name }), (a) => serverOf(a) === someCluster().server],
    ['cluster by server URL', () => ({ cluster: someCluster().server }), (a) => serverOf(a) === someCluster().server],
    ['namespace', () => ({ namespace: truth[7].spec.destination.namespace }), (a) => a.spec.destination.namespace === truth[7].spec.destination.namespace],
    ['selector (sent upstream)', () => ({ selector: 'team=checkout' }), (a) => (a as unknown as { metadata: { labels?: Record<string, string> } }).metadata.labels?.team === 'checkout'],
    ['path fragment', () => ({ path: 'overlays/prod-euc1' }), (a) => [a.spec.source?.path, a.spec.source?.chart].some((p) => p?.includes('overlays/prod-euc1'))],
    ['targetRevision', () => ({ targetRevision: 'main' }), (a) => a.spec.source?.targetRevision === 'main'],
    ['name fragment', () => ({ nameMatch: 'cache' }), (a) => a.metadata.name.includes('cache')],
    ['name glob', () => ({ nameMatch: 'checkout-*-prod-use1-01' }), (a) => /^checkout-.*-prod-use1-01$/.test(a.metadata.name)],
    ['autoSync off', () => ({ autoSync: false }), (a) => !autoSync(a)],
    ['autoSync on', () => ({ autoSync: true }), autoSync],
    ['condition', () => ({ condition: 'SyncError' }), (a) => (a.status.conditions ?? []).some((c) => c.type === 'SyncError')],
    ['OutOfSync and Healthy in a project', () => ({ syncStatus: 'OutOfSync', healthStatus: 'Healthy', projects: ['checkout'] }), (a) => a.status.sync?.status === 'OutOfSync' && a.status.health?.status === 'Healthy' && a.spec.project === 'checkout'],
  ];

  it.each(cases)('%s: names are exactly the matching apps, with exact totals', async (_what, args, keep) => {
    const want = sorted(truth.filter(keep));
    expect(want.length).toBeGreaterThan(0);
    const result = await call('application_list', { ...args(), answer: 'names' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(namesOf(result)).toEqual(want);
    expect(first(result).matched).toBe(want.length);
  });

  it('counts by health are exact, and total is the whole list', async () => {
    const result = await call('application_list', { answer: 'counts', groupBy: 'health' });
    const want: Record<string, number> = {};
    for (const a of truth) want[a.status.health?.status ?? 'Unknown'] = (want[a.status.health?.status ?? 'Unknown'] ?? 0) + 1;
    expect(first(result)).toEqual(expect.objectContaining({ total: truth.length, matched: truth.length, groupBy: 'health', counts: want }));
  });

  it('counts by cluster and project add up to matched', async () => {
    for (const groupBy of ['cluster', 'project', 'namespace', 'sync']) {
      const value = first<{ matched: number; counts: Record<string, number> }>(await call('application_list', { syncStatus: 'OutOfSync', answer: 'counts', groupBy }));
      expect(Object.values(value.counts).reduce((s, n) => s + n, 0)).toBe(value.matched);
    }
  });

  it('summary rows carry total and matched, and only the fields the answer needs cross the wire', async () => {
    const result = await call('application_list', { healthStatus: 'Missing' });
    const value = first<{ columns: string[]; items: unknown[][]; total: number; matched: number }>(result);
    expect(value.total).toBe(truth.length);
    expect(value.matched).toBe(truth.filter((a) => a.status.health?.status === 'Missing').length);
    expect(value.items).toHaveLength(value.matched);
    expect(value.columns).toContain('health');
    const names = await call('application_list', { healthStatus: 'Missing', answer: 'names' });
    expect(names.isError).toBeFalsy();
    const sent = sim.requests.filter((r) => r.path.endsWith('/api/v1/applications')).at(-1)!;
    expect(decodeURIComponent(sent.query)).toContain('fields=items.metadata.name');
    expect(decodeURIComponent(sent.query)).toContain('items.status.health.status');
    expect(decodeURIComponent(sent.query)).not.toContain('items.spec.source');
  });

  it('a summary too large for the budget is cut with exact totals; its cursor serves the rest from a snapshot, every row once', async () => {
    const want = sorted(truth.filter((a) => !autoSync(a)));
    type Page = { total: number; matched: number; columns: string[]; items: unknown[][]; cursor?: string };
    const lists = () => sim.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/applications').length;
    const before = lists();
    const result = await call('application_list', { autoSync: false });
    const value = first<Page>(result);
    expect(value.matched).toBe(want.length);
    expect(value.total).toBe(truth.length);
    expect(value.items.length).toBeLessThan(value.matched);
    expect(value.cursor).toBeTruthy();
    expect(textOf(result)).toContain(`cursor="${value.cursor}"`);
    const nameAt = value.columns.indexOf('name');
    const seen = value.items.map((row) => String(row[nameAt]));
    let cursor = value.cursor;
    for (let page = 0; cursor && page < 50; page++) {
      const next = first<Page>(await call('application_list', { autoSync: false, cursor }));
      seen.push(...next.items.map((row) => String(row[nameAt])));
      cursor = next.cursor;
    }
    expect(cursor).toBeUndefined();
    expect(seen.sort()).toEqual(want);
    // One list from Argo CD for every page.
    expect(lists() - before).toBe(1);
    // A cursor goes with the summary it came from: not with a names answer, and not with offset.
    expect((await call('application_list', { autoSync: false, answer: 'names', cursor: value.cursor })).isError).toBe(true);
    expect((await call('application_list', { autoSync: false, offset: 5, cursor: value.cursor })).isError).toBe(true);
  });

  it('names over a small budget (10 KB, Copilot CLI) come in pages whose offsets cover every name once', async () => {
    const ask = async (offset?: number) => (await gatewayOf.callTool('application_list', { answer: 'names', ...(offset ? { offset } : {}) }, { clientName: 'github-copilot-developer' })) as CallToolResult;
    const seen: string[] = [];
    let offset: number | undefined;
    for (let page = 0; page < 50; page++) {
      const result = await ask(offset);
      expect(Buffer.byteLength((result.content[0] as { text: string }).text)).toBeLessThanOrEqual(10 * 1024);
      seen.push(...namesOf(result));
      offset = first<{ next?: { offset: number } }>(result).next?.offset;
      if (offset === undefined) break;
      expect(textOf(result)).toContain(`offset=${offset}`);
    }
    expect(seen.sort()).toEqual(sorted(truth));
  });

  it('every name of a large answer fits the 20,000-token budget', async () => {
    const result = await call('application_list', { answer: 'names' });
    expect(namesOf(result)).toEqual(sorted(truth));
    expect(countTokens(textOf(result))).toBeLessThanOrEqual(20_000);
  });
});

describe('fleet filters on the read workflows and on applicationset_list', () => {
  it('health_report reports on the matching apps only, and names them all on request', async () => {
    const keep = (a: App) => a.spec.project === 'checkout' && a.status.health?.status === 'Degraded';
    const report = first<{ total: number; matched: number; byHealth: Record<string, number> }>(await call('health_report', { project: 'checkout', healthStatus: 'Degraded' }));
    expect(report.matched).toBe(truth.filter(keep).length);
    expect(report.byHealth).toEqual({ Degraded: report.matched });
    const names = await call('health_report', { project: 'checkout', healthStatus: 'Degraded', answer: 'names' });
    expect(namesOf(names)).toEqual(sorted(truth.filter(keep)));
  });

  it('find_app lists every match with answer "names", past its row limit, and counts by cluster', async () => {
    const keep = (a: App) => a.metadata.name.includes('checkout') && a.status.sync?.status === 'OutOfSync';
    const rows = first<{ matched: number; applications: unknown[] }>(await call('find_app', { query: 'checkout', syncStatus: 'OutOfSync' }));
    expect(rows.matched).toBe(truth.filter(keep).length);
    expect(rows.applications).toHaveLength(20);
    expect(namesOf(await call('find_app', { query: 'checkout', syncStatus: 'OutOfSync', answer: 'names' }))).toEqual(sorted(truth.filter(keep)));
    const counts = first<{ counts: Record<string, number> }>(await call('find_app', { query: 'checkout', syncStatus: 'OutOfSync', answer: 'counts', groupBy: 'cluster' }));
    expect(Object.values(counts.counts).reduce((s, n) => s + n, 0)).toBe(rows.matched);
  });

  it('applicationset_list filters on the template and its conditions', async () => {
    const sets = (await (await fetch(`${sim.url}/api/v1/applicationsets`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } })).json()) as {
      items: Array<{ metadata: { name: string }; spec: { template: { spec: { project: string } } }; status?: { conditions?: Array<{ type: string; status: string }> } }>;
    };
    expect(sets.items.length).toBeGreaterThan(0);
    const all = await call('applicationset_list', { answer: 'names' });
    expect(namesOf(all)).toEqual(sets.items.map((s) => s.metadata.name).sort());
    const holding = sets.items.filter((s) => (s.status?.conditions ?? []).some((c) => c.type === 'ParametersGenerated' && c.status === 'True'));
    expect(namesOf(await call('applicationset_list', { condition: 'ParametersGenerated', answer: 'names' }))).toEqual(holding.map((s) => s.metadata.name).sort());
    const named = sets.items[0].metadata.name;
    const summary = first<{ total: number; matched: number; items: Array<{ metadata: { name: string }; spec?: { template?: { spec?: { project?: string } } } }> }>(
      await call('applicationset_list', { nameMatch: named }),
    );
    expect(summary).toEqual(expect.objectContaining({ total: sets.items.length, matched: sets.items.filter((s) => s.metadata.name.includes(named)).length }));
    expect(summary.items[0].spec?.template?.spec?.project).toBe(sets.items[0].spec.template.spec.project);
    const byProject = first<{ counts: Record<string, number> }>(await call('applicationset_list', { answer: 'counts', groupBy: 'project' }));
    expect(Object.values(byProject.counts).reduce((s, n) => s + n, 0)).toBe(sets.items.length);
  });
});

describe('under project scoping', () => {
  it('names and counts only what the scope lets the caller see', async () => {
    const configFile = path.join(dir, 'scoped.yaml');
    writeFileSync(configFile, `url: ${sim.url}\nadaptToServer: false\ngitopsChecks: off\nreadOnly: true\nprojects: [payments, identity]\n`);
    const config = loadConfig({ flags: { config: configFile }, env: { ARGOCD_API_TOKEN: sim.tokens.admin } });
    const { gateway } = buildGateway(config, createLogger('silent'));
    const inScope = (a: App) => ['payments', 'identity'].includes(a.spec.project) && a.status.sync?.status === 'OutOfSync';
    const names = await gateway.callTool('application_list', { syncStatus: 'OutOfSync', answer: 'names' });
    expect(names.isError, textOf(names as CallToolResult)).toBeFalsy();
    expect(namesOf(names as CallToolResult)).toEqual(sorted(truth.filter(inScope)));
    const counts = first<{ counts: Record<string, number> }>((await gateway.callTool('application_list', { syncStatus: 'OutOfSync', answer: 'counts', groupBy: 'project' })) as CallToolResult);
    expect(Object.keys(counts.counts).sort()).toEqual(['identity', 'payments'].filter((p) => truth.some((a) => inScope(a) && a.spec.project === p)));
  });
});

describe('the audit', () => {
  it('records a fleet call with its filters, and the list it made', async () => {
    await call('application_list', { nameMatch: 'audited-*', answer: 'counts' });
    const lines = readFileSync(path.join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tool: string; args: Record<string, unknown>; outcome: string });
    const outer = [...lines].reverse().find((l) => l.args.nameMatch === 'audited-*');
    expect(outer).toEqual(expect.objectContaining({ tool: 'application_list', outcome: 'ok' }));
    expect(lines.some((l) => l.tool === 'application_list' && Array.isArray(l.args.fields))).toBe(true);
  });
});

describe('bad fleet arguments', () => {
  it('names the allowed values and the likely one, sending nothing', async () => {
    const before = sim.requests.length;
    const result = await call('application_list', { syncStatus: 'outofsync', healthStatus: 'Broken', answer: 'list' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('syncStatus: "outofsync" is not one of Synced, OutOfSync, Unknown (did you mean OutOfSync?)');
    expect(textOf(result)).toContain('healthStatus: "Broken" is not one of Healthy, Progressing, Degraded, Suspended, Missing, Unknown');
    expect(textOf(result)).toContain('answer: "list" is not one of names, summary, counts');
    expect(sim.requests.length).toBe(before);
  });

  it('refuses a bad value on a workflow too, naming the allowed ones', async () => {
    const result = await call('health_report', { operationPhase: 'Suceeded' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('operationPhase: "Suceeded" is not one of Running, Terminating, Failed, Error, Succeeded (did you mean Succeeded?)');
    expect(textOf(await call('application_list', { condition: 'SyncErorr', answer: 'names' }))).toContain('(did you mean SyncError?)');
  });

  it('refuses groupBy without counts, and a filter with a JMESPath query', async () => {
    expect(textOf(await call('application_list', { groupBy: 'project' }))).toContain('groupBy: applies to answer "counts" only');
    expect(textOf(await call('application_list', { syncStatus: 'Synced', query: 'items[0]' }))).toContain('query: does not combine');
  });

  it('advertises the filters on the fleet tools only', async () => {
    const { tools } = await client.listTools();
    const props = (n: string) => Object.keys((tools.find((t) => t.name === n)!.inputSchema.properties ?? {}) as object);
    expect(props('application_list')).toEqual(expect.arrayContaining(['syncStatus', 'healthStatus', 'cluster', 'nameMatch', 'answer', 'groupBy']));
    expect(props('applicationset_list')).toEqual(expect.arrayContaining(['cluster', 'answer']));
    expect(props('applicationset_list')).not.toContain('syncStatus');
    expect(props('cluster_list')).not.toContain('answer');
  });
});
