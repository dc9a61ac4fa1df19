/** The per-user token store of the HTTP service: encrypted at rest, bound to the user who asked, refreshed, revocable. */
import { describe, expect, it } from 'vitest';
import { createSignInBroker, memorySecretStore } from '../../src/argocd/auth/sso/broker.ts';
import type { SecretStore } from '../../src/argocd/auth/sso/broker.ts';
import type { SsoClient, SsoTokens } from '../../src/argocd/auth/sso/oidc.ts';
import type { SsoSettings } from '../../src/config/sso-settings.ts';
import { createLogger } from '../../src/log.ts';

const settings: SsoSettings = { issuer: 'https://idp.example.com', clientId: 'gw', scopes: ['openid'], tokenFile: '/dev/null', encryptionKey: Buffer.alloc(32, 1) };
const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

/** An identity provider that signs in whoever `who` says, and counts refreshes. */
function providerFor(who: { subject: string }, now: () => number) {
  let refreshes = 0;
  const tokens = (n: number): SsoTokens => ({
    idToken: jwt({ sub: who.subject, n, exp: Math.floor(now() / 1000) + 120 }),
    refreshToken: `refresh-${who.subject}-${n}`,
    expiresAt: Math.floor(now() / 1000) + 120,
    subject: who.subject,
  });
  const client: SsoClient = {
    settings,
    begin: async (redirectUri) => ({ url: `https://idp.example.com/auth?state=s${Math.random()}`, state: `s${Math.random()}`, verifier: 'v', nonce: 'n', redirectUri }),
    finish: async () => tokens(0),
    refresh: async () => tokens(++refreshes),
    exchange: async () => tokens(0),
    revoke: async () => undefined,
  };
  return { client, refreshes: () => refreshes };
}

/** The state of the sign-in a broker started, read back from the store it wrote. */
async function stateOf(store: Map<string, string>): Promise<string> {
  return [...store.keys()].find((k) => k.startsWith('state:'))!.slice('state:'.length);
}

function recordingStore(): { store: SecretStore; seen: Map<string, string> } {
  const inner = memorySecretStore();
  const seen = new Map<string, string>();
  return {
    seen,
    store: {
      get: (k) => inner.get(k),
      set: async (k, v, ttl) => {
        seen.set(k, v);
        await inner.set(k, v, ttl);
      },
      take: (k) => inner.take(k),
      delete: (k) => inner.delete(k),
    },
  };
}

describe('sign-in broker', () => {
  it('keeps tokens encrypted, bound to the user who signed in, and unreadable with another key', async () => {
    let clock = Date.now();
    const now = () => clock;
    const who = { subject: 'alice' };
    const { client } = providerFor(who, now);
    const { store, seen } = recordingStore();
    const broker = createSignInBroker({ settings, redirectUri: () => 'https://mcp.example.com/oauth/callback', store, logger: createLogger('silent'), sameIssuer: true, client, now });
    const alice = { subject: 'alice' };
    expect(await broker.token(alice)).toEqual({ ok: false, signIn: true, message: expect.stringMatching(/Sign in/) });
    const { id } = await broker.start(alice);
    const state = await stateOf(seen);
    const page = await broker.callback(new URL(`https://mcp.example.com/oauth/callback?code=c&state=${state}`));
    expect(page).toMatchObject({ status: 200, title: 'Signed in to Argo CD' });
    expect(await broker.waitFor(alice, id, undefined, 1_000)).toBe(true);
    const token = await broker.token(alice);
    expect(token.ok).toBe(true);
    const idToken = (token as { token: string }).token;
    for (const [key, value] of seen) {
      expect(key).not.toContain('alice');
      expect(value).not.toContain(idToken);
      expect(value).not.toContain('refresh-alice');
    }
    // The same store, another key: nothing to read.
    const other = createSignInBroker({ settings: { ...settings, encryptionKey: Buffer.alloc(32, 2) }, redirectUri: () => 'x', store, logger: createLogger('silent'), sameIssuer: true, client, now });
    expect((await other.token(alice)).ok).toBe(false);
    // The state was single use.
    expect((await broker.callback(new URL(`https://mcp.example.com/oauth/callback?code=c&state=${state}`))).status).toBe(400);

    // Near its expiry the id token is refreshed; revoking signs the user out.
    clock += 110_000;
    const renewed = await broker.token(alice);
    expect(renewed.ok && renewed.token).not.toBe(idToken);
    expect(await broker.revoke(alice)).toBe(true);
    expect((await broker.token(alice)).ok).toBe(false);
  });

  it('refuses a sign-in by another person than the user who asked, when both come from the same issuer', async () => {
    const who = { subject: 'mallory' };
    const { client } = providerFor(who, Date.now);
    const { store, seen } = recordingStore();
    const broker = createSignInBroker({ settings, redirectUri: () => 'https://mcp.example.com/oauth/callback', store, logger: createLogger('silent'), sameIssuer: true, client });
    await broker.start({ subject: 'alice' });
    const page = await broker.callback(new URL(`https://mcp.example.com/oauth/callback?code=c&state=${await stateOf(seen)}`));
    expect(page).toMatchObject({ status: 403, title: 'Wrong account' });
    expect((await broker.token({ subject: 'alice' })).ok).toBe(false);
    expect((await broker.token({ subject: 'mallory' })).ok).toBe(false);
  });
});
