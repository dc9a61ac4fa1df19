/**
 * Fleet questions over two Argo CD instances (`instance: "*"`): two simulators from argocd-simulator/testing, the
 * gateway as buildGateway wires it, the MCP SDK client. Names group by instance, counts add up exactly, summary rows
 * carry the instance; each is checked against the simulators' own lists.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulators } from 'argocd-simulator/testing';
import type { SimulatorGroup } from 'argocd-simulator/testing';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import { unpackNames } from './expand-names.ts';

type App = { metadata: { name: string }; spec: { project: string }; status: { sync?: { status?: string }; health?: { status?: string } } };

let fleet: SimulatorGroup;
let client: Client;
const truth: Record<string, App[]> = {};
const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-fan-out-'));

beforeAll(async () => {
  fleet = await startSimulators([{ name: 'prod', seed: 1, appCount: 1500 }, { name: 'staging', seed: 2, appCount: 300 }]);
  for (const { name, sim } of fleet.instances) {
    const answer = await fetch(`${sim.url}/api/v1/applications`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
    truth[name] = ((await answer.json()) as { items: App[] }).items;
  }
  const configFile = path.join(dir, 'gateway.yaml');
  const entries = fleet.instances.map(({ name, sim }) => `  - name: ${name}\n    url: ${sim.url}\n    token: ${sim.tokens.admin}\n    allow: ["*"]\n`).join('');
  writeFileSync(configFile, `adaptToServer: false\ngitopsChecks: off\ninstances:\n${entries}`);
  const config = loadConfig({ flags: { config: configFile }, env: {} });
  const { gateway, version } = buildGateway(config, createLogger('silent'));
  const server = createMcpServer(gateway, version, 'static');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'fleet-fan-out', version: '1.0.0' });
  await client.connect(clientSide);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await fleet?.close();
});

const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
const first = <T = Record<string, unknown>>(r: CallToolResult) => JSON.parse((r.content[0] as { text: string }).text) as T;
const outOfSync = (name: string) => truth[name].filter((a) => a.status.sync?.status === 'OutOfSync');

describe('fleet questions on every instance', () => {
  it('names group by instance, each exactly that instance\'s matching apps', async () => {
    const result = await call('application_list', { instance: '*', syncStatus: 'OutOfSync', answer: 'names' });
    expect(result.isError, textOf(result)).toBeFalsy();
    const value = first<{ total: number; matched: number; names: Record<string, Record<string, string>> }>(result);
    expect(Object.keys(value.names).sort()).toEqual(['prod', 'staging']);
    for (const name of ['prod', 'staging']) expect(unpackNames(value.names[name]).sort()).toEqual(outOfSync(name).map((a) => a.metadata.name).sort());
    expect(value.matched).toBe(outOfSync('prod').length + outOfSync('staging').length);
    expect(value.total).toBe(truth.prod.length + truth.staging.length);
  });

  it('counts add up across instances, and group by instance on request', async () => {
    const byHealth = first<{ counts: Record<string, number> }>(await call('application_list', { instance: '*', answer: 'counts', groupBy: 'health' }));
    const want: Record<string, number> = {};
    for (const a of [...truth.prod, ...truth.staging]) want[a.status.health?.status ?? 'Unknown'] = (want[a.status.health?.status ?? 'Unknown'] ?? 0) + 1;
    expect(byHealth.counts).toEqual(want);
    const byInstance = first<{ counts: Record<string, number> }>(await call('application_list', { instance: '*', syncStatus: 'OutOfSync', answer: 'counts', groupBy: 'instance' }));
    expect(byInstance.counts).toEqual({ prod: outOfSync('prod').length, staging: outOfSync('staging').length });
  });

  it('summary rows carry the instance, with the matched total', async () => {
    const result = await call('application_list', { instance: '*', healthStatus: 'Missing' });
    const value = first<{ columns: string[]; items: unknown[][]; matched: number }>(result);
    expect(value.columns[0]).toBe('instance');
    const missing = (n: string) => truth[n].filter((a) => a.status.health?.status === 'Missing').length;
    expect(value.matched).toBe(missing('prod') + missing('staging'));
    expect(value.items.filter((r) => r[0] === 'staging')).toHaveLength(missing('staging'));
  });

  it('health_report counts by instance as well', async () => {
    const value = first<{ counts: Record<string, number> }>(await call('health_report', { instance: '*', healthStatus: 'Degraded', answer: 'counts', groupBy: 'instance' }));
    const degraded = (n: string) => truth[n].filter((a) => a.status.health?.status === 'Degraded').length;
    expect(value.counts).toEqual({ prod: degraded('prod'), staging: degraded('staging') });
  });
});
