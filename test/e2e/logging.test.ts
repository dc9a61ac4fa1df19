/**
 * MCP logging end to end, over stdio with the real SDK client against the simulator: the gateway declares the
 * logging capability, honours `logging/setLevel`, and tells the client what it found about the connected Argo CD
 * (its version, and the tools an older release hides) as `notifications/message`.
 */
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, ROOT, startSimulator, stdioGateway } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

const SHARED = path.resolve(ROOT, '../shared/argocd-swagger');

/** Messages the client receives, in order. */
function collect(client: Client): Array<LoggingMessageNotification['params']> {
  const got: Array<LoggingMessageNotification['params']> = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    got.push(n.params);
  });
  return got;
}

describe('logging', () => {
  const open: Array<StdioGateway | Simulator> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  it('declares the logging capability and tells an info-level client which Argo CD it found', async () => {
    const sim = await startSimulator();
    const gw = await stdioGateway(baseEnv(sim));
    open.push(gw, sim);
    expect(gw.client.getServerCapabilities()?.logging).toEqual({});
    const got = collect(gw.client);
    await gw.client.setLoggingLevel('info');
    // The gateway probes Argo CD when it first works out its tools; the message goes out before that answer.
    await gw.client.listTools();
    expect(got).toContainEqual({ level: 'info', logger: 'argocd', data: { message: 'Argo CD v3.5.1+sim matches the v3.5.1 catalogue', argocdVersion: 'v3.5.1+sim' } });
  });

  it('warns about the tools an older Argo CD does not serve', async () => {
    const sim = await startSimulator({ swaggerFile: path.join(SHARED, 'v2.14.21.json'), version: 'v2.14.21+sim' });
    const gw = await stdioGateway(baseEnv(sim));
    open.push(gw, sim);
    const got = collect(gw.client);
    await gw.client.setLoggingLevel('warning');
    await gw.client.listTools();
    const warning = got.find((m) => m.level === 'warning');
    expect(warning?.logger).toBe('argocd');
    expect((warning?.data as { message: string }).message).toMatch(/^Argo CD v2\.14\.21\+sim differs from the v3\.5\.1 catalogue; hiding \d+ tools it does not serve: /);
  });

  it('sends nothing below the level the client set', async () => {
    const sim = await startSimulator();
    const gw = await stdioGateway(baseEnv(sim));
    open.push(gw, sim);
    const got = collect(gw.client);
    await gw.client.setLoggingLevel('error');
    await gw.client.listTools();
    // A message would have come before the tools/list answer (one ordered stream); ping flushes anything later.
    await gw.client.ping();
    expect(got).toEqual([]);
  });

  it('a client that connects after the probe hears what was found (HTTP sessions share one gateway)', async () => {
    const { httpGateway } = await import('./harness.ts');
    const sim = await startSimulator();
    const gw = await httpGateway(baseEnv(sim, { ARGOCD_MCP_LOG_LEVEL: 'info' }));
    open.push(sim);
    try {
      const first = await gw.connect();
      await first.listTools();
      const second = await gw.connect();
      const got = collect(second);
      await second.setLoggingLevel('info');
      // Replayed when the session is initialized; poll, as delivery rides the session's stream.
      const deadline = Date.now() + 10_000;
      while (!got.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(got.map((m) => (m.data as { message: string }).message)).toContain('Argo CD v3.5.1+sim matches the v3.5.1 catalogue');
      await first.close();
      await second.close();
    } finally {
      await gw.close();
    }
  });
});
