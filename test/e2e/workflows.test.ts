/**
 * The workflow tools end to end, over stdio with the real SDK client against the simulator: progress, cancellation,
 * partial failure, confirmation (declined through elicitation; test/e2e/confirmation.test.ts has the rest), and
 * project scoping.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsOf, baseEnv, call, CLI, json, startSimulator, stdioGateway, textOf } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

interface AppSummary {
  name: string;
  project: string;
  sync?: string;
  health?: string;
}

const WRITES = { ARGOCD_MCP_READ_ONLY: 'false' };

describe('workflow tools', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  let apps: AppSummary[];
  beforeAll(async () => {
    // Running lasts long enough for a progress poll to see it, whatever the pickup delay.
    sim = await startSimulator({ syncDurationMs: 1200 });
    gw = await stdioGateway(baseEnv(sim, WRITES));
    apps = appsOf<AppSummary>(await call(gw.client, 'application_list'));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('are listed as the workflows toolset beside the 106 operations', async () => {
    const names = (await gw.client.listTools()).tools.map((t) => t.name);
    expect(names).toHaveLength(113);
    for (const w of ['sync_and_wait', 'rollback', 'sync_many', 'set_revision', 'diff', 'health_report', 'find_app']) expect(names).toContain(w);
  });

  it('sync_and_wait follows the operation to the end with progress notifications', async () => {
    const target = apps.find((a) => a.sync === 'OutOfSync')!;
    const progress: string[] = [];
    const result = (await gw.client.callTool({ name: 'sync_and_wait', arguments: { name: target.name } }, undefined, {
      onprogress: (p) => progress.push(p.message ?? ''),
    })) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    const body = json<{ summary: string; phase: string; sync: string; health: string }>(result);
    expect(body.phase).toBe('Succeeded');
    expect(body.sync).toBe('Synced');
    expect(body.health).not.toBe('Progressing');
    expect(progress.some((m) => m.includes('operation Running'))).toBe(true);
  });

  it('sync_and_wait reports a failed sync with the resources that failed and why', async () => {
    const target = apps.find((a) => a.sync === 'OutOfSync' && a.health === 'Healthy')!;
    sim.failSync(target.name, 'admission webhook denied the request');
    const result = await call(gw.client, 'sync_and_wait', { name: target.name });
    expect(result.isError).toBe(true);
    const body = JSON.parse((result.content[0] as { text: string }).text) as { phase: string; failedResources: Array<{ message?: string }> };
    expect(body.phase).toBe('Failed');
    expect(body.failedResources.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).toContain('admission webhook denied the request');
  });

  it('sync_and_wait honours cancellation and terminates the operation when asked (no confirmations: confirm never)', async () => {
    const slow = await startSimulator({ syncDurationMs: 20_000 });
    // With confirmations, terminating asks the user first (test/e2e/confirmation.test.ts).
    const g = await stdioGateway(baseEnv(slow, { ...WRITES, ARGOCD_MCP_CONFIRM: 'never' }));
    try {
      const list = appsOf<AppSummary>(await call(g.client, 'application_list'));
      const target = list.find((a) => a.sync === 'OutOfSync')!;
      const controller = new AbortController();
      const pending = g.client.callTool({ name: 'sync_and_wait', arguments: { name: target.name, terminateOnCancel: true } }, undefined, { signal: controller.signal });
      // Cancel once the controller has picked the operation up (its pickup delay varies).
      for (let i = 0; i < 200; i++) {
        const res = await fetch(`${slow.url}/api/v1/applications/${target.name}`, { headers: { authorization: `Bearer ${slow.tokens.admin}` } });
        if (((await res.json()) as { status: { operationState?: { phase?: string } } }).status.operationState?.phase === 'Running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      controller.abort('stop');
      await expect(pending).rejects.toThrow();
      let phase = '';
      for (let i = 0; i < 30 && phase !== 'Failed' && phase !== 'Error'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const app = json<{ status: { operationState?: { phase: string } } }>(await call(g.client, 'application_get', { name: target.name, fields: ['status.operationState.phase'] }));
        phase = app.status.operationState?.phase ?? '';
      }
      expect(['Failed', 'Error']).toContain(phase);
      expect(slow.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/applications/${target.name}/operation`))).toBe(true);
    } finally {
      await g.close();
      await slow.close();
    }
  });

  it('sync_many previews first, then syncs with a per-app table, reporting a partial failure', async () => {
    const s = await startSimulator({ syncDurationMs: 300 });
    const g = await stdioGateway(baseEnv(s, { ...WRITES, ARGOCD_MCP_CONFIRM_FALLBACK: 'token' }));
    try {
      const list = appsOf<AppSummary>(await call(g.client, 'application_list', { projects: ['payments'] }));
      const outOfSync = list.filter((a) => a.sync === 'OutOfSync');
      expect(outOfSync.length).toBeGreaterThanOrEqual(2);
      const before = s.requests.filter((r) => r.method === 'POST').length;
      const preview = json<{ summary: string; applications: AppSummary[]; confirmationToken: string }>(await call(g.client, 'sync_many', { project: 'payments' }));
      expect(preview.applications.map((a) => a.name).sort()).toEqual(outOfSync.map((a) => a.name).sort());
      expect(s.requests.filter((r) => r.method === 'POST').length).toBe(before);
      expect(preview.summary).toContain(`${outOfSync.length} applications match`);
      const unconfirmed = await call(g.client, 'sync_many', { project: 'payments', execute: true });
      expect(unconfirmed.isError).toBe(true);
      expect(s.requests.filter((r) => r.method === 'POST').length).toBe(before);
      s.failSync(outOfSync[0].name, 'quota exceeded');
      const progress: string[] = [];
      const done = (await g.client.callTool({ name: 'sync_many', arguments: { project: 'payments', execute: true, confirmationToken: preview.confirmationToken, concurrency: 2 } }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ''),
      })) as CallToolResult;
      expect(done.isError).toBe(true);
      type Row = { name: string; phase: string };
      const body = JSON.parse((done.content[0] as { text: string }).text) as { summary: string; problems: { failed: Row[] }; succeeded: Row[] };
      expect(body.problems.failed).toEqual([expect.objectContaining({ name: outOfSync[0].name, phase: 'Failed' })]);
      expect(body.succeeded.map((r) => r.name).sort()).toEqual(outOfSync.slice(1).map((a) => a.name).sort());
      expect(body.succeeded.every((r) => r.phase === 'Succeeded')).toBe(true);
      expect(body.summary).toMatch(/1 failed/);
      expect(progress.length).toBe(outOfSync.length);
    } finally {
      await g.close();
      await s.close();
    }
  });

  it('rollback goes to the previous deployment by default and says from where to where', async () => {
    let tried = 0;
    for (const a of apps) {
      const full = json<{ spec: { syncPolicy?: { automated?: unknown } }; status: { history?: Array<{ id: number }> } }>(
        await call(gw.client, 'application_get', { name: a.name, raw: true, fields: ['spec.syncPolicy', 'status.history'] }),
      );
      if ((full.status.history ?? []).length < 2) continue;
      const result = await call(gw.client, 'rollback', { name: a.name });
      tried += 1;
      if (full.spec.syncPolicy?.automated) {
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(/auto-sync/);
        continue;
      }
      expect(result.isError, textOf(result)).toBeFalsy();
      const body = json<{ from: { id: number }; to: { id: number }; phase: string }>(result);
      const history = full.status.history!;
      expect(body.to.id).toBe(history[history.length - 2].id);
      expect(body.from.id).toBe(history[history.length - 1].id);
      expect(body.phase).toBe('Succeeded');
      return;
    }
    expect(tried).toBeGreaterThan(0);
  });

  it('diff, health_report and find_app answer from a few reads', async () => {
    const target = apps.find((a) => a.sync === 'OutOfSync')!;
    const d = json<{ summary: string; changes: unknown[] }>(await call(gw.client, 'diff', { name: target.name }));
    expect(d.summary).toContain(target.name);
    const report = json<{ summary: string; bySync: Record<string, number>; attention: Array<{ name: string }> }>(await call(gw.client, 'health_report', { project: 'payments' }));
    expect(Object.values(report.bySync).reduce((a, b) => a + b, 0)).toBe(apps.filter((a) => a.project === 'payments').length);
    const found = json<{ applications: AppSummary[] }>(await call(gw.client, 'find_app', { query: target.name.slice(0, 5) }));
    expect(found.applications.map((a) => a.name)).toContain(target.name);
  });

  it('set_revision patches targetRevision and reports the change', async () => {
    const target = apps[0];
    const result = json<{ from: unknown; to: string }>(await call(gw.client, 'set_revision', { name: target.name, revision: 'release/v2.5' }));
    expect(result.to).toBe('release/v2.5');
    const app = json<{ spec: { source?: { targetRevision?: string }; sources?: Array<{ targetRevision?: string }> } }>(
      await call(gw.client, 'application_get', { name: target.name, fields: ['spec.source.targetRevision', 'spec.sources'] }),
    );
    expect(app.spec.source?.targetRevision ?? app.spec.sources?.[0].targetRevision).toBe('release/v2.5');
  });
});

describe('confirmation through elicitation', () => {
  it('asks the user before a delete; a decline sends nothing upstream', async () => {
    const sim = await startSimulator({});
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: baseEnv(sim, WRITES), stderr: 'ignore' });
    const client = new Client({ name: 'e2e-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: 'decline' };
    });
    await client.connect(transport);
    try {
      const apps = appsOf<AppSummary>(await call(client, 'application_list'));
      const before = sim.requests.filter((r) => r.method === 'DELETE').length;
      const result = await call(client, 'application_delete', { name: apps[0].name });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/declined/);
      expect(asked[0]).toContain(apps[0].name);
      expect(sim.requests.filter((r) => r.method === 'DELETE').length).toBe(before);
    } finally {
      await client.close();
      await sim.close();
    }
  });
});

describe('project scoping', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300 });
    gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_PROJECTS: 'payments' }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('lists only applications of the allowed projects', async () => {
    const apps = appsOf<AppSummary>(await call(gw.client, 'application_list'));
    expect(apps.length).toBeGreaterThan(0);
    expect(new Set(apps.map((a) => a.project))).toEqual(new Set(['payments']));
    const outside = await call(gw.client, 'application_list', { projects: ['platform'] });
    expect(outside.isError).toBe(true);
  });

  it('refuses an application of another project as if it did not exist, sending no write', async () => {
    const admin = await stdioGateway(baseEnv(sim));
    const all = appsOf<AppSummary>(await call(admin.client, 'application_list'));
    await admin.close();
    const foreign = all.find((a) => a.project === 'platform')!;
    const before = sim.requests.filter((r) => r.method !== 'GET').length;
    for (const [tool, args] of [
      ['application_get', { name: foreign.name }],
      ['application_sync', { name: foreign.name }],
      ['sync_and_wait', { name: foreign.name }],
      ['application_delete', { name: foreign.name }],
    ] as const) {
      const result = await call(gw.client, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(textOf(result)).toMatch(/not visible through this gateway/);
    }
    expect(sim.requests.filter((r) => r.method !== 'GET').length).toBe(before);
    const report = json<{ bySync: Record<string, number> }>(await call(gw.client, 'health_report'));
    expect(Object.values(report.bySync).reduce((a, b) => a + b, 0)).toBe(all.filter((a) => a.project === 'payments').length);
  });
});
