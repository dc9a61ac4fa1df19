/**
 * The wait rules of `argocd app wait` (cmd/argocd/commands/app.go: checkAppWaitConditions, checkResourceStatus) as
 * src/workflows/wait.ts ports them, case by case.
 */
import { describe, expect, it } from 'vitest';
import { conditionsMet, operationInProgress, type WaitFor, type WatchedApp, whyNotDone } from '../../src/workflows/wait.ts';

const finished = (phase: string, finishedAt: string, reconciledAt?: string, dryRun = false): WatchedApp => ({
  metadata: { resourceVersion: '2' },
  status: {
    ...(reconciledAt ? { reconciledAt } : {}),
    sync: { status: 'Synced' },
    health: { status: 'Healthy' },
    operationState: { phase, startedAt: '2026-01-01T00:00:00Z', finishedAt, operation: { sync: { dryRun } } },
  },
});

describe('operationInProgress (checkAppWaitConditions)', () => {
  it.each<[string, WatchedApp, boolean]>([
    ['app.operation is set (requested, not picked up)', { metadata: {}, operation: { sync: {} }, status: {} }, true],
    ['operationState without finishedAt (Running)', { metadata: {}, status: { operationState: { phase: 'Running', startedAt: '2026-01-01T00:00:00Z' } } }, true],
    ['finished, reconciled before it finished', finished('Succeeded', '2026-01-01T00:00:10Z', '2026-01-01T00:00:05Z'), true],
    ['finished, never reconciled', finished('Succeeded', '2026-01-01T00:00:10Z'), true],
    ['finished, reconciled in the same second', finished('Succeeded', '2026-01-01T00:00:10Z', '2026-01-01T00:00:10Z'), false],
    ['finished, reconciled after', finished('Failed', '2026-01-01T00:00:10Z', '2026-01-01T00:00:12Z'), false],
    ['a finished dry run needs no reconcile', finished('Succeeded', '2026-01-01T00:00:10Z', '2026-01-01T00:00:05Z', true), false],
    ['no operation at all', { metadata: {}, status: {} }, false],
  ])('%s → %s', (_case, app, want) => {
    expect(operationInProgress(app)).toBe(want);
  });
});

describe('conditionsMet (checkResourceStatus)', () => {
  const app = (sync: string, health: string, operation = false): WatchedApp => ({ metadata: {}, ...(operation ? { operation: { sync: {} } } : {}), status: { sync: { status: sync }, health: { status: health } } });
  it.each<[WaitFor[], WatchedApp, boolean]>([
    [['health'], app('OutOfSync', 'Healthy'), true],
    [['health'], app('Synced', 'Progressing'), false],
    [['health'], app('Synced', 'Degraded'), false],
    [['degraded'], app('Synced', 'Degraded'), true],
    [['suspended'], app('Synced', 'Suspended'), true],
    [['health', 'suspended'], app('Synced', 'Suspended'), true],
    [['sync'], app('OutOfSync', 'Healthy'), false],
    [['sync', 'health'], app('Synced', 'Healthy'), true],
    [['operation'], app('Synced', 'Healthy', true), false],
    [['operation'], app('OutOfSync', 'Missing'), true],
  ])('waitFor %j', (waitFor, a, want) => {
    expect(conditionsMet(a, new Set(waitFor))).toBe(want);
  });
});

describe('whyNotDone (the timeout summary)', () => {
  it.each<[string, WatchedApp, WaitFor[], RegExp]>([
    ['not picked up', { metadata: {}, operation: { sync: {} }, status: {} }, ['operation'], /has not picked it up/],
    ['blocked by a window', { metadata: {}, operation: { sync: {} }, status: { operationState: { phase: 'Running', message: 'Sync operation blocked by sync window' } } }, ['operation'], /still Running: "Sync operation blocked by sync window"/],
    ['not reconciled since', finished('Succeeded', '2026-01-01T00:00:10Z', '2026-01-01T00:00:05Z'), ['operation'], /has not reconciled the app since/],
    [
      'a resource still Progressing',
      { metadata: {}, status: { health: { status: 'Progressing' }, resources: [{ kind: 'Deployment', namespace: 'shop', name: 'web', health: { status: 'Progressing', message: 'Waiting for rollout to finish' } }] } },
      ['operation', 'health'],
      /health is Progressing; Deployment\/shop\/web Progressing \(Waiting for rollout to finish\)/,
    ],
    ['nothing newer than the request yet', {}, ['operation'], /has not yet answered/],
  ])('%s', (_case, app, waitFor, want) => {
    expect(whyNotDone(app, new Set(waitFor))).toMatch(want);
  });
});
