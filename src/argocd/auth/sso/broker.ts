/**
 * Per-user Argo CD tokens for the HTTP service (`sso:` with `serve --transport http`). Each user, known by the
 * subject of their validated MCP access token, gets Argo CD tokens of their own, so Argo CD's RBAC applies per
 * person; the token the MCP client sent is never forwarded (the MCP authorization spec forbids passthrough).
 *
 * - Browser sign-in: a user without tokens is sent to the provider (a URL elicitation, or an error carrying the
 *   link); the provider sends the browser back to `/oauth/callback`, where the code is exchanged (PKCE, single-use
 *   state bound to the user who asked, 10 minutes). When the MCP tokens come from the same issuer, the person who
 *   signed in must be that user.
 * - Token exchange (RFC 8693, `sso.tokenExchange`): the user's MCP access token is exchanged at the provider for an
 *   id token for Argo CD; no browser.
 *
 * Tokens are kept encrypted (AES-256-GCM, `sso.encryptionKeyFile`) in memory or, with `redis`, in Redis so every
 * replica can use them; they are refreshed before they expire, and `POST /oauth/revoke` forgets them.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../../log.ts';
import { redactText } from '../../../redact.ts';
import { createSsoClient, describeSsoError } from './oidc.ts';
import type { PendingSignIn, SsoClient, SsoTokens } from './oidc.ts';
import type { SsoSettings } from '../../../config/sso-settings.ts';

/** Who is calling: the subject of their MCP access token, and that token when token exchange needs it. */
export interface SignInUser {
  subject: string;
  accessToken?: string;
}

export type UserToken = { ok: true; token: string } | { ok: false; signIn: boolean; message: string };

export interface SignInBroker {
  readonly mode: 'browser' | 'token-exchange';
  /** The user's current Argo CD token (refreshed or exchanged as needed). */
  token(user: SignInUser): Promise<UserToken>;
  /** Argo CD refused `rejected`: a newer token (stored since, or refreshed now), or undefined. */
  renew(user: SignInUser, rejected: string): Promise<string | undefined>;
  /** A new browser sign-in for the user: the URL to open, and its id (the elicitation id). */
  start(user: SignInUser): Promise<{ url: string; id: string }>;
  /** Resolves true once the sign-in `id` completed (on any replica), false on timeout or abort. */
  waitFor(user: SignInUser, id: string, signal?: AbortSignal, timeoutMs?: number): Promise<boolean>;
  /** GET /oauth/callback: completes a sign-in and answers the browser a short page. */
  callback(url: URL): Promise<{ status: number; title: string; text: string }>;
  /** Forgets the user's tokens (and revokes the refresh token at the provider, when it can). */
  revoke(user: SignInUser): Promise<boolean>;
}

/** Encrypted blobs by key, with a lifetime: memory, or Redis shared by replicas. */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Deletes and returns the value (single use). */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

export function memorySecretStore(now: () => number = Date.now): SecretStore {
  const map = new Map<string, { value: string; until: number }>();
  const live = (key: string) => {
    const e = map.get(key);
    if (e && e.until <= now()) map.delete(key);
    return map.get(key);
  };
  return {
    get: async (key) => live(key)?.value,
    set: async (key, value, ttl) => {
      map.set(key, { value, until: now() + ttl * 1000 });
    },
    take: async (key) => {
      const e = live(key);
      map.delete(key);
      return e?.value;
    },
    delete: async (key) => {
      map.delete(key);
    },
  };
}

export function redisSecretStore(redis: Redis, prefix = 'argocd-mcp:sso:'): SecretStore {
  return {
    get: async (key) => (await redis.get(prefix + key)) ?? undefined,
    set: async (key, value, ttl) => {
      await redis.set(prefix + key, value, 'EX', Math.max(1, Math.round(ttl)));
    },
    take: async (key) => (await redis.getdel(prefix + key)) ?? undefined,
    delete: async (key) => {
      await redis.del(prefix + key);
    },
  };
}

function sealer(key: Buffer) {
  return {
    seal(value: unknown): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open<T>(blob: string): T | undefined {
      try {
        const raw = Buffer.from(blob, 'base64');
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as T;
      } catch {
        // Another key (rotated, or another deployment's): as if there were nothing.
        return undefined;
      }
    },
  };
}

/** Store keys never hold the subject itself. */
const userKey = (subject: string) => `user:${createHash('sha256').update(subject).digest('hex')}`;

interface Pending extends PendingSignIn {
  subject: string;
  id: string;
}

/** How long a refresh token is kept without use; a provider's own limit is usually shorter. */
const TOKENS_TTL_S = 30 * 24 * 3600;
const SIGN_IN_TTL_S = 10 * 60;
/** Renew when less than this is left of the id token. */
const RENEW_BEFORE_MS = 60_000;

export interface BrokerOptions {
  settings: SsoSettings;
  /** Where the provider sends the browser back: `{public URL}/oauth/callback`. */
  redirectUri: () => string;
  store: SecretStore;
  logger: Logger;
  /** True when MCP access tokens come from the same issuer: the person who signs in must be the same subject. */
  sameIssuer: boolean;
  client?: SsoClient;
  now?: () => number;
}

export function createSignInBroker(options: BrokerOptions): SignInBroker {
  const { settings, store, logger } = options;
  const now = options.now ?? Date.now;
  const client = options.client ?? createSsoClient(settings);
  const box = sealer(settings.encryptionKey ?? randomBytes(32));
  const inflight = new Map<string, Promise<SsoTokens | undefined>>();

  const load = async (subject: string) => {
    const blob = await store.get(userKey(subject));
    return blob ? box.open<SsoTokens>(blob) : undefined;
  };
  const save = (subject: string, tokens: SsoTokens) => store.set(userKey(subject), box.seal(tokens), TOKENS_TTL_S);
  const due = (t: SsoTokens) => t.expiresAt !== undefined && t.expiresAt * 1000 - now() < RENEW_BEFORE_MS;

  /** One refresh or exchange per user at a time. */
  const once = (subject: string, work: () => Promise<SsoTokens | undefined>) => {
    let p = inflight.get(subject);
    if (!p) {
      p = work().finally(() => inflight.delete(subject));
      inflight.set(subject, p);
    }
    return p;
  };

  const refreshed = (user: SignInUser, current: SsoTokens | undefined) =>
    once(user.subject, async () => {
      if (settings.tokenExchange) {
        if (!user.accessToken) throw new Error('token exchange needs the MCP access token of the caller');
        const fresh = await client.exchange(user.accessToken);
        await save(user.subject, fresh);
        return fresh;
      }
      if (!current?.refreshToken) return undefined;
      try {
        const fresh = await client.refresh(current.refreshToken);
        await save(user.subject, fresh);
        return fresh;
      } catch (err) {
        // A refused refresh token is of no further use: the user signs in again.
        await store.delete(userKey(user.subject));
        logger.info({ err: redactText((err as Error).message) }, 'an SSO refresh token was refused; the user must sign in again');
        return undefined;
      }
    });

  const signInAdvice = 'Sign in to Argo CD to continue.';
  return {
    mode: settings.tokenExchange ? 'token-exchange' : 'browser',
    async token(user) {
      try {
        let tokens = await load(user.subject);
        if (!tokens || due(tokens)) tokens = (await refreshed(user, tokens)) ?? undefined;
        if (tokens) return { ok: true, token: tokens.idToken };
        return { ok: false, signIn: !settings.tokenExchange, message: signInAdvice };
      } catch (err) {
        return { ok: false, signIn: false, message: redactText(describeSsoError(err)) };
      }
    },
    async renew(user, rejected) {
      const tokens = await load(user.subject);
      if (tokens && tokens.idToken !== rejected && !due(tokens)) return tokens.idToken;
      try {
        return (await refreshed(user, tokens))?.idToken;
      } catch {
        return undefined;
      }
    },
    async start(user) {
      const pending = await client.begin(options.redirectUri());
      const id = randomBytes(16).toString('hex');
      const record: Pending = { ...pending, subject: user.subject, id };
      await store.set(`state:${pending.state}`, box.seal(record), SIGN_IN_TTL_S);
      logger.info({ subject: user.subject }, 'an SSO sign-in to Argo CD was started');
      return { url: pending.url, id };
    },
    async waitFor(user, id, signal, timeoutMs = SIGN_IN_TTL_S * 1000) {
      const until = now() + timeoutMs;
      while (!signal?.aborted && now() < until) {
        const done = await store.get(`done:${id}`);
        if (done === userKey(user.subject) && (await load(user.subject))) return true;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return false;
    },
    async callback(url) {
      const state = url.searchParams.get('state') ?? '';
      const blob = state ? await store.take(`state:${state}`) : undefined;
      const pending = blob ? box.open<Pending>(blob) : undefined;
      if (!pending) return { status: 400, title: 'Sign-in expired', text: 'This sign-in link was used already or is more than 10 minutes old. Ask your agent to call the tool again for a new one.' };
      const error = url.searchParams.get('error');
      if (error) return { status: 400, title: 'Sign-in failed', text: `The identity provider answered ${error}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}.` };
      let tokens: SsoTokens;
      try {
        // The URL the provider redirected to, as registered (this process may sit behind a proxy on another address).
        const current = new URL(pending.redirectUri);
        current.search = url.search;
        tokens = await client.finish(current, pending);
      } catch (err) {
        return { status: 400, title: 'Sign-in failed', text: redactText((err as Error).message) };
      }
      if (options.sameIssuer && tokens.subject !== pending.subject) {
        logger.warn({ subject: pending.subject }, 'refused an SSO sign-in made by another person than the user who asked for it');
        return { status: 403, title: 'Wrong account', text: 'You signed in as another person than the one using the gateway. Sign in with your own account.' };
      }
      await save(pending.subject, tokens);
      await store.set(`done:${pending.id}`, userKey(pending.subject), SIGN_IN_TTL_S);
      logger.info({ subject: pending.subject, argocdUser: tokens.email ?? tokens.subject }, 'a user signed in to Argo CD');
      return { status: 200, title: 'Signed in to Argo CD', text: `You are signed in as ${tokens.email ?? tokens.subject}. You can close this window and go back to your agent.` };
    },
    async revoke(user) {
      const tokens = await load(user.subject);
      await store.delete(userKey(user.subject));
      if (tokens?.refreshToken) await client.revoke(tokens.refreshToken);
      if (tokens) logger.info({ subject: user.subject }, 'a user\'s Argo CD tokens were revoked');
      return !!tokens;
    },
  };
}
