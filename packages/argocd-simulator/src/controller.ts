/**
 * The application controller's timing and test knobs (controller/appcontroller.go): operations are picked up from the
 * queue after a delay, and the app is reconciled (sync, health, reconciledAt) some time after an operation finished or
 * the cluster changed. Auto-sync and self-heal run at reconcile, as `autoSync` does there.
 */
import type { Rng } from './prng.ts';
import type { AppRecord } from './store.ts';
import type { ControllerDelay, JsonObject, OperationOutcome, SimulatorController } from './types.ts';

/** What the controller uses of the simulator (its context has these): the clock, the apps, the random source. */
export interface ControllerHost {
  rng: Rng;
  store: { apps: Map<string, AppRecord> };
  schedule(fn: () => void, ms: number): NodeJS.Timeout;
  cancel(timer: NodeJS.Timeout | undefined): void;
}

export type { ControllerDelay, OperationOutcome, SimulatorController } from './types.ts';

/** An idle controller picks an operation up within tens of ms to about a second. */
export const DEFAULT_PICKUP: ControllerDelay = { minMs: 20, maxMs: 1000 };
export const DEFAULT_RECONCILE: ControllerDelay = { minMs: 50, maxMs: 500 };
export const DEFAULT_APPSET_REVERT: ControllerDelay = { minMs: 800, maxMs: 1200 };

/** Milliseconds for one occurrence of a delay, or undefined for 'never'. */
export function pickDelay(d: ControllerDelay, rng: Rng): number | undefined {
  if (d === 'never') return undefined;
  if (typeof d === 'number') return d;
  return Math.round(d.minMs + rng.next() * Math.max(0, d.maxMs - d.minMs));
}

/** Throws a TypeError naming the knob when a delay is malformed. */
export function checkDelay(d: unknown, name: string): ControllerDelay {
  if (d === 'never') return d;
  if (typeof d === 'number' && Number.isFinite(d) && d >= 0) return d;
  if (d && typeof d === 'object') {
    const { minMs, maxMs } = d as { minMs?: unknown; maxMs?: unknown };
    if (typeof minMs === 'number' && typeof maxMs === 'number' && minMs >= 0 && maxMs >= minMs) return { minMs, maxMs };
  }
  throw new TypeError(`simulator ${name} must be a number of ms >= 0, { minMs, maxMs } with 0 <= minMs <= maxMs, or 'never'; got ${JSON.stringify(d)}`);
}

/** The controller's queue and knobs for one simulator. */
export class ControllerState {
  pickup: ControllerDelay;
  reconcile: ControllerDelay;
  appSetRevert: ControllerDelay = DEFAULT_APPSET_REVERT;
  readonly pickupFor = new Map<string, ControllerDelay>();
  readonly reconcileFor = new Map<string, ControllerDelay>();
  readonly outcomes = new Map<string, OperationOutcome>();
  /** Requested operations not yet picked up: app name → the pickup timer (undefined while stalled). */
  readonly queue = new Map<string, NodeJS.Timeout | undefined>();
  /** Set by operations.ts: runs a picked-up operation. */
  onPickup: (rec: AppRecord) => void = () => undefined;

  constructor(
    private readonly sim: ControllerHost,
    opts: { pickup?: ControllerDelay; reconcile?: ControllerDelay },
  ) {
    this.pickup = opts.pickup ?? DEFAULT_PICKUP;
    this.reconcile = opts.reconcile ?? DEFAULT_RECONCILE;
  }

  /** Queues a requested operation (what the controller's operation queue does on the app's update event). */
  enqueue(rec: AppRecord): void {
    const name = String((rec.app.metadata as JsonObject).name);
    this.sim.cancel(this.queue.get(name));
    const ms = pickDelay(this.pickupFor.get(name) ?? this.pickup, this.sim.rng);
    const timer =
      ms === undefined
        ? undefined
        : this.sim.schedule(() => {
            this.queue.delete(name);
            const current = this.sim.store.apps.get(name);
            if (current && current.app.operation && !(current.app.status as JsonObject).operationState) this.onPickup(current);
          }, ms);
    this.queue.set(name, timer);
  }

  /** Re-plans queued operations after a knob changed (a stalled controller resumes). */
  requeue(app?: string): void {
    for (const name of [...this.queue.keys()]) {
      if (app !== undefined && name !== app) continue;
      const rec = this.sim.store.apps.get(name);
      if (rec) this.enqueue(rec);
      else this.queue.delete(name);
    }
  }

  /** Delay before the reconcile of this app. */
  reconcileDelay(name: string): number | undefined {
    return pickDelay(this.reconcileFor.get(name) ?? this.reconcile, this.sim.rng);
  }

  /** The outcome for the app's next operation, consumed. */
  takeOutcome(name: string): OperationOutcome | undefined {
    const o = this.outcomes.get(name);
    this.outcomes.delete(name);
    return o;
  }

  /** The public face handed out as `sim.controller`. */
  handle(): SimulatorController {
    const known = (app: string, what: string) => {
      if (!this.sim.store.apps.has(app)) throw new Error(`${what}: no application named "${app}" in the simulator`);
    };
    return {
      setPickupDelay: (delay, app) => {
        const d = checkDelay(delay, 'pickup delay');
        if (app === undefined) this.pickup = d;
        else {
          known(app, 'setPickupDelay');
          this.pickupFor.set(app, d);
        }
        this.requeue(app);
      },
      setReconcileDelay: (delay, app) => {
        const d = checkDelay(delay, 'reconcile delay');
        if (app === undefined) this.reconcile = d;
        else {
          known(app, 'setReconcileDelay');
          this.reconcileFor.set(app, d);
        }
      },
      setNextOutcome: (app, outcome) => {
        known(app, 'setNextOutcome');
        this.outcomes.set(app, { ...outcome });
      },
      setAppSetRevertDelay: (delay) => {
        this.appSetRevert = checkDelay(delay, 'ApplicationSet revert delay');
      },
      queued: () => [...this.queue.keys()].sort(),
    };
  }
}
