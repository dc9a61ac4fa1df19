/**
 * Argo CD's operation semantics end to end: the workflow tools over stdio with the real SDK client, against the
 * simulator's asynchronous controller (SetAppOperation, a pickup delay, a later reconcile). Each case names what
 * `argocd app sync` / `argocd app wait` would do.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, call, json, startSimulator, stdioGateway, textOf } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

// Confirmation is not what these tests are about (test/e2e/confirmation.test.ts is): the gateway does not ask.
const WRITES = { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never' };

interface Result {
  summary: string;
  phase: string;
  sync?: string;
  health?: string;
  seconds: number;
  dryRun?: boolean;
  timedOut?: boolean;
  waitingOn?: string;
  degraded?: boolean;
  failedResources: Array<{ kind?: string; name?: string; message?: string }>;
}

/** The JSON of a result, error or not (the harness's json() refuses error results). */
function body<T>(result: CallToolResult): T {
  return JSON.parse((result.content[0] as { text: string }).text) as T;
}

/** The simulator's own view of an app (not through the gateway). */
async function simApp(sim: Simulator, name: string): Promise<any> {
  const res = await fetch(`${sim.url}/api/v1/applications/${name}`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
  return res.json();
}

async function simPut(sim: Simulator, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${sim.tokens.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function setWindows(sim: Simulator, project: string, windows: unknown[]): Promise<void> {
  const res = await fetch(`${sim.url}/api/v1/projects/${project}`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
  const proj = (await res.json()) as { spec: Record<string, unknown> };
  proj.spec.syncWindows = windows;
  await simPut(sim, `/api/v1/projects/${project}`, { project: proj });
}

async function until<T>(fn: () => Promise<T | false | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sync_and_wait against an asynchronous controller', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300, reconcileDelayMs: { minMs: 20, maxMs: 100 } });
    gw = await stdioGateway(baseEnv(sim, WRITES));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it.each([
    ['0 ms', 0, 'payments-worker'],
    ['50 ms', 50, 'billing-service'],
    ['2 s', 2000, 'invoicing-api'],
  ])('waits for an operation picked up after %s, then reports the refreshed sync and health', async (_label, delay, app) => {
    expect((await simApp(sim, app)).status.sync.status).toBe('OutOfSync');
    sim.controller.setPickupDelay(delay, app);
    const result = await call(gw.client, 'sync_and_wait', { name: app, timeoutSeconds: 60 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = body<Result>(result);
    expect(out.phase).toBe('Succeeded');
    expect(out.sync).toBe('Synced');
    expect(out.health).toBe('Healthy');
    if (delay >= 2000) expect(out.seconds).toBeGreaterThanOrEqual(2);
    const after = await simApp(sim, app);
    expect(after.operation).toBeUndefined();
    expect(after.status.history.at(-1).revision).toBe(after.status.sync.revision);
  });

  it('cancelled before the controller picked the operation up, terminateOnCancel waits for the pickup and terminates it', async () => {
    sim.controller.setPickupDelay(1500, 'cart-service');
    const controller = new AbortController();
    const pending = gw.client.callTool({ name: 'sync_and_wait', arguments: { name: 'cart-service', terminateOnCancel: true, timeoutSeconds: 60 } }, undefined, { signal: controller.signal });
    await until(async () => (await simApp(sim, 'cart-service')).operation);
    expect((await simApp(sim, 'cart-service')).status.operationState).toBeUndefined();
    controller.abort('stop');
    await expect(pending).rejects.toThrow();
    await until(() => Promise.resolve(sim.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/applications/cart-service/operation'))));
    const ended = await until(async () => {
      const a = await simApp(sim, 'cart-service');
      return a.status.operationState?.finishedAt && a;
    });
    expect(ended.status.operationState).toMatchObject({ phase: 'Failed', message: 'Operation terminated' });
  });

  it('an operation never picked up times out, and the summary says the controller has not picked it up', async () => {
    sim.controller.setPickupDelay('never', 'payment-methods-api');
    const result = await call(gw.client, 'sync_and_wait', { name: 'payment-methods-api', timeoutSeconds: 5 });
    expect(result.isError).toBe(true);
    const out = body<Result>(result);
    expect(out.timedOut).toBe(true);
    expect(out.summary).toMatch(/timed out after [\d.]+ s waiting for operation \+ health/);
    expect(out.summary).toContain('has not picked it up');
    // The previous run's Succeeded operationState was cleared by the request and is never reported as this one's.
    expect(out.phase).toBe('Pending');
    sim.controller.setPickupDelay(0, 'payment-methods-api');
  });

  it('a late reconcile is waited for: sync is not reported from before the operation (no stale OutOfSync or Healthy)', async () => {
    sim.controller.setReconcileDelay(2500, 'admin-dashboard');
    const result = await call(gw.client, 'sync_and_wait', { name: 'admin-dashboard', timeoutSeconds: 60 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = body<Result>(result);
    expect(out.sync).toBe('Synced');
    expect(out.seconds).toBeGreaterThanOrEqual(2.5);
  });

  it('an app that ends Degraded after a late reconcile is an error result, never the stale Healthy', async () => {
    expect((await simApp(sim, 'storefront-bff')).status.health.status).toBe('Healthy');
    sim.controller.setReconcileDelay(1500, 'storefront-bff');
    sim.controller.setNextOutcome('storefront-bff', { health: 'Degraded', message: 'Deployment "storefront-bff" exceeded its progress deadline' });
    const result = await call(gw.client, 'sync_and_wait', { name: 'storefront-bff', timeoutSeconds: 60 });
    expect(result.isError).toBe(true);
    const out = body<Result>(result);
    expect(out.phase).toBe('Succeeded');
    expect(out.health).toBe('Degraded');
    expect(out.degraded).toBe(true);
    expect(out.summary).toContain('went Degraded');
    expect(out.summary).toContain('exceeded its progress deadline');
  });

  it('a rollout still Progressing at the deadline: the timeout summary names the resource and why', async () => {
    sim.controller.setNextOutcome('helm-guestbook', { health: 'Progressing' });
    const result = await call(gw.client, 'sync_and_wait', { name: 'helm-guestbook', timeoutSeconds: 6 });
    expect(result.isError).toBe(true);
    const out = body<Result>(result);
    expect(out).toMatchObject({ timedOut: true, phase: 'Succeeded', health: 'Progressing' });
    expect(out.summary).toMatch(/waiting for operation \+ health: health is Progressing; Deployment\/[\w-]+\/[\w-]+ Progressing \(Waiting for rollout to finish/);
  });

  it('waitFor [operation] ends once the operation finished and the app was reconciled, whatever the health', async () => {
    // helm-guestbook's rollout is still Progressing (the case above): an operation-only wait does not care.
    const result = await call(gw.client, 'sync_and_wait', { name: 'helm-guestbook', waitFor: ['operation'], timeoutSeconds: 60 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = body<Result & { waitFor: string[] }>(result);
    expect(out.waitFor).toEqual(['operation']);
    expect(out.sync).toBe('Synced');
  });

  it('follows a dry run and reports its result; a failing dry run is an error and changes nothing', async () => {
    const before = await simApp(sim, 'feature-flags-ui');
    const ok = await call(gw.client, 'sync_and_wait', { name: 'feature-flags-ui', dryRun: true, timeoutSeconds: 60 });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(body<Result>(ok)).toMatchObject({ phase: 'Succeeded', dryRun: true });
    expect(body<Result>(ok).summary).toContain('dry run Succeeded');
    sim.failSync('feature-flags-ui', 'admission webhook "policy.acme.io" denied the request');
    const failed = await call(gw.client, 'sync_and_wait', { name: 'feature-flags-ui', dryRun: true, timeoutSeconds: 60 });
    expect(failed.isError).toBe(true);
    const out = body<Result>(failed);
    expect(out).toMatchObject({ phase: 'Failed', dryRun: true });
    expect(out.summary).toContain('dry run Failed');
    expect(out.summary).toContain('denied the request');
    expect(out.failedResources.length).toBeGreaterThan(0);
    const after = await simApp(sim, 'feature-flags-ui');
    expect(after.status.history).toEqual(before.status.history);
    expect(after.status.sync.status).toBe('OutOfSync');
  });

  it('a sync window refuses at the API (403) and holds a picked-up operation Running; the timeout summary says so', async () => {
    await setWindows(sim, 'default', [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['guestbook'] }]);
    const refused = await call(gw.client, 'sync_and_wait', { name: 'guestbook' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('blocked by sync window');
    await setWindows(sim, 'default', []);

    sim.controller.setPickupDelay('never', 'guestbook');
    const pending = call(gw.client, 'sync_and_wait', { name: 'guestbook', timeoutSeconds: 6 });
    await until(async () => (await simApp(sim, 'guestbook')).operation);
    await setWindows(sim, 'default', [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['guestbook'] }]);
    sim.controller.setPickupDelay(0, 'guestbook');
    const result = (await pending) as CallToolResult;
    expect(result.isError).toBe(true);
    const out = body<Result>(result);
    expect(out.timedOut).toBe(true);
    expect(out.phase).toBe('Running');
    expect(out.summary).toContain('Sync operation blocked by sync window');
    await setWindows(sim, 'default', []);
    await until(async () => (await simApp(sim, 'guestbook')).status.operationState?.phase === 'Succeeded');
  });
});

describe('rollback, set_revision and sync_many against an asynchronous controller', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300, pickupDelayMs: { minMs: 20, maxMs: 400 }, reconcileDelayMs: { minMs: 20, maxMs: 100 } });
    // GitOps notes (test/e2e/gitops-checks.test.ts) would fill the small cap this describe sets for sync_many.
    gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_MAX_RESULT_TOKENS: '800', ARGOCD_MCP_GITOPS_CHECKS: 'off' }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('rollback is refused while auto-sync is on, and accepted after automated.enabled: false (Argo CD 3.1+)', async () => {
    const before = sim.requests.filter((r) => r.path.endsWith('/rollback')).length;
    const refused = await call(gw.client, 'rollback', { name: 'platform-loki' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('auto-sync');
    expect(sim.requests.filter((r) => r.path.endsWith('/rollback')).length).toBe(before);
    const patched = await call(gw.client, 'application_patch', { name: 'platform-loki', patchType: 'merge', patch: JSON.stringify({ spec: { syncPolicy: { automated: { enabled: false } } } }) });
    expect(patched.isError, textOf(patched)).toBeFalsy();
    const history = (await simApp(sim, 'platform-loki')).status.history;
    const result = await call(gw.client, 'rollback', { name: 'platform-loki', waitFor: ['operation'], timeoutSeconds: 60 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = body<Result & { from: { id: number }; to: { id: number } }>(result);
    expect(out.to.id).toBe(history.at(-2).id);
    expect(out.phase).toBe('Succeeded');
    const after = await simApp(sim, 'platform-loki');
    expect(after.status.history.at(-1).revision).toBe(history.at(-2).revision);
  });

  it('set_revision on an app an ApplicationSet generated reports that the ApplicationSet put the revision back', async () => {
    const before = (await simApp(sim, 'search-ui')).spec.source.targetRevision;
    const result = await call(gw.client, 'set_revision', { name: 'search-ui', revision: 'hotfix/1', sync: true });
    expect(result.isError).toBe(true);
    const out = body<{ summary: string; now: string; applicationSet: string }>(result);
    expect(out.applicationSet).toBe('frontend-apps');
    expect(out.now).toBe(before);
    expect(out.summary).toContain('ApplicationSet "frontend-apps"');
    expect(out.summary).toContain('Nothing was synced');
    expect(sim.requests.some((r) => r.path.endsWith('/applications/search-ui/sync'))).toBe(false);
  });

  it('set_revision with sync on an auto-synced app follows the operation auto-sync starts, and sends no sync of its own', async () => {
    const before = await simApp(sim, 'platform-grafana');
    expect(before.spec.syncPolicy.automated.enabled).not.toBe(false);
    const revision = before.spec.source.chart ? '9.9.9' : 'release/v9';
    const result = await call(gw.client, 'set_revision', { name: 'platform-grafana', revision, sync: true, timeoutSeconds: 60 });
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = body<Result & { targetRevision: { to: string } }>(result);
    expect(out.phase).toBe('Succeeded');
    expect(out.targetRevision.to).toBe(revision);
    const after = await simApp(sim, 'platform-grafana');
    expect(after.status.operationState.operation.initiatedBy).toEqual({ automated: true });
    expect(after.status.operationState.operation.sync.source.targetRevision).toBe(revision);
    expect(sim.requests.some((r) => r.path.endsWith('/applications/platform-grafana/sync'))).toBe(false);
  });

  it('sync_many is an error when apps fail or do not finish, and lists them first even past the result cap', { timeout: 60_000 }, async () => {
    const preview = json<{ summary: string }>(await call(gw.client, 'sync_many', { syncStatus: 'any' }));
    expect(preview.summary).toContain('50 applications match');
    const listed = (await (await fetch(`${sim.url}/api/v1/applications?fields=items.metadata.name`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } })).json()) as { items: Array<{ metadata: { name: string } }> };
    const names = listed.items.map((a) => a.metadata.name).sort();
    expect(names).toHaveLength(50);
    // The failures sort last by name, so a name-ordered list cut at the cap would lose them.
    const failing = names.slice(-4);
    for (const n of failing) sim.failSync(n, 'quota exceeded');
    const stalled = names[names.length - 5];
    sim.controller.setPickupDelay('never', stalled);
    const done = await call(gw.client, 'sync_many', { syncStatus: 'any', execute: true, concurrency: 10, timeoutSeconds: 8, waitFor: ['operation'] });
    expect(done.isError).toBe(true);
    type Row = { name: string; result: string; phase: string; why?: string };
    const out = body<{ summary: string; problems: { failed: Row[]; unfinished: Row[] }; succeeded: Row[]; moreSucceeded?: number; truncated?: { omitted: number; field: string } }>(done);
    expect(out.summary).toMatch(new RegExp(`^${names.length - 5} of ${names.length} applications synced; 4 failed: `));
    for (const n of failing) expect(out.summary).toContain(`${n} (Failed)`);
    expect(out.summary).toContain(`1 did not finish: ${stalled} (Pending)`);
    expect(out.problems.failed.map((r) => r.name)).toEqual(failing);
    expect(out.problems.failed.every((r) => r.phase === 'Failed' && r.why?.includes('quota exceeded'))).toBe(true);
    expect(out.problems.unfinished.map((r) => r.name)).toEqual([stalled]);
    expect(out.problems.unfinished[0].why).toContain('has not picked it up');
    // The cap cut the list of succeeded apps only (25 shown at most, the rest counted).
    expect(out.moreSucceeded).toBe(names.length - 5 - 25);
    expect(out.truncated).toMatchObject({ field: 'succeeded' });
    expect(out.truncated!.omitted).toBeGreaterThan(0);
    expect(out.succeeded.every((r) => r.result === 'ok')).toBe(true);
    sim.controller.setPickupDelay(0, stalled);
  });
});
