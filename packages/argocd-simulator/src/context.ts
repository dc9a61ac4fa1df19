/** The simulator's shared runtime context handed to every route. */
import { ControllerState } from './controller.ts';
import { SEED_IAT, Enforcer, SsoVerifier, TokenIssuer } from './auth.ts';
import { createRng, type Rng } from './prng.ts';
import { buildSeed } from './seed/seed.ts';
import { Store } from './store.ts';
import { StreamHub } from './stream.ts';
import type { JsonObject, ResolvedOptions } from './types.ts';

/** Shared state, tokens, streams and timers of one simulator instance. */
export class SimContext {
  readonly store: Store;
  readonly issuer: TokenIssuer;
  readonly enforcer: Enforcer;
  readonly streams = new StreamHub();
  readonly tokens: { admin: string; readonly: string };
  /** Wall-clock start; historical log lines end here. */
  readonly startedAtMs = Math.floor(Date.now() / 1000) * 1000;
  /** Random source for runtime-generated ids. */
  readonly rng: Rng;
  /** The application controller's queue and knobs. */
  readonly controller: ControllerState;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(readonly opts: ResolvedOptions) {
    this.store = new Store(buildSeed(opts.seed, opts.appCount));
    this.rng = createRng(opts.seed ^ 0x5eed);
    this.controller = new ControllerState(this, { pickup: opts.pickupDelayMs, reconcile: opts.reconcileDelayMs });
    this.issuer = new TokenIssuer(`argocd-sim-secret-${opts.seed}`, opts.sso ? new SsoVerifier(opts.sso) : undefined);
    this.enforcer = new Enforcer((project, role) => {
      const proj = this.store.projects.get(project);
      const roles = ((proj?.spec as JsonObject | undefined)?.roles ?? []) as JsonObject[];
      return roles.find((r) => r.name === role)?.policies as string[] | undefined;
    });
    this.tokens = {
      admin: this.issuer.issue({ subject: 'admin:apiKey', iat: SEED_IAT, id: 'admin-sim-token', caller: { sub: 'admin', role: 'admin', account: 'admin' } }),
      readonly: this.issuer.issue({ subject: 'readonly:apiKey', iat: SEED_IAT, id: 'readonly-sim-token', caller: { sub: 'readonly', role: 'readonly', account: 'readonly' } }),
    };
  }

  /** setTimeout that close() cancels. */
  schedule(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopped) return;
      try {
        fn();
      } catch {
        // a background step must not crash the process
      }
    }, ms);
    t.unref?.();
    this.timers.add(t);
    return t;
  }

  /** Cancels a scheduled timer. */
  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** Stops timers and streams. */
  shutdown(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.store.stopAllTimers();
    this.streams.closeAll();
  }
}
