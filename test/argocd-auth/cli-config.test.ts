/** Reusing the argocd CLI's login: its config file format, the context lookup, and the gateway using it. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliConfigDir, parseCliConfig, resolveCliContext } from '../../src/config/argocd-cli-config.ts';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import type { CliFlags } from '../../src/config/load-config.ts';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { startAuthServer } from './auth-server.ts';
import type { AuthServer } from './auth-server.ts';
import { memoryLogger, text } from './helpers.ts';

/** The sample from argoproj/argo-cd util/localconfig/localconfig_test.go (testConfig), verbatim. */
const ARGO_CD_SAMPLE = `contexts:
- name: argocd1.example.com:443
  server: argocd1.example.com:443
  user: argocd1.example.com:443
- name: argocd2.example.com:443
  server: argocd2.example.com:443
  user: argocd2.example.com:443
- name: localhost:8080
  server: localhost:8080
  user: localhost:8080
current-context: localhost:8080
servers:
- server: argocd1.example.com:443
- server: argocd2.example.com:443
- plain-text: true
  server: localhost:8080
users:
- auth-token: vErrYS3c3tReFRe$hToken
  name: argocd1.example.com:443
  refresh-token: vErrYS3c3tReFRe$hToken
- auth-token: vErrYS3c3tReFRe$hToken
  name: argocd2.example.com:443
  refresh-token: vErrYS3c3tReFRe$hToken
- auth-token: vErrYS3c3tReFRe$hToken
  name: localhost:8080`;

function tempHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'home-'));
}

/** Writes `text` as the argocd CLI config under HOME (~/.config/argocd/config, mode 0600 as the CLI wants). */
function writeCliConfig(home: string, text: string, dir = path.join(home, '.config', 'argocd')): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

const load = (env: Record<string, string>, flags: CliFlags = {}) => loadConfig({ flags, env });

describe('the argocd CLI config format', () => {
  it('parses the sample of argo-cd localconfig_test.go and resolves its contexts', () => {
    const cfg = parseCliConfig(ARGO_CD_SAMPLE, 'config');
    expect(resolveCliContext(cfg, undefined, 'config')).toMatchObject({
      name: 'localhost:8080',
      url: 'http://localhost:8080',
      insecure: false,
      token: 'vErrYS3c3tReFRe$hToken',
      refreshToken: undefined,
    });
    expect(resolveCliContext(cfg, 'argocd1.example.com:443', 'config')).toMatchObject({
      url: 'https://argocd1.example.com:443',
      refreshToken: 'vErrYS3c3tReFRe$hToken',
    });
  });

  it('takes insecure and the gRPC-web root path (argocd-server --rootpath) from the server entry', () => {
    const cfg = parseCliConfig(
      `current-context: prod
contexts: [{name: prod, server: "cd.example.com", user: "cd.example.com"}]
servers: [{server: "cd.example.com", insecure: true, grpc-web: true, grpc-web-root-path: "/argocd/"}]
users: [{name: "cd.example.com", auth-token: "tok-123456"}]`,
      'config',
    );
    expect(resolveCliContext(cfg, 'prod', 'config')).toMatchObject({ url: 'https://cd.example.com/argocd', insecure: true, token: 'tok-123456' });
  });

  it.each([
    ['an unknown context', 'nope', /context "nope" is not in config \(contexts: argocd1\.example\.com:443, argocd2\.example\.com:443, localhost:8080\)/],
  ])('names %s and the known ones', (_, name, want) => {
    expect(() => resolveCliContext(parseCliConfig(ARGO_CD_SAMPLE, 'config'), name, 'config')).toThrow(want);
  });

  it('refuses contexts it cannot serve: --core, client certificates, dangling references', () => {
    const base = (server: string) => parseCliConfig(`current-context: c
contexts: [{name: c, server: s, user: u}]
servers: [${server}]
users: [{name: u, auth-token: t}]`, 'config');
    expect(() => resolveCliContext(base('{server: s, core: true}'), 'c', 'config')).toThrow('--core context');
    expect(() => resolveCliContext(base('{server: s, client-certificate-data: QQ==, client-certificate-key-data: QQ==}'), 'c', 'config')).toThrow('client certificate');
    expect(() => resolveCliContext(base('{server: other}'), 'c', 'config')).toThrow('names server "s"');
  });

  it('finds the config where the CLI looks: ARGOCD_CONFIG_DIR, legacy ~/.argocd, XDG_CONFIG_HOME, ~/.config/argocd', () => {
    const home = tempHome();
    expect(cliConfigDir({ HOME: home })).toBe(path.join(home, '.config', 'argocd'));
    expect(cliConfigDir({ HOME: home, XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/argocd');
    mkdirSync(path.join(home, '.argocd'));
    expect(cliConfigDir({ HOME: home, XDG_CONFIG_HOME: '/xdg' })).toBe(path.join(home, '.argocd'));
    expect(cliConfigDir({ HOME: home, ARGOCD_CONFIG_DIR: '/etc/argocd' })).toBe('/etc/argocd');
    expect(cliConfigDir({})).toBeUndefined();
  });
});

describe('configuration from the argocd CLI context', () => {
  it('--argocd-context picks server, token and insecure', () => {
    const home = tempHome();
    writeCliConfig(home, `current-context: other
contexts:
- {name: other, server: other.example.com, user: other.example.com}
- {name: prod, server: "cd.example.com:8443", user: "cd.example.com:8443"}
servers:
- {server: other.example.com}
- {server: "cd.example.com:8443", insecure: true}
users:
- {name: other.example.com, auth-token: other-token}
- {name: "cd.example.com:8443", auth-token: prod-token-123}`);
    const c = load({ HOME: home }, { argocdContext: 'prod' });
    expect(c).toMatchObject({ argocdUrl: 'https://cd.example.com:8443', token: 'prod-token-123', insecure: true });
    expect(c.auth?.context).toEqual({ name: 'prod', file: path.join(home, '.config', 'argocd', 'config') });
  });

  it('uses the current context when nothing else says where Argo CD is, and lets explicit settings win', () => {
    const home = tempHome();
    writeCliConfig(home, ARGO_CD_SAMPLE);
    expect(load({ HOME: home })).toMatchObject({ argocdUrl: 'http://localhost:8080', token: 'vErrYS3c3tReFRe$hToken' });
    // An explicit address means the CLI's config is not consulted at all.
    expect(() => load({ HOME: home, ARGOCD_BASE_URL: 'https://argocd.example.com' })).toThrow(/no Argo CD token configured/);
    // ARGOCD_CONTEXT picks a context; ARGOCD_AUTH_TOKEN overrides its token, as for the CLI.
    expect(load({ HOME: home, ARGOCD_CONTEXT: 'argocd2.example.com:443', ARGOCD_AUTH_TOKEN: 'env-token' })).toMatchObject({
      argocdUrl: 'https://argocd2.example.com',
      token: 'env-token',
    });
  });

  it('stops with a message naming the setting and the fix when the context is missing', () => {
    const home = tempHome();
    writeCliConfig(home, ARGO_CD_SAMPLE);
    let err: ConfigError | undefined;
    try {
      load({ HOME: home }, { argocdContext: 'staging' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain('--argocd-context: context "staging" is not in');
    expect(err!.message).not.toContain('vErrYS3c3tReFRe$hToken');
    expect(() => load({ HOME: tempHome() }, { argocdContext: 'x' })).toThrow(/there is no argocd CLI config at .*run `argocd login SERVER` first/);
  });
});

describe('the gateway on an argocd CLI login', () => {
  let server: AuthServer;
  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());

  const contextFor = (user: string) => `current-context: sim
contexts: [{name: sim, server: "${server.url.replace('http://', '')}", user: sim}]
servers: [{server: "${server.url.replace('http://', '')}", plain-text: true}]
users: [${user}]`;

  it('calls Argo CD with the context token', async () => {
    const home = tempHome();
    const token = server.mint('admin');
    writeCliConfig(home, contextFor(`{name: sim, auth-token: "${token}"}`));
    const { gateway } = buildGateway(load({ HOME: home, ARGOCD_MCP_ADAPT_TO_SERVER: 'false' }), memoryLogger().logger);
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('refreshes an expired SSO token with the refresh token, as the CLI does, without logging either', async () => {
    const home = tempHome();
    const expired = server.mint('sso-user', -60);
    server.refreshTokens.add('refresh-abc-123456');
    writeCliConfig(home, contextFor(`{name: sim, auth-token: "${expired}", refresh-token: "refresh-abc-123456"}`));
    const log = memoryLogger();
    const { gateway } = buildGateway(load({ HOME: home, ARGOCD_MCP_ADAPT_TO_SERVER: 'false' }), log.logger);
    const result = await gateway.callTool('application_list', {});
    expect(result.isError, text(result)).toBeFalsy();
    expect(server.refreshes).toBe(1);
    const grant = server.requests.find((r) => r.path === '/oidc/token')!;
    expect(Object.fromEntries(new URLSearchParams(grant.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-abc-123456', client_id: 'argo-cd-cli' });
    // The provider rotated the refresh token: the next refresh (after a 401) uses the new one.
    server.invalidateAll();
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    expect(new URLSearchParams(server.requests.filter((r) => r.path === '/oidc/token').at(-1)!.body).get('refresh_token')).toBe('rotated-refresh-1');
    for (const secret of ['refresh-abc-123456', 'rotated-refresh-1', expired]) expect(log.text()).not.toContain(secret);
  });
});
