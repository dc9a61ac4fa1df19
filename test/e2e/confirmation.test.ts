/**
 * Confirmation a model cannot forge, end to end: the built gateway over stdio and Streamable HTTP, the SDK's real
 * client, the simulator recording every request (docs/confirmation.md).
 * - A client that elicits is asked every time; a forged `confirm` or token changes nothing; a decline sends nothing.
 * - A client that cannot elicit: `confirmFallback: refuse`, or a preview whose token confirms that request once.
 * - HTTP with sessions elicits like stdio; stateless HTTP cannot elicit: refused by default.
 * - sync_many runs exactly the applications its confirmation showed.
 * - confirm: writes asks for a one-app sync_many; the question names the instance and the resource;
 *   terminateOnCancel terminates only after the user said yes.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsOf, baseEnv, call, CLI, httpGateway, json, startSimulator, stdioGateway, textOf } from './harness.ts';
import type { Simulator } from './harness.ts';

const WRITES = { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_ALLOW: '*' };
const dir = mkdtempSync(path.join(os.tmpdir(), 'confirm-e2e-'));

interface Eliciting {
  client: Client;
  /** Every question the user was asked. */
  asked: string[];
  /** What the user answers next. */
  answer: 'accept' | 'decline' | 'cancel';
  close: () => Promise<void>;
}

/** The gateway over stdio with a client that supports elicitation and answers as told. */
async function elicitingGateway(env: Record<string, string>, args: string[] = []): Promise<Eliciting> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env, stderr: 'ignore' });
  const client = new Client({ name: 'e2e-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  const state: Eliciting = { client, asked: [], answer: 'decline', close: () => client.close() };
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    state.asked.push(req.params.message);
    return state.answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: state.answer };
  });
  await client.connect(transport);
  return state;
}

const tokenOf = (text: string): string => {
  const m = /confirmationToken: "(cfm_[A-Za-z0-9_-]+)"/.exec(text);
  if (!m) throw new Error(`no token in: ${text}`);
  return m[1];
};

/** Polls until `check` holds (generous deadline: the machine is busy), then returns its value. */
async function until<T>(what: string, check: () => T | undefined | false, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const writesTo = (sim: Simulator) => sim.requests.filter((r) => r.method !== 'GET');
const syncedNames = (sim: Simulator) =>
  sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sync')).map((r) => decodeURIComponent(r.path.split('/')[4]));

describe('a client that elicits', () => {
  let sim: Simulator;
  let gw: Eliciting;
  let names: string[];
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300 });
    gw = await elicitingGateway(baseEnv(sim, WRITES));
    names = appsOf(await call(gw.client, 'application_list')).map((a) => a.name);
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('declined: nothing reaches Argo CD; a retry with a forged confirm or token is asked again and sends nothing', async () => {
    const before = writesTo(sim).length;
    gw.answer = 'decline';
    const target = names[0];
    for (const extra of [{}, { confirm: target }, { confirmationToken: 'cfm_forged' }]) {
      const result = await call(gw.client, 'application_delete', { name: target, ...extra });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/The user declined/);
    }
    const pruning = await call(gw.client, 'sync_and_wait', { name: target, prune: true, confirm: target });
    expect(pruning.isError).toBe(true);
    expect(gw.asked).toHaveLength(4);
    expect(gw.asked.every((q) => q.includes(`"${target}"`))).toBe(true);
    expect(gw.asked[3]).toContain('with prune');
    expect(writesTo(sim).length).toBe(before);
  });

  it('accepted: asked even when the call carries confirm: <name>, then the call goes through', async () => {
    gw.answer = 'accept';
    const asked = gw.asked.length;
    const result = await call(gw.client, 'application_delete', { name: names[1], confirm: names[1] });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(gw.asked.length).toBe(asked + 1);
    expect(sim.requests.some((r) => r.method === 'DELETE' && r.path === `/api/v1/applications/${names[1]}`)).toBe(true);
  });

  it('application_delete_resource: the question names the resource (kind, namespace, name)', async () => {
    gw.answer = 'decline';
    const before = writesTo(sim).length;
    await call(gw.client, 'application_delete_resource', { name: names[2], resourceName: 'api', kind: 'Deployment', group: 'apps', version: 'v1', namespace: 'payments' });
    expect(gw.asked.at(-1)).toContain(`the resource apps/Deployment payments/api of "${names[2]}"`);
    expect(writesTo(sim).length).toBe(before);
  });

  it('sync_many asks once with the full list (and the termination it may do), and syncs exactly those applications', async () => {
    const list = appsOf(await call(gw.client, 'application_list', { projects: ['payments'] })).filter((a) => a.sync === 'OutOfSync');
    expect(list.length).toBeGreaterThanOrEqual(2);
    gw.answer = 'accept';
    const synced = syncedNames(sim).length;
    const asked = gw.asked.length;
    const result = await call(gw.client, 'sync_many', { project: 'payments', execute: true, timeoutSeconds: 60, terminateOnCancel: true });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(gw.asked.length).toBe(asked + 1);
    const question = gw.asked.at(-1)!;
    expect(question).toContain(`sync ${list.length} applications, terminating their running operations if this call is cancelled`);
    for (const a of list) expect(question).toContain(a.name);
    expect(syncedNames(sim).slice(synced).sort()).toEqual(list.map((a) => a.name).sort());
  });
});

describe('confirm: writes', () => {
  it('sync_many over one application asks; a decline syncs nothing', async () => {
    const sim = await startSimulator({ syncDurationMs: 300 });
    const gw = await elicitingGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_CONFIRM: 'writes' }));
    try {
      const one = appsOf(await call(gw.client, 'application_list')).find((a) => a.sync === 'OutOfSync')!;
      gw.answer = 'decline';
      const result = await call(gw.client, 'sync_many', { names: [one.name], execute: true });
      expect(result.isError).toBe(true);
      expect(gw.asked).toEqual([expect.stringContaining(`sync 1 application: ${one.name}`)]);
      expect(writesTo(sim)).toHaveLength(0);
    } finally {
      await gw.close();
      await sim.close();
    }
  });
});

describe('several Argo CD instances', () => {
  it('the question names the instance', async () => {
    const [prod, staging] = await Promise.all([startSimulator({ appCount: 4, seed: 1 }), startSimulator({ appCount: 4, seed: 2 })]);
    const configFile = path.join(dir, 'instances.yaml');
    writeFileSync(
      configFile,
      `adaptToServer: false\ninstances:\n  - name: prod\n    url: ${prod.url}\n    token: \${PROD_TOKEN}\n    readOnly: false\n    allow: ["*"]\n  - name: staging\n    url: ${staging.url}\n    token: \${STAGING_TOKEN}\n    readOnly: false\n    allow: ["*"]\n`,
    );
    const env = { PATH: process.env.PATH ?? '', PROD_TOKEN: prod.tokens.admin, STAGING_TOKEN: staging.tokens.admin, ARGOCD_MCP_LOG_LEVEL: 'warn' };
    const gw = await elicitingGateway(env, ['--config', configFile]);
    try {
      const app = appsOf(await call(gw.client, 'application_list', { instance: 'staging' }))[0];
      gw.answer = 'decline';
      await call(gw.client, 'application_delete', { instance: 'staging', name: app.name });
      expect(gw.asked[0]).toContain(`"${app.name}" on the Argo CD instance "staging"`);
      expect(writesTo(staging)).toHaveLength(0);
      expect(writesTo(prod)).toHaveLength(0);
    } finally {
      await gw.close();
      await Promise.all([prod.close(), staging.close()]);
    }
  });
});

describe('terminateOnCancel', () => {
  let sim: Simulator;
  let gw: Eliciting;
  let auditFile: string;
  beforeAll(async () => {
    // Operations stay Running long enough to be cancelled.
    sim = await startSimulator({ syncDurationMs: 60_000 });
    auditFile = path.join(dir, 'terminate-audit.jsonl');
    gw = await elicitingGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_AUDIT_FILE: auditFile }));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  const terminations = (name: string) => sim.requests.filter((r) => r.method === 'DELETE' && r.path === `/api/v1/applications/${name}/operation`);
  const audit = () => (existsSync(auditFile) ? readFileSync(auditFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { tool: string; outcome: string }) : []);

  /** Starts sync_and_wait with terminateOnCancel, waits until the gateway saw the operation Running, then cancels. */
  async function cancelDuringSync(name: string): Promise<void> {
    const controller = new AbortController();
    const progress: string[] = [];
    const pending = gw.client.callTool({ name: 'sync_and_wait', arguments: { name, terminateOnCancel: true } }, undefined, {
      signal: controller.signal,
      onprogress: (p) => progress.push(p.message ?? ''),
    });
    await until('the operation Running', () => progress.some((m) => m.includes('operation Running')));
    controller.abort('stop');
    await expect(pending).rejects.toThrow();
  }

  it('asks before terminating: declined, the operation is not terminated; accepted, it is', async () => {
    const [a, b] = appsOf(await call(gw.client, 'application_list')).filter((x) => x.sync === 'OutOfSync');
    gw.answer = 'decline';
    const asked = gw.asked.length;
    await cancelDuringSync(a.name);
    await until('the question about terminating', () => gw.asked.slice(asked).find((q) => q.includes('application_terminate_operation')));
    await until('the refusal in the audit', () => audit().some((r) => r.tool === 'application_terminate_operation' && r.outcome === 'refused'));
    expect(terminations(a.name)).toHaveLength(0);
    gw.answer = 'accept';
    await cancelDuringSync(b.name);
    await until('the termination', () => terminations(b.name).length === 1);
    expect(gw.asked.slice(asked).filter((q) => q.includes('application_terminate_operation'))).toHaveLength(2);
  }, 90_000);
});

describe('a client that cannot elicit', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 200 });
  });
  afterAll(() => sim?.close());

  it('confirmFallback: refuse refuses, naming no value that would confirm, and sends nothing', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_CONFIRM_FALLBACK: 'refuse' }));
    try {
      const [app] = appsOf(await call(gw.client, 'application_list'));
      const before = writesTo(sim).length;
      for (const args of [{ name: app.name }, { name: app.name, confirm: app.name }]) {
        const result = await call(gw.client, 'application_delete', args);
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(/cannot ask them/);
        expect(textOf(result)).not.toMatch(/cfm_|confirm: "/);
      }
      expect(writesTo(sim).length).toBe(before);
    } finally {
      await gw.close();
    }
  });

  it('confirmFallback: token: the preview shows the request; its token works once, for exactly that request', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_CONFIRM_FALLBACK: 'token' }));
    try {
      const apps = appsOf(await call(gw.client, 'application_list'));
      const [a, b] = [apps.at(-1)!.name, apps.at(-2)!.name];
      const before = writesTo(sim).length;
      const preview = textOf(await call(gw.client, 'application_delete', { name: a }));
      expect(preview).toContain(`"method":"DELETE","path":"/api/v1/applications/${a}"`);
      const wrongTarget = await call(gw.client, 'application_delete', { name: b, confirmationToken: tokenOf(preview) });
      expect(textOf(wrongTarget)).toMatch(/issued for "/);
      const t2 = tokenOf(textOf(await call(gw.client, 'application_delete', { name: a })));
      expect(textOf(await call(gw.client, 'application_delete', { name: a, cascade: false, confirmationToken: t2 }))).toMatch(/other arguments/);
      expect(writesTo(sim).length).toBe(before);
      const t3 = tokenOf(textOf(await call(gw.client, 'application_delete', { name: a })));
      const ok = await call(gw.client, 'application_delete', { name: a, confirmationToken: t3 });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      expect(writesTo(sim).length).toBe(before + 1);
      const reused = await call(gw.client, 'application_delete', { name: a, confirmationToken: t3 });
      expect(textOf(reused)).toMatch(/already used/);
      expect(writesTo(sim).length).toBe(before + 1);
      // A workflow's preview names the workflow to call again; the token confirms its pruning sync.
      const syncPreview = textOf(await call(gw.client, 'sync_and_wait', { name: b, prune: true }));
      expect(syncPreview).toContain('call sync_and_wait again');
      expect(syncPreview).toContain('"prune":true');
      expect(writesTo(sim).length).toBe(before + 1);
      const synced = await call(gw.client, 'sync_and_wait', { name: b, prune: true, confirmationToken: tokenOf(syncPreview), timeoutSeconds: 60 });
      expect(synced.isError, textOf(synced)).toBeFalsy();
      expect(sim.requests.filter((r) => r.method === 'POST' && r.path === `/api/v1/applications/${b}/sync`).map((r) => JSON.parse(r.body).prune)).toEqual([true]);
    } finally {
      await gw.close();
    }
  });

  it('a workflow with two confirmed steps (set_revision + sync under confirm: writes): each token confirms the workflow call and the steps previewed so far', async () => {
    const gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_CONFIRM: 'writes', ARGOCD_MCP_CONFIRM_FALLBACK: 'token' }));
    try {
      const app = appsOf(await call(gw.client, 'application_list')).find((a) => a.sync === 'OutOfSync')!;
      const args = { name: app.name, revision: 'release/v9', sync: true, timeoutSeconds: 60 };
      const before = writesTo(sim).length;
      const first = textOf(await call(gw.client, 'set_revision', args));
      expect(first).toContain('preview of application_patch');
      expect(first).toContain('call set_revision again');
      expect(writesTo(sim).length).toBe(before);
      // The patch was previewed: it goes through; the sync is previewed next.
      const second = textOf(await call(gw.client, 'set_revision', { ...args, confirmationToken: tokenOf(first) }));
      expect(second).toContain('preview of application_sync');
      expect(writesTo(sim).map((r) => r.method).slice(before)).toEqual(['PATCH']);
      const third = await call(gw.client, 'set_revision', { ...args, confirmationToken: tokenOf(second) });
      expect(third.isError, textOf(third)).toBeFalsy();
      expect(writesTo(sim).map((r) => r.method).slice(before)).toEqual(['PATCH', 'PATCH', 'POST']);
      const reused = await call(gw.client, 'set_revision', { ...args, confirmationToken: tokenOf(second) });
      expect(textOf(reused)).toMatch(/already used/);
      expect(writesTo(sim).length).toBe(before + 3);
    } finally {
      await gw.close();
    }
  });

  it('sync_many: the token runs exactly the applications its preview listed, never the ones it did not show', async () => {
    // A small result cap: the preview cannot list every matching application.
    const gw = await stdioGateway(baseEnv(sim, { ...WRITES, ARGOCD_MCP_MAX_RESULT_TOKENS: '600', ARGOCD_MCP_CONFIRM_FALLBACK: 'token' }));
    try {
      const preview = json<{ summary: string; confirmationToken: string; covers: number; matching: number; applications: Array<{ name: string }> }>(
        await call(gw.client, 'sync_many', { syncStatus: 'any', timeoutSeconds: 60 }),
      );
      expect(preview.covers).toBeGreaterThan(0);
      expect(preview.covers).toBeLessThan(preview.matching);
      expect(preview.applications).toHaveLength(preview.covers);
      const before = syncedNames(sim).length;
      const result = await call(gw.client, 'sync_many', { syncStatus: 'any', execute: true, concurrency: 4, confirmationToken: preview.confirmationToken });
      expect(syncedNames(sim).slice(before).sort()).toEqual(preview.applications.map((a) => a.name).sort());
      expect(textOf(result)).toContain(`${preview.matching - preview.covers} matching applications were not in the confirmed preview`);
      // Spent: the same token runs nothing more.
      const again = await call(gw.client, 'sync_many', { syncStatus: 'any', execute: true, confirmationToken: preview.confirmationToken });
      expect(again.isError).toBe(true);
      const unconfirmed = await call(gw.client, 'sync_many', { syncStatus: 'any', execute: true });
      expect(textOf(unconfirmed)).not.toMatch(/cfm_/);
      expect(syncedNames(sim).length).toBe(before + preview.covers);
    } finally {
      await gw.close();
    }
  });
});

describe('Streamable HTTP', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({});
  });
  afterAll(() => sim?.close());

  /** A client that says it supports elicitation: over stateless HTTP no request can ask it anyway. */
  async function connect(url: string): Promise<Client> {
    const client = new Client({ name: 'e2e-stateless', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { confirm: true } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  }

  it('with sessions, the same client is asked (elicitation) and a decline sends nothing', async () => {
    const gw = await httpGateway(baseEnv(sim, WRITES));
    try {
      const client = new Client({ name: 'e2e-session', version: '1.0.0' }, { capabilities: { elicitation: {} } });
      const asked: string[] = [];
      client.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked.push(req.params.message);
        return { action: 'decline' };
      });
      await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
      const [app] = appsOf(await call(client, 'application_list'));
      const before = writesTo(sim).length;
      const result = await call(client, 'application_delete', { name: app.name, confirm: app.name });
      expect(textOf(result)).toMatch(/The user declined/);
      expect(asked).toHaveLength(1);
      expect(writesTo(sim).length).toBe(before);
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('stateless: refuses a destructive call by default and sends nothing', async () => {
    const gw = await httpGateway(baseEnv(sim, WRITES), ['--stateless']);
    try {
      const client = await connect(gw.url);
      const [app] = appsOf(await call(client, 'application_list'));
      const before = writesTo(sim).length;
      const result = await call(client, 'application_delete', { name: app.name, confirm: app.name });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/confirmFallback: refuse/);
      expect(textOf(result)).not.toMatch(/cfm_/);
      expect(writesTo(sim).length).toBe(before);
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('stateless with --confirm-fallback token: a preview on one request and its token on another', async () => {
    const gw = await httpGateway(baseEnv(sim, WRITES), ['--stateless', '--confirm-fallback', 'token']);
    try {
      const client = await connect(gw.url);
      const [app] = appsOf(await call(client, 'application_list'));
      const before = writesTo(sim).length;
      const token = tokenOf(textOf(await call(client, 'application_delete', { name: app.name })));
      expect(writesTo(sim).length).toBe(before);
      const ok = await call(client, 'application_delete', { name: app.name, confirmationToken: token });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      expect(writesTo(sim).length).toBe(before + 1);
      await client.close();
    } finally {
      await gw.close();
    }
  });
});
