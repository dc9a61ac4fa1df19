/**
 * `check` as data (runCheck, shared by the CLI and the console's connection test) against the simulator, the CLI's
 * output kept as it was, the console's plain-words connection result, and the activity log fed by the audit hook.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import { runCheck } from '../../src/commands.ts';
import type { GatewayConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import { createUpstream } from '../../src/argocd/upstream.ts';
import { createActivityLog } from '../../src/console/activity.ts';
import { testConnection } from '../../src/console/connection.ts';
import { permissionFor } from '../../src/console/permissions.ts';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { CLI } from './browser-harness.ts';

const tools = loadCatalogue().tools;
const run = promisify(execFile);

function configFor(sim: Simulator, token: string): GatewayConfig {
  return {
    argocdUrl: sim.url,
    token,
    insecure: false,
    timeoutMs: 5_000,
    transport: 'stdio',
    host: '127.0.0.1',
    port: 3000,
    allowlist: { readOnly: true, allow: ['*'], deny: [], source: 'default' },
    mode: 'static',
    maxResultTokens: 20_000,
    rawResults: false,
    adaptToServer: false,
    scope: {},
    confirm: 'destructive',
    confirmFallback: 'refuse',
    logLevel: 'silent',
  } as GatewayConfig;
}

describe('check and the connection test, against the simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({});
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('runCheck reports version, user and can-i answers as data', async () => {
    const report = await runCheck(configFor(sim, sim.tokens.readonly), {
      permissions: [
        { resource: 'applications', action: 'get', subresource: '*/*' },
        { resource: 'applications', action: 'sync', subresource: '*/*' },
      ],
    });
    expect(report.ok).toBe(true);
    expect(report.connection).toMatchObject({ reachable: true, version: expect.stringMatching(/^v3/) });
    expect(report.token).toMatchObject({ valid: true });
    expect(report.permissions!.map((p) => [p.action, p.allowed])).toEqual([['get', true], ['sync', false]]);
  });

  it('runCheck says the server is unreachable without throwing', async () => {
    const report = await runCheck({ ...configFor(sim, 'x'), argocdUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 });
    expect(report.ok).toBe(false);
    expect(report.connection).toMatchObject({ reachable: false });
    expect(report.token).toBeUndefined();
  });

  it('the check command prints what it always printed, and how to replace a token Argo CD does not accept', async () => {
    const env = { PATH: process.env.PATH, ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_ADAPT_TO_SERVER: 'false' };
    const { stdout } = await run(process.execPath, [CLI, 'check'], { env });
    expect(stdout.split('\n')).toEqual([
      'Configuration: valid.',
      expect.stringMatching(/^Allowlist: \d+ of \d+ tools exposed, read-only\.$/),
      `Argo CD at ${sim.url}: reachable, version v3.5.1+sim (catalogue: v3.5.1).`,
      'Token: valid, logged in as admin (issuer argocd).',
      '',
    ]);
    const bad = await run(process.execPath, [CLI, 'check'], { env: { ...env, ARGOCD_API_TOKEN: 'a.b.c' } }).catch((e: { stdout: string; code: number }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stdout: string }).stdout).toContain('Token: NOT accepted; Argo CD does not take it as a session');
  });

  it('the connection test says in plain words what the token may and may not do for the selected tools', async () => {
    const selected = ['application_list', 'application_sync', 'cluster_delete', 'application_run_resource_action', 'session_delete'];
    const input = { url: sim.url, auth: { kind: 'token' as const, token: sim.tokens.readonly }, selected };
    const result = await testConnection({ input, base: configFor(sim, ''), tools });
    expect(result.ok).toBe(true);
    const text = result.lines.map((l) => `${l.level}: ${l.text}`);
    expect(text.slice(0, 2)).toEqual([
      expect.stringMatching(/^ok: Reached Argo CD v3\.5\.1\+sim/),
      expect.stringMatching(/^ok: The token is valid: logged in as readonly/),
    ]);
    expect(text).toHaveLength(5);
    // One line per permission, in catalogue order of the tools that need it.
    expect(text.slice(2)).toEqual([
      expect.stringMatching(/^info: Not checked whether it may run resource actions on applications/),
      expect.stringMatching(/^warn: It may not sync applications in every project: application_sync will be refused/),
      expect.stringMatching(/^warn: It may not delete clusters: cluster_delete will be refused/),
    ]);
  });

  it('a bad address or an unreadable token file is a plain message, not an exception', async () => {
    const base = configFor(sim, '');
    const badUrl = await testConnection({ input: { url: 'ftp://x', auth: { kind: 'configured' }, selected: [] }, base, tools });
    expect(badUrl.lines[0].text).toMatch(/not a usable Argo CD address/);
    const noFile = await testConnection({ input: { url: sim.url, auth: { kind: 'file', tokenFile: '/nonexistent/token' }, selected: [] }, base, tools });
    expect(noFile.lines[0].text).toMatch(/Cannot read the token file \/nonexistent\/token \(ENOENT\)/);
  });
});

describe('permissions', () => {
  it.each([
    ['application_sync', 'applications', 'sync', '*/*'],
    ['application_delete', 'applications', 'delete', '*/*'],
    ['cluster_rotate_auth', 'clusters', 'update', '*'],
    ['repository_create_write', 'write-repositories', 'create', '*'],
    ['repocreds_delete', 'repositories', 'delete', '*'],
    ['gpgkey_create', 'gpgkeys', 'create', '*'],
  ])('%s needs %s %s %s', (name, resource, action, subresource) => {
    expect(permissionFor(tools.find((t) => t.name === name)!)).toMatchObject({ resource, action, subresource, checkable: true });
  });

  it('reads and logging in need none', () => {
    expect(permissionFor(tools.find((t) => t.name === 'application_get')!)).toBeUndefined();
    expect(permissionFor(tools.find((t) => t.name === 'session_create')!)).toBeUndefined();
  });

  it('every write tool of the catalogue maps to a permission, or says why not', () => {
    const unmapped = tools.filter((t) => !t.annotations.readOnlyHint && !permissionFor(t) && !t.name.startsWith('session_'));
    expect(unmapped.map((t) => t.name)).toEqual([]);
  });
});

describe('activity log', () => {
  it('records each call once, with the audit outcome, duration and result size, arguments redacted', async () => {
    const sim = await startSimulator({});
    try {
      const activity = createActivityLog(3);
      const gateway = activity.observe(
        createGateway({
          allowlist: compileAllowlist({ readOnly: false, allow: ['application_*'], deny: ['application_delete'], source: 'config' }),
          upstream: createUpstream({ baseUrl: sim.url, token: () => sim.tokens.admin, timeoutMs: 5_000, userAgent: 'test' }),
          logger: createLogger('silent'),
          adaptToServer: false,
          audit: activity.sink,
        }),
      );
      const seen: number[] = [];
      activity.subscribe((e) => seen.push(e.id));
      await gateway.callTool('application_list', {}, { who: 'agent/1' });
      await gateway.callTool('application_delete', { name: 'x', password: 'hunter2' }, { who: 'agent/1' });
      await gateway.callTool('application_get', { nme: 'typo' }, { who: 'agent/1' });
      const entries = activity.recent();
      expect(entries.map((e) => [e.tool, e.outcome])).toEqual([
        ['application_list', 'ok'],
        ['application_delete', 'refused'],
        ['application_get', 'invalid'],
      ]);
      expect(entries[0]).toMatchObject({ method: 'GET', status: 200, who: 'agent/1', resultBytes: expect.any(Number) });
      expect(entries[0].resultBytes).toBeGreaterThan(1000);
      expect(JSON.stringify(entries[1].args)).not.toContain('hunter2');
      expect(entries[1].message).toMatch(/not available on this gateway/);
      // A running and a completed event per call.
      expect(seen).toEqual([1, 1, 2, 2, 3, 3]);
      await gateway.callTool('application_list', {});
      expect(activity.recent().map((e) => e.id)).toEqual([2, 3, 4]); // a ring of 3
    } finally {
      await sim.close();
    }
  });
});
