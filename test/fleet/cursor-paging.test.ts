/**
 * Paging a cut list by cursor, end to end (docs/fleet.md "Paging with a cursor"): the simulator with 1,500
 * applications behind a proxy that counts the bytes Argo CD sends, the HTTP service on 127.0.0.1 as `serve` runs it
 * (shaping thread included), the MCP SDK client over Streamable HTTP. Every page after the first comes from the
 * snapshot: concatenated, the pages are the list exactly as it was at the first call, although the fleet changed in
 * between, and Argo CD sent one list's bytes in all. With Redis, two replicas serve alternate pages.
 */
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { startHttpService } from '../../src/compose/http-service.ts';
import type { HttpService } from '../../src/compose/http-service.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { tableToObjects } from '../../src/shaping/shape.ts';
import { freePort } from '../production/harness.ts';
import { redisAvailable, startRedis } from '../production/redis.ts';
import type { RedisServer } from '../production/redis.ts';

const APPS = 1_500;
// Skipped only on a developer machine without redis-server; CI installs it, so there a missing one fails.
const noRedis = !redisAvailable() && !process.env.CI;

let sim: Simulator;
let proxy: Server;
let proxyUrl: string;
let redis: RedisServer | undefined;
const services: HttpService[] = [];
const clients: Client[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'cursor-paging-'));
/** Bytes of application list answers that reached the gateway, and how many such requests it made. */
const upstream = { listBytes: 0, lists: 0 };

/** A proxy in front of the simulator that counts the bytes of every application list answer, as they cross the wire. */
async function startCountingProxy(target: string): Promise<Server> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const isList = req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname === '/api/v1/applications';
    if (isList) upstream.lists += 1;
    const out = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        if (isList) upstream.listBytes += chunk.length;
      });
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function startReplica(extraEnv: Record<string, string> = {}): Promise<Client> {
  const file = path.join(dir, 'gateway.yaml');
  writeFileSync(file, `url: ${proxyUrl}\nadaptToServer: false\ngitopsChecks: off\nreadOnly: true\n`);
  const env = {
    ARGOCD_API_TOKEN: sim.tokens.admin,
    ARGOCD_MCP_TRANSPORT: 'http',
    ARGOCD_MCP_HOST: '127.0.0.1',
    ARGOCD_MCP_PORT: String(await freePort()),
    ARGOCD_MCP_STATELESS: 'true',
    ARGOCD_MCP_RATE_LIMIT: 'off',
    ARGOCD_MCP_WORKER_THREADS: '1',
    // About 140 rows a page: a 1,500-app list is cut about ten times.
    ARGOCD_MCP_MAX_RESULT_TOKENS: '5000',
    ...extraEnv,
  };
  const service = await startHttpService(loadConfig({ flags: { config: file }, env }), createLogger('silent'));
  services.push(service);
  const client = new Client({ name: 'cursor-paging', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(service.handle.url)));
  clients.push(client);
  return client;
}

const call = async (c: Client, name: string, args: Record<string, unknown>) => (await c.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult) => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
const cursorOf = (r: CallToolResult) => r.structuredContent?.cursor as string | undefined;

/** The names the simulator lists right now, in its order (by name), read directly. */
async function namesNow(): Promise<string[]> {
  const answer = await fetch(`${sim.url}/api/v1/applications?fields=items.metadata.name`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
  return ((await answer.json()) as { items: Array<{ metadata: { name: string } }> }).items.map((a) => a.metadata.name);
}

let created = 0;
/** A change to the fleet between pages: a new application whose name sorts first, so a re-list would shift every page. */
async function addApplication(): Promise<string> {
  const name = `aaa-added-${++created}`;
  const res = await fetch(`${sim.url}/api/v1/applications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      metadata: { name },
      spec: { project: 'default', source: { repoURL: 'https://github.com/acme/apps.git', path: 'added', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'added' } },
    }),
  });
  expect(res.status, await res.text()).toBe(200);
  return name;
}

/**
 * Pages through a list: the first page from `replicas[0]`, then each next page by its cursor from the next replica
 * in turn, the fleet changing after the first page. Returns every row's name and the number of pages.
 */
async function pageThrough(replicas: Client[], tool: string, args: Record<string, unknown>, rows: (r: CallToolResult) => string[]) {
  let result = await call(replicas[0], tool, args);
  expect(result.isError, textOf(result)).toBeFalsy();
  const names = rows(result);
  await addApplication();
  let pages = 1;
  for (let cursor = cursorOf(result); cursor; cursor = cursorOf(result)) {
    expect(textOf(result)).toContain(`cursor="${cursor}"`);
    result = await call(replicas[pages % replicas.length], tool, { ...args, cursor });
    expect(result.isError, textOf(result)).toBeFalsy();
    names.push(...rows(result));
    pages += 1;
  }
  return { names, pages };
}

const tableNames = (r: CallToolResult) => tableToObjects<{ name: string }>(r.structuredContent).map((a) => a.name);

beforeAll(async () => {
  sim = await startSimulator({ appCount: APPS, seed: 11 });
  proxy = await startCountingProxy(sim.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  if (!noRedis) redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all(services.map((s) => s.stop()));
  await new Promise((r) => proxy?.close(r));
  await Promise.all([sim?.close(), redis?.stop()]);
});

describe('paging a cut list by cursor', () => {
  it('serves every page of a 1,500-app list exactly as it was, for one list\'s upstream bytes (memory store)', async () => {
    const client = await startReplica();
    const before = await namesNow();
    expect(before).toHaveLength(APPS + created);
    // One list's bytes, for the measure: the same call once, without paging on.
    const startBytes = upstream.listBytes;
    await call(client, 'application_list', {});
    const oneList = upstream.listBytes - startBytes;

    const bytesBefore = upstream.listBytes;
    const listsBefore = upstream.lists;
    const want = await namesNow();
    const { names, pages } = await pageThrough([client], 'application_list', {}, tableNames);
    expect(pages).toBeGreaterThan(5);
    expect(names).toEqual(want);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain(`aaa-added-${created}`);
    expect(upstream.lists - listsBefore).toBe(1);
    expect(upstream.listBytes - bytesBefore).toBeLessThanOrEqual(1.1 * oneList);
  });

  it('pages a list cut by `limit`, a query\'s result and a find_app result the same way', async () => {
    const client = clients[0];
    const want = await namesNow();
    const listsBefore = upstream.lists;
    const byLimit = await pageThrough([client], 'application_list', { limit: 100, fields: ['metadata.name'] }, (r) =>
      ((r.structuredContent as { items: Array<{ metadata: { name: string } }> }).items ?? []).map((a) => a.metadata.name),
    );
    expect(byLimit.pages).toBe(Math.ceil(want.length / 100));
    expect(byLimit.names).toEqual(want);
    expect(upstream.lists - listsBefore).toBe(1);

    // A query's array result pages the same way; its cursor sits beside the array in the structured content.
    const wantQueried = await namesNow();
    const queried = await pageThrough([client], 'application_list', { query: 'items[].metadata.name', limit: 400 }, (r) => (r.structuredContent as { result: string[] }).result);
    expect(queried.pages).toBe(Math.ceil(wantQueried.length / 400));
    expect(queried.names).toEqual(wantQueried);

    const wantFound = (await namesNow()).filter((n) => n.includes('-'));
    const found = await pageThrough([client], 'find_app', { query: '-', limit: 200 }, (r) => (r.structuredContent as { applications: Array<{ name: string }> }).applications.map((a) => a.name));
    expect(found.pages).toBeGreaterThan(1);
    expect(found.names).toEqual(wantFound);
  });

  it('refuses a cursor that expired or belongs to another list, and sends nothing to Argo CD', async () => {
    const client = clients[0];
    const first = await call(client, 'application_list', { limit: 10 });
    const cursor = cursorOf(first)!;
    const lists = upstream.lists;
    const unknown = await call(client, 'application_list', { limit: 10, cursor: `AAAAAAAAAAAA.a` });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/expired or is unknown.*without `cursor`/s);
    const other = await call(client, 'application_list', { limit: 10, selector: 'team=none', cursor });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain('belongs to another list');
    const notAList = await call(client, 'version_get', { cursor });
    expect(notAList.isError).toBe(true);
    expect(upstream.lists).toBe(lists);
  });

  it.skipIf(noRedis)('serves a cursor made on replica A from replica B through Redis, compressed, with a TTL', async () => {
    const env = { ARGOCD_MCP_REDIS: redis!.url, ARGOCD_MCP_SNAPSHOT_IDLE: '30s' };
    const [a, b] = [await startReplica(env), await startReplica(env)];
    const bytesBefore = upstream.listBytes;
    const listsBefore = upstream.lists;
    const want = await namesNow();
    const { names, pages } = await pageThrough([a, b], 'application_list', {}, tableNames);
    expect(pages).toBeGreaterThan(5);
    expect(names).toEqual(want);
    expect(new Set(names).size).toBe(names.length);
    expect(upstream.lists - listsBefore).toBe(1);
    const oneList = upstream.listBytes - bytesBefore;
    expect(oneList).toBeGreaterThan(0);

    const keys = await redis!.client.keys('argocd-mcp:snapshot:*');
    expect(keys).toHaveLength(1);
    const ttl = await redis!.client.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    const data = await redis!.client.hgetBuffer(keys[0], 'data');
    // gzip's magic bytes; and the key is a hash, not the token.
    expect([data![0], data![1]]).toEqual([0x1f, 0x8b]);
    expect(JSON.stringify(await redis!.client.hgetall(keys[0]))).not.toContain(sim.tokens.admin);

    // Once Redis has let the snapshot go, its cursor is refused on every replica, and no other list replaces it.
    const first = await call(a, 'application_list', {});
    const cursor = cursorOf(first)!;
    await redis!.client.del(`argocd-mcp:snapshot:${cursor.split('.')[0]}`);
    const lists = upstream.lists;
    for (const replica of [a, b]) {
      const gone = await call(replica, 'application_list', { cursor });
      expect(gone.isError).toBe(true);
      expect(textOf(gone)).toContain('without `cursor`');
    }
    expect(upstream.lists).toBe(lists);
  });
});
