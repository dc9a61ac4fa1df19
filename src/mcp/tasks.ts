/**
 * Tasks (MCP 2025-11-25, experimental in the SDK) for the long-running workflows: a client that sends
 * `tools/call` with `task` gets a task at once and polls it (`tasks/get`), fetches its result (`tasks/result`), or
 * cancels it (`tasks/cancel`, which stops the workflow as cancelling the request would: `terminateOnCancel` still
 * decides whether the Argo CD operation is terminated). Progress goes on with the call's progress token. A client
 * that does not ask for a task gets the call answered as before.
 *
 * Tasks live in this process's memory, scoped to the session that made them (one replica: over HTTP with several
 * replicas a task is found only by the replica that runs it).
 */
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { RequestTaskStore } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, CreateTaskResult, Result, Task } from '@modelcontextprotocol/sdk/types.js';

export { taskSupportOf } from '../gateway/task-support.ts';

/** How long a task and its result are kept when the client does not say (and at most). */
const DEFAULT_TTL_MS = 15 * 60_000;
const MAX_TTL_MS = 60 * 60_000;
/** How often a client is asked to poll. */
const POLL_INTERVAL_MS = 500;

/** The in-memory store, which also tells a running task that the client cancelled it. */
class CancellableTaskStore extends InMemoryTaskStore {
  private readonly running = new Map<string, AbortController>();

  track(taskId: string): AbortSignal {
    const controller = new AbortController();
    this.running.set(taskId, controller);
    return controller.signal;
  }

  finished(taskId: string): void {
    this.running.delete(taskId);
  }

  override async createTask(...args: Parameters<InMemoryTaskStore['createTask']>): ReturnType<InMemoryTaskStore['createTask']> {
    const task = await super.createTask(...args);
    this.unrefTimers();
    return task;
  }

  override async storeTaskResult(...args: Parameters<InMemoryTaskStore['storeTaskResult']>): Promise<void> {
    await super.storeTaskResult(...args);
    this.unrefTimers();
  }

  override async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    this.unrefTimers();
    if (status === 'cancelled') this.running.get(taskId)?.abort(new Error('the client cancelled the task'));
  }

  /** The store's clean-up timers must not keep a stdio gateway alive after its client left. */
  private unrefTimers(): void {
    const timers = (this as unknown as { cleanupTimers?: Map<string, NodeJS.Timeout> }).cleanupTimers;
    for (const timer of timers?.values() ?? []) timer.unref?.();
  }
}

let store: CancellableTaskStore | undefined;

/** The process's task store (the SDK's Protocol installs tasks/get, tasks/result, tasks/list, tasks/cancel on it). */
export function taskStore(): CancellableTaskStore {
  store ??= new CancellableTaskStore();
  return store;
}

/**
 * Starts `run` as a task and answers the task at once. `run` gets the task's abort signal (aborted by tasks/cancel);
 * its result is stored as the task's: `completed`, or `failed` when it is an error result.
 */
export async function startTask(args: {
  requests: RequestTaskStore;
  requestedTtl?: number | null;
  /** Aborted when the session ends: its tasks stop with it (nobody is left to fetch their results). */
  sessionClosed: AbortSignal;
  run: (signal: AbortSignal) => Promise<CallToolResult>;
}): Promise<CreateTaskResult> {
  const ttl = Math.min(args.requestedTtl ?? DEFAULT_TTL_MS, MAX_TTL_MS);
  const task = await args.requests.createTask({ ttl, pollInterval: POLL_INTERVAL_MS });
  const tasks = taskStore();
  const signal = AbortSignal.any([tasks.track(task.taskId), args.sessionClosed]);
  void (async () => {
    let result: CallToolResult;
    try {
      result = await args.run(signal);
    } catch (err) {
      result = { isError: true, content: [{ type: 'text', text: `The task failed: ${(err as Error).message}` }] };
    }
    tasks.finished(task.taskId);
    // A cancelled task keeps its status: its result is not stored.
    await args.requests.storeTaskResult(task.taskId, result.isError ? 'failed' : 'completed', result as Result).catch(() => undefined);
  })();
  return { task };
}
