/**
 * Fleet scale: past the 50 catalogue apps, `appCount` (`--apps`) seeds a deterministic fleet with a realistic
 * spread, the default seed stays exactly as it was, and the list and watch stay usable at that size.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from 'argocd-simulator';
import { planFleet } from '../src/seed/fleet.ts';
import { buildSeed } from '../src/seed/seed.ts';
import { call, readMessages } from './helpers.ts';

type App = { metadata: { name: string; labels: Record<string, string> }; spec: { project: string; destination: { server?: string; name?: string; namespace: string }; source: { repoURL: string; targetRevision: string }; syncPolicy?: { automated?: unknown } }; status: { sync: { status: string }; health: { status: string }; operationState?: { phase: string } } };

const share = (apps: App[], pick: (a: App) => boolean) => apps.filter(pick).length / apps.length;

describe('the default seed', () => {
  it('is byte-for-byte the 50 catalogue apps it always was (e2e tests across the repo depend on it)', async () => {
    const sim = await startSimulator({});
    try {
      const list = await call(sim, '/api/v1/applications');
      expect(list.body.items).toHaveLength(50);
      // The list of the default seed, pinned: change it only on purpose, knowing every e2e test reads these apps.
      expect(list.text.length).toBe(1_104_967);
      expect(createHash('sha256').update(list.text).digest('hex').slice(0, 16)).toBe('66a7f8e55ab032ac');
    } finally {
      await sim.close();
    }
  });

  it('keeps the first 50 apps, projects and clusters unchanged when a fleet is added', () => {
    const base = buildSeed(42, 50);
    const grown = buildSeed(42, 80);
    expect(grown.apps.slice(0, 50).map((a) => JSON.stringify(a.app))).toEqual(base.apps.map((a) => JSON.stringify(a.app)));
    expect(grown.projects.slice(0, base.projects.length)).toEqual(base.projects);
    expect(grown.clusters.slice(0, base.clusters.length).map((c) => c.name)).toEqual(base.clusters.map((c) => c.name));
    expect(grown.repos).toEqual(base.repos);
  });
});

describe('a fleet of 1,000 apps', () => {
  const seed = buildSeed(42, 1_000);
  const apps = seed.apps.map((a) => a.app as unknown as App);

  it('is deterministic: the same seed gives the same fleet, another seed another', () => {
    const build = (n: number) => buildSeed(42, n).apps.map((a) => JSON.stringify(a.app));
    expect(build(150)).toEqual(build(150));
    expect(planFleet(42, 950).apps.map((a) => a.name)).toEqual(apps.slice(50).map((a) => a.metadata.name));
    expect(planFleet(43, 950).apps.map((a) => a.name)).not.toEqual(apps.slice(50).map((a) => a.metadata.name));
  });

  it('has unique names and the sync, health and last-operation mix of a busy fleet', () => {
    expect(new Set(apps.map((a) => a.metadata.name)).size).toBe(1_000);
    expect(share(apps, (a) => a.status.sync.status === 'OutOfSync')).toBeGreaterThan(0.2);
    expect(share(apps, (a) => a.status.sync.status === 'OutOfSync')).toBeLessThan(0.3);
    expect(share(apps, (a) => a.status.health.status === 'Degraded')).toBeGreaterThan(0.12);
    expect(share(apps, (a) => a.status.health.status === 'Degraded')).toBeLessThan(0.2);
    for (const health of ['Healthy', 'Missing', 'Progressing']) expect(share(apps, (a) => a.status.health.status === health), health).toBeGreaterThan(0);
    expect(share(apps, (a) => a.status.operationState?.phase === 'Failed')).toBeGreaterThan(0.02);
    expect(share(apps, (a) => a.status.operationState?.phase === 'Error')).toBeGreaterThan(0.003);
    const conditions = (a: App) => ((a.status as { conditions?: Array<{ type: string }> }).conditions ?? []).map((c) => c.type);
    for (const type of ['SyncError', 'OrphanedResourceWarning', 'SharedResourceWarning']) expect(share(apps, (a) => conditions(a).includes(type)), type).toBeGreaterThan(0);
    const automated = share(apps, (a) => Boolean(a.spec.syncPolicy?.automated));
    expect(automated).toBeGreaterThan(0.2);
    expect(automated).toBeLessThan(0.8);
  });

  it('spreads over a few big projects and a tail, several clusters, many namespaces, repos and revisions', () => {
    const perProject = new Map<string, number>();
    for (const a of apps) perProject.set(a.spec.project, (perProject.get(a.spec.project) ?? 0) + 1);
    const sizes = [...perProject.values()].sort((x, y) => y - x);
    expect(sizes.length).toBeGreaterThanOrEqual(6);
    expect(sizes[0]).toBeGreaterThan(4 * (sizes.at(-1) as number));
    for (const project of perProject.keys()) expect(seed.projects.map((p) => (p.metadata as { name: string }).name), project).toContain(project);
    const servers = new Set(apps.map((a) => a.spec.destination.server ?? a.spec.destination.name));
    expect(servers.size).toBeGreaterThanOrEqual(5);
    expect(new Set(apps.map((a) => a.spec.destination.namespace)).size).toBeGreaterThan(50);
    expect(new Set(apps.map((a) => a.spec.source.repoURL)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(apps.map((a) => a.spec.source.targetRevision)).size).toBeGreaterThan(10);
    expect(new Set(apps.map((a) => a.metadata.labels.region).filter(Boolean)).size).toBeGreaterThan(1);
    // Every cluster an app names is a registered cluster, and it counts its apps.
    const registered = new Map(seed.clusters.map((c) => [String(c.name), c]));
    const counted = seed.clusters.reduce((n, c) => n + Number((c.info as { applicationsCount: number }).applicationsCount), 0);
    expect(counted).toBe(1_000);
    for (const a of apps) if (a.spec.destination.name) expect(registered.has(a.spec.destination.name), a.spec.destination.name).toBe(true);
  });
});

describe('listing and watching a fleet', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ appCount: 300, syncDurationMs: 100 });
  });
  afterAll(() => sim.close());

  it('projects the list with fields: every app, only the fields asked for', async () => {
    const projected = await call(sim, '/api/v1/applications?fields=items.metadata.name,items.status.sync.status');
    expect(projected.body.items).toHaveLength(300);
    expect(Object.keys(projected.body.items[0])).toEqual(['metadata', 'status']);
    expect(Object.keys(projected.body.items[0].metadata)).toEqual(['name']);
    const full = await call(sim, '/api/v1/applications');
    expect(projected.text.length * 50).toBeLessThan(full.text.length);
    // The projection reads the stored apps and leaves them whole.
    const again = await call(sim, '/api/v1/applications');
    expect(again.text).toBe(full.text);
  });

  it('a watch with resourceVersion skips the initial ADDED events and sends what changes', async () => {
    const list = await call(sim, '/api/v1/applications?fields=metadata.resourceVersion,items.metadata.name');
    const rv = list.body.metadata.resourceVersion as string;
    const name = list.body.items[0].metadata.name as string;
    const res = await fetch(`${sim.url}/api/v1/stream/applications?resourceVersion=${rv}&fields=result.type,result.application.metadata.name`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
    await call(sim, `/api/v1/applications/${name}?refresh=normal`);
    const messages = await readMessages(res, (m) => m.length > 0, 5_000);
    expect(messages[0].result.type).toBe('MODIFIED');
    expect(messages[0].result.application.metadata.name).toBe(name);
    expect(messages.every((m) => m.result.type !== 'ADDED')).toBe(true);
  });
});

describe('the command', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string; url?: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../src/main.ts'), '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const url = /listening on (http:\/\/\S+) \((\d+) applications\)/.exec(stderr);
        if (url) {
          child.kill('SIGTERM');
          resolve({ code: null, stderr, url: url[1] });
        }
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });

  it('--apps seeds that many apps, and says so; --app-count is the same setting', async () => {
    expect((await run(['--apps', '60'])).stderr).toContain('(60 applications)');
    expect((await run(['--app-count', '7'])).stderr).toContain('(7 applications)');
  });

  it('refuses --apps with --app-count, and a count it cannot seed, naming the setting', async () => {
    const both = await run(['--apps', '60', '--app-count', '7']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--apps and --app-count are the same setting: give one of them');
    const huge = await run(['--apps', '1000000']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('appCount (--apps) must be a whole number from 0 to 100000');
  });
});
