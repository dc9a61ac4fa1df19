/**
 * `npx tsx scripts/measure-writes.ts`: the tokens (o200k, src/shaping/cap.ts) of what each write answers and of
 * application_get over the simulator's seeded fleet (median and max), through a gateway as configured by default.
 * The figures in docs/receipts.md come from it.
 */
import { startSimulator } from 'argocd-simulator';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createGateway } from '../src/gateway/gateway.ts';
import { compileAllowlist } from '../src/policy/allowlist.ts';
import { createUpstream } from '../src/argocd/upstream.ts';
import { createLogger } from '../src/log.ts';
import { countTokens } from '../src/shaping/cap.ts';
import { loadCatalogue } from '../src/catalogue/load-catalogue.ts';
import { shapeResult } from '../src/shaping/shape.ts';
import { shapeAnswer } from '../src/shaping/queried.ts';

const appCount = Number(process.env.APPS ?? 50);
// A long sync keeps an operation running for terminate; the pickup is quick so it has started.
const sim = await startSimulator({ appCount, syncDurationMs: 60_000, pickupDelayMs: 10 });
const gateway = createGateway({
  allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
  upstream: createUpstream({ baseUrl: sim.url, token: () => sim.tokens.admin, timeoutMs: 10_000, userAgent: 'measure' }),
  logger: createLogger('silent'),
  confirm: 'never',
  gitopsChecks: 'off',
});
const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;
const tokensOf = async (r: CallToolResult) => (r.isError ? Number.NaN : countTokens(text(r)));

interface App {
  metadata: { name: string };
  spec: { syncPolicy?: { automated?: unknown }; source?: { targetRevision?: string } };
  status: { history?: Array<{ id: number }> };
}
const names = JSON.parse(text(await gateway.callTool('application_list', { query: 'items[].metadata.name' }))) as string[];
const apps: App[] = [];
for (const name of names) apps.push(JSON.parse(text(await gateway.callTool('application_get', { name, raw: true }))));
const tools = new Map(loadCatalogue().tools.map((t) => [t.name, t]));
/** Tokens of one answer: Argo CD's (raw), shaped as before receipts and digests (shapeResult), and as now. */
async function measure(tool: string, answer: unknown, args: Record<string, unknown>): Promise<[number, number, number]> {
  const t = tools.get(tool)!;
  const now = shapeAnswer(t, answer, { request: { args } }, undefined);
  if (!now.ok) throw new Error(now.message);
  return [await countTokens(JSON.stringify(answer)), await countTokens(JSON.stringify(shapeResult(t, answer, {}).data)), await countTokens(JSON.stringify(now.shaped.data))];
}
const stats = (v: number[]) => {
  const s = [...v].sort((x, y) => x - y);
  return `median ${s[Math.floor(s.length / 2)]}, max ${s.at(-1)}`;
};
const gets = await Promise.all(apps.map((a) => measure('application_get', a, { name: a.metadata.name })));
process.stdout.write(`application_get over ${apps.length} apps: raw ${stats(gets.map((g) => g[0]))}; shaped before ${stats(gets.map((g) => g[1]))}; digest ${stats(gets.map((g) => g[2]))}\n`);
const viaGateway = await Promise.all(apps.map(async (a) => tokensOf(await gateway.callTool('application_get', { name: a.metadata.name }))));
process.stdout.write(`application_get through the gateway: ${stats(viaGateway)}\n`);

const manual = apps.filter((a) => !a.spec.syncPolicy?.automated && (a.status.history?.length ?? 0) >= 2 && a.spec.source);
const [syncApp, rollbackApp, patchApp, specApp, updateApp, deleteApp, terminateApp] = manual;
const full = async (name: string) => JSON.parse(text(await gateway.callTool('application_get', { name, raw: true })));
const updated = await full(updateApp.metadata.name);
const spec = (await full(specApp.metadata.name)).spec;
const created = structuredClone(updated);
created.metadata = { name: 'measure-new', namespace: updated.metadata.namespace };
delete created.status;
await gateway.callTool('application_sync', { name: terminateApp.metadata.name });
for (let i = 0; i < 200 && !(await full(terminateApp.metadata.name)).status?.operationState; i++) await new Promise((r) => setTimeout(r, 25));

const writes: Array<[string, Record<string, unknown>]> = [
  ['application_sync', { name: syncApp.metadata.name }],
  ['application_rollback', { name: rollbackApp.metadata.name, id: rollbackApp.status.history!.at(-2)!.id }],
  ['application_terminate_operation', { name: terminateApp.metadata.name }],
  ['application_patch', { name: patchApp.metadata.name, patchType: 'merge', patch: JSON.stringify({ spec: { source: { targetRevision: 'v9.9.9' } } }) }],
  ['application_update_spec', { name: specApp.metadata.name, spec: { ...spec, source: { ...spec.source, targetRevision: 'v9.9.9' } } }],
  ['application_update', { application: { ...updated, spec: { ...updated.spec, source: { ...updated.spec.source, targetRevision: 'v9.9.9' } } } }],
  ['application_create', { application: created }],
  ['application_delete', { name: deleteApp.metadata.name }],
  ['project_create', { project: { metadata: { name: 'measure' }, spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }] } } }],
  ['repository_create', { repository: { repo: 'https://github.com/acme/measure.git', type: 'git' } }],
  ['cluster_create', { cluster: { server: 'https://measure.example.com', name: 'measure', config: { bearerToken: 'not-a-real-token' } } }],
];
process.stdout.write('| write | raw | before | receipt |\n|---|---:|---:|---:|\n');
for (const [tool, args] of writes) {
  const got = await gateway.callTool(tool, { ...args, raw: true });
  if (got.isError) throw new Error(`${tool}: ${text(got)}`);
  const [raw, before, after] = await measure(tool, JSON.parse(text(got)), args);
  process.stdout.write(`| ${tool} | ${raw} | ${before} | ${after} |\n`);
}
await sim.close();
