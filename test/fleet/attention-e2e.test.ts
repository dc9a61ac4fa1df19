/**
 * The fleet attention feed end to end: the simulator on 127.0.0.1, the MCP SDK's real client, over stdio against the
 * built CLI (what users run) and in memory against the gateway as buildGateway wires it (several instances, scope,
 * allowlist, a connection cut between the gateway and Argo CD).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import { baseEnv, httpGateway, startSimulator, stdioGateway } from '../e2e/harness.ts';
import type { HttpGateway, Simulator, StdioGateway } from '../e2e/harness.ts';

type Doc = {
  state: string;
  apps: number;
  needAttention: number;
  bySeverity: Record<string, number>;
  bySync: Record<string, number>;
  columns: string[];
  rows: string[][];
  omitted?: number;
  note?: string;
  instances?: Record<string, { state: string; apps?: number; needAttention?: number }>;
};

const FEED = 'argocd://fleet/attention';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readFeed(client: Client, uri = FEED): Promise<Doc> {
  const got = await client.readResource({ uri });
  return JSON.parse((got.contents[0] as { text: string }).text) as Doc;
}

type SimApp = { metadata: { name: string; resourceVersion: string }; spec: { project?: string }; status: { sync?: { status?: string }; health?: { status?: string }; operationState?: { phase?: string } } };

/** Argo CD's own answer, straight from the simulator: the apps and which of them need attention. */
async function truth(sim: Simulator, project?: string): Promise<{ apps: SimApp[]; attention: string[]; resourceVersion: string }> {
  const res = await fetch(`${sim.url}/api/v1/applications${project ? `?projects=${project}` : ''}`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
  const list = (await res.json()) as { metadata: { resourceVersion: string }; items: SimApp[] };
  const attention = list.items
    .filter((a) => a.status.sync?.status !== 'Synced' || a.status.health?.status !== 'Healthy' || ['Failed', 'Error'].includes(a.status.operationState?.phase ?? ''))
    .map((a) => a.metadata.name)
    .sort();
  return { apps: list.items, attention, resourceVersion: list.metadata.resourceVersion };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await fn();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function syncOnArgo(sim: Simulator, name: string): Promise<void> {
  const res = await fetch(`${sim.url}/api/v1/applications/${name}/sync`, { method: 'POST', headers: { authorization: `Bearer ${sim.tokens.admin}`, 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(200);
}

const streams = (sim: Simulator) => sim.requests.filter((r) => r.path.endsWith('/stream/applications'));
const lists = (sim: Simulator) => sim.requests.filter((r) => r.path.endsWith('/api/v1/applications') && r.method === 'GET');

describe('fleet attention over stdio (the built CLI)', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300 });
    gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never', ARGOCD_MCP_ADAPT_TO_SERVER: 'false' }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('is listed, and reads exactly what Argo CD says needs attention, worst first, with exact counts', async () => {
    const { resources } = await gw.client.listResources();
    expect(resources[0]).toMatchObject({ uri: FEED, mimeType: 'application/json' });
    const doc = await readFeed(gw.client);
    const { apps, attention } = await truth(sim);
    expect(doc.state).toBe('live');
    expect(doc.apps).toBe(apps.length);
    expect(doc.needAttention).toBe(attention.length);
    expect(attention.length).toBeGreaterThan(3);
    const nameAt = doc.columns.indexOf('name');
    expect(doc.rows.map((r) => r[nameAt]).sort()).toEqual(attention);
    const rank = { critical: 0, warning: 1, notice: 2 } as Record<string, number>;
    const severities = doc.rows.map((r) => rank[r[doc.columns.indexOf('severity')]]);
    expect(severities).toEqual([...severities].sort((a, b) => a - b));
    expect(doc.bySync.OutOfSync).toBe(apps.filter((a) => a.status.sync?.status === 'OutOfSync').length);
  });

  it('reads with one watch and one list, projected by fields; the watch asks for no initial events (resourceVersion given)', async () => {
    const feedLists = sim.requests.filter((r) => r.path.endsWith('/api/v1/applications') && r.query.includes('metadata.resourceVersion'));
    expect(feedLists).toHaveLength(1);
    const watch = streams(sim);
    expect(watch).toHaveLength(1);
    const q = new URLSearchParams(watch[0].query.replace(/^\?/, ''));
    expect(q.get('resourceVersion')).toBe('0');
    expect(q.get('fields')).toContain('result.application.status.sync.status');
  });

  it('cuts rows at ?limit= and keeps the counts exact; a bad limit is refused naming it', async () => {
    const doc = await readFeed(gw.client, `${FEED}?limit=2`);
    expect(doc.rows).toHaveLength(2);
    expect(doc.omitted).toBe(doc.needAttention - 2);
    expect(doc.note).toMatch(/counts are exact/);
    await expect(gw.client.readResource({ uri: `${FEED}?limit=0` })).rejects.toThrow(/`limit`.*1 to 500/);
    await expect(gw.client.readResource({ uri: `${FEED}?instance=prod` })).rejects.toThrow(/serves one Argo CD/);
  });

  it('notifies a subscriber when a sync turns an app OutOfSync → Synced, and the row follows', async () => {
    const { apps } = await truth(sim);
    const target = apps.find((a) => a.status.sync?.status === 'OutOfSync' && a.status.health?.status === 'Healthy' && !a.status.operationState?.phase?.match(/Failed|Error/))!;
    expect(target).toBeDefined();
    const name = target.metadata.name;
    const updates: string[] = [];
    gw.client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => {
      updates.push(n.params.uri);
    });
    await gw.client.subscribeResource({ uri: FEED });
    const before = await readFeed(gw.client);
    expect(before.rows.some((r) => r[before.columns.indexOf('name')] === name)).toBe(true);
    expect((await gw.client.callTool({ name: 'application_sync', arguments: { name } })).isError).toBeFalsy();
    await until('an update notification', () => updates.length > 0 || undefined);
    expect(updates[0]).toBe(FEED);
    const after = await until('the row to leave the feed', async () => {
      const doc = await readFeed(gw.client);
      return doc.rows.some((r) => r[doc.columns.indexOf('name')] === name) ? undefined : doc;
    });
    expect(after.needAttention).toBe(before.needAttention - 1);
    expect(after.needAttention).toBe((await truth(sim)).attention.length);
    // Still the one watch the first read opened.
    expect(streams(sim)).toHaveLength(1);
    await gw.client.unsubscribeResource({ uri: FEED });
  });
});

describe('fleet attention over Streamable HTTP (the built CLI, two sessions)', () => {
  let sim: Simulator;
  let gw: HttpGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300 });
    gw = await httpGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never', ARGOCD_MCP_ADAPT_TO_SERVER: 'false' }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('shares one watch between the sessions and notifies each of them when a sync changes the feed', async () => {
    const [a, b] = [await gw.connect(), await gw.connect()];
    const heard = { a: 0, b: 0 };
    a.setNotificationHandler(ResourceUpdatedNotificationSchema, async () => void heard.a++);
    b.setNotificationHandler(ResourceUpdatedNotificationSchema, async () => void heard.b++);
    await a.subscribeResource({ uri: FEED });
    await b.subscribeResource({ uri: FEED });
    const doc = await readFeed(b);
    const name = (await truth(sim)).apps.find((x) => x.status.sync?.status === 'OutOfSync' && x.status.health?.status === 'Healthy' && !x.status.operationState?.phase?.match(/Failed|Error/))!.metadata.name;
    const [ha, hb] = [heard.a, heard.b];
    expect((await a.callTool({ name: 'application_sync', arguments: { name } })).isError).toBeFalsy();
    await until('both sessions to hear of it', () => (heard.a > ha && heard.b > hb) || undefined);
    const after = await until('the row to leave', async () => {
      const d = await readFeed(a);
      return d.rows.some((r) => r[d.columns.indexOf('name')] === name) ? undefined : d;
    });
    expect(after.needAttention).toBe(doc.needAttention - 1);
    expect(streams(sim)).toHaveLength(1);
  });
});

/** A TCP relay in front of the simulator that the test can cut (and keep cut): a dropped connection to Argo CD. */
async function relay(target: string): Promise<{ url: string; cut: (hold: boolean) => void; close: () => Promise<void> }> {
  const { hostname, port, pathname } = new URL(target);
  const sockets = new Set<net.Socket>();
  let holding = false;
  const server = net.createServer((client) => {
    if (holding) return client.destroy();
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${pathname.replace(/\/$/, '')}`,
    cut(hold) {
      holding = hold;
      for (const s of sockets) s.destroy();
    },
    close() {
      // The gateway keeps a read feed open a while (linger): its watch is cut here, not waited for.
      holding = true;
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function connect(env: Record<string, string>): Promise<Client> {
  const config = loadConfig({ flags: {}, env: { PATH: process.env.PATH ?? '', ARGOCD_MCP_ADAPT_TO_SERVER: 'false', ...env } });
  const { gateway, version } = buildGateway(config, createLogger('silent'));
  const server = createMcpServer(gateway, version);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'attention-e2e', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

describe('fleet attention in memory (buildGateway)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 200 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('re-lists and watches again from the new version when the connection to Argo CD drops, catching what it missed', async () => {
    const proxy = await relay(sim.url);
    const client = await connect({ ARGOCD_BASE_URL: proxy.url, ARGOCD_API_TOKEN: sim.tokens.admin });
    try {
      const updates: string[] = [];
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => {
        updates.push(n.params.uri);
      });
      await client.subscribeResource({ uri: FEED });
      const before = await readFeed(client);
      const { apps } = await truth(sim);
      const name = apps.find((a) => a.status.sync?.status === 'OutOfSync' && a.status.health?.status === 'Healthy' && !a.status.operationState?.phase?.match(/Failed|Error/))!.metadata.name;
      const watchesBefore = streams(sim).length;
      proxy.cut(true);
      // While the gateway cannot reach Argo CD, the app is synced: the watch's events about it are lost.
      await syncOnArgo(sim, name);
      const stale = await until('the feed to say it is stale', async () => {
        const doc = await readFeed(client);
        return doc.state === 'reconnecting' ? doc : undefined;
      });
      expect(stale.rows.some((r) => r[stale.columns.indexOf('name')] === name)).toBe(true);
      await until('the sync to finish on Argo CD', async () => ((await truth(sim)).attention.includes(name) ? undefined : true));
      const heard = updates.length;
      proxy.cut(false);
      // The backoff is at most 4 s (jittered) this early.
      const back = await until('the feed to come back', async () => {
        const doc = await readFeed(client);
        return doc.state === 'live' ? doc : undefined;
      }, 20_000);
      expect(back.rows.some((r) => r[back.columns.indexOf('name')] === name)).toBe(false);
      expect(back.needAttention).toBe(before.needAttention - 1);
      // The change is announced (at most one notification a second, so maybe a moment after the read saw it).
      await until('a notification of the return', () => updates.length > heard || undefined);
      // Live again once listed; the watch from the new list's version follows it.
      await until('a new watch', () => streams(sim).length > watchesBefore || undefined);
      const versions = streams(sim).map((r) => Number(new URLSearchParams(r.query.replace(/^\?/, '')).get('resourceVersion')));
      expect(versions[versions.length - 1]).toBeGreaterThan(versions[0]);
    } finally {
      await client.close();
      await proxy.close();
    }
  }, 40_000);

  it('removes the row of an application deleted on Argo CD (a DELETED event), and counts it out', async () => {
    const client = await connect({ ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin });
    try {
      const before = await readFeed(client);
      const listed = lists(sim).length;
      const name = before.rows[before.rows.length - 1][before.columns.indexOf('name')];
      const res = await fetch(`${sim.url}/api/v1/applications/${name}?cascade=false`, { method: 'DELETE', headers: { authorization: `Bearer ${sim.tokens.admin}`, 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      const after = await until('the row to go', async () => {
        const doc = await readFeed(client);
        return doc.apps === before.apps - 1 ? doc : undefined;
      });
      expect(after.rows.some((r) => r[after.columns.indexOf('name')] === name)).toBe(false);
      expect(after.needAttention).toBe(before.needAttention - 1);
      // No new list: the change came from the watch.
      expect(lists(sim).length).toBe(listed);
      expect(after.state).toBe('live');
    } finally {
      await client.close();
    }
  });

  it('shows only the apps inside the gateway\'s scope (projects:)', async () => {
    const { apps } = await truth(sim);
    const project = apps.map((a) => a.spec.project ?? 'default').find((p) => p !== 'default')!;
    const client = await connect({ ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_PROJECTS: project });
    try {
      const doc = await readFeed(client);
      const inScope = await truth(sim, project);
      expect(doc.apps).toBe(inScope.apps.length);
      expect(doc.apps).toBeLessThan(apps.length);
      expect(doc.rows.map((r) => r[doc.columns.indexOf('project')]).every((p) => p === project)).toBe(true);
      expect(doc.rows.map((r) => r[doc.columns.indexOf('name')]).sort()).toEqual(inScope.attention);
    } finally {
      await client.close();
    }
  });

  it('is not offered where the allowlist hides application_watch, and says why when read', async () => {
    const client = await connect({ ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_DENY: 'application_watch' });
    try {
      const { resources } = await client.listResources();
      expect(resources.some((r) => r.uri.startsWith(FEED))).toBe(false);
      await expect(client.readResource({ uri: FEED })).rejects.toThrow(/application_watch/);
      await expect(client.subscribeResource({ uri: FEED })).rejects.toThrow(/application_watch/);
    } finally {
      await client.close();
    }
  });

  it('stops its one watch when the last subscriber of every session leaves', async () => {
    const env = { ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin };
    const config = loadConfig({ flags: {}, env: { PATH: process.env.PATH ?? '', ARGOCD_MCP_ADAPT_TO_SERVER: 'false', ...env } });
    const { gateway, version } = buildGateway(config, createLogger('silent'));
    const session = async () => {
      const server = createMcpServer(gateway, version);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: 'attention-e2e', version: '1.0.0' });
      await client.connect(clientSide);
      return client;
    };
    const [a, b] = [await session(), await session()];
    // A subscription returns once its feed has listed; the watch follows the list.
    const feedLists = () => lists(sim).filter((r) => r.query.includes('metadata.resourceVersion')).length;
    const [listed, opened] = [feedLists(), streams(sim).length];
    await a.subscribeResource({ uri: FEED });
    await b.subscribeResource({ uri: `${FEED}?limit=5` });
    expect(feedLists() - listed).toBe(1);
    await until('the watch', () => streams(sim).length - opened === 1 || undefined);
    await a.unsubscribeResource({ uri: FEED });
    // b still holds it: a new subscriber joins the same feed (no new list).
    await a.subscribeResource({ uri: FEED });
    expect(feedLists() - listed).toBe(1);
    await a.unsubscribeResource({ uri: FEED });
    await b.close();
    // Nobody left (b's session closed): the next subscriber starts a new list and watch.
    await a.subscribeResource({ uri: FEED });
    expect(feedLists() - listed).toBe(2);
    await until('a second watch', () => streams(sim).length - opened === 2 || undefined);
    await a.close();
  });
});

describe('fleet attention over several instances', () => {
  let prod: Simulator;
  let staging: Simulator;
  let client: Client;
  beforeAll(async () => {
    [prod, staging] = await Promise.all([startSimulator({ appCount: 8, seed: 1 }), startSimulator({ appCount: 12, seed: 2 })]);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-'));
    const configFile = path.join(dir, 'gateway.yaml');
    // dr: an Argo CD that is down (a port nothing listens on any more).
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    writeFileSync(
      configFile,
      `adaptToServer: false\ninstances:\n  - name: prod\n    url: ${prod.url}\n    token: ${prod.tokens.admin}\n  - name: staging\n    url: ${staging.url}\n    token: ${staging.tokens.admin}\n  - name: dr\n    url: ${downUrl}\n    token: t\n`,
    );
    const config = loadConfig({ flags: { config: configFile }, env: { PATH: process.env.PATH ?? '' } });
    const { gateway, version } = buildGateway(config, createLogger('silent'));
    const server = createMcpServer(gateway, version);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'attention-e2e', version: '1.0.0' });
    await client.connect(clientSide);
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all([prod?.close(), staging?.close()]);
  });

  it('lists the merged feed and one per instance; the merged one names each row\'s instance and counts per instance', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).filter((u) => u.startsWith(FEED))).toEqual([FEED, `${FEED}?instance=prod`, `${FEED}?instance=staging`, `${FEED}?instance=dr`]);
    const [p, s] = [await truth(prod), await truth(staging)];
    const all = await readFeed(client);
    expect(all.columns[0]).toBe('instance');
    expect(all.apps).toBe(p.apps.length + s.apps.length);
    expect(all.needAttention).toBe(p.attention.length + s.attention.length);
    expect(all.instances).toMatchObject({ prod: { state: 'live', apps: p.apps.length, needAttention: p.attention.length }, staging: { state: 'live', apps: s.apps.length }, dr: { state: 'unavailable' } });
    expect((all.instances!.dr as { error?: string }).error).toMatch(/Cannot reach Argo CD/);
    expect(all.rows.filter((r) => r[0] === 'prod').map((r) => r[all.columns.indexOf('name')]).sort()).toEqual(p.attention);
    const one = await readFeed(client, `${FEED}?instance=staging`);
    expect(one.columns).not.toContain('instance');
    expect(one.rows.map((r) => r[one.columns.indexOf('name')]).sort()).toEqual(s.attention);
    await expect(client.readResource({ uri: `${FEED}?instance=nope` })).rejects.toThrow(/Unknown instance "nope".*prod, staging, dr/);
  });

  it('subscribes to the merged feed while one instance is down, and refuses that instance\'s own feed saying why', async () => {
    await client.subscribeResource({ uri: FEED });
    await expect(client.subscribeResource({ uri: `${FEED}?instance=dr` })).rejects.toThrow(/could not be read on instance "dr": Cannot reach Argo CD/);
    await expect(client.readResource({ uri: `${FEED}?instance=dr` })).rejects.toThrow(/could not be read on instance "dr": Cannot reach Argo CD/);
    await client.unsubscribeResource({ uri: FEED });
  });
});
