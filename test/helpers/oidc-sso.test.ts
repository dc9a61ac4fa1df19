import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ACCESS_TOKEN_TYPE,
  ID_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  pkcePair,
  startSsoProvider,
  type SsoProvider,
} from './oidc-sso.ts';

const accounts = {
  alice: { email: 'alice@example.com', groups: ['argocd-admins', 'dev'], name: 'Alice Admin' },
  bob: { email: 'bob@example.com', groups: ['viewers'] },
};

let sso: SsoProvider;
let callbackServer: Server;
let callbackBase: string;

beforeAll(async () => {
  // A loopback "client under test" that receives the authorization response.
  callbackServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.end(`callback code=${url.searchParams.get('code')} state=${url.searchParams.get('state')}`);
  });
  await new Promise<void>((r) => callbackServer.listen(0, '127.0.0.1', r));
  callbackBase = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}`;
  sso = await startSsoProvider({
    accounts,
    clients: [
      { id: 'argocd-cli', redirectUris: ['http://localhost:8085/auth/callback', `${callbackBase}/auth/callback`] },
      { id: 'argo-cd', secret: 'argo-secret', redirectUris: [`${callbackBase}/auth/callback`] },
      {
        id: 'gateway',
        secret: 'gateway-secret',
        authMethod: 'client_secret_post',
        redirectUris: [`${callbackBase}/gateway/callback`],
        tokenExchange: true,
      },
    ],
    idTokenTtl: 120,
    accessTokenTtl: 60,
  });
});

afterAll(async () => {
  await sso?.close();
  callbackServer?.closeAllConnections();
  await new Promise((r) => callbackServer?.close(r));
});

afterEach(() => {
  vi.useRealTimers();
});

const jwks = () => createLocalJWKSet({ keys: sso.publicJwks() as JWK[] });

function authorizationUrl(params: Record<string, string>): string {
  const url = new URL(`${sso.issuer}/auth`);
  url.search = new URLSearchParams({ response_type: 'code', scope: 'openid profile email groups', ...params }).toString();
  return url.href;
}

async function token(body: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${sso.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, string & number> };
}

const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

function exchange(subjectToken: string, extra: Record<string, string> = {}) {
  return token({
    grant_type: TOKEN_EXCHANGE_GRANT,
    client_id: 'gateway',
    client_secret: 'gateway-secret',
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    requested_token_type: ID_TOKEN_TYPE,
    audience: 'argo-cd',
    ...extra,
  });
}

describe('SSO OpenID provider helper', () => {
  it('publishes discovery with the endpoints and the token exchange grant', async () => {
    const res = await fetch(`${sso.issuer}/.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(sso.issuer);
    expect(doc.authorization_endpoint).toBe(`${sso.issuer}/auth`);
    expect(doc.token_endpoint).toBe(`${sso.issuer}/token`);
    expect(doc.jwks_uri).toBe(`${sso.issuer}/jwks`);
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', TOKEN_EXCHANGE_GRANT]));
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'groups', 'offline_access']));
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    const served = (await (await fetch(String(doc.jwks_uri))).json()) as { keys: JWK[] };
    expect(served.keys.map((k) => k.kid)).toEqual(sso.publicJwks().map((k) => (k as JWK).kid));
    expect(sso.publicJwks()[0]).not.toHaveProperty('d');
  });

  it('runs the PKCE code flow for a public client, then refreshes to a new ID token', async () => {
    const { verifier, challenge } = pkcePair();
    const redirectUri = 'http://localhost:8085/auth/callback';
    const back = new URL(
      await sso.browserLogin(
        authorizationUrl({
          client_id: 'argocd-cli',
          redirect_uri: redirectUri,
          scope: 'openid profile email groups offline_access',
          state: 'st-1',
          nonce: 'n-1',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
        'alice',
      ),
    );
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code')!;

    const { status, json } = await token({
      grant_type: 'authorization_code',
      client_id: 'argocd-cli',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(status).toBe(200);
    expect(json.refresh_token).toBeTruthy();
    const { payload, protectedHeader } = await jwtVerify(json.id_token, jwks(), {
      issuer: sso.issuer,
      audience: 'argocd-cli',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
      name: 'Alice Admin',
      groups: ['argocd-admins', 'dev'],
      nonce: 'n-1',
    });
    expect(payload.exp! - payload.iat!).toBe(120);

    const refreshed = await token({ grant_type: 'refresh_token', client_id: 'argocd-cli', refresh_token: json.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.id_token).toBeTruthy();
    expect(refreshed.json.id_token).not.toBe(json.id_token);
    const again = await jwtVerify(refreshed.json.id_token, jwks(), { issuer: sso.issuer, audience: 'argocd-cli' });
    expect(again.payload).toMatchObject({ sub: 'alice', email: 'alice@example.com', groups: ['argocd-admins', 'dev'] });
    expect(again.payload.at_hash).not.toBe(payload.at_hash); // bound to the new access token
  });

  it('requires an S256 code challenge and a registered redirect URI', async () => {
    const noPkce = new URL(
      await sso.browserLogin(
        authorizationUrl({ client_id: 'argocd-cli', redirect_uri: `${callbackBase}/auth/callback`, state: 's' }),
        'alice',
      ),
    );
    expect(noPkce.searchParams.get('error')).toBe('invalid_request');
    expect(noPkce.searchParams.get('code')).toBeNull();

    const plain = new URL(
      await sso.browserLogin(
        authorizationUrl({
          client_id: 'argocd-cli',
          redirect_uri: `${callbackBase}/auth/callback`,
          code_challenge: 'a'.repeat(43),
          code_challenge_method: 'plain',
        }),
        'alice',
      ),
    );
    expect(plain.searchParams.get('error')).toBe('invalid_request');

    await expect(
      sso.browserLogin(
        authorizationUrl({ client_id: 'argocd-cli', redirect_uri: 'http://127.0.0.1:1/evil', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
        'alice',
      ),
    ).rejects.toThrow(/HTTP 400: error: invalid_redirect_uri/);
  });

  it('runs the code flow for a confidential client (client_secret_basic) and delivers to a loopback server', async () => {
    const { verifier, challenge } = pkcePair();
    const redirectUri = `${callbackBase}/auth/callback`;
    const followed = await sso.browserLoginAndFollow(
      authorizationUrl({
        client_id: 'argo-cd',
        redirect_uri: redirectUri,
        state: 'st-2',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
      'bob',
    );
    expect(followed.status).toBe(200);
    const code = new URL(followed.url).searchParams.get('code')!;
    expect(followed.body).toBe(`callback code=${code} state=st-2`);

    const wrong = await token(
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
      basic('argo-cd', 'nope'),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('invalid_client');

    const { status, json } = await token(
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
      basic('argo-cd', 'argo-secret'),
    );
    expect(status).toBe(200);
    expect(json.refresh_token).toBeUndefined(); // no offline_access asked
    const { payload } = await jwtVerify(json.id_token, jwks(), { issuer: sso.issuer, audience: 'argo-cd' });
    expect(payload).toMatchObject({ sub: 'bob', email: 'bob@example.com', name: 'bob', groups: ['viewers'] });
  });

  it('runs the code flow for a client_secret_post client through tokensFor', async () => {
    const tokens = await sso.tokensFor('alice', { clientId: 'gateway' });
    expect(tokens.refresh_token).toBeTruthy();
    const { payload } = await jwtVerify(tokens.id_token!, jwks(), { issuer: sso.issuer, audience: 'gateway' });
    expect(payload.email).toBe('alice@example.com');
  });

  it('exchanges an opaque access token for an Argo CD ID token', async () => {
    const subject = await sso.accessTokenFor('alice', { clientId: 'argocd-cli' });
    expect(subject.split('.')).toHaveLength(1);
    const { status, json } = await exchange(subject);
    expect(status).toBe(200);
    expect(json).toMatchObject({ issued_token_type: ID_TOKEN_TYPE, token_type: 'N_A', expires_in: 120 });
    const { payload } = await jwtVerify(json.access_token, jwks(), { issuer: sso.issuer, audience: 'argo-cd' });
    expect(payload).toMatchObject({ sub: 'alice', email: 'alice@example.com', groups: ['argocd-admins', 'dev'] });
  });

  it('exchanges a JWT access token issued for a resource', async () => {
    const resource = 'http://127.0.0.1:9/mcp';
    const subject = await sso.accessTokenFor('bob', { clientId: 'argocd-cli', resource });
    const at = decodeJwt(subject);
    expect(at).toMatchObject({ aud: resource, sub: 'bob', client_id: 'argocd-cli' });
    const { status, json } = await exchange(subject);
    expect(status).toBe(200);
    const { payload } = await jwtVerify(json.access_token, jwks(), { issuer: sso.issuer, audience: 'argo-cd' });
    expect(payload).toMatchObject({ sub: 'bob', email: 'bob@example.com', groups: ['viewers'] });
  });

  it('refuses bad token exchanges', async () => {
    const subject = await sso.accessTokenFor('alice', { clientId: 'argocd-cli' });
    const tokens = await sso.tokensFor('alice', { clientId: 'argocd-cli' });

    expect((await exchange('not-a-token')).json.error).toBe('invalid_grant');
    expect((await exchange(tokens.id_token!)).json.error).toBe('invalid_grant'); // an ID token is no access token
    expect((await exchange(subject, { subject_token_type: ID_TOKEN_TYPE })).json.error).toBe('invalid_request');
    expect((await exchange(subject, { requested_token_type: ACCESS_TOKEN_TYPE })).json.error).toBe('invalid_request');
    expect((await exchange(subject, { audience: 'someone-else' })).json.error).toBe('invalid_target');
    const missing = await token({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: 'gateway',
      client_secret: 'gateway-secret',
      subject_token_type: ACCESS_TOKEN_TYPE,
      audience: 'argo-cd',
    });
    expect(missing).toMatchObject({ status: 400, json: { error: 'invalid_request' } });

    // Only a client configured for the grant may use it.
    const notAllowed = await token(
      { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'argo-cd' },
      basic('argo-cd', 'argo-secret'),
    );
    // oidc-provider answers invalid_request (not unauthorized_client) for a grant type the client lacks.
    const notAllowedError = { error: 'invalid_request', error_description: 'requested grant type is not allowed for this client' };
    expect(notAllowed).toMatchObject({ status: 400, json: notAllowedError });
    const publicClient = await token({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: 'argocd-cli',
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      audience: 'argo-cd',
    });
    expect(publicClient).toMatchObject({ status: 400, json: notAllowedError });
  });

  it('refuses expired subject tokens (opaque and JWT)', async () => {
    const opaque = await sso.accessTokenFor('alice', { clientId: 'argocd-cli' });
    const jwt = await sso.accessTokenFor('alice', { clientId: 'argocd-cli', resource: 'http://127.0.0.1:9/mcp' });
    expect((await exchange(opaque)).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000); // accessTokenTtl is 60 s
    const expiredOpaque = await exchange(opaque);
    expect(expiredOpaque).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect((await exchange(jwt)).json.error).toBe('invalid_grant');
  });

  it('revokeAll() invalidates issued tokens', async () => {
    const other = await startSsoProvider({
      accounts,
      clients: [
        { id: 'cli', redirectUris: ['http://localhost:8085/auth/callback'] },
        { id: 'gw', secret: 's', redirectUris: ['http://127.0.0.1:9/cb'], tokenExchange: true },
      ],
    });
    try {
      const opaque = await other.accessTokenFor('alice', { clientId: 'cli' });
      const jwt = await other.accessTokenFor('alice', { clientId: 'cli', resource: 'http://127.0.0.1:9/mcp' });
      const { refresh_token } = await other.tokensFor('alice', { clientId: 'cli' });
      other.revokeAll();
      for (const subject of [opaque, jwt]) {
        const res = await fetch(`${other.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic('gw', 's') },
          body: new URLSearchParams({
            grant_type: TOKEN_EXCHANGE_GRANT,
            subject_token: subject,
            subject_token_type: ACCESS_TOKEN_TYPE,
            audience: 'cli',
          }),
        });
        expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
      }
      const res = await fetch(`${other.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'cli', refresh_token: refresh_token! }),
      });
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
      // New logins work after the reset.
      expect(await other.accessTokenFor('bob', { clientId: 'cli' })).toBeTruthy();
    } finally {
      await other.close();
    }
  });
});
