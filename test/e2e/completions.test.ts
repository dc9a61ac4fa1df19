/**
 * Argument completion end to end, over stdio with the real SDK client against the simulator: application names for
 * the resource templates and the prompts that take them (the last item of a comma-separated list too), project
 * names, what project scoping and the allowlist hide never offered, and names reused a while instead of listed again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, startSimulator, stdioGateway } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

const template = (uri: string) => ({ type: 'ref/resource' as const, uri });
const prompt = (name: string) => ({ type: 'ref/prompt' as const, name });

describe('completions', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  beforeAll(async () => {
    sim = await startSimulator();
    gw = await stdioGateway(baseEnv(sim));
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('declares the completions capability', () => {
    expect(gw.client.getServerCapabilities()?.completions).toEqual({});
  });

  it('completes an application name in both resource templates: names that start with the text first', async () => {
    for (const uri of ['argocd://applications/{name}', 'argocd://applications/{name}/resource-tree']) {
      const { completion } = await gw.client.complete({ ref: template(uri), argument: { name: 'name', value: 'guest' } });
      expect(completion.values).toEqual(['guestbook', 'helm-guestbook']);
      expect(completion.total).toBe(2);
    }
  });

  it('completes prompt arguments: an application, the last of a comma-separated list, a project', async () => {
    const app = await gw.client.complete({ ref: prompt('triage_degraded_app'), argument: { name: 'name', value: 'payments-w' } });
    expect(app.completion.values).toEqual(['payments-webhooks', 'payments-worker']);
    const list = await gw.client.complete({ ref: prompt('plan_release'), argument: { name: 'applications', value: 'payments-worker, payments-w' } });
    expect(list.completion.values).toEqual(['payments-worker,payments-webhooks']);
    const project = await gw.client.complete({ ref: prompt('review_out_of_sync'), argument: { name: 'project', value: 'p' } });
    expect(project.completion.values).toEqual(['payments', 'platform']);
    const none = await gw.client.complete({ ref: prompt('plan_release'), argument: { name: 'revision', value: 'v' } });
    expect(none.completion.values).toEqual([]);
  });

  it('offers at most 100 values and says how many there are', async () => {
    const { completion } = await gw.client.complete({ ref: template('argocd://applications/{name}'), argument: { name: 'name', value: '' } });
    expect(completion.values.length).toBe(50);
    expect(completion).toMatchObject({ total: 50, hasMore: false });
  });

  it('reuses the names a while: completing again does not list applications again', async () => {
    await gw.client.complete({ ref: template('argocd://applications/{name}'), argument: { name: 'name', value: 'a' } });
    const lists = () => sim.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/applications').length;
    const before = lists();
    await gw.client.complete({ ref: template('argocd://applications/{name}'), argument: { name: 'name', value: 'ad' } });
    await gw.client.complete({ ref: prompt('triage_degraded_app'), argument: { name: 'name', value: 'adm' } });
    expect(lists()).toBe(before);
  });

  it('never offers what project scoping or the allowlist hides', async () => {
    const scoped = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_PROJECTS: 'frontend' }));
    const denied = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_DENY: 'application_list' }));
    try {
      const inScope = await scoped.client.complete({ ref: template('argocd://applications/{name}'), argument: { name: 'name', value: '' } });
      expect(inScope.completion.values.length).toBeGreaterThan(0);
      expect(inScope.completion.values).toContain('checkout-frontend');
      expect(inScope.completion.values).not.toContain('payments-api');
      expect(inScope.completion.values).not.toContain('guestbook');
      const projects = await scoped.client.complete({ ref: prompt('review_out_of_sync'), argument: { name: 'project', value: '' } });
      expect(projects.completion.values).toEqual(['frontend']);
      const hidden = await denied.client.complete({ ref: template('argocd://applications/{name}'), argument: { name: 'name', value: '' } });
      expect(hidden.completion.values).toEqual([]);
    } finally {
      await scoped.close();
      await denied.close();
    }
  });
});
