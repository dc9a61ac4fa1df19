import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { call, eventually } from './helpers.ts';

const SYNC_MS = 150;
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ syncDurationMs: SYNC_MS });
});
afterAll(() => sim.close());

const app = async (name: string) => (await call(sim, `/api/v1/applications/${name}`)).body;
const settled = (name: string, phase = 'Succeeded') => eventually(async () => {
  const a = await app(name);
  return a.status.operationState?.phase === phase && !a.operation && a;
});

describe('sync', () => {
  it('runs Running → Succeeded, syncs the app, appends history and settles health', async () => {
    const before = await app('payments-worker');
    expect(before.status.sync.status).toBe('OutOfSync');
    const started = await call(sim, '/api/v1/applications/payments-worker/sync', { method: 'POST', json: { prune: true } });
    expect(started.status).toBe(200);
    expect(started.body.operation.sync).toMatchObject({ revision: before.status.sync.revision, prune: true });
    expect(started.body.operation.initiatedBy).toEqual({ username: 'admin' });
    expect(started.body.status.operationState.phase).toBe('Running');
    const again = await call(sim, '/api/v1/applications/payments-worker/sync', { method: 'POST', json: {} });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 9, message: 'error setting app operation: another operation is already in progress' });
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

  it('returns the app unchanged for a dry run', async () => {
    const before = await call(sim, '/api/v1/applications/checkout-frontend');
    const dry = await call(sim, '/api/v1/applications/checkout-frontend/sync', { method: 'POST', json: { dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.body.operation).toBeUndefined();
    expect((await call(sim, '/api/v1/applications/checkout-frontend')).text).toBe(before.text);
  });

  it('ends Failed with per-resource errors after failSync', async () => {
    sim.failSync('storefront-bff', 'admission webhook "policy.acme.io" denied the request: missing cost-center label');
    const before = await app('storefront-bff');
    await call(sim, '/api/v1/applications/storefront-bff/sync', { method: 'POST', json: {} });
    const failed = await settled('storefront-bff', 'Failed');
    expect(failed.status.operationState.message).toBe('one or more objects failed to apply, reason: admission webhook "policy.acme.io" denied the request: missing cost-center label');
    const bad = failed.status.operationState.syncResult.resources.filter((r: any) => r.status === 'SyncFailed');
    expect(bad.length).toBeGreaterThan(0);
    expect(bad[0].message).toContain('missing cost-center label');
    expect(failed.status.history).toHaveLength(before.status.history.length);
    expect(failed.status.sync.status).toBe('OutOfSync');
    expect(failed.status.conditions.some((c: any) => c.type === 'SyncError')).toBe(true);
    await call(sim, '/api/v1/applications/storefront-bff/sync', { method: 'POST', json: {} });
    expect((await settled('storefront-bff')).status.sync.status).toBe('Synced');
  });

  it('refuses a revision other than the target for auto-synced apps', async () => {
    const r = await call(sim, '/api/v1/applications/platform-ingress-nginx/sync', { method: 'POST', json: { revision: '4.10.1' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 9, message: 'Cannot sync to 4.10.1: auto-sync currently set to 4.12.0' });
  });
});

describe('rollback', () => {
  it('rolls back to a history entry like a sync to its revision', async () => {
    const before = await app('payments-api');
    const target = before.status.history[0];
    const r = await call(sim, '/api/v1/applications/payments-api/rollback', { method: 'POST', json: { id: target.id } });
    expect(r.status).toBe(200);
    expect(r.body.operation.sync.revision).toBe(target.revision);
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
  it('terminates a running operation', async () => {
    await call(sim, '/api/v1/applications/payments-ledger/sync', { method: 'POST', json: {} });
    const r = await call(sim, '/api/v1/applications/payments-ledger/operation', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({});
    const failed = await settled('payments-ledger', 'Failed');
    expect(failed.status.operationState.message).toBe('Operation terminated');
  });

  it('answers 400 when nothing is running', async () => {
    const r = await call(sim, '/api/v1/applications/payments-gateway/operation', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ message: 'Unable to terminate operation. No operation is in progress' });
  });
});
