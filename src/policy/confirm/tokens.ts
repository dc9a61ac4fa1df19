/**
 * Confirmation tokens for clients that cannot ask their user (no MCP elicitation; stateless HTTP): a preview issues
 * a random token bound to the exact request — tool, target, Argo CD instance, caller, and a hash of the canonical
 * arguments — that confirms that request once, within a short lifetime. The store is memory (one process), or the
 * Redis the HTTP service shares between replicas (GETDEL makes the single use atomic across them).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SecretStore } from '../../argocd/auth/sso/broker.ts';
import { memorySecretStore } from '../../argocd/auth/sso/broker.ts';

/** How long a previewed call may be confirmed. */
export const CONFIRMATION_TTL_SECONDS = 5 * 60;

/** What a token confirms; every field must match when it is presented. */
export interface ConfirmationBinding {
  tool: string;
  target: string;
  /** The Argo CD instance's name when several are configured, else ''. */
  instance: string;
  /** The authenticated caller (HTTP inbound auth), else ''. */
  caller: string;
  argsHash: string;
  /** What the preview covered beyond the arguments, e.g. the exact set of applications of a bulk sync. */
  covers?: string[];
}

export type Redeemed = { ok: true; binding: ConfirmationBinding } | { ok: false; reason: string };

export interface ConfirmationTokens {
  issue(binding: ConfirmationBinding): Promise<string>;
  /**
   * Takes the token (it is spent whether or not it matches: a token tried on another request cannot be tried
   * again) and checks it against the request being made.
   */
  redeem(token: string, request: Omit<ConfirmationBinding, 'covers'>): Promise<Redeemed>;
}

/** JSON with object keys sorted at every depth, so equal arguments hash equally whatever their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The hash a token binds: the call's arguments without the token itself (and any `ignore`d keys). */
export function argumentsHash(args: Record<string, unknown>, ignore: string[] = []): string {
  const kept = Object.fromEntries(Object.entries(args).filter(([k]) => k !== 'confirmationToken' && !ignore.includes(k)));
  return createHash('sha256').update(canonicalJson(kept)).digest('hex');
}

/**
 * Arguments of a workflow that say how the gateway paces and waits, not what it sends: a token of a workflow's
 * preview does not bind them (each request it covers is bound exactly).
 */
export const PACING_ARGS = ['concurrency', 'timeoutSeconds', 'waitForHealth', 'pollMs'];

const PREFIX = 'cfm_';

export function createConfirmationTokens(options: { store?: SecretStore; ttlSeconds?: number } = {}): ConfirmationTokens {
  const store = options.store ?? memorySecretStore();
  const ttl = options.ttlSeconds ?? CONFIRMATION_TTL_SECONDS;
  // The store is keyed by the token's hash: a store dump (Redis) holds no usable token.
  const keyOf = (token: string) => `confirm:${createHash('sha256').update(token).digest('hex')}`;
  return {
    async issue(binding) {
      const token = PREFIX + randomBytes(18).toString('base64url');
      await store.set(keyOf(token), JSON.stringify(binding), ttl);
      return token;
    },
    async redeem(token, request) {
      const stored = token.startsWith(PREFIX) ? await store.take(keyOf(token)) : undefined;
      if (!stored) return { ok: false, reason: 'it is unknown, already used, or expired (tokens last 5 minutes and work once)' };
      const binding = JSON.parse(stored) as ConfirmationBinding;
      const differs = (['tool', 'target', 'instance', 'caller', 'argsHash'] as const).filter((k) => binding[k] !== request[k]);
      if (!differs.length) return { ok: true, binding };
      const what: Record<(typeof differs)[number], string> = {
        tool: `it was issued for ${binding.tool}`,
        target: `it was issued for "${binding.target}"`,
        instance: `it was issued for the instance "${binding.instance}"`,
        caller: 'it was issued to another caller',
        argsHash: 'it was issued for other arguments',
      };
      return { ok: false, reason: `${differs.map((k) => what[k]).join('; ')}; it is now spent` };
    },
  };
}
