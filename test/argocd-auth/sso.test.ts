/**
 * SSO to Argo CD, per person, end to end on 127.0.0.1: a real OpenID provider (oidc-provider, test/helpers/oidc-sso.ts),
 * the simulator accepting that provider's id tokens with group → role mapping (as Argo CD's oidc.config and
 * policy.csv), and the built gateway (dist/cli.js) with the SDK's real client.
 *
 * - stdio: `login --sso` (PKCE, loopback callback) saves the tokens; the gateway then calls Argo CD as that person
 *   and refreshes the id token with the refresh token when it runs out.
 * - HTTP: each MCP user signs in with their own account (URL elicitation, or an error with the link); Argo CD's RBAC
 *   applies per person; the callback refuses another person's sign-in; /oauth/revoke signs out; token exchange
 *   (RFC 8693) needs no browser.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { startSsoProvider } from '../helpers/oidc-sso.ts';
import type { SsoProvider } from '../helpers/oidc-sso.ts';
import { CLI, freePort, startGateway } from '../production/harness.ts';
import type { Gateway } from '../production/harness.ts';
import { redisAvailable, startRedis } from '../production/redis.ts';
import type { RedisServer } from '../production/redis.ts';

const accounts = {
  alice: { email: 'alice@example.com', groups: ['ops'] },
  bob: { email: 'bob@example.com', groups: ['viewers'] },
};

let idp: SsoProvider;
let sim: Simulator;
let loginPort: number;
let gatewayPort: number;
let exchangePort: number;
let replicaPorts: [number, number];
const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-mcp-sso-'));

beforeAll(async () => {
  [loginPort, gatewayPort, exchangePort] = await Promise.all([freePort(), freePort(), freePort()]);
  replicaPorts = [await freePort(), await freePort()];
  idp = await startSsoProvider({
    accounts,
    clients: [
      // argocd's CLI client: public, PKCE (what `login --sso` uses).
      { id: 'argo-cd-cli', redirectUris: [`http://localhost:${loginPort}/auth/callback`] },
      // The HTTP gateway: confidential, its own callback, and allowed to exchange tokens.
      { id: 'mcp-gateway', secret: 'gateway-secret', authMethod: 'client_secret_post', redirectUris: [`http://127.0.0.1:${gatewayPort}/oauth/callback`, `http://127.0.0.1:${exchangePort}/oauth/callback`, `http://127.0.0.1:${replicaPorts[0]}/oauth/callback`], tokenExchange: true },
      // Argo CD itself (the audience exchanged tokens are for).
      { id: 'argo-cd', secret: 'argo-secret', redirectUris: ['http://127.0.0.1:1/auth/callback'] },
      // The MCP client's own registration, for its access tokens to the gateway.
      { id: 'mcp-client', redirectUris: ['http://127.0.0.1:2/callback'] },
    ],
    idTokenTtl: 4,
    resourceScopes: ['argocd:read', 'argocd:write'],
  });
  sim = await startSimulator({
    syncDurationMs: 200,
    // Several tests sync guestbook; a quick controller keeps one operation from overlapping the next.
    pickupDelayMs: { minMs: 0, maxMs: 50 },
    sso: { issuer: idp.issuer, clientId: 'argo-cd', allowedAudiences: ['argo-cd', 'argo-cd-cli', 'mcp-gateway'], keys: idp.publicJwks(), groupRoles: { ops: 'admin', viewers: 'readonly' }, defaultRole: '' },
  });
});
afterAll(async () => {
  await sim?.close();
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Connects a client to the gateway's /mcp with an MCP access token. */
async function connectWith(client: Client, url: string, token: string): Promise<Client> {
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const textOf = (r: unknown) => ((r as CallToolResult).content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
const userOf = async (client: Client) => JSON.parse(textOf(await client.callTool({ name: 'session_get_user_info', arguments: {} }))) as { username?: string; loggedIn?: boolean };

describe('stdio: login --sso, then the gateway as that person', () => {
  const tokenFile = path.join(dir, 'stdio', 'sso-token.json');
  const config = path.join(dir, 'stdio.yaml');

  it('signs in through the browser with PKCE and saves the tokens for the user only', async () => {
    writeFileSync(
      config,
      `url: ${sim.url}\nreadOnly: false\nallow: ["*"]\nsso:\n  issuer: ${idp.issuer}\n  clientId: argo-cd-cli\n  redirectUri: http://localhost:${loginPort}/auth/callback\n  tokenFile: ${tokenFile}\n`,
    );
    const child = spawn(process.execPath, [CLI, 'login', '--sso', '--no-browser', '--config', config], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`login exited ${code}: ${stderr}`)));
    });
    const page = await idp.browserLoginAndFollow(url, 'alice');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/Signed in to Argo CD/);
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Signed in as alice@example\.com; tokens saved to /);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(tokenFile)).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(tokenFile, 'utf8')) as { idToken: string; refreshToken?: string; email: string };
    expect(saved).toMatchObject({ email: 'alice@example.com', issuer: idp.issuer, clientId: 'argo-cd-cli' });
    expect(saved.refreshToken).toBeTruthy();
    expect(stderr).not.toContain(saved.idToken);
  });

  it('calls Argo CD as the person who signed in, and refreshes the id token when it runs out', async () => {
    const before = JSON.parse(readFileSync(tokenFile, 'utf8')) as { idToken: string };
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, '--config', config], env: { PATH: process.env.PATH ?? '' }, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'sso-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(await userOf(client)).toMatchObject({ loggedIn: true, username: 'alice@example.com' });
      // alice is in ops (role:admin): a sync goes through as her.
      const sync = await client.callTool({ name: 'application_sync', arguments: { name: 'guestbook' } });
      expect(sync.isError, textOf(sync)).toBeFalsy();
      // The id token lives 4 s: later calls go out with a refreshed one, written back to the file.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      expect(await userOf(client)).toMatchObject({ loggedIn: true, username: 'alice@example.com' });
      const after = JSON.parse(readFileSync(tokenFile, 'utf8')) as { idToken: string };
      expect(after.idToken).not.toBe(before.idToken);
      expect(stderr).not.toContain(after.idToken);
      expect(stderr).not.toContain(before.idToken);
    } finally {
      await client.close();
    }
  });

  it('says to run login --sso when nobody has signed in', async () => {
    const other = path.join(dir, 'nobody.yaml');
    writeFileSync(other, `url: ${sim.url}\nsso:\n  issuer: ${idp.issuer}\n  clientId: argo-cd-cli\n  tokenFile: ${path.join(dir, 'none', 'sso-token.json')}\n`);
    const client = new Client({ name: 'sso-nobody', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, '--config', other], env: { PATH: process.env.PATH ?? '' }, stderr: 'pipe' }));
    try {
      const result = await client.callTool({ name: 'application_list', arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/login --sso/);
    } finally {
      await client.close();
    }
  });
});

describe('HTTP: every user signs in with their own account', () => {
  let gw: Gateway;
  const mcpUrl = () => `http://127.0.0.1:${gatewayPort}/mcp`;
  beforeAll(async () => {
    const config = path.join(dir, 'http.yaml');
    writeFileSync(
      config,
      `readOnly: false\nallow: ["*"]\nconfirm: never\nsso:\n  issuer: ${idp.issuer}\n  clientId: mcp-gateway\n  clientSecret: \${GATEWAY_SECRET}\n  redirectUri: http://127.0.0.1:${gatewayPort}/oauth/callback\n`,
    );
    gw = await startGateway({
      env: { ARGOCD_BASE_URL: sim.url, ARGOCD_MCP_CONFIG: config, GATEWAY_SECRET: 'gateway-secret', ARGOCD_MCP_AUTH_ISSUER: idp.issuer, ARGOCD_MCP_AUTH_AUDIENCE: mcpUrl(), ARGOCD_MCP_RATE_LIMIT: 'off' },
      args: ['--port', String(gatewayPort)],
    });
  }, 30_000);
  afterAll(async () => {
    await gw?.stop();
  });

  const tokenOf = (account: string) => idp.accessTokenFor(account, { clientId: 'mcp-client', resource: mcpUrl(), scope: 'openid argocd:write' });
  async function connect(account: string, opts: { urlElicitation?: (url: string) => Promise<void> } = {}): Promise<Client> {
    const token = await tokenOf(account);
    const client = new Client({ name: `sso-${account}`, version: '1.0.0' }, { capabilities: opts.urlElicitation ? { elicitation: { url: {} } } : {} });
    if (opts.urlElicitation) {
      const open = opts.urlElicitation;
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        const params = request.params as { mode?: string; url?: string };
        expect(params.mode).toBe('url');
        // The user agrees to open the link; their browser does the rest while the call waits.
        void open(params.url!);
        return { action: 'accept' };
      });
    }
    return connectWith(client, mcpUrl(), token);
  }

  it('asks a user without Argo CD tokens to sign in (URL elicitation), then runs the call as them', async () => {
    let opened = '';
    const client = await connect('alice', {
      urlElicitation: async (url) => {
        opened = url;
        const page = await idp.browserLoginAndFollow(url, 'alice');
        expect(page.status).toBe(200);
      },
    });
    try {
      expect(await userOf(client)).toMatchObject({ loggedIn: true, username: 'alice@example.com' });
      expect(opened).toContain(`${idp.issuer}/auth?`);
      expect(opened).toContain('code_challenge_method=S256');
      // Signed in: no second prompt, and her RBAC (ops → admin) lets her sync.
      const sync = await client.callTool({ name: 'application_sync', arguments: { name: 'guestbook' } });
      expect(sync.isError, textOf(sync)).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('gives a client without URL elicitation the sign-in link in the error, and applies each person\'s RBAC', async () => {
    const client = await connect('bob');
    try {
      const first = await client.callTool({ name: 'application_list', arguments: {} });
      expect(first.isError).toBe(true);
      const link = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(textOf(first))?.[1];
      expect(link, textOf(first)).toBeTruthy();
      expect(textOf(first)).toMatch(/Nothing was sent to Argo CD/);
      const page = await idp.browserLoginAndFollow(link!, 'bob');
      expect(page.body, page.body).toMatch(/signed in as bob@example\.com/);
      expect(await userOf(client)).toMatchObject({ username: 'bob@example.com' });
      // bob is a viewer (role:readonly): he reads, Argo CD refuses his sync.
      expect((await client.callTool({ name: 'application_get', arguments: { name: 'guestbook' } })).isError).toBeFalsy();
      const sync = await client.callTool({ name: 'application_sync', arguments: { name: 'guestbook' } });
      expect(sync.isError).toBe(true);
      expect(textOf(sync)).toMatch(/403|permission denied/i);
    } finally {
      await client.close();
    }
  });

  it('refuses a sign-in made by another person than the user who asked for it', async () => {
    const res = await fetch(`${gw.origin}/oauth/revoke`, { method: 'POST', headers: { authorization: `Bearer ${await tokenOf('bob')}` } });
    expect(await res.json()).toEqual({ revoked: true });
    const client = await connect('bob');
    try {
      const first = await client.callTool({ name: 'application_list', arguments: {} });
      const link = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(textOf(first))![1];
      const page = await idp.browserLoginAndFollow(link, 'alice');
      expect(page.status).toBe(403);
      expect(page.body).toMatch(/Wrong account/);
      expect((await client.callTool({ name: 'application_list', arguments: {} })).isError).toBe(true);
      // The link works once.
      const again = await idp.browserLoginAndFollow(link, 'bob').catch((err: Error) => ({ status: 0, body: err.message }));
      expect(again.body).not.toMatch(/signed in as bob/);
    } finally {
      await client.close();
    }
  });

  it('signs a user out with POST /oauth/revoke, and never logs a token', async () => {
    const res = await fetch(`${gw.origin}/oauth/revoke`, { method: 'POST', headers: { authorization: `Bearer ${await tokenOf('alice')}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: true });
    const client = await connect('alice');
    try {
      const after = await client.callTool({ name: 'application_list', arguments: {} });
      expect(after.isError).toBe(true);
      expect(textOf(after)).toMatch(/Sign in to Argo CD/);
    } finally {
      await client.close();
    }
    expect((await fetch(`${gw.origin}/oauth/revoke`, { method: 'POST' })).status).toBe(401);
    expect(gw.stderr()).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
    expect(gw.stderr()).not.toContain('gateway-secret');
  });
});

describe('HTTP: token exchange (RFC 8693)', () => {
  let gw: Gateway;
  const mcpUrl = () => `http://127.0.0.1:${exchangePort}/mcp`;
  beforeAll(async () => {
    const config = path.join(dir, 'exchange.yaml');
    writeFileSync(
      config,
      `readOnly: false\nallow: ["*"]\nsso:\n  issuer: ${idp.issuer}\n  clientId: mcp-gateway\n  clientSecretFile: ${path.join(dir, 'secret')}\n  tokenExchange:\n    audience: argo-cd\n`,
    );
    writeFileSync(path.join(dir, 'secret'), 'gateway-secret\n');
    gw = await startGateway({
      env: { ARGOCD_BASE_URL: sim.url, ARGOCD_MCP_CONFIG: config, ARGOCD_MCP_AUTH_ISSUER: idp.issuer, ARGOCD_MCP_AUTH_AUDIENCE: mcpUrl(), ARGOCD_MCP_RATE_LIMIT: 'off' },
      args: ['--port', String(exchangePort)],
    });
  }, 30_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('exchanges the MCP access token for the user\'s Argo CD token, with no browser', async () => {
    for (const [account, email] of [['alice', 'alice@example.com'], ['bob', 'bob@example.com']]) {
      const token = await idp.accessTokenFor(account, { clientId: 'mcp-client', resource: mcpUrl(), scope: 'openid argocd:write' });
      const client = await connectWith(new Client({ name: `exchange-${account}`, version: '1.0.0' }), mcpUrl(), token);
      try {
        expect(await userOf(client)).toMatchObject({ loggedIn: true, username: email });
      } finally {
        await client.close();
      }
    }
    expect(gw.stderr()).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
  });
});

// Skipped only on a developer machine without redis-server; CI installs it.
describe.skipIf(!redisAvailable() && !process.env.CI)('HTTP: replicas share users\' Argo CD tokens through Redis', () => {
  let redis: RedisServer;
  let replicas: Gateway[] = [];
  const keyFile = path.join(dir, 'sso-key');
  beforeAll(async () => {
    redis = await startRedis();
    writeFileSync(keyFile, `${Buffer.alloc(32, 9).toString('base64')}\n`);
    const config = path.join(dir, 'replicas.yaml');
    // One public address in front of both: the provider sends every browser back to the first replica's callback.
    writeFileSync(
      config,
      `readOnly: false\nallow: ["*"]\nsso:\n  issuer: ${idp.issuer}\n  clientId: mcp-gateway\n  clientSecret: gateway-secret\n  redirectUri: http://127.0.0.1:${replicaPorts[0]}/oauth/callback\n  encryptionKeyFile: ${keyFile}\n`,
    );
    replicas = await Promise.all(
      replicaPorts.map((port) =>
        startGateway({
          env: { ARGOCD_BASE_URL: sim.url, ARGOCD_MCP_CONFIG: config, ARGOCD_MCP_AUTH_ISSUER: idp.issuer, ARGOCD_MCP_AUTH_AUDIENCE: 'https://mcp.example.com/mcp', ARGOCD_MCP_REDIS: redis.url, ARGOCD_MCP_RATE_LIMIT: 'off' },
          args: ['--port', String(port), '--stateless'],
        }),
      ),
    );
  }, 30_000);
  afterAll(async () => {
    await Promise.all(replicas.map((g) => g.stop()));
    await redis?.stop();
  });

  it('starts a sign-in on one replica, completes it on the other, and serves the user on both; tokens are stored encrypted', async () => {
    const token = await idp.accessTokenFor('alice', { clientId: 'mcp-client', resource: 'https://mcp.example.com/mcp', scope: 'openid argocd:write' });
    const clientOf = (gw: Gateway) => connectWith(new Client({ name: 'replica', version: '1.0.0' }), gw.url, token);
    const [a, b] = [await clientOf(replicas[0]), await clientOf(replicas[1])];
    try {
      const first = await b.callTool({ name: 'application_list', arguments: {} });
      const link = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(textOf(first))?.[1];
      expect(link, textOf(first)).toBeTruthy();
      const page = await idp.browserLoginAndFollow(link!, 'alice');
      expect(page.url).toContain(`127.0.0.1:${replicaPorts[0]}/oauth/callback`);
      expect(page.body).toMatch(/signed in as alice@example\.com/);
      expect(await userOf(b)).toMatchObject({ username: 'alice@example.com' });
      expect(await userOf(a)).toMatchObject({ username: 'alice@example.com' });
      const keys = await redis.client.keys('argocd-mcp:sso:*');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toContain('alice');
        expect(await redis.client.get(key)).not.toMatch(/eyJ|alice/);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
