/**
 * The console in a real headless Chromium: the bundled CLI serves it, the simulator is the Argo CD, and the page is
 * driven as a person would (clicks, typing), with the file on disk and `list-tools` as the judges.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { CLI, SCREENSHOT_DIR, hasChromium, launchChromium, startConsoleProcess } from './browser-harness.ts';
import type { ConsoleProcess } from './browser-harness.ts';

const catalogue = loadCatalogue();
/** What the console offers: every operation and every workflow tool, as the gateway serves them. */
const offered = [...catalogue.tools, ...WORKFLOWS.map((w) => w.tool)];
const INITIAL = `# Team allowlist: reviewed in PR #42
url: http://placeholder.invalid # replaced by ARGOCD_BASE_URL in this test
readOnly: true   # start safe
allow:
  - applications # day-to-day
logLevel: warn
`;

const totals = async (page: Page) => ({
  tools: Number((await page.locator('#tools-total').textContent())!.replace(/\D/g, '')),
  tokens: Number((await page.locator('#tokens-total').textContent())!.replace(/\D/g, '')),
});

/** A wait-for, not a sleep: polls until the assertion holds (10 s at most). */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });

const checkedTools = (page: Page) => page.locator('input[name="tool"]:checked').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value).sort());

describe.skipIf(!hasChromium && !process.env.CI)('console in Chromium', () => {
  let sim: Simulator;
  let con: ConsoleProcess;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'console-e2e-'));
    file = path.join(dir, 'allowlist.yaml');
    writeFileSync(file, INITIAL);
    sim = await startSimulator({ syncDurationMs: 50 });
    [con, browser] = await Promise.all([
      startConsoleProcess(['--config', file, '--serve', '--gateway-port', '0'], {
        ARGOCD_BASE_URL: sim.url,
        ARGOCD_API_TOKEN: sim.tokens.admin,
        ARGOCD_MCP_LOG_LEVEL: 'warn',
      }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await con?.stop();
    await sim?.close();
  });

  it('refuses the page without the access token (401) and with a wrong one (403)', async () => {
    const anonymous = await browser.newPage();
    expect((await anonymous.goto(`${con.origin}/`))!.status()).toBe(401);
    expect((await anonymous.goto(`${con.origin}/?token=not-the-token`))!.status()).toBe(403);
    expect((await anonymous.goto(`${con.origin}/static/console.js`))!.status()).toBe(401);
    const api = await anonymous.evaluate(async () => (await fetch('/api/activity')).status);
    expect(api).toBe(401);
    await anonymous.close();
    // DNS rebinding: the right token but a foreign Host header.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${con.origin}/api/activity`, { headers: { 'x-console-token': con.token, host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('loads with the token and lists every operation of the catalogue and every workflow, grouped by toolset', async () => {
    const res = await page.goto(con.url);
    expect(res!.status()).toBe(200);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar for a cookie
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.locator('tbody tr[data-tool]').count()).toBe(offered.length);
    expect(await page.locator('.group').count()).toBe(new Set(offered.map((t) => t.toolset)).size);
    expect(await page.locator('.group[data-toolset="workflows"] tbody tr[data-tool]').count()).toBe(WORKFLOWS.length);
    // A row says what the tool does, not the bare operation name.
    expect(await page.locator('tr[data-tool="account_can_i"] .title').textContent()).toBe('Checks if the current account has permission to perform an action.');
    // readOnly: true + allow: [applications] → the read tools of applications.
    const expected = catalogue.tools.filter((t) => t.toolset === 'applications' && t.annotations.readOnlyHint).map((t) => t.name).sort();
    expect(await checkedTools(page)).toEqual(expected);
    expect((await totals(page)).tools).toBe(expected.length);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'console-endpoints.png') });
  });

  it('toggling a group updates its count and the running totals', async () => {
    const before = await totals(page);
    const clusters = catalogue.tools.filter((t) => t.toolset === 'clusters');
    await page.locator('#g-clusters').check();
    await eventually(async () => (await totals(page)).tools).toBe(before.tools + clusters.length);
    const after = await totals(page);
    expect(after.tokens).toBeGreaterThan(before.tokens);
    expect(await page.locator('.group[data-toolset="clusters"] [data-role="chosen"]').textContent()).toBe(String(clusters.length));
    await page.locator('#g-clusters').uncheck();
    await eventually(async () => totals(page)).toEqual(before);
    expect(await page.locator('#dirty').textContent()).toBe('');
  });

  it('the search box narrows the rows, and a group toggle then acts on the shown rows only', async () => {
    await page.locator('#search').fill('delete');
    const shown = await page.locator('tbody tr[data-tool]:visible').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.tool));
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.every((n) => /delete/.test(n!) || catalogue.tools.find((t) => t.name === n)!.request.method === 'DELETE')).toBe(true);
    await page.locator('#search').fill('');
    expect(await page.locator('tbody tr[data-tool]:visible').count()).toBe(offered.length);
  });

  it("the Read-only preset is the gateway's own default: the same tools list-tools counts, within the budget", async () => {
    await page.getByRole('button', { name: 'Read-only', exact: true }).click();
    const selected = await checkedTools(page);
    const served = JSON.parse(execFileSync(process.execPath, [CLI, 'list-tools', '--json'], { env: { PATH: process.env.PATH } }).toString()) as { exposed: string[] };
    expect(selected).toEqual([...served.exposed].sort());
    expect(selected).toEqual(expect.arrayContaining(['diff', 'health_report', 'find_app']));
    await eventually(async () => (await totals(page)).tools).toBe(served.exposed.length);
    expect(await page.locator('#totals-note').getAttribute('class')).not.toMatch(/\bbad\b/);
    expect(await page.locator('#totals-note').textContent()).not.toMatch(/over your budget/i);
  });

  it('ticking a workflow ticks the tools it calls; unticking one of those unticks the workflow', async () => {
    await page.locator('#search').fill('');
    for (const name of ['sync_and_wait', 'application_sync', 'application_get']) await page.locator(`#t-${name}`).uncheck();
    await page.locator('#t-sync_and_wait').check();
    expect(await page.locator('#t-application_sync').isChecked()).toBe(true);
    expect(await page.locator('#t-application_get').isChecked()).toBe(true);
    await page.locator('#t-application_sync').uncheck();
    expect(await page.locator('#t-sync_and_wait').isChecked()).toBe(false);
  });

  it('saves a preset after showing the diff: comments kept, FILE.bak written, and list-tools agrees', async () => {
    await page.getByRole('button', { name: 'Application operator' }).click();
    const selected = await checkedTools(page);
    expect(selected).toContain('application_sync');
    expect(selected).not.toContain('application_delete');
    // The workflows it claims: the sync and rollback ones and the read-only ones, not set_revision (a spec edit).
    expect(selected).toEqual(expect.arrayContaining(['sync_and_wait', 'rollback', 'sync_many', 'diff', 'health_report', 'find_app']));
    expect(selected).not.toContain('set_revision');
    await eventually(async () => (await totals(page)).tools).toBe(selected.length);
    await page.getByRole('button', { name: 'Review and save…' }).click();
    const dialog = page.locator('#save-dialog');
    await dialog.waitFor({ state: 'visible' });
    await eventually(() => page.locator('#save-diff .add').count()).toBeGreaterThan(0);
    expect(await page.locator('#save-diff').textContent()).toContain('+readOnly: false');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'console-save.png') });
    await page.getByRole('button', { name: 'Write the file' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await eventually(() => page.locator('#toast').textContent()).toContain('Saved');

    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# Team allowlist: reviewed in PR #42');
    expect(text).toContain('# start safe');
    expect(text).toContain('logLevel: warn');
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(INITIAL);
    const listed = JSON.parse(execFileSync(process.execPath, [CLI, 'list-tools', '--config', file, '--json'], { env: { PATH: process.env.PATH } }).toString()) as {
      exposed: string[];
    };
    expect([...listed.exposed].sort()).toEqual(selected);
  });

  it('tests the connection: a good token passes with its permissions, a bad one is refused in plain words', async () => {
    await page.getByRole('tab', { name: 'Connection' }).click();
    await page.locator('#conn-url').fill(sim.url);
    await page.getByLabel('Paste a token').check();
    await page.locator('#conn-token').fill(sim.tokens.admin);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('#connection-result');
    await eventually(() => result.getAttribute('data-ok')).toBe('true');
    const good = (await result.textContent())!;
    expect(good).toContain('Connection works.');
    expect(good).toMatch(/logged in as admin/);
    expect(good).toMatch(/It may sync applications in every project \([^)]*application_sync/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'console-connection.png') });

    await page.locator('#conn-token').fill('not.a-valid.token');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await eventually(() => result.textContent()).toContain('Connection failed.');
    expect(await result.textContent()).toMatch(/does not accept this token/);

    // The read-only token logs in, but may not sync: said per permission.
    await page.locator('#conn-token').fill(sim.tokens.readonly);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await eventually(() => result.textContent()).toMatch(/It may not sync applications/);
  });

  it('previews the exact tools/list per mode, with any tool opened to its schema', async () => {
    await page.getByRole('tab', { name: 'Preview' }).click();
    const selected = await checkedTools(page);
    const summary = page.locator('#preview-summary');
    await eventually(() => summary.textContent()).toMatch(new RegExp(`\\(static\\): ${selected.length} tools`));
    expect(await page.locator('#preview-list details').count()).toBe(selected.length);
    const sync = page.locator('#preview-list details[data-tool="application_sync"]');
    await sync.locator('summary').click();
    await eventually(() => sync.locator('pre').textContent()).toContain('"inputSchema"');
    await sync.locator('summary').click();
    const first = page.locator('#preview-list details').first();
    await first.locator('summary').click();
    await eventually(() => first.locator('pre').textContent()).toContain('"inputSchema"');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'console-preview.png') });

    await page.getByLabel(/Dynamic: search/).check();
    await eventually(() => summary.textContent()).toMatch(/\(dynamic\): 4 tools/);
    expect(await page.locator('#preview-list details').evaluateAll((d) => d.map((x) => (x as HTMLElement).dataset.tool))).toEqual([
      'search_tools',
      'describe_tool',
      'call_tool',
      'enable_toolset',
    ]);
    expect((await totals(page)).tools).toBe(4);
    await page.getByLabel(/Static: every selected tool/).check();
    await eventually(async () => (await totals(page)).tools).toBe(selected.length);
  });

  it('shows tool calls made through the in-process gateway as they happen', async () => {
    expect(con.gatewayUrl).toBeTruthy();
    await page.getByRole('tab', { name: 'Activity' }).click();
    const client = new Client({ name: 'browser-test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(con.gatewayUrl!)));
    try {
      // The gateway reloaded the saved file: the operator preset allows sync but not delete.
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('application_sync');
      await client.callTool({ name: 'application_list', arguments: {} });
      await client.callTool({ name: 'application_get', arguments: { name: 'does-not-exist' } });
      await client.callTool({ name: 'application_delete', arguments: { name: 'payments-api' } });
    } finally {
      await client.close();
    }
    const rows = page.locator('#activity-table tbody tr[data-id]');
    await eventually(() => rows.count()).toBe(3);
    const text = (await page.locator('#activity-table tbody').textContent())!;
    expect(text).toContain('application_list');
    expect(await page.locator('#activity-table tr[data-outcome="ok"]').count()).toBe(1);
    expect(await page.locator('#activity-table tr[data-outcome="refused"]').count()).toBe(1);
    expect(text).toMatch(/\d+(\.\d)? (B|KB)/);
    expect(text).toContain('browser-test-agent');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'console-activity.png') });
  });

  it('keyboard: the tabs move with the arrow keys and the toggles work with the space bar', async () => {
    await page.getByRole('tab', { name: 'Activity' }).focus();
    await page.keyboard.press('Home');
    expect(await page.getByRole('tab', { name: 'Endpoints' }).getAttribute('aria-selected')).toBe('true');
    const before = (await totals(page)).tools;
    await page.locator('#g-version').focus();
    await page.keyboard.press('Space');
    await eventually(async () => (await totals(page)).tools).not.toBe(before);
    expect(existsSync(file)).toBe(true);
  });
});
