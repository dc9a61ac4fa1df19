/**
 * The fleet attention feed under per-user sign-in (sso over HTTP): each user's feed is read with their own Argo CD
 * token, so Argo CD's RBAC decides what each sees, and no user's applications reach another user. The MCP SDK client
 * in memory, with the authenticated subject the HTTP transport would attach; an Argo CD on 127.0.0.1 that answers
 * each token its own applications, as argocd-server's List and Watch filter by the caller's RBAC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignInBroker } from '../../src/argocd/auth/sso/broker.ts';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import type { Gateway } from '../../src/gateway/gateway.ts';

const FEED = 'argocd://fleet/attention';

/** Which applications each token may get (Argo CD RBAC), and what the gateway's own token would see. */
const VISIBLE: Record<string, Array<{ name: string; sync: string; health: string }>> = {
  'alice-argocd-token': [{ name: 'payments', sync: 'OutOfSync', health: 'Healthy' }],
  'bob-argocd-token': [{ name: 'search', sync: 'Synced', health: 'Degraded' }],
  'gateway-token': [
    { name: 'payments', sync: 'OutOfSync', health: 'Healthy' },
    { name: 'search', sync: 'Synced', health: 'Degraded' },
    { name: 'secret-project-app', sync: 'OutOfSync', health: 'Missing' },
  ],
};

describe('fleet attention under per-user sign-in', () => {
  let argocd: http.Server;
  let url: string;
  const seen: Array<{ path: string; token: string }> = [];
  let gateway: Gateway;
  let version: string;

  beforeAll(async () => {
    argocd = http.createServer((req, res) => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const path = (req.url ?? '').split('?')[0];
      seen.push({ path, token });
      const apps = VISIBLE[token];
      if (!apps) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no session information', code: 16, message: 'no session information' }));
        return;
      }
      const items = apps.map((a) => ({ metadata: { name: a.name, namespace: 'argocd', resourceVersion: '10' }, spec: { project: 'default' }, status: { sync: { status: a.sync }, health: { status: a.health } } }));
      if (path === '/api/v1/applications') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { resourceVersion: '10' }, items }));
      } else if (path === '/api/v1/stream/applications') {
        // Open and quiet: Argo CD sends nothing until something changes.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => argocd.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(argocd.address() as AddressInfo).port}`;
    const tokens: Record<string, string> = { alice: 'alice-argocd-token', bob: 'bob-argocd-token' };
    const broker: SignInBroker = {
      mode: 'browser',
      token: async (user) => (tokens[user.subject] ? { ok: true, token: tokens[user.subject] } : { ok: false, signIn: true, message: 'not signed in' }),
      renew: async () => undefined,
      start: async (user) => ({ url: `https://gateway.example/oauth/start?for=${user.subject}`, id: 'sign-in-1' }),
      waitFor: async () => false,
      callback: async () => ({ status: 404, title: '', text: '' }),
      revoke: async () => false,
    };
    const config = loadConfig({ flags: {}, env: { PATH: process.env.PATH ?? '', ARGOCD_BASE_URL: url, ARGOCD_API_TOKEN: 'gateway-token', ARGOCD_MCP_ADAPT_TO_SERVER: 'false' } });
    ({ gateway, version } = buildGateway(config, createLogger('silent'), { signIn: broker }));
  });
  afterAll(async () => {
    argocd.closeAllConnections();
    await new Promise((r) => argocd.close(r));
  });

  /** A session as the HTTP transport gives it: every request carries the authenticated subject (or none). */
  async function sessionOf(subject?: string): Promise<Client> {
    const server = createMcpServer(gateway, version);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const send = clientSide.send.bind(clientSide);
    if (subject) clientSide.send = (message, options) => send(message, { ...options, authInfo: { token: `mcp-token-of-${subject}`, clientId: 'test', scopes: [], extra: { subject } } });
    await server.connect(serverSide);
    const client = new Client({ name: 'attention-identity', version: '1.0.0' });
    await client.connect(clientSide);
    return client;
  }

  const namesIn = async (client: Client) => {
    const doc = JSON.parse(((await client.readResource({ uri: FEED })).contents[0] as { text: string }).text) as { columns: string[]; rows: string[][]; apps: number };
    return { apps: doc.apps, names: doc.rows.map((r) => r[doc.columns.indexOf('name')]) };
  };

  it("gives each user the feed of their own Argo CD identity, and none of another user's applications", async () => {
    const [alice, bob, alice2] = [await sessionOf('alice'), await sessionOf('bob'), await sessionOf('alice')];
    expect(await namesIn(alice)).toEqual({ apps: 1, names: ['payments'] });
    expect(await namesIn(bob)).toEqual({ apps: 1, names: ['search'] });
    // A second session of the same user shares that user's feed: no new list.
    const listsBefore = seen.filter((s) => s.path === '/api/v1/applications').length;
    expect(await namesIn(alice2)).toEqual({ apps: 1, names: ['payments'] });
    expect(seen.filter((s) => s.path === '/api/v1/applications').length).toBe(listsBefore);
    const feedRequests = seen.filter((s) => s.path.startsWith('/api/v1/applications') || s.path.startsWith('/api/v1/stream/'));
    expect(new Set(feedRequests.map((s) => s.token))).toEqual(new Set(['alice-argocd-token', 'bob-argocd-token']));
    await Promise.all([alice, bob, alice2].map((c) => c.close()));
  });

  it('asks a user who has not signed in to sign in, and reads nothing from Argo CD for them', async () => {
    const before = seen.length;
    const carol = await sessionOf('carol');
    await expect(carol.readResource({ uri: FEED })).rejects.toThrow(/Sign in to Argo CD first.*https:\/\/gateway\.example\/oauth\/start\?for=carol/);
    await expect(carol.subscribeResource({ uri: FEED })).rejects.toThrow(/Sign in to Argo CD first/);
    expect(seen.length).toBe(before);
    await carol.close();
  });

  it('refuses a session whose caller is unknown (no inbound auth) instead of falling back to the gateway\'s token', async () => {
    const before = seen.length;
    const anonymous = await sessionOf(undefined);
    await expect(anonymous.readResource({ uri: FEED })).rejects.toThrow(/needs to know who reads it/);
    expect(seen.length).toBe(before);
    await anonymous.close();
  });
});
