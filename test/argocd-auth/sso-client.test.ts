/**
 * Where the SSO client finds the provider's endpoints: discovery at the issuer, the configured URLs in place of
 * discovered ones, or the configured URLs alone (no discovery). A provider on 127.0.0.1 that counts its discovery
 * requests; the authorization URL `begin` builds shows which endpoint was taken.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSsoClient } from '../../src/argocd/auth/sso/oidc.ts';
import type { SsoSettings } from '../../src/config/sso-settings.ts';

interface Provider {
  issuer: string;
  discoveries: () => number;
  /** Until this is called, discovery answers 503. */
  up: () => void;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function startProvider(options: { down?: boolean } = {}): Promise<Provider> {
  let discoveries = 0;
  let down = options.down ?? false;
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
    discoveries++;
    if (down) return void res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ issuer, authorization_endpoint: `${issuer}/discovered/auth`, token_endpoint: `${issuer}/discovered/token`, response_types_supported: ['code'] }),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    discoveries: () => discoveries,
    up: () => {
      down = false;
    },
  };
}

const settingsFor = (issuer: string, more: Partial<SsoSettings> = {}): SsoSettings => ({ issuer, clientId: 'gw', scopes: ['openid'], tokenFile: '/dev/null', ...more });

describe('the SSO client finds the provider', () => {
  it('by discovery at the issuer, and builds a PKCE (S256) authorization URL with state and nonce', async () => {
    const idp = await startProvider();
    const pending = await createSsoClient(settingsFor(idp.issuer)).begin('http://127.0.0.1:1/oauth/callback');
    const url = new URL(pending.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/discovered/auth`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBe(pending.state);
    expect(url.searchParams.get('nonce')).toBe(pending.nonce);
    expect(url.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:1/oauth/callback');
    expect(idp.discoveries()).toBe(1);
  });

  it('puts a configured authorization URL in place of the discovered one', async () => {
    const idp = await startProvider();
    const pending = await createSsoClient(settingsFor(idp.issuer, { authorizationUrl: `${idp.issuer}/proxied/auth` })).begin('http://127.0.0.1:1/cb');
    const url = new URL(pending.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/proxied/auth`);
    expect(idp.discoveries()).toBe(1);
  });

  it('does not ask for discovery when both URLs are configured', async () => {
    const idp = await startProvider();
    const client = createSsoClient(settingsFor(idp.issuer, { authorizationUrl: `${idp.issuer}/own/auth`, tokenUrl: `${idp.issuer}/own/token` }));
    const url = new URL((await client.begin('http://127.0.0.1:1/cb')).url);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/own/auth`);
    expect(idp.discoveries()).toBe(0);
  });

  it('reads the configuration once, and asks again after a failed read', async () => {
    const idp = await startProvider({ down: true });
    const client = createSsoClient(settingsFor(idp.issuer));
    await expect(client.begin('http://127.0.0.1:1/cb')).rejects.toThrow(/cannot read the OIDC configuration of .*; check sso.issuer/);
    idp.up();
    await client.begin('http://127.0.0.1:1/cb');
    await client.begin('http://127.0.0.1:1/cb');
    expect(idp.discoveries()).toBe(2);
  });
});
