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

/** What a sign-in callback answers the browser: a status and a short page. */
type CallbackPage = Awaited<ReturnType<SignInBroker['callback']>>;

/** Each user's tokens and pending sign-ins, sealed in the store. */
class SealedVault {
  constructor(
    private readonly store: SecretStore,
    private readonly box: ReturnType<typeof sealer>,
  ) {}

  async tokens(subject: string): Promise<SsoTokens | undefined> {
    const blob = await this.store.get(userKey(subject));
    return blob ? this.box.open<SsoTokens>(blob) : undefined;
  }

  saveTokens(subject: string, tokens: SsoTokens): Promise<void> {
    return this.store.set(userKey(subject), this.box.seal(tokens), TOKENS_TTL_S);
  }

  forgetTokens(subject: string): Promise<void> {
    return this.store.delete(userKey(subject));
  }

  savePending(pending: Pending): Promise<void> {
    return this.store.set(`state:${pending.state}`, this.box.seal(pending), SIGN_IN_TTL_S);
  }

  /** The sign-in begun with `state`, once: a second callback with the same state finds nothing. */
  async takePending(state: string): Promise<Pending | undefined> {
    const blob = state ? await this.store.take(`state:${state}`) : undefined;
    return blob ? this.box.open<Pending>(blob) : undefined;
  }

  /** Tells every replica that sign-in `pending.id` completed, and for whom. */
  markDone(pending: Pending): Promise<void> {
    return this.store.set(`done:${pending.id}`, userKey(pending.subject), SIGN_IN_TTL_S);
  }

  async isDone(id: string, subject: string): Promise<boolean> {
    return (await this.store.get(`done:${id}`)) === userKey(subject);
  }
}

interface BrokerParts {
  options: BrokerOptions;
  client: SsoClient;
  vault: SealedVault;
  now: () => number;
}

/** New tokens for the user: exchanged for their MCP access token, or refreshed; undefined when they must sign in. */
async function renewTokens({ options, client, vault }: BrokerParts, user: SignInUser, current: SsoTokens | undefined): Promise<SsoTokens | undefined> {
  if (options.settings.tokenExchange) {
    if (!user.accessToken) throw new Error('token exchange needs the MCP access token of the caller');
    const fresh = await client.exchange(user.accessToken);
    await vault.saveTokens(user.subject, fresh);
    return fresh;
  }
  if (!current?.refreshToken) return undefined;
  try {
    const fresh = await client.refresh(current.refreshToken);
    await vault.saveTokens(user.subject, fresh);
    return fresh;
  } catch (err) {
    // A refused refresh token is of no further use: the user signs in again.
    await vault.forgetTokens(user.subject);
    options.logger.info({ err: redactText((err as Error).message) }, 'an SSO refresh token was refused; the user must sign in again');
    return undefined;
  }
}

/** renewTokens, but one refresh or exchange per user at a time: concurrent calls share it. */
function oncePerUser(parts: BrokerParts): (user: SignInUser, current: SsoTokens | undefined) => Promise<SsoTokens | undefined> {
  const inflight = new Map<string, Promise<SsoTokens | undefined>>();
  return (user, current) => {
    let p = inflight.get(user.subject);
    if (!p) {
      p = renewTokens(parts, user, current).finally(() => inflight.delete(user.subject));
      inflight.set(user.subject, p);
    }
    return p;
  };
}

/** Polls the store, so a sign-in completed on another replica counts too. */
async function waitForSignIn(parts: BrokerParts, call: { user: SignInUser; id: string; signal?: AbortSignal; timeoutMs: number }): Promise<boolean> {
  const { vault, now } = parts;
  const until = now() + call.timeoutMs;
  while (!call.signal?.aborted && now() < until) {
    if ((await vault.isDone(call.id, call.user.subject)) && (await vault.tokens(call.user.subject))) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** The code exchanged at the provider for tokens, or the page saying why not. */
async function redeemCode(client: SsoClient, pending: Pending, url: URL): Promise<{ ok: true; tokens: SsoTokens } | { ok: false; page: CallbackPage }> {
  const error = url.searchParams.get('error');
  if (error) return { ok: false, page: { status: 400, title: 'Sign-in failed', text: `The identity provider answered ${error}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}.` } };
  try {
    // The URL the provider redirected to, as registered (this process may sit behind a proxy on another address).
    const current = new URL(pending.redirectUri);
    current.search = url.search;
    return { ok: true, tokens: await client.finish(current, pending) };
  } catch (err) {
    return { ok: false, page: { status: 400, title: 'Sign-in failed', text: redactText((err as Error).message) } };
  }
}

/** GET /oauth/callback: the sign-in's state taken once, the code redeemed, the signer checked, the tokens kept. */
async function completeSignIn({ options, client, vault }: BrokerParts, url: URL): Promise<CallbackPage> {
  const { logger } = options;
  const pending = await vault.takePending(url.searchParams.get('state') ?? '');
  if (!pending) return { status: 400, title: 'Sign-in expired', text: 'This sign-in link was used already or is more than 10 minutes old. Ask your agent to call the tool again for a new one.' };
  const redeemed = await redeemCode(client, pending, url);
  if (!redeemed.ok) return redeemed.page;
  const { tokens } = redeemed;
  if (options.sameIssuer && tokens.subject !== pending.subject) {
    logger.warn({ subject: pending.subject }, 'refused an SSO sign-in made by another person than the user who asked for it');
    return { status: 403, title: 'Wrong account', text: 'You signed in as another person than the one using the gateway. Sign in with your own account.' };
  }
  await vault.saveTokens(pending.subject, tokens);
  await vault.markDone(pending);
  logger.info({ subject: pending.subject, argocdUser: tokens.email ?? tokens.subject }, 'a user signed in to Argo CD');
  return { status: 200, title: 'Signed in to Argo CD', text: `You are signed in as ${tokens.email ?? tokens.subject}. You can close this window and go back to your agent.` };
}

export function createSignInBroker(options: BrokerOptions): SignInBroker {
  const { settings, logger } = options;
  const now = options.now ?? Date.now;
  const client = options.client ?? createSsoClient(settings);
  const vault = new SealedVault(options.store, sealer(settings.encryptionKey ?? randomBytes(32)));
  const parts: BrokerParts = { options, client, vault, now };
  const renewed = oncePerUser(parts);
  const due = (t: SsoTokens) => t.expiresAt !== undefined && t.expiresAt * 1000 - now() < RENEW_BEFORE_MS;

  return {
    mode: settings.tokenExchange ? 'token-exchange' : 'browser',
    async token(user) {
      try {
        let tokens = await vault.tokens(user.subject);
        if (!tokens || due(tokens)) tokens = (await renewed(user, tokens)) ?? undefined;
        if (tokens) return { ok: true, token: tokens.idToken };
        return { ok: false, signIn: !settings.tokenExchange, message: 'Sign in to Argo CD to continue.' };
      } catch (err) {
        return { ok: false, signIn: false, message: redactText(describeSsoError(err)) };
      }
    },
    async renew(user, rejected) {
      const tokens = await vault.tokens(user.subject);
      if (tokens && tokens.idToken !== rejected && !due(tokens)) return tokens.idToken;
      try {
        return (await renewed(user, tokens))?.idToken;
      } catch {
        return undefined;
      }
    },
    async start(user) {
      const pending = await client.begin(options.redirectUri());
      const id = randomBytes(16).toString('hex');
      await vault.savePending({ ...pending, subject: user.subject, id });
      logger.info({ subject: user.subject }, 'an SSO sign-in to Argo CD was started');
      return { url: pending.url, id };
    },
    waitFor: (user, id, signal, timeoutMs = SIGN_IN_TTL_S * 1000) => waitForSignIn(parts, { user, id, signal, timeoutMs }),
    callback: (url) => completeSignIn(parts, url),
    async revoke(user) {
      const tokens = await vault.tokens(user.subject);
      await vault.forgetTokens(user.subject);
      if (tokens?.refreshToken) await client.revoke(tokens.refreshToken);
      if (tokens) logger.info({ subject: user.subject }, 'a user\'s Argo CD tokens were revoked');
      return !!tokens;
    },
  };
}
