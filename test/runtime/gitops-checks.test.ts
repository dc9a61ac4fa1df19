/**
 * GitOps checks before writes: the window math and field rules (pure, table-driven), then through the gateway with
 * nock standing in for argocd-server — which reads each write makes first, what the result says first, what
 * `refuse` holds back, the cache, and a check that cannot be made.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ARGOCD, fakeArgocd, useNock } from '../fixtures/fake-argocd.ts';
import type { FakeAnswer, SentRequest } from '../fixtures/fake-argocd.ts';
import { gatewayFor } from '../helpers/gateway.ts';
import { isWindowActive, matchingWindows, parseGoDuration, windowVerdict } from '../../src/policy/gitops/sync-windows.ts';
import type { SyncWindow } from '../../src/policy/gitops/sync-windows.ts';
import { changedPaths, jqToPointer, pointerCovers } from '../../src/policy/gitops/changed-paths.ts';
import { autoSyncOf, managingApplication } from '../../src/policy/gitops/assess.ts';
import { createGitopsChecks, withWorkflowNotice } from '../../src/policy/gitops/checks.ts';
import type { CheckRead } from '../../src/policy/gitops/checks.ts';

useNock();

const textOf = (r: CallToolResult) => r.content.map((c) => (c as { text?: string }).text ?? '').join('\n');
const first = (r: CallToolResult) => (r.content[0] as { text: string }).text;

describe('sync windows as Argo CD computes them (pkg/apis/application/v1alpha1/types.go)', () => {
  // Monday 7 December 2026, 03:30 UTC (04:30 in Amsterdam).
  const now = new Date('2026-12-07T03:30:00Z');

  it.each([
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['90s', 90_000],
    ['56h', 201_600_000],
    ['1d', undefined],
    ['', undefined],
  ])('parses the duration %j as Go does', (text, want) => {
    expect(parseGoDuration(text)).toBe(want);
  });

  it.each<[string, SyncWindow, boolean]>([
    ['fires every minute', { schedule: '* * * * *', duration: '1h' }, true],
    ['opened at 03:00 for an hour', { schedule: '0 3 * * *', duration: '1h' }, true],
    ['opened at 03:00 for 30m: closed exactly now', { schedule: '0 3 * * *', duration: '30m' }, false],
    ['opens at 03:30: Next is strictly after, so not yet', { schedule: '30 3 * * *', duration: '1h' }, false],
    ['opened at 04:00 Amsterdam (03:00 UTC)', { schedule: '0 4 * * *', duration: '1h', timeZone: 'Europe/Amsterdam' }, true],
    ['opened at 04:00 UTC', { schedule: '0 4 * * *', duration: '1h' }, false],
    ['Friday 22:00 Amsterdam for 56h (until Monday 06:00)', { schedule: '0 22 * * 5', duration: '56h', timeZone: 'Europe/Amsterdam' }, true],
    ['weekdays only, Monday 03:00', { schedule: '0 3 * * mon-fri', duration: '1h' }, true],
    ['weekends only', { schedule: '0 3 * * 0,6', duration: '1h' }, false],
    ['day 7 OR Sunday (both restricted: OR)', { schedule: '0 3 7 * 0', duration: '1h' }, true],
    ['day 8 AND any weekday (one is a star: AND)', { schedule: '0 3 8 * *', duration: '1h' }, false],
    ['an unknown time zone counts as UTC', { schedule: '0 3 * * *', duration: '1h', timeZone: 'Mars/Olympus' }, true],
  ])('%s', (_name, window, want) => {
    expect(isWindowActive(window, now)).toBe(want);
  });

  const activeDeny = (manualSync: boolean): SyncWindow => ({ kind: 'deny', schedule: '* * * * *', duration: '1h', manualSync });
  const activeAllow: SyncWindow = { kind: 'allow', schedule: '* * * * *', duration: '1h' };
  const closedAllow = (manualSync: boolean): SyncWindow => ({ kind: 'allow', schedule: '0 12 * * *', duration: '1h', manualSync });

  it.each<[string, SyncWindow[], boolean, boolean]>([
    ['no windows', [], true, true],
    ['an active deny', [activeDeny(false)], false, false],
    ['an active deny with manualSync', [activeDeny(true)], true, false],
    ['two active denies, one without manualSync', [activeDeny(true), activeDeny(false)], false, false],
    ['an active deny beats an active allow', [activeAllow, activeDeny(false)], false, false],
    ['an active allow', [activeAllow, closedAllow(false)], true, true],
    ['only a closed allow', [closedAllow(false)], false, false],
    ['only a closed allow with manualSync', [closedAllow(true)], true, false],
  ])('CanSync: %s', (_name, windows, manual, automatic) => {
    expect(windowVerdict(windows, { isManual: true, now }).canSync).toBe(manual);
    expect(windowVerdict(windows, { isManual: false, now }).canSync).toBe(automatic);
  });

  it('refuses every sync when a window cannot be parsed, as CanSync errors', () => {
    const verdict = windowVerdict([{ kind: 'deny', schedule: '0 25 * * *', duration: '1h' }], { isManual: true, now });
    expect(verdict.canSync).toBe(false);
    expect(verdict.error).toMatch(/above maximum/);
  });

  it('assigns windows by application, cluster or namespace (OR), or all of the set ones (andOperator)', () => {
    const app = { name: 'pay-api', destination: { name: 'in-cluster', server: 'https://kubernetes.default.svc', namespace: 'pay' } };
    const windows: SyncWindow[] = [
      { kind: 'deny', applications: ['pay-*'] },
      { kind: 'deny', clusters: ['https://kubernetes.default.svc'] },
      { kind: 'deny', namespaces: ['p?y'] },
      { kind: 'deny', applications: ['other'], namespaces: ['pay'] },
      { kind: 'deny', applications: ['other'], namespaces: ['pay'], andOperator: true },
      { kind: 'deny', applications: ['pay-*'], clusters: ['in-cluster'], andOperator: true },
      { kind: 'deny', namespaces: ['web'] },
    ];
    expect(matchingWindows(windows, app).map((w) => windows.indexOf(w))).toEqual([0, 1, 2, 3, 5]);
  });
});

describe('which fields a write changes', () => {
  const current = {
    metadata: { name: 'web', labels: { team: 'a' }, annotations: {} },
    spec: { project: 'default', source: { repoURL: 'r', targetRevision: 'main' }, sources: undefined },
  };
  it.each<[string, string, Record<string, unknown>, string[]]>([
    ['a merge patch of targetRevision', 'application_patch', { patchType: 'merge', patch: '{"spec":{"source":{"targetRevision":"v2"}}}' }, ['/spec/source/targetRevision']],
    ['a merge patch that changes nothing', 'application_patch', { patchType: 'merge', patch: '{"spec":{"source":{"targetRevision":"main"}}}' }, []],
    ['a merge patch of a label', 'application_patch', { patch: '{"metadata":{"labels":{"team":"b"}}}' }, ['/metadata/labels/team']],
    ['a json patch', 'application_patch', { patchType: 'json', patch: '[{"op":"replace","path":"/spec/source/targetRevision","value":"v2"},{"op":"add","path":"/spec/syncPolicy/syncOptions/-","value":"x"}]' }, ['/spec/source/targetRevision', '/spec/syncPolicy/syncOptions']],
    ['a spec update', 'application_update_spec', { spec: { project: 'default', source: { repoURL: 'r', targetRevision: 'v3' } } }, ['/spec/source/targetRevision']],
    ['a whole update', 'application_update', { application: { metadata: { name: 'web', labels: { team: 'a', tier: 'web' } }, spec: current.spec } }, ['/metadata/labels/tier']],
  ])('%s', (_name, tool, args, want) => {
    expect(changedPaths(tool, args, current)).toEqual({ ok: true, paths: want });
  });

  it.each<[string, string, boolean]>([
    ['/spec/source/targetRevision', '/spec/source/targetRevision', true],
    ['/spec/source', '/spec/source/targetRevision', true],
    ['/spec/source/targetRevision', '/spec/source', false],
    ['/spec/sources/*/targetRevision', '/spec/sources/1/targetRevision', true],
    ['/spec/destination', '/spec/source/targetRevision', false],
  ])('pointer %s covers %s: %s', (pointer, path, want) => {
    expect(pointerCovers(pointer, path)).toBe(want);
  });

  it.each<[string, string | undefined]>([
    ['.spec.source.targetRevision', '/spec/source/targetRevision'],
    ['.spec.sources[].targetRevision', '/spec/sources/*/targetRevision'],
    ['.spec.sources[0].helm', '/spec/sources/0/helm'],
    ['.metadata.labels["app.kubernetes.io/part-of"]', '/metadata/labels/app.kubernetes.io~1part-of'],
    ['.spec.sources[] | select(.chart == "x")', undefined],
  ])('jq %s → %s', (jq, want) => {
    expect(jqToPointer(jq)).toBe(want);
  });

  it.each<[string, unknown, boolean, boolean]>([
    ['no automated', undefined, false, false],
    ['automated {}', {}, true, false],
    ['automated selfHeal', { selfHeal: true }, true, true],
    ['automated enabled: false (v3.1+: off)', { enabled: false, selfHeal: true }, false, false],
    ['automated enabled: true', { enabled: true, selfHeal: true }, true, true],
  ])('auto-sync with %s', (_name, automated, enabled, selfHeal) => {
    const auto = autoSyncOf({ syncPolicy: automated === undefined ? {} : { automated } });
    expect([auto.enabled, auto.selfHeal]).toEqual([enabled, selfHeal]);
  });

  it('finds the app that manages an Application from its tracking annotation or instance label', () => {
    expect(managingApplication({ metadata: { name: 'web', annotations: { 'argocd.argoproj.io/tracking-id': 'root:argoproj.io/Application:argocd/web' } } })).toMatchObject({ name: 'root' });
    expect(managingApplication({ metadata: { name: 'web', labels: { 'app.kubernetes.io/instance': 'team_root' } } })).toMatchObject({ name: 'root', namespace: 'team' });
    expect(managingApplication({ metadata: { name: 'web' } })).toBeUndefined();
  });
});

/** An Application as argocd-server returns it, with what the test sets. */
function application(extra: { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } = {}) {
  return {
    metadata: { name: 'web', namespace: 'argocd', ...extra.metadata },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example.com/web.git', path: 'k8s', targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
      ...extra.spec,
    },
  };
}

const OWNED = { ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', name: 'web-set', controller: true }] };

/** A fake argocd-server answering by "METHOD /path"; anything else is a 404 as Argo CD words it. */
function argo(routes: Record<string, FakeAnswer | ((sent: SentRequest) => FakeAnswer)>) {
  return fakeArgocd((sent) => {
    const route = routes[`${sent.method} ${sent.path}`];
    if (!route) return { status: 404, body: { error: 'not found', code: 5, message: `${sent.path} not found` } };
    return typeof route === 'function' ? route(sent) : route;
  });
}

const patchRevision = { name: 'web', patchType: 'merge', patch: '{"spec":{"source":{"targetRevision":"v2"}}}' };
const calls = (requests: SentRequest[]) => requests.map((r) => `${r.method} ${r.path}`);

describe('through the gateway', () => {
  it('warns first that an ApplicationSet will put back a patched targetRevision, and still sends the patch', async () => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application({ metadata: OWNED }) },
      'GET /api/v1/applicationsets/web-set': { body: { metadata: { name: 'web-set' }, spec: { template: {} } } },
      'PATCH /api/v1/applications/web': { body: application({ metadata: OWNED }) },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'warn' }).callTool('application_patch', patchRevision);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(first(result)).toMatch(/^GitOps checks:\n- WARNING: web is generated by the ApplicationSet "web-set": its controller will put back \/spec\/source\/targetRevision/);
    expect(first(result)).toContain('ignoreApplicationDifferences');
    expect(calls(fake.requests)).toEqual(['GET /api/v1/applications/web', 'GET /api/v1/applicationsets/web-set', 'PATCH /api/v1/applications/web']);
    // The write's receipt follows, naming the patched application and what the patch set.
    expect(JSON.parse(textOf({ content: [result.content[1]] } as CallToolResult))).toMatchObject({ application: 'web', changed: ['/spec/source/targetRevision'] });
  });

  it('refuses, sending nothing, when the field is not ignored (refuse), and says where the change belongs', async () => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application({ metadata: OWNED }) },
      'GET /api/v1/applicationsets/web-set': { body: { spec: { ignoreApplicationDifferences: [{ jsonPointers: ['/spec/source/helm'] }] } } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_patch', patchRevision);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Nothing was sent to Argo CD/);
    expect(textOf(result)).toMatch(/spec\.template/);
    expect(textOf(result)).toMatch(/gitopsChecks: warn/);
    expect(fake.requests.map((r) => r.method)).not.toContain('PATCH');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['ignoreApplicationDifferences covers it', { ignoreApplicationDifferences: [{ jsonPointers: ['/spec/source/targetRevision'] }] }, /ignoreApplicationDifferences \/spec\/source\/targetRevision/],
    ['a jq expression covers it', { ignoreApplicationDifferences: [{ name: 'web', jqPathExpressions: ['.spec.source.targetRevision'] }] }, /change stays/],
    ['the policy is create-only', { syncPolicy: { applicationsSync: 'create-only' } }, /"create-only" does not update existing apps/],
  ])('lets the patch through under refuse when %s, with a note', async (_name, appSetSpec, note) => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application({ metadata: OWNED }) },
      'GET /api/v1/applicationsets/web-set': { body: { spec: appSetSpec } },
      'PATCH /api/v1/applications/web': { body: application() },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_patch', patchRevision);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(first(result)).toMatch(/^GitOps checks:\n- Note: /);
    expect(first(result)).toMatch(note);
    expect(calls(fake.requests).at(-1)).toBe('PATCH /api/v1/applications/web');
  });

  it('a rule for another app does not cover this one', async () => {
    argo({
      'GET /api/v1/applications/web': { body: application({ metadata: OWNED }) },
      'GET /api/v1/applicationsets/web-set': { body: { spec: { ignoreApplicationDifferences: [{ name: 'api', jsonPointers: ['/spec/source'] }] } } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_patch', patchRevision);
    expect(result.isError).toBe(true);
  });

  it('keeps a label the ApplicationSet preserves', async () => {
    argo({
      'GET /api/v1/applications/web': { body: application({ metadata: { ...OWNED, labels: { team: 'a' } } }) },
      'GET /api/v1/applicationsets/web-set': { body: { spec: { preservedFields: { labels: ['team'] } } } },
      'PATCH /api/v1/applications/web': { body: application() },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_patch', { name: 'web', patch: '{"metadata":{"labels":{"team":"b"}}}' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(first(result)).toMatch(/\/metadata\/labels\/team \(preservedFields\.labels\)/);
  });

  it.each<[string, unknown, RegExp | undefined, boolean]>([
    ['selfHeal reverts a live change', { selfHeal: true }, /WARNING: auto-sync is on for web \(selfHeal on.*will revert this live change/, true],
    ['enabled: false is off (v3.1+)', { enabled: false, selfHeal: true }, undefined, false],
    ['without selfHeal the change stays until the next sync', { prune: true }, /Note: auto-sync is on for web \(selfHeal off, prune on\): this live change stays until the next sync/, false],
  ])('a live resource patch: %s', async (_name, automated, want, refused) => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application({ spec: { syncPolicy: { automated } } }) },
      'POST /api/v1/applications/web/resource': { body: { manifest: '{}' } },
    });
    const args = { name: 'web', namespace: 'web', resourceName: 'web', kind: 'Deployment', group: 'apps', version: 'v1', patchType: 'application/merge-patch+json', patch: '{"spec":{"replicas":3}}' };
    const warned = await gatewayFor(ARGOCD, { gitopsChecks: 'warn' }).callTool('application_patch_resource', args);
    expect(warned.isError, textOf(warned)).toBeFalsy();
    if (want) expect(first(warned)).toMatch(want);
    else expect(textOf(warned)).not.toContain('GitOps checks');
    const strict = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_patch_resource', args);
    expect(!!strict.isError).toBe(refused);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(refused ? 1 : 2);
  });

  it('says before a rollback that Argo CD refuses it while auto-sync is on, and refuse holds it back', async () => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application({ spec: { syncPolicy: { automated: { selfHeal: true } } } }) },
      'GET /api/v1/applications/web/syncwindows': { body: { canSync: true } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_rollback', { name: 'web', id: 3 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/rollback cannot be initiated when auto-sync is enabled/);
    expect(textOf(result)).toMatch(/automated.enabled: false counts as off/);
    expect(fake.requests.map((r) => r.method)).not.toContain('POST');
  });

  it('sends a rollback of an app whose automated policy says enabled: false', async () => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application({ spec: { syncPolicy: { automated: { enabled: false } } } }) },
      'GET /api/v1/applications/web/syncwindows': { body: { canSync: true } },
      'POST /api/v1/applications/web/rollback': { body: application() },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_rollback', { name: 'web', id: 3 });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(textOf(result)).not.toContain('GitOps checks');
    expect(calls(fake.requests).at(-1)).toBe('POST /api/v1/applications/web/rollback');
  });

  it('names the active deny window and says manual sync is not allowed; refuse sends no sync', async () => {
    const deny = { kind: 'deny', schedule: '0 22 * * 5', duration: '56h', manualSync: false };
    const fake = argo({
      'GET /api/v1/applications/web': { body: application() },
      'GET /api/v1/applications/web/syncwindows': { body: { activeWindows: [deny], assignedWindows: [deny], canSync: false } },
      'POST /api/v1/applications/web/sync': { status: 403, body: { error: 'cannot sync: blocked by sync window', code: 7, message: 'cannot sync: blocked by sync window' } },
    });
    const warned = await gatewayFor(ARGOCD, { gitopsChecks: 'warn' }).callTool('application_sync', { name: 'web' });
    expect(warned.isError).toBe(true);
    expect(first(warned)).toMatch(/WARNING: A sync window blocks syncing web now \(from the application's sync windows\): the deny window\(s\) deny window "0 22 \* \* 5" for 56h \(manual sync not allowed\) is active\. Manual sync is not allowed/);
    expect(textOf(warned)).toMatch(/Argo CD answered 403/);
    const strict = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web' });
    expect(strict.isError).toBe(true);
    expect(textOf(strict)).toMatch(/Nothing was sent/);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('lets a manual sync through an active deny window with manualSync, noting that auto-sync stays blocked', async () => {
    const deny = { kind: 'deny', schedule: '* * * * *', duration: '1h', manualSync: true };
    argo({
      'GET /api/v1/applications/web': { body: application() },
      'GET /api/v1/applications/web/syncwindows': { body: { activeWindows: [deny], assignedWindows: [deny], canSync: true } },
      'POST /api/v1/applications/web/sync': { body: application() },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(first(result)).toMatch(/Note: The deny window\(s\) .* is active for web: this manual sync is allowed \(manualSync: true\), but auto-sync stays blocked/);
  });

  it('says a window Argo CD cannot parse blocks every sync', async () => {
    argo({
      'GET /api/v1/applications/web': { body: application() },
      'GET /api/v1/applications/web/syncwindows': { status: 500, body: { error: "invalid sync windows: cannot parse schedule '0 25 * * *'", code: 2, message: "invalid sync windows: cannot parse schedule '0 25 * * *'" } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/a sync window Argo CD cannot parse \(cannot parse schedule '0 25 \* \* \*'\), so Argo CD refuses every sync/);
  });

  it('derives canSync from the active windows when the answer lacks it', async () => {
    const deny = { kind: 'deny', schedule: '* * * * *', duration: '1h', manualSync: false };
    argo({
      'GET /api/v1/applications/web': { body: application() },
      'GET /api/v1/applications/web/syncwindows': { body: { activeWindows: [deny], assignedWindows: [deny] } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web' });
    expect(textOf(result)).toMatch(/A sync window blocks syncing web now/);
  });

  it('says no allow window is active, naming the closed ones', async () => {
    const allow = { kind: 'allow', schedule: '0 6 * * 1-5', duration: '14h', manualSync: false };
    argo({
      'GET /api/v1/applications/web': { body: application() },
      'GET /api/v1/applications/web/syncwindows': { body: { assignedWindows: [allow], canSync: false } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web' });
    expect(textOf(result)).toMatch(/no allow window is active \(assigned: allow window "0 6 \* \* 1-5" for 14h \(manual sync not allowed\)\)/);
  });

  it("computes the windows from the project's spec.syncWindows where the endpoint is missing", async () => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application() },
      'GET /api/v1/projects/default': { body: { spec: { syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', namespaces: ['web'] }, { kind: 'deny', schedule: '* * * * *', duration: '1h', namespaces: ['other'] }] } } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/from the project's spec\.syncWindows\): the deny window\(s\) deny window "\* \* \* \* \*" for 1h \(manual sync not allowed\) is active/);
    expect(calls(fake.requests)).toEqual(['GET /api/v1/applications/web', 'GET /api/v1/applications/web/syncwindows', 'GET /api/v1/projects/default']);
  });

  it('notes a manual sync of an auto-synced app, but not its dry run', async () => {
    argo({
      'GET /api/v1/applications/web': { body: application({ spec: { syncPolicy: { automated: { selfHeal: true } } } }) },
      'GET /api/v1/applications/web/syncwindows': { body: { canSync: true } },
      'POST /api/v1/applications/web/sync': { body: application() },
    });
    const gw = gatewayFor(ARGOCD, { gitopsChecks: 'refuse' });
    const manual = await gw.callTool('application_sync', { name: 'web' });
    expect(first(manual)).toMatch(/^GitOps checks:\n- Note: auto-sync is on for web \(selfHeal on, prune off\): Argo CD syncs it by itself when Git changes and when live resources drift/);
    const dry = await gw.callTool('application_sync', { name: 'web', dryRun: true });
    expect(textOf(dry)).not.toContain('GitOps checks');
  });

  it('says Argo CD refuses a sync to another revision while auto-sync is on', async () => {
    argo({
      'GET /api/v1/applications/web': { body: application({ spec: { syncPolicy: { automated: {} } } }) },
      'GET /api/v1/applications/web/syncwindows': { body: { canSync: true } },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web', revision: 'v9' });
    expect(textOf(result)).toMatch(/Cannot sync to v9: auto-sync currently set to main/);
  });

  it('reuses its reads for a few seconds, and reads again after a write to the app', async () => {
    const fake = argo({
      'GET /api/v1/applications/web': { body: application({ spec: { syncPolicy: { automated: {} } } }) },
      'GET /api/v1/applications/web/syncwindows': { body: { canSync: true } },
      'POST /api/v1/applications/web/sync': { status: 400, body: { error: 'another operation is already in progress', code: 9, message: 'another operation is already in progress' } },
      'PATCH /api/v1/applications/web': { body: application() },
    });
    const gw = gatewayFor(ARGOCD, { gitopsChecks: 'warn' });
    await gw.callTool('application_sync', { name: 'web' });
    await gw.callTool('application_sync', { name: 'web' });
    expect(calls(fake.requests).filter((c) => c.startsWith('GET'))).toEqual(['GET /api/v1/applications/web', 'GET /api/v1/applications/web/syncwindows']);
    await gw.callTool('application_patch', patchRevision);
    await gw.callTool('application_sync', { name: 'web' });
    expect(calls(fake.requests).filter((c) => c === 'GET /api/v1/applications/web')).toHaveLength(2);
  });

  it('does not hold a write back when a check cannot be made (403), and says so', async () => {
    const fake = argo({
      'GET /api/v1/applications/web': { status: 403, body: { error: 'permission denied', code: 7, message: 'permission denied: applications, get, default/web' } },
      'POST /api/v1/applications/web/sync': { body: application() },
    });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'refuse' }).callTool('application_sync', { name: 'web' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(first(result)).toMatch(/Note: The GitOps check of web \(reading the application\) could not be made \(Argo CD answered 403.*\); the sync was not held back by it/);
    expect(calls(fake.requests).at(-1)).toBe('POST /api/v1/applications/web/sync');
  });

  it('reads only what the allowlist exposes: a denied read is a check not made, not a bypass', async () => {
    const fake = argo({ 'POST /api/v1/applications/web/sync': { body: application() } });
    const gw = gatewayFor(ARGOCD, { gitopsChecks: 'refuse', allowlist: { deny: ['application_get'] } });
    const result = await gw.callTool('application_sync', { name: 'web' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(first(result)).toMatch(/could not be made \(The tool "application_get" is not available on this gateway/);
    expect(calls(fake.requests)).toEqual(['POST /api/v1/applications/web/sync']);
  });

  it('off makes no read', async () => {
    const fake = argo({ 'POST /api/v1/applications/web/sync': { body: application() } });
    const result = await gatewayFor(ARGOCD, { gitopsChecks: 'off' }).callTool('application_sync', { name: 'web' });
    expect(textOf(result)).not.toContain('GitOps');
    expect(calls(fake.requests)).toEqual(['POST /api/v1/applications/web/sync']);
  });
});

describe('the checks on their own', () => {
  const owned = { metadata: { name: 'web', ...OWNED }, spec: { source: { targetRevision: 'main' } } };

  it('gives up on reads past its deadline and lets the write go, saying so', async () => {
    const checks = createGitopsChecks({ mode: 'refuse', timeoutMs: 100 });
    const started = Date.now();
    const verdict = await checks.check({
      tool: 'application_sync',
      args: { name: 'web' },
      caller: '',
      read: (signal) => () => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, error: 'This operation was aborted' }))),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(verdict?.refusal).toBeUndefined();
    expect(verdict?.findings[0].message).toMatch(/could not be made \(no answer within 0 s\)|could not be made \(no answer within/);
  });

  it('keeps reads per caller: one user never gets another user\'s answer', async () => {
    const checks = createGitopsChecks({ mode: 'warn', cacheMs: 60_000 });
    const seen: string[] = [];
    const reader = (who: string) => (): CheckRead => async (tool) => {
      seen.push(`${who} ${tool}`);
      return tool === 'application_get' ? { ok: true, value: owned } : { ok: true, value: { spec: {} } };
    };
    const args = { name: 'web', patchType: 'merge', patch: '{"spec":{"source":{"targetRevision":"v2"}}}' };
    await checks.check({ tool: 'application_patch', args, caller: 'alice', read: reader('alice') });
    await checks.check({ tool: 'application_patch', args, caller: 'alice', read: reader('alice') });
    await checks.check({ tool: 'application_patch', args, caller: 'bob', read: reader('bob') });
    expect(seen).toEqual(['alice application_get', 'alice applicationset_get', 'bob application_get', 'bob applicationset_get']);
  });

  it('does not keep a failed read', async () => {
    const checks = createGitopsChecks({ mode: 'warn', cacheMs: 60_000 });
    let n = 0;
    const read = (): CheckRead => async () => (++n === 1 ? { ok: false, error: 'Argo CD answered 503' } : { ok: true, value: owned });
    const a = await checks.check({ tool: 'application_update_spec', args: { name: 'web', spec: {} }, caller: '', read });
    expect(a?.findings[0].check).toBe('unchecked');
    await checks.check({ tool: 'application_update_spec', args: { name: 'web', spec: {} }, caller: '', read });
    expect(n).toBeGreaterThanOrEqual(2);
  });
});

describe('an app whose manifest another app manages from Git', () => {
  const child = (metadata: Record<string, unknown>) => ({ metadata: { name: 'web', ...metadata }, spec: {} });
  const tracked = { annotations: { 'argocd.argoproj.io/tracking-id': 'argocd_root:argoproj.io/Application:argocd/web' } };
  const args = { name: 'web', patchType: 'merge', patch: '{"spec":{"source":{"targetRevision":"v2"}}}' };

  it('refuses a spec change when the managing app self-heals, having read that app where the tracking id says', async () => {
    const asked: Array<[string, Record<string, unknown>]> = [];
    const read = (): CheckRead => async (tool, a) => {
      asked.push([tool, a]);
      return { ok: true, value: a.name === 'web' ? child(tracked) : { spec: { syncPolicy: { automated: { selfHeal: true } } } } };
    };
    const verdict = await createGitopsChecks({ mode: 'refuse' }).check({ tool: 'application_patch', args, caller: '', read });
    expect(asked).toEqual([['application_get', { name: 'web' }], ['application_get', { name: 'root', appNamespace: 'argocd' }]]);
    expect(verdict?.findings.map((f) => [f.check, f.blocking])).toEqual([['self-heal', true]]);
    expect(verdict?.refusal).toMatch(/^Refused by the gateway's GitOps checks .*application_patch on web/);
  });

  it('says so when a tracking id names the managing app but it cannot be read; a label alone says nothing', async () => {
    const read = (metadata: Record<string, unknown>) => (): CheckRead => async (_tool, a) =>
      a.name === 'web' ? { ok: true, value: child(metadata) } : { ok: false, error: 'Argo CD answered 403\nmore' };
    const checks = createGitopsChecks({ mode: 'refuse' });
    const byTracking = await checks.check({ tool: 'application_patch', args, caller: 'a', read: read(tracked) });
    expect(byTracking?.refusal).toBeUndefined();
    expect(byTracking?.findings.map((f) => f.message)).toEqual([expect.stringMatching(/managed from Git by the application "root" .*could not be read \(Argo CD answered 403\)/)]);
    const byLabel = await checks.check({ tool: 'application_patch', args, caller: 'b', read: read({ labels: { 'app.kubernetes.io/instance': 'root' } }) });
    expect(byLabel?.findings).toEqual([]);
  });
});

describe('findings of a batch', () => {
  it('are grouped by kind, with every app named in gitopsChecks, so they never crowd out the batch result', () => {
    const verdicts = Array.from({ length: 40 }, (_, i) => ({
      app: `app-${i}`,
      findings: [
        { check: 'auto-sync' as const, blocking: false, message: `app-${i} is synced automatically by Argo CD (auto-sync on): this manual sync only starts sooner.` },
        ...(i % 10 === 0 ? [{ check: 'sync-window' as const, blocking: true, message: `A sync window blocks syncing app-${i} now.` }] : []),
      ],
    }));
    const result = withWorkflowNotice({ content: [{ type: 'text', text: '{}' }], structuredContent: { summary: 'Synced 40 of 40.' } }, verdicts);
    const value = result.structuredContent as { summary: string; gitopsChecks: Array<{ check: string; blocking: boolean; apps: string[] }> };
    expect(value.summary.split('\n')).toEqual([
      'GitOps checks (grouped; every app in gitopsChecks):',
      '- WARNING (sync-window) for 4 apps (app-0, app-10, app-20, app-30); for app-0: A sync window blocks syncing app-0 now.',
      expect.stringMatching(/^- Note \(auto-sync\) for 40 apps \(app-0, app-1, app-2, app-3, app-4 and 35 more\); for app-0: app-0 is synced automatically/),
      'Synced 40 of 40.',
    ]);
    expect(value.gitopsChecks.map((g) => [g.check, g.blocking, g.apps.length])).toEqual([['sync-window', true, 4], ['auto-sync', false, 40]]);
    expect(JSON.stringify(value).length).toBeLessThan(2500);
  });
});
