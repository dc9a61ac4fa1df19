/** Applications as MCP resources with subscriptions, and the prompts, over stdio with the SDK client. */
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsOf, baseEnv, call, startSimulator, stdioGateway } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

describe('resources and prompts', () => {
  let sim: Simulator;
  let gw: StdioGateway;
  let name: string;
  beforeAll(async () => {
    sim = await startSimulator({ syncDurationMs: 300 });
    gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never' }));
    name = appsOf(await call(gw.client, 'application_list')).find((a) => a.sync === 'OutOfSync')!.name;
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('lists applications as resources and offers templates for an app and its resource tree', async () => {
    const { resources } = await gw.client.listResources();
    expect(resources.length).toBeGreaterThanOrEqual(40);
    // The fleet attention feed comes first (test/fleet/attention-e2e.test.ts), then one resource per application.
    expect(resources[0].uri).toBe('argocd://fleet/attention');
    expect(resources.slice(1).every((r) => r.uri.startsWith('argocd://applications/'))).toBe(true);
    const { resourceTemplates } = await gw.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['argocd://applications/{name}', 'argocd://applications/{name}/resource-tree']);
  });

  it('reads an application and its resource tree, and reports an unknown one as not found', async () => {
    const app = await gw.client.readResource({ uri: `argocd://applications/${name}` });
    expect(JSON.parse((app.contents[0] as { text: string }).text).metadata.name).toBe(name);
    const tree = await gw.client.readResource({ uri: `argocd://applications/${name}/resource-tree` });
    expect(JSON.parse((tree.contents[0] as { text: string }).text).nodes.length).toBeGreaterThan(0);
    await expect(gw.client.readResource({ uri: 'argocd://applications/no-such-app' })).rejects.toThrow();
  });

  it('sends resources/updated when a subscribed application changes, and stops after unsubscribe', async () => {
    const updates: string[] = [];
    gw.client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => {
      updates.push(n.params.uri);
    });
    const uri = `argocd://applications/${name}`;
    await gw.client.subscribeResource({ uri });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(gw.client, 'application_sync', { name })).isError).toBeFalsy();
    for (let i = 0; i < 40 && updates.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(updates).toContain(uri);
    await gw.client.unsubscribeResource({ uri });
    // The controller runs the first sync asynchronously; a second one is refused until it finished.
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${sim.url}/api/v1/applications/${name}`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
      if (!((await res.json()) as { operation?: unknown }).operation) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1200));
    const settled = updates.length;
    expect((await call(gw.client, 'application_sync', { name })).isError).toBeFalsy();
    await new Promise((r) => setTimeout(r, 1500));
    expect(updates.length).toBe(settled);
    const streams = sim.requests.filter((r) => r.path.endsWith('/stream/applications'));
    expect(streams.length).toBe(1);
  });

  it('keys subscriptions by what they watch: spellings of one URI share one watch; a session holds at most 50', async () => {
    const apps = appsOf(await call(gw.client, 'application_list')).map((a) => a.name).filter((n) => n !== name);
    const target = apps[0];
    const opened = () => sim.requests.filter((r) => r.path.endsWith('/stream/applications') && r.query.includes(encodeURIComponent(target))).length;
    const spellings = [
      `argocd://applications/${target}`,
      `argocd://applications/${encodeURIComponent(target).replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
      `argocd://applications/${target}?appNamespace=`,
      `argocd://applications/${target}?x=1`,
      `argocd://applications/${target}?x=2&y=3`,
    ];
    for (const uri of spellings) await gw.client.subscribeResource({ uri });
    expect(opened()).toBe(1);
    await gw.client.unsubscribeResource({ uri: spellings[3] });
    // All spellings were one subscription: it is gone, so the cap below counts from zero.
    const uris = apps.slice(1, 26).flatMap((n) => [`argocd://applications/${n}`, `argocd://applications/${n}/resource-tree`]);
    expect(uris.length).toBe(50);
    for (const uri of uris) await gw.client.subscribeResource({ uri });
    await expect(gw.client.subscribeResource({ uri: `argocd://applications/${target}` })).rejects.toThrow(/already has 50 subscriptions/);
    for (const uri of uris) await gw.client.unsubscribeResource({ uri });
  });

  it('offers prompts that name the tools to use', async () => {
    const { prompts } = await gw.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['triage_degraded_app', 'plan_release', 'review_out_of_sync']);
    const got = await gw.client.getPrompt({ name: 'triage_degraded_app', arguments: { name } });
    const text = (got.messages[0].content as { text: string }).text;
    expect(text).toContain('application_resource_tree');
    expect(text).toContain(name);
  });
});
