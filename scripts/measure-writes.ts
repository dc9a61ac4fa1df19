/**
 * `npx tsx scripts/measure-writes.ts`: tokens (o200k, as src/shaping/cap.ts counts them) of what writes and
 * application_get answer, over the simulator's seeded fleet (APPS, default 50): Argo CD's answer (raw), the answer
 * shaped as before receipts and digests (shapeResult: stripped and condensed), and the answer now (a receipt, a
 * digest). Each application write runs once on every application it applies to, each kind on a freshly seeded
 * simulator, so the figures are medians and maxima over the fleet. The figures in docs/receipts.md come from it.
 */
import { startSimulator } from 'argocd-simulator';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createGateway } from '../src/gateway/gateway.ts';
import type { Gateway } from '../src/gateway/gateway.ts';
import { compileAllowlist } from '../src/policy/allowlist.ts';
import { createUpstream } from '../src/argocd/upstream.ts';
import { createLogger } from '../src/log.ts';
import { countTokens } from '../src/shaping/cap.ts';
import { loadCatalogue } from '../src/catalogue/load-catalogue.ts';
import { shapeResult } from '../src/shaping/shape.ts';
import { shapeAnswer } from '../src/shaping/queried.ts';

type Json = Record<string, any>;
const appCount = Number(process.env.APPS ?? 50);
const tools = new Map(loadCatalogue().tools.map((t) => [t.name, t]));
const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;

async function fleet(): Promise<{ gateway: Gateway; apps: Json[]; close: () => Promise<void> }> {
  // A long sync keeps an operation running for terminate; the pickup is quick so it has started.
  const sim = await startSimulator({ appCount, syncDurationMs: 60_000, pickupDelayMs: 10 });
  const gateway = createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
    upstream: createUpstream({ baseUrl: sim.url, token: () => sim.tokens.admin, timeoutMs: 10_000, userAgent: 'measure' }),
    logger: createLogger('silent'),
    confirm: 'never',
    gitopsChecks: 'off',
  });
  const names = JSON.parse(text(await gateway.callTool('application_list', { query: 'items[].metadata.name' }))) as string[];
  const apps: Json[] = [];
  for (const name of names) apps.push(JSON.parse(text(await gateway.callTool('application_get', { name, raw: true }))));
  return { gateway, apps, close: () => sim.close() };
}

/** Tokens of one answer: Argo CD's, shaped as before (shapeResult), and as now (receipt, digest). */
async function measure(tool: string, answer: unknown, args: Json): Promise<[number, number, number]> {
  const t = tools.get(tool)!;
  const now = shapeAnswer(t, answer, { request: { args } }, undefined);
  if (!now.ok) throw new Error(now.message);
  return [await countTokens(JSON.stringify(answer)), await countTokens(JSON.stringify(shapeResult(t, answer, {}).data)), await countTokens(JSON.stringify(now.shaped.data))];
}

const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const max = (v: number[]) => Math.max(...v);
const row = (label: string, m: Array<[number, number, number]>) =>
  `| ${label} | ${m.length} | ${median(m.map((x) => x[0]))} / ${max(m.map((x) => x[0]))} | ${median(m.map((x) => x[1]))} / ${max(m.map((x) => x[1]))} | ${median(m.map((x) => x[2]))} / ${max(m.map((x) => x[2]))} |`;

const manual = (a: Json) => !a.spec.syncPolicy?.automated && a.spec.source && (a.status.history?.length ?? 0) >= 2 && !a.operation;
const withRevision = (spec: Json) => ({ ...spec, source: { ...spec.source, targetRevision: 'v9.9.9' } });

/** One application write: which apps it applies to, and its arguments for one. */
const APP_WRITES: Array<[string, (a: Json) => boolean, (a: Json) => Json]> = [
  ['application_sync', () => true, (a) => ({ name: a.metadata.name })],
  ['application_rollback', manual, (a) => ({ name: a.metadata.name, id: a.status.history.at(-2).id })],
  ['application_patch', (a) => !!a.spec.source, (a) => ({ name: a.metadata.name, patchType: 'merge', patch: JSON.stringify({ spec: { source: { targetRevision: 'v9.9.9' } } }) })],
  ['application_update_spec', (a) => !!a.spec.source, (a) => ({ name: a.metadata.name, spec: withRevision(a.spec) })],
  ['application_update', (a) => !!a.spec.source, (a) => ({ application: { metadata: { name: a.metadata.name, namespace: a.metadata.namespace, labels: a.metadata.labels, annotations: a.metadata.annotations }, spec: withRevision(a.spec) } })],
  ['application_create', () => true, (a) => ({ application: { metadata: { name: `${a.metadata.name}-copy`, namespace: a.metadata.namespace }, spec: a.spec } })],
  ['application_delete', () => true, (a) => ({ name: a.metadata.name })],
];

const lines = ['| write | answers | raw (median / max) | shaped before | receipt now |', '|---|---:|---:|---:|---:|'];
{
  const { apps, close } = await fleet();
  lines.push(row('application_get (digest)', await Promise.all(apps.map((a) => measure('application_get', a, { name: a.metadata.name })))));
  await close();
}
for (const [tool, applies, argsOf] of APP_WRITES) {
  const { gateway, apps, close } = await fleet();
  const measured: Array<[number, number, number]> = [];
  for (const app of apps.filter(applies)) {
    const args = argsOf(app);
    const got = await gateway.callTool(tool, { ...args, raw: true });
    if (got.isError) throw new Error(`${tool} ${app.metadata.name}: ${text(got)}`);
    measured.push(await measure(tool, JSON.parse(text(got)), args));
  }
  lines.push(row(tool, measured));
  await close();
}
{
  const { gateway, apps, close } = await fleet();
  const running = apps.filter(manual).slice(0, 5);
  for (const a of running) await gateway.callTool('application_sync', { name: a.metadata.name });
  const measured: Array<[number, number, number]> = [];
  for (const a of running) {
    const state = async () => JSON.parse(text(await gateway.callTool('application_get', { name: a.metadata.name, query: 'status.operationState.phase' })));
    while ((await state()) !== 'Running') await new Promise((r) => setTimeout(r, 20));
    const args = { name: a.metadata.name };
    measured.push(await measure('application_terminate_operation', JSON.parse(text(await gateway.callTool('application_terminate_operation', { ...args, raw: true }))), args));
  }
  lines.push(row('application_terminate_operation', measured));
  const others: Array<[string, Json]> = [
    ['project_create', { project: { metadata: { name: 'measure' }, spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }] } } }],
    ['repository_create', { repository: { repo: 'https://github.com/acme/measure.git', type: 'git' } }],
    ['cluster_create', { cluster: { server: 'https://measure.example.com', name: 'measure', config: { bearerToken: 'not-a-real-token' } } }],
  ];
  for (const [tool, args] of others) {
    const got = await gateway.callTool(tool, { ...args, raw: true });
    if (got.isError) throw new Error(`${tool}: ${text(got)}`);
    lines.push(row(tool, [await measure(tool, JSON.parse(text(got)), args)]));
  }
  await close();
}
process.stdout.write(`${lines.join('\n')}\n`);
