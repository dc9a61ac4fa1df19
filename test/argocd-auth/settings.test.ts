/** The authentication settings: flags > env > file, validation messages, extra headers, token files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { tokenFileSource } from '../../src/argocd/auth/static-token.ts';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import type { CliFlags } from '../../src/config/load-config.ts';
import { redactText } from '../../src/redact.ts';
import { PASSWORD, USER, startAuthServer } from './auth-server.ts';
import type { AuthServer } from './auth-server.ts';
import { memoryLogger, text } from './helpers.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'auth-settings-'));
const write = (name: string, content: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};
const URL_ENV = { ARGOCD_BASE_URL: 'https://argocd.example.com' };

function load(args: { flags?: CliFlags; env?: Record<string, string>; file?: string }) {
  const flags: CliFlags = { ...args.flags };
  if (args.file !== undefined) flags.config = write(`config-${Math.random()}.yaml`, args.file);
  return loadConfig({ flags, env: { PATH: process.env.PATH ?? '', ...args.env } });
}

function problems(args: Parameters<typeof load>[0]): string {
  try {
    load(args);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('authentication settings', () => {
  it.each<[string, { flags?: CliFlags; env?: Record<string, string>; file?: string }, string]>([
    ['username', { flags: { username: 'flag-user' }, env: { ARGOCD_USERNAME: 'env-user' }, file: 'username: file-user' }, 'flag-user'],
    ['username', { env: { ARGOCD_USERNAME: 'env-user' }, file: 'username: file-user' }, 'env-user'],
    ['username', { file: 'username: file-user' }, 'file-user'],
  ])('%s: flags > env > file (%#)', (_, given, want) => {
    const c = load({ ...given, env: { ...URL_ENV, ARGOCD_PASSWORD: 'pw-123456', ...given.env } });
    expect(c.auth?.username).toBe(want);
    expect(c.token).toBeUndefined();
  });

  it('reads the password from ARGOCD_PASSWORD, the config file (with ${VAR}), or a password file', () => {
    expect(load({ env: { ...URL_ENV, ARGOCD_USERNAME: 'u', ARGOCD_PASSWORD: 'from-env' } }).auth?.password).toBe('from-env');
    expect(load({ env: { ...URL_ENV, PW: 'from-var' }, file: 'username: u\npassword: ${PW}' }).auth?.password).toBe('from-var');
    const file = write('pw', 'from-file\n');
    expect(load({ env: URL_ENV, flags: { username: 'u', passwordFile: file } }).auth).toEqual({ username: 'u', passwordFile: file });
  });

  it('takes a token command as a YAML list, a JSON array, or words, with a TTL', () => {
    const node = process.execPath;
    expect(load({ env: URL_ENV, file: `tokenCommand: ["${node}", "-e", "print token"]\ntokenCommandTtl: 90s` }).auth).toMatchObject({
      tokenCommand: [node, '-e', 'print token'],
      tokenCommandTtlMs: 90_000,
    });
    expect(load({ env: { ...URL_ENV, ARGOCD_TOKEN_COMMAND: JSON.stringify([node, 'a b']) } }).auth?.tokenCommand).toEqual([node, 'a b']);
    expect(load({ env: URL_ENV, flags: { tokenCommand: `${node} --version`, tokenCommandTtl: '2m' } }).auth).toMatchObject({ tokenCommand: [node, '--version'], tokenCommandTtlMs: 120_000 });
    expect(load({ env: URL_ENV, flags: { tokenCommand: node } }).auth?.tokenCommandTtlMs).toBe(5 * 60_000);
  });

  it.each([
    ['a username without a password', { env: { ...URL_ENV, ARGOCD_USERNAME: 'admin' } }, 'ARGOCD_USERNAME: no password for admin; set ARGOCD_PASSWORD, or passwordFile'],
    ['a password without a username', { env: { ...URL_ENV, ARGOCD_PASSWORD: 'pw-123456', ARGOCD_API_TOKEN: 't' } }, 'ARGOCD_PASSWORD: a password is set but no username'],
    ['an unreadable password file', { env: URL_ENV, flags: { username: 'u', passwordFile: '/nonexistent/pw' } }, '--password-file: cannot read /nonexistent/pw (ENOENT)'],
    ['a token and a username', { env: { ...URL_ENV, ARGOCD_API_TOKEN: 'tok', ARGOCD_USERNAME: 'u', ARGOCD_PASSWORD: 'pw-123456' } }, 'several ways to authenticate to Argo CD are configured (a token from ARGOCD_API_TOKEN; username/password from ARGOCD_USERNAME); keep one'],
    ['a token command that is not a list', { env: URL_ENV, file: 'tokenCommand: {vault: read}' }, 'tokenCommand: must be a command as a list of words'],
    ['a token command that does not exist', { env: URL_ENV, flags: { tokenCommand: 'no-such-vault-cli read' } }, '--token-command: cannot find the program "no-such-vault-cli" on PATH'],
    ['a bad TTL', { env: { ...URL_ENV, ARGOCD_TOKEN_COMMAND_TTL: 'soon' }, flags: { tokenCommand: process.execPath } }, 'ARGOCD_TOKEN_COMMAND_TTL: "soon" is not a duration'],
    ['a header without a colon', { env: { ...URL_ENV, ARGOCD_API_TOKEN: 't' }, flags: { header: ['X-Api-Key'] } }, '--header: "X-Api-Key…" is not "Name: value"'],
    ['an Authorization header', { env: { ...URL_ENV, ARGOCD_API_TOKEN: 't' }, file: 'headers: {Authorization: Basic abc}' }, 'the gateway sets "Authorization" itself; configure the Argo CD token with'],
    ['a header with an unset variable', { env: { ...URL_ENV, ARGOCD_API_TOKEN: 't' }, file: 'headers: {cf-access-token: "${CF_ACCESS_TOKEN}"}' }, 'references ${CF_ACCESS_TOKEN}, which is not set in the environment'],
    ['a password given as a flag', { env: URL_ENV, file: 'username: u\npasswordd: x' }, 'passwordd: unknown key'],
  ])('stops on %s with a message naming the setting and the fix', (_, given, want) => {
    expect(problems(given)).toContain(want);
  });

  it('keeps passwords and header values out of configuration errors', () => {
    const message = problems({ env: { ...URL_ENV, ARGOCD_USERNAME: 'u', ARGOCD_PASSWORD: 'hunter2-secret', ARGOCD_API_TOKEN: 'tok-secret-1' }, flags: { header: ['X-Key: key-secret-99', 'Bad'] } });
    for (const secret of ['hunter2-secret', 'tok-secret-1', 'key-secret-99']) expect(message).not.toContain(secret);
  });
});

describe('extra upstream headers', () => {
  let server: AuthServer;
  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());

  it('sends them on every request, the session login included, expands ${VAR}, and masks the values', async () => {
    const config = load({
      env: { ARGOCD_BASE_URL: server.url, ARGOCD_PASSWORD: PASSWORD, CF_ACCESS_TOKEN: 'cf-jwt-value-123', ARGOCD_MCP_ADAPT_TO_SERVER: 'false' },
      flags: { username: USER },
      file: 'headers:\n  CF-Access-Client-Id: client-1.access\n  cf-access-token: ${CF_ACCESS_TOKEN}\n',
    });
    const log = memoryLogger();
    const { gateway } = buildGateway(config, log.logger);
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    expect(server.requests.length).toBe(2);
    for (const r of server.requests) {
      expect(r.headers['cf-access-client-id']).toBe('client-1.access');
      expect(r.headers['cf-access-token']).toBe('cf-jwt-value-123');
    }
    expect(redactText('proxy said cf-jwt-value-123')).toBe('proxy said [REDACTED]');
    expect(log.text()).not.toContain('cf-jwt-value-123');
  });

  it('accepts ARGOCD_HEADERS as comma- or newline-separated "Name: value" entries', () => {
    expect(load({ env: { ...URL_ENV, ARGOCD_API_TOKEN: 't', ARGOCD_HEADERS: 'X-A: 1, X-B: 2' } }).auth?.headers).toEqual({ 'x-a': '1', 'x-b': '2' });
    expect(load({ env: { ...URL_ENV, ARGOCD_API_TOKEN: 't', ARGOCD_HEADERS: 'Cookie: a=1, b=2\nX-B: 2' } }).auth?.headers).toEqual({ cookie: 'a=1, b=2', 'x-b': '2' });
  });
});

describe('token files', () => {
  let server: AuthServer;
  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());

  it('re-reads a token file a few seconds after it changes', async () => {
    let now = 0;
    const file = write('token-a', 'first-token\n');
    const source = tokenFileSource(file, { now: () => now });
    expect(await source.token()).toBe('first-token');
    writeFileSync(file, 'second-token\n');
    expect(await source.token()).toBe('first-token');
    now += 5_001;
    expect(await source.token()).toBe('second-token');
    writeFileSync(file, '');
    now += 5_001;
    expect(await source.token()).toBe('second-token'); // a half-written file keeps the last good token
    expect(source.lastError()).toContain('is empty');
  });

  it('re-reads the file at once when Argo CD refuses the token, and retries with the new one', async () => {
    const file = write('token-b', server.mint('admin'));
    const config = load({ env: { ARGOCD_BASE_URL: server.url, ARGOCD_TOKEN_FILE: file, ARGOCD_MCP_ADAPT_TO_SERVER: 'false' } });
    const { gateway } = buildGateway(config, memoryLogger().logger);
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    server.invalidateAll();
    const next = server.mint('admin');
    writeFileSync(file, `${next}\n`);
    const result = await gateway.callTool('application_list', {});
    expect(result.isError, text(result)).toBeFalsy();
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${next}`);
  });

  it('explains a refused token in terms of the file', async () => {
    const file = write('token-c', 'revoked-token-123');
    const config = load({ env: { ARGOCD_BASE_URL: server.url, ARGOCD_TOKEN_FILE: file, ARGOCD_MCP_ADAPT_TO_SERVER: 'false' } });
    const result = await buildGateway(config, memoryLogger().logger).gateway.callTool('application_list', {});
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`The Argo CD token in ${file} was refused`);
    expect(text(result)).not.toContain('revoked-token-123');
  });
});

describe('sso settings', () => {
  const SSO = 'sso:\n  issuer: https://login.example.com/realms/ops\n  clientId: argo-cd-cli\n';

  it('reads the provider, the client and defaults: public client, OIDC scopes with offline_access, a token file in the config directory', () => {
    const config = load({ env: { ...URL_ENV, HOME: '/home/ada' }, file: SSO });
    expect(config.auth?.sso).toMatchObject({
      issuer: 'https://login.example.com/realms/ops',
      clientId: 'argo-cd-cli',
      scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      tokenFile: '/home/ada/.config/argocd-mcp-gateway/sso-token.json',
    });
    expect(config.auth?.sso?.clientSecret).toBeUndefined();
    // No Argo CD token is needed: the sign-in gives one.
    expect(config.token).toBeUndefined();
  });

  it('takes the client secret from the environment, a file or ${ENV} in the config, and registers it for redaction', () => {
    const secretFile = write('client-secret', 'from-a-file\n');
    expect(load({ env: { ...URL_ENV, ARGOCD_MCP_SSO_CLIENT_SECRET: 'from-env-1234' }, file: SSO }).auth?.sso?.clientSecret).toBe('from-env-1234');
    expect(load({ env: URL_ENV, file: `${SSO}  clientSecretFile: ${secretFile}\n` }).auth?.sso?.clientSecret).toBe('from-a-file');
    expect(load({ env: { ...URL_ENV, IDP_SECRET: 'expanded-secret' }, file: `${SSO}  clientSecret: \${IDP_SECRET}\n` }).auth?.sso?.clientSecret).toBe('expanded-secret');
    expect(redactText('leaked expanded-secret here')).not.toContain('expanded-secret');
  });

  it('reports every problem of sso at once, naming the key and the fix', () => {
    const message = problems({
      env: URL_ENV,
      file: 'sso:\n  issuer: http://login.example.com\n  scopes: [profile]\n  tokenExchange: yes\n  encryptionKeyFile: /nonexistent/key\n  colour: blue\n',
    });
    expect(message).toMatch(/sso\.issuer: "http:\/\/login\.example\.com" must use https/);
    expect(message).toMatch(/sso\.clientId: is required/);
    expect(message).toMatch(/sso\.scopes: must include openid/);
    expect(message).toMatch(/sso\.tokenExchange: must be true, or a mapping/);
    expect(message).toMatch(/sso\.encryptionKeyFile: cannot read \/nonexistent\/key/);
    expect(message).toMatch(/sso\.colour: unknown key/);
  });

  it('is one way to authenticate: not with a token, a login or a token command', () => {
    expect(problems({ env: { ...URL_ENV, ARGOCD_API_TOKEN: 'tok' }, file: SSO })).toMatch(/several ways to authenticate to Argo CD are configured \(a token from ARGOCD_API_TOKEN; SSO sign-in from/);
  });

  it('over HTTP needs inbound auth (to know the user), an issuer for token exchange, and a shared key with redis', () => {
    const http = { transport: 'http' } as CliFlags;
    expect(problems({ flags: http, env: URL_ENV, file: SSO })).toMatch(/must know who calls: configure inbound auth \(authIssuer or apiKeysFile\)/);
    const keys = write('keys', `sha256:${'a'.repeat(64)} alice\n`);
    const withKeys = { transport: 'http', apiKeysFile: keys } as CliFlags;
    expect(load({ flags: withKeys, env: URL_ENV, file: SSO }).auth?.sso?.clientId).toBe('argo-cd-cli');
    expect(problems({ flags: { ...withKeys, redis: 'redis://127.0.0.1:6379' }, env: URL_ENV, file: SSO })).toMatch(/with redis, replicas share users' Argo CD tokens encrypted with one key: set encryptionKeyFile/);
    const key = write('sso-key', Buffer.alloc(32, 7).toString('base64'));
    expect(load({ flags: { ...withKeys, redis: 'redis://127.0.0.1:6379' }, env: URL_ENV, file: `${SSO}  encryptionKeyFile: ${key}\n` }).auth?.sso?.encryptionKey?.length).toBe(32);
    expect(problems({ flags: withKeys, env: URL_ENV, file: `${SSO}  clientSecret: s\n  tokenExchange: true\n` })).toMatch(/tokenExchange: exchanges the OAuth access tokens MCP clients send: configure authIssuer/);
    expect(problems({ flags: withKeys, env: URL_ENV, file: `${SSO}  tokenExchange: { audience: argo-cd }\n` })).toMatch(/tokenExchange: needs a confidential client/);
  });
});
