/**
 * The settings table is the one place a setting is spelled: README's table, the CLI's flags, the env names and the
 * defaults all come from it, and the config modules stay small enough to read.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { withSettingOptions } from '../../src/config/cli-options.ts';
import { TABLE_BEGIN, TABLE_END, renderSettingsTable } from '../../src/config/settings-table.ts';
import { SETTINGS, settingRows } from '../../src/config/settings.ts';
import type { SettingKey } from '../../src/config/settings.ts';
import { configFileKeys } from '../../src/config/sources.ts';
import { defaultOf } from '../../src/config/values.ts';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import type { CliFlags } from '../../src/config/load-config.ts';
import { flagProp } from '../../src/config/sources.ts';
import { afterAll } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('README', () => {
  it('holds the settings table as src/config/settings.ts renders it', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const begin = readme.indexOf(TABLE_BEGIN);
    const end = readme.indexOf(TABLE_END);
    expect(begin, 'README.md lost its settings-table markers').toBeGreaterThan(-1);
    const inReadme = readme.slice(begin + TABLE_BEGIN.length, end).trim();
    expect(inReadme, "README's settings table differs from src/config/settings.ts: run `npm run docs:settings` and commit README.md").toBe(renderSettingsTable());
  });
});

describe('the table', () => {
  it('keeps every environment name that works, both families of Argo CD names included', () => {
    const envs = settingRows().flatMap(([, row]) => row.env ?? []);
    for (const name of ['ARGOCD_BASE_URL', 'ARGOCD_SERVER', 'ARGOCD_API_TOKEN', 'ARGOCD_AUTH_TOKEN', 'ARGOCD_TOKEN_FILE', 'ARGOCD_INSECURE', 'ARGOCD_MCP_CONFIG']) {
      expect(envs).toContain(name);
    }
    expect(new Set(envs).size, 'an environment variable is named by two rows').toBe(envs.length);
    expect(SETTINGS.url.env).toEqual(['ARGOCD_BASE_URL', 'ARGOCD_SERVER']);
    expect(SETTINGS.token.env).toEqual(['ARGOCD_API_TOKEN', 'ARGOCD_AUTH_TOKEN']);
  });

  it('gives every default in a form its type reads (a default that does not parse fails here, not at start-up)', () => {
    for (const [key, row] of settingRows()) {
      if (row.default === undefined) continue;
      expect(defaultOf(key as SettingKey), `${key}: default ${String(row.default)} is not a ${row.type}`).not.toBeUndefined();
    }
    expect(defaultOf('timeout')).toBe(30_000);
    expect(defaultOf('maxResponseBytes')).toBe(32 * 1024 * 1024);
    expect(defaultOf('rateLimit')).toBe(20);
  });

  it('applies its defaults when nothing is set', () => {
    const c = loadConfig({ flags: {}, env: { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 't' } });
    expect(c).toMatchObject({ timeoutMs: defaultOf('timeout'), maxResponseBytes: defaultOf('maxResponseBytes'), port: defaultOf('port'), confirm: defaultOf('confirm') });
    expect(c.http).toMatchObject({ sessionIdleTimeoutMs: defaultOf('sessionIdleTimeout'), maxBodyBytes: defaultOf('maxBodyBytes'), rateLimit: { perSecond: 20, burst: 100 } });
  });

  it('names each flag, env twin and config key once', () => {
    const flags = settingRows().flatMap(([, row]) => (row.flag ? [row.flag] : []));
    expect(new Set(flags).size).toBe(flags.length);
    const keys = configFileKeys();
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).not.toContain('config');
  });

  it('is what the command line offers: serve takes every flag, the other commands all but the serving ones', () => {
    const flagsOf = (cmd: Command) => cmd.options.map((o) => o.long).sort();
    const all = settingRows().flatMap(([, row]) => (row.flag ? [row.flag] : [])).sort();
    const shared = settingRows().flatMap(([, row]) => (row.flag && !row.serveOnly ? [row.flag] : [])).sort();
    expect(flagsOf(withSettingOptions(new Command('serve'), { serve: true }))).toEqual(all);
    expect(flagsOf(withSettingOptions(new Command('check'), { serve: false }))).toEqual(shared);
    const help = withSettingOptions(new Command('serve'), { serve: true }).helpInformation().replace(/\s+/g, ' ');
    expect(help).toMatch(/--timeout <duration> Argo CD request timeout: 30, 30s, 1500ms, 2m \(env ARGOCD_TIMEOUT; default 30s\)/);
    expect(help).toMatch(/--url <url> Argo CD address, e\.g\. \S+ \(env ARGOCD_BASE_URL or ARGOCD_SERVER\)/);
  });

  it('parses repeated and comma-separated list flags as the loader expects', () => {
    const cmd = withSettingOptions(new Command('serve'), { serve: true }).exitOverride();
    cmd.parse(['--allow', 'a,b', '--allow', 'c', '--header', 'X-A: 1,2', '--header', 'X-B: 3', '--read-only'], { from: 'user' });
    expect(cmd.opts()).toMatchObject({ allow: ['a', 'b', 'c'], header: ['X-A: 1,2', 'X-B: 3'], readOnly: true });
  });
});

describe('a value that is not of its type', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-mcp-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const BASE = { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 't' };
  const typed = settingRows().filter(([, row]) => ['int', 'port', 'duration', 'bytes', 'rate', 'bool', 'enum'].includes(row.type));
  const issuesOf = (flags: CliFlags, env: Record<string, string>) => {
    try {
      loadConfig({ flags, env: { ...BASE, ...env } });
    } catch (err) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
    return [];
  };

  it.each(typed.map(([key, row]) => [key, row]))('%s: is reported under the flag, the variable or the key that gave it, with the forms that work', (key, row) => {
    const nonsense = 'x-not-a-value';
    const sources: Array<{ setting: string; flags: CliFlags; env: Record<string, string> }> = [];
    if (row.flag && row.type !== 'bool') sources.push({ setting: row.flag, flags: { [flagProp(row.flag)]: nonsense } as CliFlags, env: {} });
    for (const name of row.env ?? []) sources.push({ setting: name, flags: {}, env: { [name]: nonsense } });
    const file = path.join(dir, `${key}.yaml`);
    writeFileSync(file, `${key}: ${nonsense}\n`);
    sources.push({ setting: `${key}.yaml: ${key}`, flags: { config: file }, env: {} });
    for (const source of sources) {
      const issues = issuesOf(source.flags, source.env);
      expect(issues, JSON.stringify(issues)).toEqual([{ setting: source.setting, message: expect.stringContaining(`"${nonsense}"`) }]);
      expect(issues[0].message).toMatch(/must be|use|is not/);
    }
  });
});

describe('src/config and src/cli.ts stay readable', () => {
  const files = [
    ...readdirSync(path.join(ROOT, 'src/config')).filter((f) => f.endsWith('.ts')).map((f) => path.join(ROOT, 'src/config', f)),
    path.join(ROOT, 'src/cli.ts'),
  ];

  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s: at most 400 lines, no function over 80', (_, file) => {
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').length).toBeLessThanOrEqual(400);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const long: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const lines = source.getLineAndCharacterOfPosition(node.end).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        if (lines > 80) long.push(`${(node as ts.FunctionDeclaration).name?.getText() ?? 'a function'} at line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${lines} lines`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    expect(long).toEqual([]);
  });
});
