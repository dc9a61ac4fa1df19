/**
 * The figures of docs/fleet.md: the five fleet questions asked of a simulated fleet through the real gateway and MCP
 * client (as Claude Code, whose budget is 20,000 tokens), each answer's size counted in o200k tokens.
 *   npx tsx scripts/fleet-figures.ts 1500
 *   npx tsx scripts/fleet-figures.ts 10000     (seeding takes ~40 s and ~1 GB)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { startSimulator } from 'argocd-simulator';
import { buildGateway } from '../src/compose/build-gateway.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/log.ts';
import { createMcpServer } from '../src/mcp/server.ts';

const appCount = Number(process.argv[2] ?? 1500);
const sim = await startSimulator({ appCount, seed: 3 });
const dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-figures-'));
const configFile = path.join(dir, 'gateway.yaml');
writeFileSync(configFile, `url: ${sim.url}\nadaptToServer: false\ngitopsChecks: off\nreadOnly: true\n`);
const config = loadConfig({ flags: { config: configFile }, env: { ARGOCD_API_TOKEN: sim.tokens.admin } });
const { gateway, version } = buildGateway(config, createLogger('silent'));
const server = createMcpServer(gateway, version, 'static');
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
const client = new Client({ name: 'claude-code', version: '1.0.0' });
await client.connect(clientSide);

const questions: Array<[string, Record<string, unknown>]> = [
  ['OutOfSync', { syncStatus: 'OutOfSync' }],
  ['Degraded', { healthStatus: 'Degraded' }],
  ['in project checkout', { projects: ['checkout'] }],
  ['on cluster prod-euw1-01', { cluster: 'prod-euw1-01' }],
  ['named like *-cache-*', { nameMatch: '*-cache-*' }],
];
const rows: string[] = ['| question | matched | names: tokens (complete?) | counts by project: tokens | summary: tokens (rows shown) |', '|---|---|---|---|---|'];
for (const [what, filter] of questions) {
  const ask = async (extra: Record<string, unknown>) => (await client.callTool({ name: 'application_list', arguments: { ...filter, ...extra } })) as CallToolResult;
  const tokens = (r: CallToolResult) => countTokens((r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n'));
  const value = (r: CallToolResult) => JSON.parse((r.content[0] as { text: string }).text) as { matched: number; shown?: number; items?: unknown[] };
  const [names, counts, summary] = [await ask({ answer: 'names' }), await ask({ answer: 'counts', groupBy: 'project' }), await ask({})];
  const n = value(names);
  rows.push(`| ${what} | ${n.matched} | ${tokens(names)} (${n.shown === undefined ? 'all' : `${n.shown} shown`}) | ${tokens(counts)} | ${tokens(summary)} (${value(summary).items?.length}) |`);
}
console.log(`${appCount} applications, seed 3:\n${rows.join('\n')}`);
await client.close();
await sim.close();
