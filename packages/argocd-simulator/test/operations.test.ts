/**
 * The simulator's application controller behaves as Argo CD's: SetAppOperation only records the request, the
 * controller picks it up later, runs it, and a later reconcile refreshes sync and health. Knobs shorten or stall it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from 'argocd-simulator';
import { isActive, windowsState } from '../src/windows/sync-windows.ts';
import { call, eventually, readMessages } from './helpers.ts';

const SYNC_MS = 150;
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ syncDurationMs: SYNC_MS, pickupDelayMs: { minMs: 20, maxMs: 80 }, reconcileDelayMs: { minMs: 20, maxMs: 80 } });
});
afterAll(() => sim.close());

const app = async (name: string) => (await call(sim, `/api/v1/applications/${name}`)).body;
/**
 * Finished, operation cleared, and reconciled since (the CLI's definition of done), then read with refresh=normal as
 * the CLI's final read does: timestamps have second precision, so "reconciled since" alone can be a same-second reconcile.
 */
const settled = async (name: string, phase = 'Succeeded') => {
  await eventually(async () => {
    const a = await app(name);
    const op = a.status.operationState;
    return op?.phase === phase && op.finishedAt && !a.operation && a.status.reconciledAt >= op.finishedAt && a;
  }, 10_000);
  return (await call(sim, `/api/v1/applications/${name}?refresh=normal`)).body;
};
const sync = (name: string, json: unknown = {}) => call(sim, `/api/v1/applications/${name}/sync`, { method: 'POST', json });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setWindows(project: string, windows: unknown[]): Promise<void> {
  const proj = (await call(sim, `/api/v1/projects/${project}`)).body;
  proj.spec.syncWindows = windows;
  const r = await call(sim, `/api/v1/projects/${project}`, { method: 'PUT', json: { project: proj } });
  expect(r.status).toBe(200);
}

describe('sync (SetAppOperation, then the controller)', () => {
  it('returns with app.operation set and operationState cleared; the controller runs it Running → Succeeded, then reconciles', async () => {
    const before = await app('payments-worker');
    expect(before.status.sync.status).toBe('OutOfSync');
    expect(before.status.operationState.phase).toBe('Succeeded');
    // The watch stream sees every state the controller writes, however briefly.
    const abort = new AbortController();
    const stream = await fetch(`${sim.url}/api/v1/stream/applications?name=payments-worker`, { headers: { authorization: `Bearer ${sim.tokens.admin}` }, signal: abort.signal });
    const watched = readMessages(stream, (m) => m.some((x) => x.result.type === 'MODIFIED' && x.result.application.status?.operationState?.phase === 'Succeeded'), 10_000);
    const started = await sync('payments-worker', { prune: true });
    expect(started.status).toBe(200);
    expect(started.body.operation.sync).toMatchObject({ revision: before.status.sync.revision, prune: true });
    expect(started.body.operation.initiatedBy).toEqual({ username: 'admin' });
    expect(started.body.status.operationState).toBeUndefined();
    const again = await sync('payments-worker');
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 9, message: 'error setting app operation: another operation is already in progress' });
    const states = (await watched).filter((m) => m.result.type === 'MODIFIED').map((m) => m.result.application);
    expect(states[0].operation).toBeDefined();
    expect(states[0].status.operationState).toBeUndefined();
    abort.abort();
    const running = states.find((a) => a.status.operationState?.phase === 'Running');
    expect(running.operation).toBeDefined();
    expect(running.status.operationState.startedAt).toBeDefined();
    expect(states.find((a) => a.status.operationState?.phase === 'Succeeded').operation).toBeUndefined();
    const done = await settled('payments-worker');
    expect(done.status.sync.status).toBe('Synced');
    expect(done.status.history).toHaveLength(Math.min(10, before.status.history.length + 1));
    const last = done.status.history.at(-1);
    expect(last.id).toBe(before.status.history.at(-1).id + 1);
    expect(last.revision).toBe(before.status.sync.revision);
    expect(done.status.operationState.syncResult.resources.every((r: any) => r.status === 'Synced')).toBe(true);
    const healthy = await eventually(async () => {
      const a = await app('payments-worker');
      return a.status.health.status === 'Healthy' && a;
    });
    expect(healthy.status.resources.every((r: any) => r.status === 'Synced')).toBe(true);
  });

});

describe('the controller knobs', () => {
  it('a stalled controller never picks the operation up until its delay changes', async () => {
    sim.controller.setPickupDelay('never', 'admin-dashboard');
    expect((await sync('admin-dashboard')).status).toBe(200);
    await sleep(400);
    const waiting = await app('admin-dashboard');
    expect(waiting.operation).toBeDefined();
    expect(waiting.status.operationState).toBeUndefined();
    expect(sim.controller.queued()).toContain('admin-dashboard');
    sim.controller.setPickupDelay(0, 'admin-dashboard');
    expect((await settled('admin-dashboard')).status.sync.status).toBe('Synced');
    expect(sim.controller.queued()).not.toContain('admin-dashboard');
  });

  it('a late reconcile leaves sync and health stale after the operation finished', async () => {
    sim.controller.setReconcileDelay(3000, 'billing-service');
    await sync('billing-service');
    const finished = await eventually(async () => {
      const a = await app('billing-service');
      return a.status.operationState?.phase === 'Succeeded' && !a.operation && a;
    });
    expect(finished.status.sync.status).toBe('OutOfSync');
    expect(finished.status.reconciledAt < finished.status.operationState.finishedAt).toBe(true);
    expect((await settled('billing-service')).status.sync.status).toBe('Synced');
  });

});

describe('operation outcomes', () => {
  it('ends Degraded when the outcome says so', async () => {
    sim.controller.setNextOutcome('invoicing-api', { health: 'Degraded', message: 'Deployment "invoicing-api" exceeded its progress deadline' });
    await sync('invoicing-api');
    expect((await settled('invoicing-api')).status.operationState.phase).toBe('Succeeded');
    const degraded = await eventually(async () => {
      const a = await app('invoicing-api');
      return a.status.health.status === 'Degraded' && a;
    });
    expect(degraded.status.health.message).toContain('exceeded its progress deadline');
  });

  it('ends Failed with per-resource errors after failSync, and Error when the outcome says so', async () => {
    sim.failSync('storefront-bff', 'admission webhook "policy.acme.io" denied the request: missing cost-center label');
    const before = await app('storefront-bff');
    await sync('storefront-bff');
    const failed = await settled('storefront-bff', 'Failed');
    expect(failed.status.operationState.message).toBe('one or more objects failed to apply, reason: admission webhook "policy.acme.io" denied the request: missing cost-center label');
    const bad = failed.status.operationState.syncResult.resources.filter((r: any) => r.status === 'SyncFailed');
    expect(bad.length).toBeGreaterThan(0);
    expect(bad[0].message).toContain('missing cost-center label');
    expect(failed.status.history).toHaveLength(before.status.history.length);
    expect(failed.status.sync.status).toBe('OutOfSync');
    expect(failed.status.conditions.some((c: any) => c.type === 'SyncError')).toBe(true);
    sim.controller.setNextOutcome('storefront-bff', { phase: 'Error', message: 'Manifest generation error' });
    await sync('storefront-bff');
    expect((await settled('storefront-bff', 'Error')).status.operationState.message).toBe('Manifest generation error');
    await sync('storefront-bff');
    expect((await settled('storefront-bff')).status.sync.status).toBe('Synced');
  });

  it('runs a dry run as an operation that changes nothing, and can fail', async () => {
    const before = await app('helm-guestbook');
    const dry = await sync('helm-guestbook', { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.operation.sync.dryRun).toBe(true);
    expect(dry.body.status.operationState).toBeUndefined();
    const done = await eventually(async () => {
      const a = await app('helm-guestbook');
      return a.status.operationState?.phase === 'Succeeded' && !a.operation && a;
    });
    expect(done.status.operationState.syncResult.resources.some((r: any) => r.message.endsWith('(dry run)'))).toBe(true);
    expect(done.status.history).toEqual(before.status.history);
    expect(done.status.sync.status).toBe('OutOfSync');
    sim.failSync('helm-guestbook', 'the server could not find the requested resource');
    await sync('helm-guestbook', { dryRun: true });
    const failed = await eventually(async () => {
      const a = await app('helm-guestbook');
      return a.status.operationState?.phase === 'Failed' && a;
    });
    expect(failed.status.operationState.message).toContain('(dry run)');
  });

  it('refuses a revision other than the target for auto-synced apps', async () => {
    const r = await sync('platform-ingress-nginx', { revision: '4.10.1' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 9, message: 'Cannot sync to 4.10.1: auto-sync currently set to 4.12.0' });
  });
});

describe('sync windows', () => {
  it('evaluates windows in their time zone across a DST change (the rules of src/windows/sync-windows.ts)', () => {
    // 06:00 in Amsterdam is 05:00 UTC in winter and 04:00 UTC in summer (DST began 2026-03-29).
    const weekdayMornings = { kind: 'allow', schedule: '0 6 * * 1-5', duration: '14h', timeZone: 'Europe/Amsterdam' };
    expect(isActive(weekdayMornings, new Date(Date.UTC(2026, 2, 23, 4, 30)))).toBe(false);
    expect(isActive(weekdayMornings, new Date(Date.UTC(2026, 2, 23, 5, 30)))).toBe(true);
    expect(isActive(weekdayMornings, new Date(Date.UTC(2026, 2, 30, 4, 30)))).toBe(true);
    expect(isActive(weekdayMornings, new Date(Date.UTC(2026, 2, 28, 12, 0)))).toBe(false);
    const deny = { kind: 'deny', schedule: '* * * * *', duration: '1h' };
    expect(windowsState([deny], { isManual: true, now: new Date() }).canSync).toBe(false);
    expect(windowsState([{ ...deny, manualSync: true }], { isManual: true, now: new Date() }).canSync).toBe(true);
    expect(windowsState([{ ...deny, manualSync: true }], { isManual: false, now: new Date() }).canSync).toBe(false);
  });

  it('answers 403 "blocked by sync window" at the API, and holds a picked-up operation Running in the controller', async () => {
    await setWindows('default', [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['guestbook'] }]);
    const refused = await sync('guestbook');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 7, message: 'cannot sync: blocked by sync window' });
    expect((await call(sim, '/api/v1/applications/guestbook/syncwindows')).body).toMatchObject({ canSync: false, activeWindows: [{ kind: 'deny' }] });
    await setWindows('default', []);
    sim.controller.setPickupDelay('never', 'guestbook');
    expect((await sync('guestbook')).status).toBe(200);
    await setWindows('default', [{ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['guestbook'] }]);
    sim.controller.setPickupDelay(0, 'guestbook');
    const blocked = await eventually(async () => {
      const a = await app('guestbook');
      return a.status.operationState?.message === 'Sync operation blocked by sync window' && a;
    });
    expect(blocked.status.operationState.phase).toBe('Running');
    await sleep(700);
    expect((await app('guestbook')).status.operationState.phase).toBe('Running');
    await setWindows('default', []);
    expect((await settled('guestbook')).status.operationState.phase).toBe('Succeeded');
  });
});

describe('auto-sync and self-heal', () => {
  it('self-heal reverts a live change with an automated sync (the second time only the drifted resources)', async () => {
    const a = await app('platform-grafana');
    expect(a.spec.syncPolicy.automated.selfHeal).toBe(true);
    const deploy = a.status.resources.find((r: any) => r.kind === 'Deployment');
    const q = `name=${deploy.name}&namespace=${deploy.namespace}&resourceName=${deploy.name}&version=v1&kind=Deployment&group=apps&patchType=${encodeURIComponent('application/merge-patch+json')}`;
    for (const replicas of [7, 9]) {
      const patched = await call(sim, `/api/v1/applications/platform-grafana/resource?${q}`, { method: 'POST', json: JSON.stringify({ spec: { replicas } }) });
      expect(patched.status, patched.text).toBe(200);
      expect((await app('platform-grafana')).status.sync.status).toBe('OutOfSync');
      const healed = await eventually(async () => {
        const x = await app('platform-grafana');
        const op = x.status.operationState;
        // Timestamps have second precision, so the second heal is told apart by its resource list.
        return op?.operation?.initiatedBy?.automated && op.phase === 'Succeeded' && (replicas === 7 || op.operation.sync.resources) && x.status.sync.status === 'Synced' && x;
      }, 10_000);
      const live = JSON.parse((await call(sim, `/api/v1/applications/platform-grafana/resource?${q}`)).body.manifest);
      expect(live.spec.replicas).not.toBe(replicas);
      if (replicas === 9) expect(healed.status.operationState.operation.sync.resources.map((r: any) => r.kind)).toEqual(['Deployment']);
    }
  });

  it('automated.enabled: false turns auto-sync off: rollback is accepted (v3.1 IsAutomatedSyncEnabled)', async () => {
    const refused = await call(sim, '/api/v1/applications/platform-loki/rollback', { method: 'POST', json: { id: 1 } });
    expect(refused.body).toMatchObject({ code: 9, message: 'rollback cannot be initiated when auto-sync is enabled' });
    const a = await app('platform-loki');
    const patch = JSON.stringify({ spec: { syncPolicy: { automated: { enabled: false } } } });
    expect((await call(sim, '/api/v1/applications/platform-loki', { method: 'PATCH', json: { name: 'platform-loki', patch, patchType: 'merge' } })).status).toBe(200);
    const target = a.status.history.at(-2);
    const r = await call(sim, '/api/v1/applications/platform-loki/rollback', { method: 'POST', json: { id: target.id } });
    expect(r.status, r.text).toBe(200);
    expect((await settled('platform-loki')).status.history.at(-1).revision).toBe(target.revision);
  });
});

describe('ApplicationSet controller', () => {
  it('puts back a changed field of an app it generated about a second later, unless ignoreApplicationDifferences allows it', async () => {
    const before = await app('search-ui');
    const patch = JSON.stringify({ spec: { source: { targetRevision: 'hotfix/1' } } });
    const t0 = Date.now();
    expect((await call(sim, '/api/v1/applications/search-ui', { method: 'PATCH', json: { name: 'search-ui', patch, patchType: 'merge' } })).body.spec.source.targetRevision).toBe('hotfix/1');
    const reverted = await eventually(async () => {
      const a = await app('search-ui');
      return a.spec.source.targetRevision === before.spec.source.targetRevision && a;
    }, 10_000);
    expect(reverted.spec.source.targetRevision).toBe(before.spec.source.targetRevision);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    const set = (await call(sim, '/api/v1/applicationsets/frontend-apps')).body;
    set.spec.ignoreApplicationDifferences = [{ jsonPointers: ['/spec/source/targetRevision'] }];
    expect((await call(sim, '/api/v1/applicationsets?upsert=true', { method: 'POST', json: set })).status).toBe(200);
    await call(sim, '/api/v1/applications/search-ui', { method: 'PATCH', json: { name: 'search-ui', patch, patchType: 'merge' } });
    await sleep(1800);
    expect((await app('search-ui')).spec.source.targetRevision).toBe('hotfix/1');
  });
});

describe('rollback', () => {
  it('rolls back to a history entry like a sync to its revision', async () => {
    const before = await app('payments-api');
    const target = before.status.history[0];
    const r = await call(sim, '/api/v1/applications/payments-api/rollback', { method: 'POST', json: { id: target.id } });
    expect(r.status).toBe(200);
    expect(r.body.operation.sync.revision).toBe(target.revision);
    expect(r.body.status.operationState).toBeUndefined();
    const done = await settled('payments-api');
    expect(done.status.history.at(-1).revision).toBe(target.revision);
    expect(done.status.history.at(-1).source).toEqual(target.source);
    expect(done.status.sync.status).toBe('OutOfSync');
  });

  it('answers 400 code 3 for an unknown history id', async () => {
    const r = await call(sim, '/api/v1/applications/payments-gateway/rollback', { method: 'POST', json: { id: 999 } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 3, message: 'application payments-gateway does not have deployment with id 999' });
  });

  it('refuses when automated sync is enabled (400 code 9)', async () => {
    const r = await call(sim, '/api/v1/applications/platform-ingress-nginx/rollback', { method: 'POST', json: { id: 1 } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 9, message: 'rollback cannot be initiated when auto-sync is enabled' });
  });
});

describe('terminate', () => {
  it('answers 400 before the controller picked the operation up, and terminates it once Running', async () => {
    // Its own simulator with long operations, so Running lasts whatever the machine's speed.
    const slow = await startSimulator({ syncDurationMs: 30_000, pickupDelayMs: 'never' });
    try {
      const del = () => call(slow, '/api/v1/applications/payments-ledger/operation', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
      await call(slow, '/api/v1/applications/payments-ledger/sync', { method: 'POST', json: {} });
      const early = await del();
      expect(early.status).toBe(400);
      expect(early.body).toMatchObject({ message: 'Unable to terminate operation. No operation is in progress' });
      slow.controller.setPickupDelay(0);
      await eventually(async () => (await call(slow, '/api/v1/applications/payments-ledger')).body.status.operationState?.phase === 'Running');
      const r = await del();
      expect(r.status).toBe(200);
      expect(r.body).toEqual({});
      const failed = await eventually(async () => {
        const a = (await call(slow, '/api/v1/applications/payments-ledger')).body;
        return a.status.operationState?.phase === 'Failed' && !a.operation && a;
      });
      expect(failed.status.operationState.message).toBe('Operation terminated');
    } finally {
      await slow.close();
    }
  });

  it('answers 400 when nothing is running', async () => {
    const r = await call(sim, '/api/v1/applications/payments-gateway/operation', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ message: 'Unable to terminate operation. No operation is in progress' });
  });
});
