/**
 * Helpers for tests that need more than one Argo CD: several simulators at once (fan-out over instances), and one
 * that can be taken down and brought back mid-test (an instance that is unreachable, then recovers).
 *
 * ```ts
 * import { startSimulators, startStoppableSimulator } from 'argocd-simulator/testing';
 * const fleet = await startSimulators([{ name: 'prod', seed: 1, appCount: 300 }, { name: 'staging', seed: 2 }]);
 * fleet.get('prod').url;                        // each instance is a full simulator
 * const flaky = await startStoppableSimulator({ appCount: 5 });
 * await flaky.stop();                           // connections to flaky.url are now refused
 * await flaky.start();                          // the same URL and tokens answer again (with a freshly seeded state)
 * await Promise.all([fleet.close(), flaky.close()]);
 * ```
 */
import { startSimulator } from './index.ts';
import type { Simulator, SimulatorOptions } from './types.ts';

/** One instance of a group: a name the test uses for it, and its simulator options (give each its own seed). */
export interface NamedSimulatorOptions extends SimulatorOptions {
  name: string;
}

/** Several simulators started together. */
export interface SimulatorGroup {
  /** The instances in the order given. */
  instances: Array<{ name: string; sim: Simulator }>;
  /** The instance with that name; throws naming the known ones when there is none. */
  get(name: string): Simulator;
  /** Closes every instance. */
  close(): Promise<void>;
}

/** Starts one simulator per entry, in parallel; if any fails to start, the others are closed and the error names it. */
export async function startSimulators(specs: NamedSimulatorOptions[]): Promise<SimulatorGroup> {
  const names = specs.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new TypeError(`startSimulators: the name "${duplicate}" is given twice; give each instance its own name`);
  const settled = await Promise.allSettled(specs.map(({ name: _name, ...options }) => startSimulator(options)));
  const failed = settled.findIndex((s) => s.status === 'rejected');
  if (failed >= 0) {
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    const reason = (settled[failed] as PromiseRejectedResult).reason as Error;
    throw new Error(`startSimulators: instance "${names[failed]}" did not start: ${reason.message}`);
  }
  const instances = settled.map((s, i) => ({ name: names[i] as string, sim: (s as PromiseFulfilledResult<Simulator>).value }));
  return {
    instances,
    get(name) {
      const found = instances.find((x) => x.name === name);
      if (!found) throw new Error(`startSimulators: no instance named "${name}" (the group has ${names.join(', ')})`);
      return found.sim;
    },
    async close() {
      await Promise.all(instances.map((x) => x.sim.close()));
    },
  };
}

/** A simulator that a test can stop and start again at the same URL. */
export interface StoppableSimulator {
  /** The URL it answers on while up (kept across restarts). */
  readonly url: string;
  /** The same tokens are accepted after a restart. */
  readonly tokens: Simulator['tokens'];
  /** Whether it is up now. */
  readonly up: boolean;
  /** The running simulator (its knobs and recorded requests); throws while it is down. */
  readonly sim: Simulator;
  /** Takes it down: open streams end, and new connections are refused (ECONNREFUSED), like an unreachable server. */
  stop(): Promise<void>;
  /** Brings it back on the same port, seeded afresh from the same options (changes made before the stop are gone). */
  start(): Promise<void>;
  /** Stops it for good. */
  close(): Promise<void>;
}

/** Starts a simulator that can be stopped mid-test; `port` defaults to a free one, then stays fixed. */
export async function startStoppableSimulator(options: SimulatorOptions = {}): Promise<StoppableSimulator> {
  let current: Simulator | undefined = await startSimulator(options);
  const url = current.url;
  const port = Number(new URL(url).port);
  const tokens = current.tokens;
  const stop = async () => {
    const sim = current;
    current = undefined;
    await sim?.close();
  };
  return {
    url,
    tokens,
    get up() {
      return current !== undefined;
    },
    get sim() {
      if (!current) throw new Error(`the simulator at ${url} is stopped: call start() first`);
      return current;
    },
    stop,
    async start() {
      if (current) return;
      current = await startSimulator({ ...options, port });
    },
    close: stop,
  };
}
