/**
 * Tasks (MCP 2025-11-25) for the long-running workflows, end to end over stdio with the real SDK client against the
 * simulator (whose syncs take a while, as Argo CD's do): a task-augmented sync_and_wait answers a task at once, the
 * client polls it, gets progress, and fetches the result; tasks/cancel stops it and, with terminateOnCancel, Argo CD's
 * operation too; without `task` the call answers as before; a tool that does not run as a task says so.
 */
import { spawn } from 'node:child_process';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLI, json, startSimulator, stdioGateway } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

describe('tasks', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 1500 });
    gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never' }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  /** Starts a tool call as a task; progress goes to `progress`. */
  const start = async (name: string, args: Record<string, unknown>, progress: number[] = []) =>
    (
      await gw.client.request({ method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } }, CreateTaskResultSchema, {
        onprogress: (p) => progress.push(p.progress),
      })
    ).task;

  /** Polls tasks/get at the interval the server asks for, until the task ends (generous deadline: a busy machine). */
  const settle = async (taskId: string, seen: string[] = []): Promise<Task> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const task = await gw.client.experimental.tasks.getTask(taskId);
      seen.push(task.status);
      if (TERMINAL.has(task.status) || Date.now() > deadline) return task;
      await new Promise((r) => setTimeout(r, task.pollInterval ?? 500));
    }
  };

  it('declares tasks for tools/call, and the two waiting workflows as able to run as one', async () => {
    expect(gw.client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await gw.client.listTools();
    const supporting = tools.filter((t) => t.execution?.taskSupport === 'optional').map((t) => t.name);
    expect(supporting.sort()).toEqual(['sync_and_wait', 'sync_many']);
  });

  it('sync_and_wait as a task: working at once, progress while it runs, then its result', async () => {
    const progress: number[] = [];
    const task = await start('sync_and_wait', { name: 'guestbook' }, progress);
    expect(task.status).toBe('working');
    expect(task.pollInterval).toBe(500);
    const seen: string[] = [];
    expect((await settle(task.taskId, seen)).status).toBe('completed');
    expect(seen[0]).toBe('working');
    const result = (await gw.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(json<{ phase: string }>(result).phase).toBe('Succeeded');
    expect(progress.length).toBeGreaterThan(0);
    const { tasks } = await gw.client.experimental.tasks.listTasks();
    expect(tasks.map((t) => t.taskId)).toContain(task.taskId);
  });

  it('tasks/cancel stops the workflow, and with terminateOnCancel the Argo CD operation', async () => {
    const task = await start('sync_and_wait', { name: 'helm-guestbook', terminateOnCancel: true });
    // Cancel once Argo CD's controller has the operation running (the sync was sent, then picked up).
    const deadline = Date.now() + 30_000;
    const synced = () => sim.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/applications/helm-guestbook/sync');
    const running = async () => {
      const res = await fetch(`${sim.url}/api/v1/applications/helm-guestbook`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
      return ((await res.json()) as { status: { operationState?: { phase?: string } } }).status.operationState?.phase === 'Running';
    };
    while (!(synced() && (await running())) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(synced()).toBe(true);
    const cancelled = await gw.client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    const terminated = () => sim.requests.some((r) => r.method === 'DELETE' && r.path === '/api/v1/applications/helm-guestbook/operation');
    const until = Date.now() + 30_000;
    while (!terminated() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(terminated()).toBe(true);
    expect((await gw.client.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
  });

  it('without `task`, the call answers with its result as before', async () => {
    const result = (await gw.client.callTool({ name: 'sync_and_wait', arguments: { name: 'guestbook' } })) as CallToolResult;
    expect(json<{ phase: string }>(result).phase).toBe('Succeeded');
  });

  it('a stdio gateway still ends when its client leaves, with a finished task kept and one still running', async () => {
    const child = spawn(process.execPath, [CLI], { env: baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false' }), stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const send = (m: object) => child.stdin.write(`${JSON.stringify(m)}\n`);
    const answerTo = async (id: number) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: number; result?: Record<string, unknown> }).find((m) => m.id === id);
        if (found || Date.now() > deadline) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'sync_and_wait', arguments: { name: 'guestbook' }, task: { ttl: 3_600_000 } } });
    const task = (await answerTo(2))?.result?.task as { taskId: string } | undefined;
    expect(task?.taskId).toBeTruthy();
    for (let id = 3; ; id++) {
      send({ jsonrpc: '2.0', id, method: 'tasks/get', params: { taskId: task!.taskId } });
      if ((await answerTo(id))?.result?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    send({ jsonrpc: '2.0', id: 100, method: 'tools/call', params: { name: 'sync_and_wait', arguments: { name: 'helm-guestbook' }, task: { ttl: 3_600_000 } } });
    expect((await answerTo(100))?.result?.task).toBeTruthy();
    child.stdin.end();
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    if (code === 'still running') child.kill();
    expect(code).not.toBe('still running');
  });

  it('a tool that does not run as a task refuses `task`, naming the fix', async () => {
    await expect(start('application_get', { name: 'guestbook' })).rejects.toThrow(/application_get does not run as a task; call it without `task`/);
  });
});
