/** The attention feed's state machine: rows from a list and watch events, severity order, exact counts, rendering. */
import { describe, expect, it } from 'vitest';
import { AttentionState, MAX_REASON_CHARS, attentionOf, appStateOf } from '../../src/fleet/attention.ts';
import { renderAttention } from '../../src/fleet/attention-render.ts';
import type { FeedSnapshot } from '../../src/fleet/attention-feed.ts';

type Opts = { ns?: string; project?: string; sync?: string; health?: string; phase?: string; opMessage?: string; healthMessage?: string; conditions?: Array<{ type: string; message: string }>; rv?: string };

function app(name: string, o: Opts = {}) {
  return {
    metadata: { name, namespace: o.ns ?? 'argocd', resourceVersion: o.rv ?? '100' },
    spec: { project: o.project ?? 'default', destination: { server: 'https://kubernetes.default.svc', namespace: name } },
    status: {
      sync: { status: o.sync ?? 'Synced' },
      health: { status: o.health ?? 'Healthy', ...(o.healthMessage ? { message: o.healthMessage } : {}) },
      ...(o.conditions ? { conditions: o.conditions } : {}),
      ...(o.phase ? { operationState: { phase: o.phase, message: o.opMessage ?? '' } } : {}),
    },
  };
}

const names = (s: AttentionState) => s.rows().map((r) => r.name);

describe('attention rows', () => {
  it.each([
    ['Synced and Healthy', {}, undefined],
    ['OutOfSync', { sync: 'OutOfSync' }, 'warning'],
    ['sync Unknown', { sync: 'Unknown' }, 'warning'],
    ['Degraded', { health: 'Degraded' }, 'critical'],
    ['Missing', { health: 'Missing' }, 'critical'],
    ['Progressing', { health: 'Progressing' }, 'notice'],
    ['Suspended', { health: 'Suspended' }, 'notice'],
    ['last operation Failed', { phase: 'Failed' }, 'critical'],
    ['last operation Error', { phase: 'Error' }, 'critical'],
    ['last operation Succeeded', { phase: 'Succeeded' }, undefined],
    ['an operation Running on a Synced, Healthy app', { phase: 'Running' }, undefined],
  ])('an app that is %s needs attention: %s', (_label, o, severity) => {
    expect(attentionOf(appStateOf(app('a', o as Opts))!)?.severity).toBe(severity);
  });

  it('gives the reason a failed operation, a problem condition, the health message, in that order, cut short', () => {
    const reason = (o: Opts) => attentionOf(appStateOf(app('a', o))!)!.reason;
    expect(reason({ phase: 'Failed', opMessage: 'one or more objects failed to apply', conditions: [{ type: 'SyncError', message: 'x' }] })).toBe('Failed: one or more objects failed to apply');
    expect(reason({ sync: 'OutOfSync', conditions: [{ type: 'SharedResourceWarning', message: 'shared with b' }] })).toBe('SharedResourceWarning: shared with b');
    expect(reason({ health: 'Degraded', healthMessage: 'Deployment "a" exceeded its progress deadline' })).toBe('Deployment "a" exceeded its progress deadline');
    expect(reason({ sync: 'OutOfSync' })).toBeUndefined();
    const long = reason({ health: 'Degraded', healthMessage: 'x '.repeat(500) })!;
    expect(long.length).toBe(MAX_REASON_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it('sorts worst first (Degraded, failed operation, Missing, OutOfSync, Progressing, Suspended), two findings above one, then by name', () => {
    const s = new AttentionState();
    s.reset([
      app('suspended', { health: 'Suspended' }),
      app('drift', { sync: 'OutOfSync' }),
      app('b-degraded', { health: 'Degraded' }),
      app('a-degraded', { health: 'Degraded' }),
      app('degraded-and-drift', { health: 'Degraded', sync: 'OutOfSync' }),
      app('failed', { phase: 'Failed' }),
      app('missing', { health: 'Missing', sync: 'OutOfSync' }),
      app('progressing', { health: 'Progressing' }),
      app('fine'),
    ]);
    expect(names(s)).toEqual(['degraded-and-drift', 'a-degraded', 'b-degraded', 'failed', 'missing', 'drift', 'progressing', 'suspended']);
  });
});

describe('AttentionState', () => {
  it('adds, updates and removes rows from ADDED, MODIFIED and DELETED events, and says whether a reader sees a change', () => {
    const s = new AttentionState();
    expect(s.reset([app('a'), app('b', { sync: 'OutOfSync' })])).toBe(true);
    expect(names(s)).toEqual(['b']);
    expect(s.apply({ type: 'ADDED', application: app('c', { health: 'Degraded', rv: '101' }) })).toBe(true);
    expect(names(s)).toEqual(['c', 'b']);
    expect(s.apply({ type: 'MODIFIED', application: app('b', { rv: '102' }) })).toBe(true);
    expect(names(s)).toEqual(['c']);
    // A change of nothing the feed shows (e.g. reconciledAt) is not a change.
    expect(s.apply({ type: 'MODIFIED', application: app('b', { rv: '103' }) })).toBe(false);
    expect(s.apply({ type: 'DELETED', application: app('c', { health: 'Degraded', rv: '104' }) })).toBe(true);
    expect(names(s)).toEqual([]);
    expect(s.counts()).toMatchObject({ apps: 2, needAttention: 0 });
    expect(s.apply({ type: 'BOOKMARK', application: app('z', { rv: '105' }) })).toBe(false);
    expect(s.apply({ type: 'MODIFIED' })).toBe(false);
  });

  it('drops an event about an older version than the one held, as Argo CD drops events below its resourceVersion', () => {
    const s = new AttentionState();
    s.reset([app('a', { sync: 'OutOfSync', rv: '200' })]);
    expect(s.apply({ type: 'MODIFIED', application: app('a', { rv: '150' }) })).toBe(false);
    expect(names(s)).toEqual(['a']);
    expect(s.apply({ type: 'MODIFIED', application: app('a', { rv: '201' }) })).toBe(true);
    expect(names(s)).toEqual([]);
    // A late event about an app deleted since does not bring it back; a recreated app (newer) does come back.
    expect(s.apply({ type: 'DELETED', application: app('a', { rv: '202' }) })).toBe(true);
    expect(s.apply({ type: 'MODIFIED', application: app('a', { rv: '201', health: 'Degraded' }) })).toBe(false);
    expect(s.size).toBe(0);
    expect(s.apply({ type: 'ADDED', application: app('a', { rv: '300', health: 'Degraded' }) })).toBe(true);
    expect(names(s)).toEqual(['a']);
  });

  it('keys apps by namespace and name (apps in any namespace), and a list replaces everything', () => {
    const s = new AttentionState();
    s.reset([app('a', { ns: 'team-1', sync: 'OutOfSync' }), app('a', { ns: 'team-2', health: 'Degraded' })]);
    expect(s.rows().map((r) => `${r.namespace}/${r.name}`)).toEqual(['team-2/a', 'team-1/a']);
    expect(s.namespaces().size).toBe(2);
    expect(s.reset([app('a', { ns: 'team-1', sync: 'OutOfSync' }), app('a', { ns: 'team-2', health: 'Degraded' })])).toBe(false);
    expect(s.reset([app('b')])).toBe(true);
    expect(s.size).toBe(1);
  });

  it('counts every app exactly by severity, sync, health and last operation', () => {
    const s = new AttentionState();
    s.reset([app('a'), app('b', { sync: 'OutOfSync' }), app('c', { health: 'Degraded', phase: 'Failed' }), app('d', { phase: 'Succeeded' })]);
    expect(s.counts()).toEqual({
      apps: 4,
      needAttention: 2,
      bySeverity: { critical: 1, warning: 1, notice: 0 },
      bySync: { OutOfSync: 1, Synced: 3 },
      byHealth: { Degraded: 1, Healthy: 3 },
      byOperation: { Failed: 1, Succeeded: 1 },
    });
  });
});

function snapshotOf(s: AttentionState, instance?: string): FeedSnapshot {
  const rows = s.rows();
  return { instance, status: 'live', asOf: Date.UTC(2026, 0, 1), rows, counts: s.counts(rows), severalNamespaces: s.namespaces().size > 1 };
}

describe('renderAttention', () => {
  it('cuts rows at the limit and keeps the counts exact, saying how many were left out and how to see more', () => {
    const s = new AttentionState();
    s.reset(Array.from({ length: 30 }, (_, i) => app(`app-${String(i).padStart(2, '0')}`, { sync: i % 2 ? 'OutOfSync' : 'Synced', health: i % 3 ? 'Healthy' : 'Degraded' })));
    const doc = renderAttention({ uri: 'argocd://fleet/attention?limit=5', parts: [{ snapshot: snapshotOf(s) }], limit: 5, merged: false });
    expect(doc.rows).toHaveLength(5);
    expect(doc.needAttention).toBe(s.rows().length);
    expect(doc.apps).toBe(30);
    expect(doc.omitted).toBe(s.rows().length - 5);
    expect(doc.note).toContain(`argocd://fleet/attention?limit=${s.rows().length}`);
    expect(doc.columns).toEqual(['severity', 'name', 'project', 'sync', 'health', 'phase', 'reason']);
    expect((doc.rows as unknown[][])[0][0]).toBe('critical');
    expect(doc.state).toBe('live');
  });

  it('merges instances worst first with an instance column, per-instance counts, and an instance that could not be read', () => {
    const prod = new AttentionState();
    prod.reset([app('api', { sync: 'OutOfSync' })]);
    const stage = new AttentionState();
    stage.reset([app('web', { health: 'Degraded' }), app('ok')]);
    const doc = renderAttention({
      uri: 'argocd://fleet/attention',
      parts: [{ instance: 'prod', snapshot: snapshotOf(prod, 'prod') }, { instance: 'stage', snapshot: snapshotOf(stage, 'stage') }, { instance: 'dr', error: 'unreachable' }],
      limit: 50,
      merged: true,
    });
    expect(doc.rows).toEqual([
      ['stage', 'critical', 'web', 'default', 'Synced', 'Degraded', '', ''],
      ['prod', 'warning', 'api', 'default', 'OutOfSync', 'Healthy', '', ''],
    ]);
    expect(doc.apps).toBe(3);
    expect(doc.instances).toMatchObject({ prod: { state: 'live', apps: 1, needAttention: 1 }, stage: { apps: 2, needAttention: 1 }, dr: { state: 'unavailable', error: 'unreachable' } });
  });
});
