/**
 * Shaping threads (the HTTP service's `workerThreads`): the main thread reads each request, runs the MCP protocol,
 * sends the request to Argo CD and writes the answer; a shaping thread turns Argo CD's answer into the tool
 * result's text (shape-job.ts: parse, shape, cap). One Node thread runs its JavaScript on one core: under load the
 * main thread, not Argo CD, bounds how many calls a gateway serves, and parsing and shaping are most of its work.
 *
 * A job goes to the thread with the fewest jobs waiting. A thread that stops (it should not) fails its waiting jobs,
 * which the gateway then shapes on the main thread, and is started again; after three stops within a minute it is
 * not, and every job is shaped on the main thread. Threads do not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import type { ShapeJob, ShapeOutcome } from './job.ts';

export interface Shaper {
  readonly threads: number;
  /** Shapes on a thread; rejects when no thread could, and the caller shapes on its own thread. */
  shape(job: ShapeJob): Promise<ShapeOutcome>;
  /** Stops the threads; jobs still waiting are rejected. */
  close(): Promise<void>;
}

interface Waiting {
  resolve: (outcome: ShapeOutcome) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

type Reply = { id: number; outcome: ShapeOutcome } | { id: number; failed: string };

/** The thread's entry: the bundled shape-worker.js beside this chunk, or the TypeScript source through tsx. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./shape-worker.js', here), { resourceLimits: THREAD_LIMITS });
  const entry = new URL('./worker.ts', here).href;
  const load = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(load, { eval: true, resourceLimits: THREAD_LIMITS });
}

/**
 * A thread shapes one answer at a time, and what a job allocates is garbage once it is posted back: a small young
 * generation holds it (V8 would otherwise grow it to 32 MB under load, and keep those pages once the load is over).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4 };

const RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

export function createShaper(options: { threads: number; logger: Logger; start?: () => Worker }): Shaper {
  const start = options.start ?? startWorker;
  const threads: Array<Thread | undefined> = [];
  const stops: number[] = [];
  let nextId = 1;
  let closing = false;

  const launch = (slot: number): void => {
    const thread: Thread = { worker: start(), waiting: new Map() };
    threads[slot] = thread;
    thread.worker.unref();
    thread.worker.on('message', (reply: Reply) => {
      const waiting = thread.waiting.get(reply.id);
      if (!waiting) return;
      thread.waiting.delete(reply.id);
      if ('outcome' in reply) waiting.resolve(reply.outcome);
      else waiting.reject(new Error(`shaping failed: ${reply.failed}`));
    });
    let failure: Error | undefined;
    thread.worker.on('error', (err) => {
      failure = err;
    });
    thread.worker.on('exit', (code) => {
      if (threads[slot] === thread) threads[slot] = undefined;
      const err = new Error(`the shaping thread stopped (${failure?.message ?? `exit code ${code}`})`);
      for (const waiting of thread.waiting.values()) waiting.reject(err);
      thread.waiting.clear();
      if (closing) return;
      const now = Date.now();
      stops.push(now);
      while (stops.length && stops[0] < now - RESTART_WINDOW_MS) stops.shift();
      if (stops.length >= RESTARTS) {
        options.logger.error({ err: err.message }, 'a shaping thread stopped again; answers of Argo CD are shaped on the main thread from now on');
        return;
      }
      options.logger.warn({ err: err.message }, 'a shaping thread stopped; starting it again');
      launch(slot);
    });
  };
  for (let slot = 0; slot < options.threads; slot++) launch(slot);

  return {
    threads: options.threads,
    shape(job) {
      let best: Thread | undefined;
      for (const thread of threads) if (thread && (!best || thread.waiting.size < best.waiting.size)) best = thread;
      if (!best || closing) return Promise.reject(new Error('no shaping thread is running'));
      const thread = best;
      const id = nextId++;
      return new Promise<ShapeOutcome>((resolve, reject) => {
        thread.waiting.set(id, { resolve, reject });
        thread.worker.postMessage({ id, job });
      });
    },
    async close() {
      closing = true;
      await Promise.all(threads.map((thread) => thread?.worker.terminate()));
    },
  };
}
