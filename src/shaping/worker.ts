/** A shaping thread (shaper.ts): runs the jobs the main thread posts, and posts back each outcome with its id. */
import { parentPort } from 'node:worker_threads';
import { runShapeJob } from './job.ts';
import type { ShapeJob } from './job.ts';

if (!parentPort) throw new Error('shape-worker.ts runs as a worker thread of the gateway');
const port = parentPort;
port.on('message', (message: { id: number; job: ShapeJob }) => {
  runShapeJob(message.job).then(
    (outcome) => port.postMessage({ id: message.id, outcome }),
    (err: unknown) => port.postMessage({ id: message.id, failed: err instanceof Error ? err.message : String(err) }),
  );
});
