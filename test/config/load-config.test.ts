/**
 * Configuration as an operator meets it: flags > env > file > defaults, the two families of Argo CD variables,
 * address normalisation, and one ConfigError naming every bad setting and where it came from.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, normaliseArgocdUrl, parseDuration } from '../../src/config/load-config.ts';
import type { CliFlags } from '../../src/config/load-config.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-mcp-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes a file into the temp dir and returns its path. */
function write(contents: string, name = `config-${++files}.yaml`): string {
  const file = path.join(dir, name);
  writeFileSync(file, contents);
  return file;
}

/** The minimum that makes a configuration valid, so each test varies one thing. */
const BASE_ENV = { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 'tok' };

function load(args: { flags?: CliFlags; env?: Record<string, string>; file?: string }) {
  const flags: CliFlags = { ...args.flags, ...(args.file !== undefined ? { config: write(args.file) } : {}) };
  return loadConfig({ flags, env: args.env ?? {} });
}

/** The ConfigError a load throws (fails the test when it does not throw one). */
function configError(args: Parameters<typeof load>[0]): ConfigError {
  try {
    load(args);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

describe('precedence: flags > env > file', () => {
  const table: Array<{ setting: string; flags: CliFlags; env: Record<string, string>; file: string; pick: (c: ReturnType<typeof load>) => unknown; want: [unknown, unknown, unknown] }> = [
    {
      setting: 'url',
      flags: { url: 'https://flag.example.com' },
      env: { ARGOCD_BASE_URL: 'https://env.example.com' },
      file: 'url: https://file.example.com',
      pick: (c) => c.argocdUrl,
      want: ['https://flag.example.com', 'https://env.example.com', 'https://file.example.com'],
    },
    {
      setting: 'port',
      flags: { port: '6000' },
      env: { ARGOCD_MCP_PORT: '5000' },
      file: 'port: 4000',
      pick: (c) => c.port,
      want: [6000, 5000, 4000],
    },
    {
      setting: 'timeout',
      flags: { timeout: '30s' },
      env: { ARGOCD_TIMEOUT: '1500ms' },
      file: 'timeout: 2m',
      pick: (c) => c.timeoutMs,
      want: [30_000, 1_500, 120_000],
    },
    {
      setting: 'transport',
      flags: { transport: 'http' },
      env: { ARGOCD_MCP_TRANSPORT: 'stdio' },
      file: 'transport: http',
      pick: (c) => c.transport,
      want: ['http', 'stdio', 'http'],
    },
    {
      setting: 'logLevel',
      flags: { logLevel: 'debug' },
      env: { ARGOCD_MCP_LOG_LEVEL: 'warn' },
      file: 'logLevel: error',
      pick: (c) => c.logLevel,
      want: ['debug', 'warn', 'error'],
    },
    {
      setting: 'allow',
      flags: { allow: ['application_get'] },
      env: { ARGOCD_MCP_ALLOW: 'application_list, cluster_list' },
      file: 'allow: [version_get]',
      pick: (c) => c.allowlist.allow,
      want: [['application_get'], ['application_list', 'cluster_list'], ['version_get']],
    },
  ];

  it.each(table)('$setting', ({ flags, env, file, pick, want }) => {
    // The file alone must make a valid configuration, so it carries an address and a token unless it is the subject.
    const fileWithBase = `token: tok\n${file}\n${file.startsWith('url:') ? '' : 'url: https://base.example.com\n'}`;
    expect(pick(load({ flags, env, file: fileWithBase }))).toEqual(want[0]);
    expect(pick(load({ env, file: fileWithBase }))).toEqual(want[1]);
    expect(pick(load({ file: fileWithBase }))).toEqual(want[2]);
  });

  it('confirmFallback: refuse by default on every transport; flags > env > file; anything else is an issue', () => {
    expect(load({ env: BASE_ENV }).confirmFallback).toBe('refuse');
    expect(load({ env: BASE_ENV, flags: { transport: 'http' } }).confirmFallback).toBe('refuse');
    expect(load({ env: BASE_ENV, flags: { transport: 'http' }, file: 'confirmFallback: token' }).confirmFallback).toBe('token');
    expect(load({ env: { ...BASE_ENV, ARGOCD_MCP_CONFIRM_FALLBACK: 'refuse' }, file: 'confirmFallback: token' }).confirmFallback).toBe('refuse');
    expect(load({ env: { ...BASE_ENV, ARGOCD_MCP_CONFIRM_FALLBACK: 'refuse' }, flags: { confirmFallback: 'token' } }).confirmFallback).toBe('token');
    const error = configError({ env: { ...BASE_ENV, ARGOCD_MCP_CONFIRM_FALLBACK: 'ask' } });
    expect(error.issues).toEqual([{ setting: 'ARGOCD_MCP_CONFIRM_FALLBACK', message: expect.stringContaining('use refuse') }]);
  });

  it('reads every duration setting the same way: 1h is an hour for the Argo CD timeout as for the session idle timeout', () => {
    const c = load({ env: BASE_ENV, flags: { timeout: '1h', sessionIdleTimeout: '1h', transport: 'http' } });
    expect(c.timeoutMs).toBe(3_600_000);
    expect(c.http!.sessionIdleTimeoutMs).toBe(3_600_000);
    expect(load({ env: BASE_ENV, flags: { timeout: '1500ms' } }).timeoutMs).toBe(1_500);
  });

  it('defaults apply when nothing is said', () => {
    const c = load({ env: BASE_ENV });
    expect(c).toMatchObject({ timeoutMs: 30_000, transport: 'stdio', host: '127.0.0.1', port: 3000, logLevel: 'info', insecure: false });
  });
  it('an env token beats a tokenFile from the config file', () => {
    const tokenFile = write('file-token\n', 'token-precedence');
    const c = load({ env: { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 'env-token' }, file: `tokenFile: ${tokenFile}` });
    expect(c.token).toBe('env-token');
  });
});

describe('Argo CD address and token variables', () => {
  it('accepts ARGOCD_BASE_URL with ARGOCD_API_TOKEN', () => {
    const c = load({ env: { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 'api-token' } });
    expect(c.argocdUrl).toBe('https://argocd.example.com');
    expect(c.token).toBe('api-token');
  });

  it('accepts the argocd CLI names ARGOCD_SERVER with ARGOCD_AUTH_TOKEN', () => {
    const c = load({ env: { ARGOCD_SERVER: 'argocd.example.com', ARGOCD_AUTH_TOKEN: 'auth-token' } });
    expect(c.argocdUrl).toBe('https://argocd.example.com');
    expect(c.token).toBe('auth-token');
  });

  it('prefers ARGOCD_BASE_URL and ARGOCD_API_TOKEN when both families are set', () => {
    const c = load({
      env: { ARGOCD_SERVER: 'server.example.com', ARGOCD_AUTH_TOKEN: 'auth-token', ARGOCD_BASE_URL: 'https://base.example.com', ARGOCD_API_TOKEN: 'api-token' },
    });
    expect(c.argocdUrl).toBe('https://base.example.com');
    expect(c.token).toBe('api-token');
  });

  it('reads the token from a token file, trimmed', () => {
    const tokenFile = write('  file-token-value\n', 'token');
    const c = load({ env: { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_TOKEN_FILE: tokenFile } });
    expect(c.token).toBe('file-token-value');
    expect(c.tokenFile).toBe(tokenFile);
  });

  const urls: Array<{ given: string; rootPath?: string; want: string }> = [
    { given: 'argocd.example.com', want: 'https://argocd.example.com' },
    { given: 'argocd.example.com:8443', want: 'https://argocd.example.com:8443' },
    { given: 'http://localhost:8080/', want: 'http://localhost:8080' },
    { given: 'https://example.com/argocd/', want: 'https://example.com/argocd' },
    { given: 'https://example.com', rootPath: '/argocd', want: 'https://example.com/argocd' },
    { given: 'https://example.com', rootPath: 'argocd/', want: 'https://example.com/argocd' },
    { given: 'https://example.com/argocd', rootPath: 'argocd', want: 'https://example.com/argocd' },
    { given: 'https://example.com/tools', rootPath: '/argocd', want: 'https://example.com/tools/argocd' },
  ];

  it.each(urls)('$given with rootPath $rootPath → $want', ({ given, rootPath, want }) => {
    expect(normaliseArgocdUrl(given, rootPath)).toBe(want);
    const env: Record<string, string> = { ARGOCD_BASE_URL: given, ARGOCD_API_TOKEN: 'tok', ...(rootPath ? { ARGOCD_ROOT_PATH: rootPath } : {}) };
    expect(load({ env }).argocdUrl).toBe(want);
  });

  it.each([
    ['30', 30_000],
    ['30s', 30_000],
    ['1500ms', 1_500],
    ['2m', 120_000],
    [45, 45_000],
    ['0', undefined],
    ['soon', undefined],
    ['-5s', undefined],
  ] as const)('parseDuration(%j) → %j ms', (given, want) => {
    expect(parseDuration(given)).toBe(want);
  });
});

describe('a bad configuration is one ConfigError naming each setting and its source', () => {
  const table: Array<{ name: string; env?: Record<string, string>; flags?: CliFlags; file?: string; want: Array<{ setting: string | RegExp; message: RegExp }> }> = [
    {
      name: 'unknown key in the file',
      env: BASE_ENV,
      file: 'urll: https://argocd.example.com\n',
      want: [{ setting: 'urll', message: /unknown key in .*config-\d+\.yaml \(did you mean url\?\); known keys: url, server/ }],
    },
    {
      name: 'bad port from the environment',
      env: { ...BASE_ENV, ARGOCD_MCP_PORT: 'http' },
      want: [{ setting: 'ARGOCD_MCP_PORT', message: /"http" is not a port number \(0-65535\)/ }],
    },
    {
      name: 'port out of range from a flag',
      env: BASE_ENV,
      flags: { port: '70000' },
      want: [{ setting: '--port', message: /"70000" is not a port number/ }],
    },
    {
      name: 'bad duration in the file',
      env: BASE_ENV,
      file: 'timeout: soon\n',
      want: [{ setting: /^config-\d+\.yaml: timeout$/, message: /"soon" is not a duration; use seconds \(30\) or 30s, 1500ms, 2m/ }],
    },
    {
      name: 'bad transport from a flag',
      env: BASE_ENV,
      flags: { transport: 'grpc' },
      want: [{ setting: '--transport', message: /"grpc" is not a transport; use stdio or http/ }],
    },
    {
      name: 'unreadable config file',
      env: BASE_ENV,
      flags: { config: '/nonexistent/argocd-mcp.yaml' },
      want: [{ setting: '--config', message: /cannot read \/nonexistent\/argocd-mcp\.yaml \(ENOENT\)/ }],
    },
    {
      name: 'invalid YAML',
      env: BASE_ENV,
      file: 'url: [https://argocd.example.com\nport: 1\n',
      want: [{ setting: '--config', message: /config-\d+\.yaml is not valid YAML/ }],
    },
    {
      name: 'an address that is not http(s)',
      env: { ...BASE_ENV, ARGOCD_BASE_URL: 'ftp://argocd.example.com' },
      want: [{ setting: 'ARGOCD_BASE_URL', message: /"ftp:\/\/argocd\.example\.com" is not a usable Argo CD address \(scheme ftp: is not http or https\)/ }],
    },
    {
      name: 'no address and no token',
      env: {},
      want: [
        { setting: 'ARGOCD_BASE_URL', message: /no Argo CD address configured/ },
        { setting: 'ARGOCD_API_TOKEN', message: /no Argo CD token configured/ },
      ],
    },
    {
      name: 'several problems at once',
      env: { ...BASE_ENV, ARGOCD_MCP_PORT: '-1', ARGOCD_MCP_LOG_LEVEL: 'loud' },
      flags: { transport: 'carrier-pigeon' },
      file: 'timeout: never\nreadonly: true\n',
      want: [
        { setting: 'readonly', message: /unknown key/ },
        { setting: /: timeout$/, message: /"never" is not a duration/ },
        { setting: '--transport', message: /"carrier-pigeon" is not a transport/ },
        { setting: 'ARGOCD_MCP_PORT', message: /"-1" is not a port number/ },
        { setting: 'ARGOCD_MCP_LOG_LEVEL', message: /"loud" is not a level/ },
      ],
    },
  ];

  it.each(table)('$name', ({ env, flags, file, want }) => {
    const error = configError({ env, flags, file });
    expect(error.issues).toHaveLength(want.length);
    for (const w of want) {
      const issue = error.issues.find((i) => (typeof w.setting === 'string' ? i.setting === w.setting : w.setting.test(i.setting)));
      expect(issue, `an issue for ${String(w.setting)} in ${JSON.stringify(error.issues)}`).toBeDefined();
      expect(issue!.message).toMatch(w.message);
      // The message an operator reads names the setting too.
      expect(error.message).toContain(`  - ${issue!.setting}: ${issue!.message}`);
    }
  });
  it('an unreadable config file named by ARGOCD_MCP_CONFIG is reported under ARGOCD_MCP_CONFIG', () => {
    const error = configError({ env: { ...BASE_ENV, ARGOCD_MCP_CONFIG: '/nonexistent/from-env.yaml' } });
    expect(error.issues.map((i) => i.setting)).toEqual(['ARGOCD_MCP_CONFIG']);
  });
});

describe('the allowlist defaults to read-only', () => {
  it('with source "default" when nothing configures it', () => {
    expect(load({ env: BASE_ENV }).allowlist).toEqual({ readOnly: true, allow: ['*'], deny: [], source: 'default' });
  });

  it('and any allowlist setting makes it "config", writable unless readOnly says otherwise', () => {
    expect(load({ env: BASE_ENV, file: 'deny: [cluster_delete]\n' }).allowlist).toEqual({
      readOnly: false,
      allow: ['*'],
      deny: ['cluster_delete'],
      source: 'config',
    });
    expect(load({ env: { ...BASE_ENV, ARGOCD_MCP_READ_ONLY: 'true' } }).allowlist).toMatchObject({ readOnly: true, source: 'config' });
  });
});

describe('the token never appears in an error message', () => {
  const token = 'cfg-secret-token-5e1d-DO-NOT-LEAK';

  it.each<{ name: string; env: Record<string, string>; file?: string }>([
    { name: 'alongside other problems', env: { ARGOCD_BASE_URL: 'ftp://x', ARGOCD_API_TOKEN: token, ARGOCD_MCP_PORT: 'x' } },
    { name: 'with white space in it', env: { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: `Bearer ${token}` } },
    { name: 'from a config file with an unknown key', env: {}, file: `url: https://argocd.example.com\ntoken: ${token}\ntokne: ${token}\n` },
    { name: 'from a config file that is not YAML', env: BASE_ENV, file: `token: ${token}\n  port: [${token}\n` },
    { name: 'from a token file with white space in it', env: { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_TOKEN_FILE: write(`${token} ${token}\n`, 'spaced-token') } },
  ])('$name', ({ env, file }) => {
    const error = configError({ env, file });
    expect(error.message).not.toContain(token);
    expect(JSON.stringify(error.issues)).not.toContain(token);
  });

  it('a token with white space is reported as such', () => {
    const error = configError({ env: { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: `Bearer ${token}` } });
    expect(error.issues).toEqual([{ setting: 'ARGOCD_API_TOKEN', message: 'the token contains white space; paste the bare token, without "Bearer "' }]);
  });
});

describe('gitopsChecks', () => {
  it('defaults to warn, and takes a flag over the environment over the file', () => {
    expect(load({ env: BASE_ENV }).gitopsChecks).toBe('warn');
    expect(load({ env: BASE_ENV, file: 'gitopsChecks: off\n' }).gitopsChecks).toBe('off');
    expect(load({ env: { ...BASE_ENV, ARGOCD_MCP_GITOPS_CHECKS: 'refuse' }, file: 'gitopsChecks: off\n' }).gitopsChecks).toBe('refuse');
    expect(load({ env: { ...BASE_ENV, ARGOCD_MCP_GITOPS_CHECKS: 'refuse' }, flags: { gitopsChecks: 'off' } }).gitopsChecks).toBe('off');
  });

  it('names the source of a value that is not a mode, and the modes', () => {
    const err = configError({ env: { ...BASE_ENV, ARGOCD_MCP_GITOPS_CHECKS: 'strict' } });
    expect(err.issues).toEqual([{ setting: 'ARGOCD_MCP_GITOPS_CHECKS', message: expect.stringMatching(/"strict" is not a gitopsChecks mode; use warn \(default.*refuse.*off/) }]);
  });
});
