/**
 * Receipts end to end: the built gateway over stdio, the SDK's real client, the simulator. A sync answers with a
 * receipt that says the operation was requested, and the call the receipt names watches it to the end.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/shaping/cap.ts';
import { appsOf, baseEnv, call, startSimulator, stdioGateway, textOf } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

const WRITES = { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never' };

interface NextCall {
  tool: string;
  arguments: Record<string, unknown>;
  until?: string;
}

interface Watched {
  phase?: string;
  finishedAt?: string;
  reconciledAt?: string;
  sync?: string;
  health?: string;
}

/** The result's JSON object that is the receipt (GitOps findings, when there are any, come first as text). */
function receiptOf(result: CallToolResult): { receipt: Record<string, unknown>; text: string } {
  for (const c of result.content) {
    if (c.type !== 'text') continue;
    try {
      const value = JSON.parse(c.text) as Record<string, unknown>;
      if (value && typeof value.receipt === 'string') return { receipt: value, text: c.text };
    } catch {
      // a note, not the receipt
    }
  }
  throw new Error(`no receipt in ${textOf(result)}`);
}

/** The receipt's own stop rule: the operation ended and Argo CD reconciled the app since (sync and health current). */
const done = (w: Watched) => ['Succeeded', 'Failed', 'Error'].includes(w.phase ?? '') && !!w.finishedAt && !!w.reconciledAt && Date.parse(w.reconciledAt) >= Date.parse(w.finishedAt);

describe('a sync answers with a receipt, and its next call watches the operation', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    // Shortened, not removed: the operation is still picked up, run and reconciled after the answer.
    sim = await startSimulator({ syncDurationMs: 300, pickupDelayMs: { minMs: 20, maxMs: 200 }, reconcileDelayMs: { minMs: 20, maxMs: 200 } });
    gw = await stdioGateway(baseEnv(sim, WRITES));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('application_sync: requested, within 300 tokens; the suggested application_get query follows it to Succeeded', async () => {
    const apps = appsOf(await call(gw.client, 'application_list', { projects: ['payments'] }));
    const name = apps.find((a) => a.health === 'Healthy')!.name;
    const result = await call(gw.client, 'application_sync', { name });
    expect(result.isError, textOf(result)).toBeFalsy();
    const { receipt, text } = receiptOf(result);
    expect(await countTokens(text)).toBeLessThanOrEqual(300);
    expect(receipt).toMatchObject({ application: name, project: 'payments', operation: { kind: 'sync', phase: 'Requested' } });
    expect(result.structuredContent).toMatchObject({ application: name });

    const next = receipt.next as NextCall;
    expect(next.tool).toBe('application_get');
    const seen: string[] = [];
    let watched: Watched = {};
    // Each answer is Argo CD's state at that moment; the loop ends on the receipt's own condition, not on a clock.
    while (!done(watched)) {
      const got = await call(gw.client, next.tool, next.arguments);
      expect(got.isError, textOf(got)).toBeFalsy();
      watched = JSON.parse(textOf(got)) as Watched;
      if (seen.at(-1) !== watched.phase) seen.push(String(watched.phase));
      if (!done(watched)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(watched).toMatchObject({ phase: 'Succeeded', sync: 'Synced' });
    // The watch saw the operation go from requested to its end (the phases in between depend on when it asked).
    expect(seen.at(-1)).toBe('Succeeded');
    expect(seen.every((p) => ['Requested', 'Running', 'Succeeded'].includes(p))).toBe(true);
  });

  it('raw: true answers the Application Argo CD returned for the sync request', async () => {
    const apps = appsOf(await call(gw.client, 'application_list', { projects: ['payments'] }));
    const name = apps.filter((a) => a.health === 'Healthy')[1].name;
    const result = await call(gw.client, 'application_sync', { name, raw: true });
    expect(result.isError, textOf(result)).toBeFalsy();
    const app = result.structuredContent as { metadata: { name: string }; operation?: { sync?: unknown } };
    expect(app.metadata.name).toBe(name);
    expect(app.operation?.sync).toBeDefined();
  });
});
