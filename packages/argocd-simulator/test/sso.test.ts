import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsoVerifier } from '../src/auth.ts';
import { type Simulator, type SimulatorSsoOptions, startSimulator } from 'argocd-simulator';
import { call } from './helpers.ts';

const ISSUER = 'https://idp.example.com/realms/argo';
const CLIENT_ID = 'argo-cd';
const REFUSED = { error: 'invalid session: failed to verify the token', code: 16, message: 'invalid session: failed to verify the token', details: [] };

type Key = CryptoKey;
let rsaKey: Key;
let ecKey: Key;
let strangerKey: Key;
let sso: SimulatorSsoOptions;
let sim: Simulator;

/** Signs an id token as the IdP would; claims override the defaults (iss, aud, iat, exp in one hour). */
async function idToken(claims: JWTPayload & Record<string, unknown>, opts: { key?: Key; alg?: string; kid?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const alg = opts.alg ?? 'RS256';
  const body = { iss: ISSUER, aud: CLIENT_ID, iat: now, exp: now + 3600, ...claims };
  return new SignJWT(body).setProtectedHeader({ alg, kid: opts.kid ?? (alg === 'ES256' ? 'ec-1' : 'rsa-1'), typ: 'JWT' }).sign(opts.key ?? rsaKey);
}

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  rsaKey = rsa.privateKey;
  ecKey = ec.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  sso = {
    issuer: ISSUER,
    clientId: CLIENT_ID,
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', use: 'sig', alg: 'RS256' } as JsonWebKey,
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' } as JsonWebKey,
    ],
    groupRoles: { 'ops-team': 'admin', developers: 'readonly' },
    defaultRole: '',
  };
  sim = await startSimulator({ syncDurationMs: 100, appCount: 10, sso });
});
afterAll(() => sim?.close());

async function anyApp(): Promise<{ name: string; project: string }> {
  const list = await call(sim, '/api/v1/applications');
  const app = list.body.items[0];
  return { name: app.metadata.name, project: app.spec.project };
}

describe('SSO id tokens (oidc.config)', () => {
  it('lets an ops-team (role:admin) user get and sync, recorded as their email', async () => {
    const token = await idToken({ sub: 'u-1001', email: 'alice@example.com', groups: ['ops-team'] });
    const { name } = await anyApp();
    const got = await call(sim, `/api/v1/applications/${name}`, { token });
    expect(got.status).toBe(200);
    expect(got.body.metadata.name).toBe(name);
    const synced = await call(sim, `/api/v1/applications/${name}/sync`, { token, method: 'POST', json: {} });
    expect(synced.status).toBe(200);
    expect(synced.body.operation.initiatedBy).toEqual({ username: 'alice@example.com' });
  });

  it('accepts ES256 tokens and an aud array that contains the client id', async () => {
    const token = await idToken({ sub: 'u-1002', aud: ['other-app', CLIENT_ID], groups: ['ops-team'] }, { key: ecKey, alg: 'ES256' });
    expect((await call(sim, '/api/v1/applications', { token })).status).toBe(200);
  });

  it('lets a developers (role:readonly) user get but answers 403 on sync, naming the token sub', async () => {
    const iat = 1_767_225_600; // 2026-01-01T00:00:00Z
    const token = await idToken({ sub: 'u-2002', email: 'bob@example.com', groups: ['developers', 'unmapped'], iat });
    const { name, project } = await anyApp();
    expect((await call(sim, `/api/v1/applications/${name}`, { token })).status).toBe(200);
    const r = await call(sim, `/api/v1/applications/${name}/sync`, { token, method: 'POST', json: {} });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 7, message: `permission denied: applications, sync, ${project}/${name}, sub: u-2002, iat: 2026-01-01T00:00:00Z` });
  });

  it('admin wins when a user is in both an admin and a readonly group', async () => {
    const token = await idToken({ sub: 'u-2003', groups: ['developers', 'ops-team'] });
    const { name, project } = await anyApp();
    expect((await call(sim, `/api/v1/account/can-i/applications/sync/${encodeURIComponent(`${project}/${name}`)}`, { token })).body).toEqual({ value: 'yes' });
  });

  it('with policy.default "" a user in no mapped group sees an empty list and 403 on everything else', async () => {
    const token = await idToken({ sub: 'u-3003', email: 'carol@example.com', groups: ['marketing'] });
    const { name } = await anyApp();
    const list = await call(sim, '/api/v1/applications', { token });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    const got = await call(sim, `/api/v1/applications/${name}`, { token });
    expect(got.status).toBe(403);
    expect(got.body).toMatchObject({ code: 7, message: 'permission denied' });
    expect((await call(sim, `/api/v1/applications/${name}/sync`, { token, method: 'POST', json: {} })).status).toBe(403);
    expect((await call(sim, '/api/v1/account/can-i/applications/get/*', { token })).body).toEqual({ value: 'no' });
    expect((await call(sim, '/api/v1/projects', { token })).body.items ?? []).toEqual([]);
  });

});

describe('SSO id tokens that argocd-server refuses', () => {
  it('answers 401 "failed to verify the token" for an expired token, as argocd-server v2.7+ does', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await idToken({ sub: 'u-1001', groups: ['ops-team'], iat: now - 7200, exp: now - 60 });
    const r = await call(sim, '/api/v1/applications', { token });
    expect(r.status).toBe(401);
    expect(r.body).toEqual(REFUSED);
    // userinfo keeps the iss "sso" marker argocd-server leaves for expired id tokens
    expect((await call(sim, '/api/v1/session/userinfo', { token })).body).toEqual({ iss: 'sso' });
  });

  it('answers 401 for a wrong audience, a token without aud, another key, an unknown kid, an unknown issuer and alg none', async () => {
    const base = { sub: 'u-1001', groups: ['ops-team'] };
    const tokens = [
      await idToken({ ...base, aud: 'someone-else' }),
      await idToken({ ...base, aud: undefined }),
      await idToken(base, { key: strangerKey }),
      await idToken(base, { key: strangerKey, kid: 'rsa-9' }),
      await idToken({ ...base, iss: 'https://evil.example.com' }),
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: CLIENT_ID, sub: 'x', exp: 9_999_999_999, groups: ['ops-team'] })).toString('base64url')}.`,
    ];
    for (const token of tokens) {
      const r = await call(sim, '/api/v1/applications', { token });
      expect(r.status, token).toBe(401);
      expect(r.body).toEqual(REFUSED);
      expect((await call(sim, '/api/v1/session/userinfo', { token })).body).toEqual({});
    }
  });

  it('still accepts the seeded argocd tokens and refuses forged ones with the old wording', async () => {
    expect((await call(sim, '/api/v1/applications')).status).toBe(200);
    expect((await call(sim, '/api/v1/session/userinfo')).body).toEqual({ loggedIn: true, username: 'admin', iss: 'argocd', groups: [] });
    const forged = `${sim.tokens.admin.split('.').slice(0, 2).join('.')}.AAAA`;
    const r = await call(sim, '/api/v1/applications', { token: forged });
    expect(r.status).toBe(401);
    expect(r.body.message).toBe('invalid session: token signature is invalid: signature is invalid');
  });

  it('reports the SSO username (email, else sub), issuer and groups in userinfo', async () => {
    const withEmail = await idToken({ sub: 'u-1001', email: 'alice@example.com', groups: ['ops-team', 'everyone'] });
    expect((await call(sim, '/api/v1/session/userinfo', { token: withEmail })).body).toEqual({ loggedIn: true, username: 'alice@example.com', iss: ISSUER, groups: ['ops-team', 'everyone'] });
    const subOnly = await idToken({ sub: 'u-4004' });
    expect((await call(sim, '/api/v1/session/userinfo', { token: null, headers: { cookie: `argocd.token=${subOnly}` } })).body).toEqual({ loggedIn: true, username: 'u-4004', iss: ISSUER, groups: [] });
  });
});

describe('SSO options', () => {
  it('policy.default readonly lets anyone with a valid token read', async () => {
    const other = await startSimulator({ appCount: 3, sso: { ...sso, defaultRole: 'readonly', allowedAudiences: ['argo-cd-cli'] } });
    try {
      const cli = await idToken({ sub: 'u-5005', aud: 'argo-cd-cli' });
      expect((await call(other, '/api/v1/applications', { token: cli })).body.items).toHaveLength(3);
      // allowedAudiences replaces the client id, as OAuth2AllowedAudiences does
      expect((await call(other, '/api/v1/applications', { token: await idToken({ sub: 'u-5005' }) })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('rejects unusable options before listening', async () => {
    await expect(startSimulator({ sso: { ...sso, issuer: '' } })).rejects.toThrow(/sso.issuer/);
    await expect(startSimulator({ sso: { ...sso, keys: [] } })).rejects.toThrow(/sso.keys/);
    await expect(startSimulator({ sso: { ...sso, keys: [{ kty: 'RSA', n: 'x' }] } })).rejects.toThrow(/sso.keys\[0\]/);
    await expect(startSimulator({ sso: { ...sso, groupRoles: { x: 'owner' as 'admin' } } })).rejects.toThrow(/groupRoles/);
  });

  it('keeps go-oidc\'s reason for each refusal (argocd-server logs it)', async () => {
    const v = new SsoVerifier(sso);
    const now = Math.floor(Date.now() / 1000);
    const expired = v.verify(await idToken({ sub: 'x', exp: 1_767_225_600 }));
    expect(expired).toEqual({ expired: true, reason: 'failed to verify provider token: oidc: token is expired (Token Expiry: 2026-01-01T00:00:00Z)' });
    expect(v.verify(await idToken({ sub: 'x', aud: ['a', 'b'] })).reason).toBe('failed to verify provider token: oidc: expected audience "argo-cd" got ["a" "b"]');
    expect(v.verify(await idToken({ sub: 'x' }, { key: strangerKey })).reason).toMatch(/failed to verify signature/);
    expect(v.verify(await idToken({ sub: 'x', nbf: now + 3600 })).reason).toMatch(/before the nbf/);
    expect(v.verify(await idToken({ sub: 'x', nbf: now + 60 })).caller).toBeDefined(); // 5 min leeway
  });
});
