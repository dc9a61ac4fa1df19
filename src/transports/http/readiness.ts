/**
 * Readiness: can this gateway serve tool calls right now? Argo CD must answer `GET /api/version` and accept the
 * token (`GET /api/v1/session/userinfo` says loggedIn). Checked through the gateway's own upstream client (same
 * address, TLS settings and token) and cached for `ttlMs`, so probes from a load balancer cost Argo CD little.
 */
import type { Upstream } from '../../argocd/upstream.ts';

export interface Readiness {
  ready: boolean;
  /** Why not, in words an operator can act on (never the token). */
  reason?: string;
  argocdVersion?: string;
  checkedAt: string;
}

export interface ReadinessProbe {
  check(): Promise<Readiness>;
}

/**
 * A success is cached `ttlMs` (10 s); a failure only `failureTtlMs` (2 s), so a recovered Argo CD puts the
 * gateway back in rotation quickly.
 */
export function createReadinessProbe(
  upstream: Upstream | undefined,
  options: { ttlMs?: number; failureTtlMs?: number; perUser?: boolean } = {},
): ReadinessProbe {
  const { ttlMs = 10_000, failureTtlMs = 2_000 } = options;
  let cached: { at: number; value: Readiness } | undefined;
  let running: Promise<Readiness> | undefined;

  const probe = async (): Promise<Readiness> => {
    const checkedAt = new Date().toISOString();
    if (!upstream) return { ready: false, reason: 'no Argo CD is configured (ARGOCD_BASE_URL)', checkedAt };
    const version = await upstream.getJson('/api/version');
    if (!version.ok) {
      // getJson says `HTTP <status> for <path>` when Argo CD answered, and describes the transport error otherwise.
      const reason = /^HTTP (401|403)\b/.test(version.text)
        ? `Argo CD refused the token: ${version.text}`
        : /^HTTP \d+/.test(version.text)
          ? `Argo CD answered an error: ${version.text}`
          : `Argo CD is not reachable: ${version.text}`;
      return { ready: false, reason, checkedAt };
    }
    const argocdVersion = (version.data as { Version?: string }).Version;
    // With per-user sign-in (sso) the gateway holds no token of its own: reachable is ready.
    if (options.perUser) return { ready: true, argocdVersion, checkedAt };
    const user = await upstream.getJson('/api/v1/session/userinfo');
    if (!user.ok) return { ready: false, reason: `Argo CD refused the token: ${user.text}`, argocdVersion, checkedAt };
    if (!(user.data as { loggedIn?: boolean }).loggedIn) {
      return { ready: false, reason: 'Argo CD does not accept the token (userinfo: not logged in); check ARGOCD_API_TOKEN', argocdVersion, checkedAt };
    }
    return { ready: true, argocdVersion, checkedAt };
  };

  return {
    async check() {
      if (cached && Date.now() - cached.at < (cached.value.ready ? ttlMs : failureTtlMs)) return cached.value;
      running ??= probe()
        .catch((err: Error) => ({ ready: false, reason: `readiness check failed: ${err.message}`, checkedAt: new Date().toISOString() }))
        .then((value) => {
          cached = { at: Date.now(), value };
          return value;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },
  };
}
