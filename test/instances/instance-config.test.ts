/** `instances:` in the config file: what each instance gets, and the messages for what is wrong. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'instance-config-'));

function load(yaml: string, env: Record<string, string> = {}) {
  const file = path.join(dir, `c-${Math.random()}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ flags: { config: file }, env: { PATH: process.env.PATH ?? '', ...env } });
}

function problems(yaml: string, env: Record<string, string> = {}): string {
  try {
    load(yaml, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('instances in the config file', () => {
  it('gives each instance its address, auth and allowlist; one without an allowlist inherits the top level', () => {
    const c = load(
      `readOnly: true
timeout: 10s
instances:
  - name: prod
    url: argocd.prod.example.com
    token: \${PROD_TOKEN}
  - name: staging
    url: https://example.com
    rootPath: /argocd
    username: admin
    password: \${STAGING_PASSWORD}
    allow: [applications]
    deny: [application_delete]
    timeout: 2m
    headers: {X-Env: staging}
`,
      { PROD_TOKEN: 'prod-token-1', STAGING_PASSWORD: 'pw-123456' },
    );
    expect(c.argocdUrl).toBeUndefined();
    expect(c.instances).toEqual([
      {
        name: 'prod',
        description: undefined,
        argocdUrl: 'https://argocd.prod.example.com',
        auth: { token: 'prod-token-1' },
        insecure: false,
        caFile: undefined,
        timeoutMs: 10_000,
        allowlist: { readOnly: true, allow: ['*'], deny: [], source: 'config' },
      },
      {
        name: 'staging',
        description: undefined,
        argocdUrl: 'https://example.com/argocd',
        auth: { username: 'admin', password: 'pw-123456', headers: { 'x-env': 'staging' } },
        insecure: false,
        caFile: undefined,
        timeoutMs: 120_000,
        allowlist: { readOnly: false, allow: ['applications'], deny: ['application_delete'], source: 'config' },
      },
    ]);
  });

  it('is read-only by default, like a gateway without an allowlist', () => {
    const c = load('instances: [{name: a, url: https://a.example.com, token: t-1}]');
    expect(c.instances![0].allowlist).toMatchObject({ readOnly: true, source: 'default' });
  });

  it.each([
    ['an empty list', 'instances: []', 'instances: must be a list of instances'],
    ['a missing name', 'instances: [{url: https://a.example.com, token: t}]', 'instances[0].name: is missing'],
    ['a bad name', 'instances: [{name: "Prod EU", url: https://a.example.com, token: t}]', '"Prod EU" is not a usable name; use lower-case letters'],
    ['a duplicate name', 'instances: [{name: a, url: https://a.example.com, token: t}, {name: a, url: https://b.example.com, token: t}]', '"a" is used by two instances'],
    ['a missing address', 'instances: [{name: a, token: t}]', 'instances.a.url: is missing'],
    ['a bad address', 'instances: [{name: a, url: "ftp://x", token: t}]', 'is not a usable Argo CD address'],
    ['no credentials', 'instances: [{name: a, url: https://a.example.com}]', 'instances.a: has no credentials; set token, tokenFile, username'],
    ['two ways to authenticate', 'instances: [{name: a, url: https://a.example.com, token: t, tokenCommand: [ls]}]', 'several ways to authenticate'],
    ['an unknown key', 'instances: [{name: a, url: https://a.example.com, token: t, readonly: true}]', 'instances[0].readonly: unknown instance key'],
    ['a top-level address as well', 'url: https://x.example.com\ninstances: [{name: a, url: https://a.example.com, token: t}]', 'url: is set, but so is instances'],
  ])('stops on %s with a message naming the setting and the fix', (_, yaml, want) => {
    expect(problems(yaml)).toContain(want);
  });

  it('reports a token in the environment that no instance would use', () => {
    expect(problems('instances: [{name: a, url: https://a.example.com, token: t}]', { ARGOCD_API_TOKEN: 'x' })).toContain('ARGOCD_API_TOKEN: is set, but so is instances');
  });
});

describe('top-level settings as the defaults of instances', () => {
  it('gives instances the top-level timeout, insecure, caFile and headers unless they set their own', () => {
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = load(`timeout: 5s
insecure: true
caFile: ${ca}
headers: {X-Proxy-Key: "\${PROXY_KEY}"}
instances:
  - {name: a, url: https://a.example.com, token: t-1}
  - {name: b, url: https://b.example.com, token: t-2, insecure: false, timeout: 1m, headers: {X-Other: o}}
`, { PROXY_KEY: 'proxy-key-1' });
    expect(c.instances![0]).toMatchObject({ timeoutMs: 5_000, insecure: true, caFile: ca, auth: { token: 't-1', headers: { 'x-proxy-key': 'proxy-key-1' } } });
    expect(c.instances![1]).toMatchObject({ timeoutMs: 60_000, insecure: false, caFile: ca, auth: { token: 't-2', headers: { 'x-other': 'o' } } });
  });
});
