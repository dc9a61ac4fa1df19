/**
 * Issue 7, part 3: the gateway as an OAuth 2.1 resource server (MCP authorization spec) against a real OpenID
 * provider (oidc-provider on 127.0.0.1, client credentials, JWT access tokens), and static API keys.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/credentials/api-keys.ts';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { INITIALIZE, post, rawSession, sleep, startGateway, textOf, freePort } from './harness.ts';
import type { Gateway } from './harness.ts';
import { startOidcProvider } from './oidc.ts';
import type { OidcProvider } from './oidc.ts';


let sim: Simulator;
let op: OidcProvider;
let gw: Gateway;
let resource: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-mcp-auth-'));

beforeAll(async () => {
  [sim, op] = await Promise.all([
    startSimulator({ syncDurationMs: 100 }),
    startOidcProvider([
      { id: 'reader', secret: 'reader-secret', scope: 'argocd:read' },
      { id: 'writer', secret: 'writer-secret', scope: 'argocd:read argocd:write' },
      { id: 'nobody', secret: 'nobody-secret', scope: 'profile' },
      { id: 'short', secret: 'short-secret', scope: 'argocd:read', ttl: 1 },
    ]),
  ]);
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  gw = await startGateway({
    env: {
      ARGOCD_BASE_URL: sim.url,
      ARGOCD_API_TOKEN: sim.tokens.admin,
      ARGOCD_MCP_ALLOW: '*',
      ARGOCD_MCP_READ_ONLY: 'false',
      ARGOCD_MCP_RATE_LIMIT: 'off',
      ARGOCD_MCP_AUTH_ISSUER: op.issuer,
      ARGOCD_MCP_PUBLIC_URL: resource,
    },
    args: ['--port', String(port)],
  });
});
afterAll(async () => {
  await gw?.stop('SIGKILL');
  await Promise.all([sim?.close(), op?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('OAuth 2.1 resource server', () => {
  it('answers 401 with WWW-Authenticate naming the Protected Resource Metadata, which names the issuer', async () => {
    const res = await post(gw.url, INITIALIZE);
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)![1];
    expect(metadataUrl).toBe(`${gw.origin}/.well-known/oauth-protected-resource/mcp`);
    for (const url of [metadataUrl, `${gw.origin}/.well-known/oauth-protected-resource`]) {
      const meta = await (await fetch(url)).json();
      expect(meta).toMatchObject({ resource, authorization_servers: [op.issuer], scopes_supported: ['argocd:read', 'argocd:write'], bearer_methods_supported: ['header'] });
    }
  });

  it('gives a token with only argocd:read the read-only tools, for tools/list and calls alike', async () => {
    const token = await op.token('reader', { scope: 'argocd:read', resource });
    const client = await gw.connect({ requestInit: { headers: bearer(token) } });
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(10);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    expect(tools.map((t) => t.name)).not.toContain('application_sync');
    const before = sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sync')).length;
    const refused = await client.callTool({ name: 'application_sync', arguments: { name: 'guestbook' } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/not available|read-only/);
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sync')).length).toBe(before);
    expect((await client.callTool({ name: 'version_get', arguments: {} })).isError).toBeFalsy();
  });

  it('gives a token with argocd:write the configured allowlist, and records its subject as who in the audit', async () => {
    const token = await op.token('writer', { scope: 'argocd:read argocd:write', resource });
    const client = await gw.connect({ requestInit: { headers: bearer(token) } });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('application_sync');
    const result = await client.callTool({ name: 'application_sync', arguments: { name: 'guestbook' } });
    expect(result.isError, textOf(result)).toBeFalsy();
    const audit = await gw.waitForLog((l) => (l.audit as { tool?: string } | undefined)?.tool === 'application_sync' && (l.audit as { outcome?: string }).outcome === 'ok');
    expect((audit.audit as { who: string }).who).toBe('writer');
    expect(gw.stderr()).not.toContain(token);
  });

  it('refuses a token for another audience (401 invalid_token) and one without an argocd scope (403 insufficient_scope)', async () => {
    const other = await op.token('writer', { scope: 'argocd:write', resource: 'https://other.example.com/mcp' });
    const wrongAudience = await post(gw.url, INITIALIZE, bearer(other));
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toMatch(/error="invalid_token".*aud/);

    const noScope = await op.token('nobody', { scope: 'profile', resource });
    const forbidden = await post(gw.url, INITIALIZE, bearer(noScope));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="argocd:read"/);

    const garbage = await post(gw.url, INITIALIZE, bearer('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'));
    expect(garbage.status).toBe(401);
  });

  it('keeps a session to the subject that opened it: another token cannot use its id', async () => {
    const reader = await op.token('reader', { scope: 'argocd:read', resource });
    const writer = await op.token('writer', { scope: 'argocd:read argocd:write', resource });
    const id = await rawSession(gw.url, bearer(reader));
    const res = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...bearer(writer), 'mcp-session-id': id });
    expect(res.status).toBe(404);
    const own = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { ...bearer(reader), 'mcp-session-id': id });
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it('refuses an access token once it has expired mid-session (401), and the next token works again', async () => {
    const short = await op.token('short', { scope: 'argocd:read', resource });
    const id = await rawSession(gw.url, bearer(short));
    const ok = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...bearer(short), 'mcp-session-id': id });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    // ttl 1 s, plus the verifier's 5 s leeway for clock skew.
    await sleep(6_500);
    const expired = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { ...bearer(short), 'mcp-session-id': id });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/error="invalid_token".*expired/);
    const fresh = await op.token('short', { scope: 'argocd:read', resource });
    const again = await post(gw.url, { jsonrpc: '2.0', id: 4, method: 'tools/list' }, { ...bearer(fresh), 'mcp-session-id': id });
    expect(again.status).toBe(200);
    await again.body?.cancel();
  }, 20_000);
});

describe('static API keys (sha256 hashes in a file)', () => {
  let keyed: Gateway;
  const key = 'amk_3f9c2a7d51e84b0c9d6e2f1a8b7c4d3e';
  beforeAll(async () => {
    const file = path.join(dir, 'api-keys');
    writeFileSync(file, `# CI bot\n${hashApiKey(key)} ci-bot argocd:read\n${hashApiKey('another-key-value-000000')} ops argocd:read,argocd:write\n`);
    keyed = await startGateway({
      env: {
        ARGOCD_BASE_URL: sim.url,
        ARGOCD_API_TOKEN: sim.tokens.admin,
        ARGOCD_MCP_API_KEYS_FILE: file,
        ARGOCD_MCP_RATE_LIMIT: 'off',
        ARGOCD_MCP_ALLOW: '*',
        ARGOCD_MCP_READ_ONLY: 'false',
        ARGOCD_MCP_MAX_SESSIONS: '5',
        ARGOCD_MCP_MAX_SESSIONS_PER_CLIENT: '3',
      },
    });
  });
  afterAll(async () => {
    await keyed?.stop('SIGKILL');
  });

  it('accepts a listed key as a bearer token or X-API-Key, with its scopes, and refuses others', async () => {
    const client = await keyed.connect({ requestInit: { headers: bearer(key) } });
    const { tools } = await client.listTools();
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    const viaHeader = await post(keyed.url, INITIALIZE, { 'x-api-key': key });
    expect(viaHeader.status).toBe(200);
    await viaHeader.body?.cancel();
    const wrong = await post(keyed.url, INITIALIZE, bearer(`${key}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    // No OAuth issuer: no metadata to point at.
    expect(wrong.headers.get('www-authenticate')).not.toMatch(/resource_metadata/);
    expect(keyed.stderr()).not.toContain(key);
  });

  it('caps the sessions one client holds (429) and the sessions of the gateway (503), and frees a slot on DELETE', async () => {
    // One session of ci-bot is open already (the test above), one of the X-API-Key initialize.
    const open = async (k: string) => {
      const res = await post(keyed.url, INITIALIZE, bearer(k));
      const body = await res.json();
      return { status: res.status, id: res.headers.get('mcp-session-id'), body };
    };
    const third = await open(key);
    expect(third.status).toBe(200);
    const fourth = await open(key);
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.message).toMatch(/already holds 3 open sessions \(maxSessionsPerClient\)/);
    const ops = 'another-key-value-000000';
    expect((await open(ops)).status).toBe(200);
    expect((await open(ops)).status).toBe(200);
    const full = await open(ops);
    expect(full.status).toBe(503);
    expect(full.body.error.message).toMatch(/maximum of 5 sessions \(maxSessions\)/);
    const closed = await fetch(keyed.url, { method: 'DELETE', headers: { ...bearer(key), 'mcp-session-id': third.id!, 'mcp-protocol-version': '2025-06-18' } });
    expect(closed.status).toBe(200);
    expect((await open(ops)).status).toBe(200);
  });
});
