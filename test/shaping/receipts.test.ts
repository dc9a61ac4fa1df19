/**
 * Writes answer with a receipt (src/shaping/receipts.ts) and application_get with a digest (src/shaping/app-digest.ts):
 * each within its token budget, each with the facts it owes, and `raw`, `fields` and `query` still answering exactly
 * what they ask for. Argo CD here is the simulator on 127.0.0.1, through an in-process gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { countTokens } from '../../src/shaping/cap.ts';
import { OPERATION_QUERY, receiptFor } from '../../src/shaping/receipts.ts';
import { DIGEST_LIMITS, digestApplication } from '../../src/shaping/app-digest.ts';
import { gatewayFor, resultText } from '../helpers/gateway.ts';
import type { Gateway } from '../../src/gateway/gateway.ts';

type Json = Record<string, any>;

const RECEIPT_TOKENS = 300;
const DIGEST_TOKENS = 1500;

let sim: Simulator;
let gw: Gateway;
let apps: Json[];

const parsed = (r: CallToolResult): Json => {
  expect(r.isError, resultText(r)).toBeFalsy();
  return JSON.parse(resultText(r)) as Json;
};
const raw = async (name: string): Promise<Json> => parsed(await gw.callTool('application_get', { name, raw: true }));
const short = (rev: string) => rev.slice(0, 8);

/** Apps a test may change without another test seeing it: manual sync, one source, at least two deployments. */
function freshApps(count: number): Json[] {
  const picked = apps.splice(0, count);
  if (picked.length < count) throw new Error('the seeded fleet has too few manual single-source apps for these tests');
  return picked;
}

async function receiptOf(tool: string, args: Json): Promise<{ receipt: Json; tokens: number }> {
  const result = await gw.callTool(tool, args);
  const receipt = parsed(result);
  return { receipt, tokens: await countTokens(resultText(result)) };
}

beforeAll(async () => {
  // A long sync keeps an operation running for the terminate case; the controller picks operations up quickly.
  sim = await startSimulator({ appCount: 50, syncDurationMs: 30_000, pickupDelayMs: { minMs: 5, maxMs: 20 } });
  gw = gatewayFor(sim.url, { token: sim.tokens.admin });
  const names = parsed(await gw.callTool('application_list', { query: 'items[].metadata.name' })) as unknown as string[];
  const all = await Promise.all(names.map(raw));
  apps = all.filter((a) => !a.spec.syncPolicy?.automated && a.spec.source && (a.status.history?.length ?? 0) >= 2 && !a.operation);
});

afterAll(async () => {
  await sim?.close();
});

describe('a write answers with a receipt of at most 300 tokens', () => {
  it('application_sync: the sync is requested (not run), deployed revision → target, resources, and how to watch it', async () => {
    const [app] = freshApps(1);
    const { receipt, tokens } = await receiptOf('application_sync', { name: app.metadata.name, prune: true });
    expect(tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(receipt).toMatchObject({
      application: app.metadata.name,
      project: app.spec.project,
      operation: { kind: 'sync', phase: 'Requested', prune: true },
      revision: { before: short(app.status.sync.revision) },
      resources: { managed: app.status.resources.length },
      next: { tool: 'application_get', arguments: { name: app.metadata.name, query: OPERATION_QUERY } },
    });
    expect(receipt.receipt).toMatch(/requested: Argo CD's controller runs it asynchronously; nothing has run yet/);
    // Argo CD recorded the operation it answers for: the receipt's target is the one it will sync to.
    const after = await raw(app.metadata.name);
    const requested = after.operation?.sync?.revision ?? after.status.operationState?.operation?.sync?.revision;
    expect(receipt.revision.after).toBe(short(requested));
  });

  it('application_rollback: the revision before and the history entry it goes back to', async () => {
    const [app] = freshApps(1);
    const target = app.status.history.at(-2);
    const { receipt, tokens } = await receiptOf('application_rollback', { name: app.metadata.name, id: target.id });
    expect(tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(receipt).toMatchObject({
      application: app.metadata.name,
      operation: { kind: 'rollback', phase: 'Requested' },
      revision: { before: short(app.status.sync.revision), after: short(target.revision) },
      next: { tool: 'application_get' },
    });
    expect(receipt.receipt).toContain(`Rollback to history id ${target.id}`);
  });

  it('application_terminate_operation: the termination is requested, watched with the same query', async () => {
    const [app] = freshApps(1);
    expect(parsed(await gw.callTool('application_sync', { name: app.metadata.name })).operation.phase).toBe('Requested');
    // Argo CD terminates only an operation its controller has picked up.
    const phase = async () => parsed(await gw.callTool('application_get', { name: app.metadata.name, query: OPERATION_QUERY })).phase;
    while ((await phase()) !== 'Running') await new Promise((r) => setTimeout(r, 20));
    const { receipt, tokens } = await receiptOf('application_terminate_operation', { name: app.metadata.name });
    expect(tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(receipt).toMatchObject({ application: app.metadata.name, operation: { kind: 'terminate', phase: 'Requested' }, next: { tool: 'application_get', arguments: { query: OPERATION_QUERY } } });
  });

  it('application_patch, application_update_spec, application_update: what changed, the new target revision, whether Argo CD deploys it', async () => {
    const [patched, specced, updated] = freshApps(3);
    const patch = await receiptOf('application_patch', { name: patched.metadata.name, patchType: 'merge', patch: JSON.stringify({ spec: { source: { targetRevision: 'v9.9.9' } } }) });
    expect(patch.tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(patch.receipt).toMatchObject({ application: patched.metadata.name, changed: ['/spec/source/targetRevision'], targetRevision: 'v9.9.9', syncPolicy: 'manual' });
    expect(patch.receipt.receipt).toMatch(/Auto-sync is off: nothing is deployed until a sync/);

    const spec = { ...specced.spec, source: { ...specced.spec.source, targetRevision: 'release-2' } };
    const replaced = await receiptOf('application_update_spec', { name: specced.metadata.name, spec });
    expect(replaced.tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(replaced.receipt).toMatchObject({ application: specced.metadata.name, changed: ['/spec'], targetRevision: 'release-2' });

    const app = { metadata: { name: updated.metadata.name, namespace: updated.metadata.namespace, labels: { ...updated.metadata.labels, owner: 'sre' } }, spec: { ...updated.spec, syncPolicy: { automated: { prune: false } } } };
    const update = await receiptOf('application_update', { application: app });
    expect(update.tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(update.receipt).toMatchObject({ application: updated.metadata.name, syncPolicy: 'automated', next: { tool: 'application_get', until: 'sync is Synced at the new revision' } });
    expect(update.receipt.receipt).toMatch(/Auto-sync is on: Argo CD deploys the change/);
    // What the receipt says is what Argo CD now has.
    expect((await raw(patched.metadata.name)).spec.source.targetRevision).toBe('v9.9.9');
    expect((await raw(updated.metadata.name)).metadata.labels.owner).toBe('sre');
  });

  it('application_create and application_delete: the object named, deletion requested with its cascade', async () => {
    const [template, doomed] = freshApps(2);
    const application = { metadata: { name: 'receipt-new', namespace: template.metadata.namespace }, spec: template.spec };
    const created = await receiptOf('application_create', { application });
    expect(created.tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(created.receipt).toMatchObject({ application: 'receipt-new', project: template.spec.project, targetRevision: template.spec.source.targetRevision ?? 'HEAD' });
    const deleted = await receiptOf('application_delete', { name: doomed.metadata.name, cascade: false });
    expect(deleted.tokens).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(deleted.receipt).toMatchObject({ application: doomed.metadata.name, operation: { kind: 'delete', phase: 'Requested', cascade: false }, next: { tool: 'application_get' } });
    expect(deleted.receipt.receipt).toMatch(/leaves its resources running/);
  });

  it.each([
    ['project_create', { project: { metadata: { name: 'receipts' }, spec: { sourceRepos: ['*'] } } }, { kind: 'AppProject', name: 'receipts', done: 'created', next: { tool: 'project_get', arguments: { name: 'receipts' } } }],
    ['repository_create', { repository: { repo: 'https://git.example.com/receipts.git', type: 'git', password: 'hunter2-receipts' } }, { kind: 'Repository', name: 'https://git.example.com/receipts.git', next: { tool: 'repository_get' } }],
    ['cluster_create', { cluster: { server: 'https://receipts.example.com', name: 'receipts', config: { bearerToken: 'receipts-bearer-token' } } }, { kind: 'Cluster', name: 'https://receipts.example.com', done: 'created', next: { tool: 'cluster_get', arguments: { idValue: 'https://receipts.example.com' } } }],
  ])('%s: the kind, the name, what happened and the tool that reads it', async (tool, args, want) => {
    const result = await gw.callTool(tool, args);
    const receipt = parsed(result);
    expect(await countTokens(resultText(result))).toBeLessThanOrEqual(RECEIPT_TOKENS);
    expect(receipt).toMatchObject(want);
    expect(resultText(result)).not.toMatch(/hunter2|receipts-bearer-token/);
  });

  it('names the instance, in the receipt and in the next call, when the gateway serves one of several', async () => {
    const [app] = freshApps(1);
    const prod = gatewayFor(sim.url, { token: sim.tokens.admin, instance: 'prod' });
    const receipt = parsed(await prod.callTool('application_sync', { name: app.metadata.name, dryRun: true }));
    expect(receipt).toMatchObject({ instance: 'prod', operation: { kind: 'sync', dryRun: true }, next: { arguments: { name: app.metadata.name, instance: 'prod' } } });
    expect(receipt.receipt).toMatch(/^A dry-run Sync .* A dry run changes nothing\.$/);
  });

  it('raw: true still returns the object Argo CD answered, untouched', async () => {
    const [app] = freshApps(1);
    const answer = parsed(await gw.callTool('application_sync', { name: app.metadata.name, raw: true }));
    expect(answer.receipt).toBeUndefined();
    expect(answer.metadata.name).toBe(app.metadata.name);
    expect(answer.metadata.managedFields).toEqual(app.metadata.managedFields);
    expect(answer.operation.sync).toBeDefined();
    expect(answer.status.resources).toHaveLength(app.status.resources.length);
  });
});

describe('application_get answers a digest by default', () => {
  it('fits 1,500 tokens for every application of the seeded fleet', async () => {
    const names = parsed(await gw.callTool('application_list', { query: 'items[].metadata.name' })) as unknown as string[];
    for (const name of names) {
      const text = resultText(await gw.callTool('application_get', { name }));
      expect(await countTokens(text), name).toBeLessThanOrEqual(DIGEST_TOKENS);
    }
  });

  it('keeps sync, health, images, sources, the last deployments and only the resources that need attention', async () => {
    const names = parsed(await gw.callTool('application_list', { query: "items[?status.sync.status=='OutOfSync' && length(status.history || `[]`) > `3`].metadata.name" })) as unknown as string[];
    const name = names[0];
    const whole = await raw(name);
    const digest = parsed(await gw.callTool('application_get', { name }));
    expect(digest.metadata.name).toBe(name);
    expect(digest.status.sync.status).toBe(whole.status.sync.status);
    expect(digest.status.health.status).toBe(whole.status.health.status);
    expect(digest.status.summary?.images).toEqual(whole.status.summary?.images);
    expect(digest.spec.source?.repoURL ?? digest.spec.sources?.[0]?.repoURL).toBe(whole.spec.source?.repoURL ?? whole.spec.sources?.[0]?.repoURL);
    expect(digest.status.history.map((h: Json) => h.id)).toEqual(whole.status.history.slice(-DIGEST_LIMITS.history).map((h: Json) => h.id));
    const attention = whole.status.resources.filter((r: Json) => r.status !== 'Synced' || (r.health && r.health.status !== 'Healthy'));
    expect(digest.status.resources.map((r: Json) => `${r.kind}/${r.name}`)).toEqual(attention.slice(0, DIGEST_LIMITS.resources).map((r: Json) => `${r.kind}/${r.name}`));
    expect(digest.status.resourceCounts.total).toBe(whole.status.resources.length);
    expect(digest.omitted).toMatch(/older deployments \(status\.history\).*raw: true give the rest/);
    expect(digest.metadata.managedFields).toBeUndefined();
  });

  it('an explicit fields, query or raw gets exactly what it asks for', async () => {
    const name = apps[0].metadata.name;
    const whole = await raw(name);
    expect(parsed(await gw.callTool('application_get', { name, fields: ['status.history'] }))).toEqual({ status: { history: whole.status.history } });
    expect(parsed(await gw.callTool('application_get', { name, fields: ['status.resources'] })).status.resources).toHaveLength(whole.status.resources.length);
    expect(parsed(await gw.callTool('application_get', { name, query: 'length(status.history)' }))).toBe(whole.status.history.length);
    expect(parsed(await gw.callTool('application_get', { name, query: 'status.resources[].name' }))).toEqual(whole.status.resources.map((r: Json) => r.name));
    expect(whole.metadata.managedFields).toBeDefined();
    expect(whole.omitted).toBeUndefined();
  });
});

describe('receiptFor, from the call and Argo CD\'s answer alone', () => {
  it.each([
    ['a merge patch: one RFC 6901 pointer per leaf it sets', { tool: 'application_patch', args: { name: 'web', patch: '{"metadata":{"labels":{"acme.io/team":"a"}},"spec":{"syncPolicy":null}}' } }, { spec: {} }, { changed: ['/metadata/labels/acme.io~1team', '/spec/syncPolicy'] }],
    ['a JSON patch: each operation and its path', { tool: 'application_patch', args: { name: 'web', patchType: 'json', patch: '[{"op":"replace","path":"/spec/source/targetRevision","value":"v2"}]' } }, { spec: { source: { targetRevision: 'v2' } } }, { changed: ['replace /spec/source/targetRevision'], targetRevision: 'v2' }],
    ['a multi-source spec: one target revision per source', { tool: 'application_update_spec', args: { name: 'web' } }, { sources: [{ targetRevision: 'v1' }, {}] }, { targetRevision: ['v1', 'HEAD'] }],
    ['GPG keys: how many were created', { tool: 'gpgkey_create', args: { publicKey: {} } }, { created: { items: [{ keyID: 'a' }, { keyID: 'b' }] } }, { kind: 'GnuPGPublicKey', name: '2 items', done: 'created' }],
    ['certificates: how many were added', { tool: 'certificate_create', args: {} }, { items: [{ serverName: 'git.example.com' }] }, { kind: 'RepositoryCertificate', name: '1 item', done: 'created' }],
    ['a project deleted: named from the arguments, nothing to read back', { tool: 'project_delete', args: { name: 'old' } }, {}, { kind: 'AppProject', name: 'old', done: 'deleted' }],
  ])('%s', (_label, call, answer, want) => {
    expect(receiptFor(call, answer)).toMatchObject(want);
  });

  it('gives no receipt for a dry-run create, whose answer is what it would create, nor for reads', () => {
    expect(receiptFor({ tool: 'applicationset_create', args: { dryRun: true } }, { metadata: { name: 'set' } })).toBeUndefined();
    expect(receiptFor({ tool: 'application_list', args: {} }, { items: [] })).toBeUndefined();
    expect(receiptFor({ tool: 'project_create_token', args: {} }, { token: 'x' })).toBeUndefined();
  });
});

describe('digestApplication, on its own', () => {
  it('keeps auto-sync on when Argo CD says so with an empty automated, and a requested operation with nothing else set', () => {
    const digest = digestApplication({ metadata: { name: 'web' }, spec: { syncPolicy: { automated: {} } }, operation: { sync: {} }, status: {} }) as Json;
    expect(digest.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: false });
    expect(digest.operation).toEqual({ requested: true });
    const manual = digestApplication({ metadata: { name: 'web' }, spec: { syncPolicy: {} }, status: {} }) as Json;
    expect(manual.spec?.syncPolicy).toBeUndefined();
  });

  it('counts what it leaves out of long lists', () => {
    const resources = Array.from({ length: 30 }, (_, i) => ({ kind: 'Deployment', name: `d${i}`, status: 'OutOfSync', health: { status: 'Degraded', message: 'crash' } }));
    const history = Array.from({ length: 8 }, (_, i) => ({ id: i, revision: 'a'.repeat(40) }));
    const digest = digestApplication({ metadata: { name: 'web' }, status: { resources, history } }) as Json;
    expect(digest.status.resources).toHaveLength(DIGEST_LIMITS.resources);
    expect(digest.status.resourceCounts).toEqual({ total: 30, sync: { OutOfSync: 30 }, health: { Degraded: 30 } });
    expect(digest.status.history.map((h: Json) => h.id)).toEqual([5, 6, 7]);
    expect(digest.omitted).toMatch(/^Digest\. Left out: 10 more resources that are not Synced or not Healthy; 5 older deployments \(status\.history\);/);
  });
});
