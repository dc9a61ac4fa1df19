/**
 * Every Argo CD release, end to end: for each release in ../shared/argocd-swagger, the simulator impersonates it (its
 * swagger.json, version and routes), the built gateway runs over stdio, and the real SDK client checks tools/list
 * (exactly one operation tool per operation the release serves, the workflows it supports, no argument it lacks)
 * and takes a short tour: application_list, health_report, find_app, sync_and_wait, rollback, diff.
 * Releases run concurrently; nothing asserts how fast anything happens.
 */
import { readFileSync } from 'node:fs';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { describe, it } from 'vitest';
import { compatibilityOf } from '../../scripts/compatibility.ts';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { operationIdsOf } from '../../src/argocd/version-adapt.ts';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import { releasesPresent, specPath } from '../codegen/release-specs.ts';
import { appsOf, baseEnv, call, json, startSimulator, stdioGateway, textOf } from './harness.ts';

interface App {
  name: string;
  project: string;
  sync?: string;
  health?: string;
}

const WORKFLOW_TAG = 'Workflows';

describe.concurrent('every Argo CD release, through the real SDK client', () => {
  for (const release of releasesPresent()) {
    it(`${release}: the right tools, and a tour that passes`, async ({ expect }) => {
      const doc = JSON.parse(readFileSync(specPath(release), 'utf8')) as unknown;
      const served = operationIdsOf(doc);
      const row = compatibilityOf(release, doc);
      const sim = await startSimulator({ release, syncDurationMs: 300, appCount: 12 });
      const gw = await stdioGateway(baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false', ARGOCD_MCP_CONFIRM: 'never' }));
      try {
        // tools/list: one operation tool per operation the release serves, and the workflows it supports.
        const tools = (await gw.client.listTools()).tools;
        const operationTools = tools.filter((t) => t._meta?.['argocd/tag'] !== WORKFLOW_TAG);
        const expected = loadCatalogue().tools.filter((t) => served.has(t._meta['argocd/operationId'])).map((t) => t.name).sort();
        expect(expected).toHaveLength(served.size);
        expect(operationTools.map((t) => t.name).sort()).toEqual(expected);
        expect(tools.filter((t) => t._meta?.['argocd/tag'] === WORKFLOW_TAG).map((t) => t.name).sort()).toEqual([...row.workflows].sort());
        expect(row.workflows).toHaveLength(WORKFLOWS.length);
        const props = (t: Tool) => Object.keys(t.inputSchema.properties ?? {});
        for (const t of tools) {
          const hidden = row.hiddenArgs.get(t.name) ?? [];
          expect(props(t).filter((p) => hidden.includes(p)), `${t.name} advertises arguments ${release} lacks`).toEqual([]);
        }
        if (release === 'v3.5.1') expect(row.hiddenArgs.size).toBe(0);

        // What the release lacks is refused before anything is sent.
        const sentBefore = sim.requests.length;
        if (!served.has('ApplicationService_ServerSideDiff')) {
          expect(textOf(await call(gw.client, 'application_server_side_diff', { appName: 'x' }))).toContain('does not serve');
        }
        for (const arg of row.hiddenArgs.get('application_list') ?? []) {
          const refused = await call(gw.client, 'application_list', { [arg]: arg === 'appNamespace' ? 'argocd' : ['default'] });
          expect(refused.isError).toBe(true);
          expect(textOf(refused)).toContain(`\`${arg}\``);
        }
        expect(sim.requests.length).toBe(sentBefore);

        // application_list, health_report (all, and one project), find_app.
        const apps = appsOf<App>(await call(gw.client, 'application_list'));
        expect(apps).toHaveLength(12);
        const report = json<{ bySync: Record<string, number> }>(await call(gw.client, 'health_report'));
        expect(Object.values(report.bySync).reduce((a, b) => a + b, 0)).toBe(apps.length);
        const project = apps[0].project;
        const inProject = json<{ bySync: Record<string, number> }>(await call(gw.client, 'health_report', { project }));
        expect(Object.values(inProject.bySync).reduce((a, b) => a + b, 0)).toBe(apps.filter((a) => a.project === project).length);
        const found = json<{ applications: App[] }>(await call(gw.client, 'find_app', { query: apps[1].name.slice(0, 6) }));
        expect(found.applications.map((a) => a.name)).toContain(apps[1].name);

        // sync_and_wait on an app without auto-sync, then roll it back to the deployment before that sync.
        let target: App | undefined;
        for (const a of apps) {
          const got = json<{ spec: { syncPolicy?: { automated?: unknown } }; status: { history?: unknown[] } }>(
            await call(gw.client, 'application_get', { name: a.name, raw: true, fields: ['spec.syncPolicy', 'status.history'] }),
          );
          if (!got.spec.syncPolicy?.automated && (got.status.history ?? []).length >= 1) {
            target = a;
            break;
          }
        }
        expect(target, 'an application without auto-sync that has been deployed').toBeDefined();
        const synced = await call(gw.client, 'sync_and_wait', { name: target!.name, timeoutSeconds: 300 });
        expect(synced.isError, textOf(synced)).toBeFalsy();
        expect(json<{ phase: string }>(synced).phase).toBe('Succeeded');
        const rolled = await call(gw.client, 'rollback', { name: target!.name, timeoutSeconds: 300 });
        expect(rolled.isError, textOf(rolled)).toBeFalsy();
        const rollback = json<{ phase: string; from: { id: number }; to: { id: number } }>(rolled);
        expect(rollback.phase).toBe('Succeeded');
        expect(rollback.to.id).toBeLessThan(rollback.from.id);

        // diff says which comparison it ran, and why on this release.
        const diff = json<{ summary: string; path: string; pathWhy: string }>(await call(gw.client, 'diff', { name: apps[2].name }));
        expect(diff.summary).toContain(apps[2].name);
        expect(diff.path).toBe('managed-resources');
        expect(diff.pathWhy).toContain(release);
        expect(diff.pathWhy).toMatch(served.has('ApplicationService_ServerSideDiff') ? /serves ServerSideDiff/ : /no ServerSideDiff/);

        // The release's swagger.json is read once, and not at all when the release is the catalogue's minor version.
        const sameMinor = release.split('.').slice(0, 2).join('.') === loadCatalogue().release.split('.').slice(0, 2).join('.');
        expect(sim.requests.filter((r) => r.path === '/swagger.json')).toHaveLength(sameMinor ? 0 : 1);
      } finally {
        await gw.close();
        await sim.close();
      }
    }, 240_000);
  }
});
