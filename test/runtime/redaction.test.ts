/**
 * Secrets planted in every place the gateway knows or Argo CD uses for them, then searched for in everything the
 * gateway writes: audit records, log lines (at debug) and tool results. None may appear.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/log.ts';
import type { Logger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createAuditSink } from '../../src/gateway/audit.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import { REDACTED, redactText, redactValue, registerSecret } from '../../src/redact.ts';
import { createUpstream } from '../../src/argocd/upstream.ts';
import { ARGOCD, fakeArgocd, useNock } from '../fixtures/fake-argocd.ts';

useNock();

const TOKEN = 'argocd-token-PLANTED-S1-abcdef';
const HEADER = 'cf-access-secret-PLANTED-S2';
const planted = (n: number) => `PLANTED-${n}-secret`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-mcp-redaction-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  registerSecret(TOKEN);
  registerSecret(HEADER);
  const lines: string[] = [];
  const logger = pino(
    { level: 'debug', formatters: { log: maskSecrets, bindings: maskSecrets } },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  ) as unknown as Logger;
  const auditFile = path.join(dir, 'audit.jsonl');
  const gateway = createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
    upstream: createUpstream({ baseUrl: ARGOCD, token: () => TOKEN, headers: { 'cf-access-client-secret': HEADER }, timeoutMs: 5_000, userAgent: 'test' }),
    logger,
    audit: createAuditSink({ file: auditFile, logger }),
    adaptToServer: false,
    confirm: 'never',
  });
  return { gateway, lines, audit: () => readFileSync(auditFile, 'utf8').trim().split('\n') };
}

describe('secrets never leave the gateway', () => {
  it('masks planted secrets in audit records, logs and results', async () => {
    const { gateway, lines, audit } = setup();
    fakeArgocd((sent) => {
      // Argo CD echoing what it should not: the caller's token and header, a cluster's credentials, a proxy password.
      if (sent.path === '/api/v1/clusters/https%3A%2F%2Fk8s.example.com') {
        return { body: { server: 'https://k8s.example.com', name: 'prod', config: { bearerToken: planted(12), execProviderConfig: { command: 'aws', args: ['--token', planted(4)], env: { AWS_SECRET_ACCESS_KEY: planted(3) } } } } };
      }
      if (sent.path.startsWith('/api/v1/repositories/')) return { body: { repo: 'https://git.example.com/a.git', proxy: `http://user:${planted(6)}@proxy:3128`, password: planted(7) } };
      if (sent.path === '/api/v1/applications/guestbook' && sent.method === 'GET') {
        return { body: { metadata: { name: 'guestbook', annotations: { note: `seen Authorization: Bearer ${TOKEN}`, header: HEADER } } } };
      }
      return { body: {} };
    });
    const calls: Array<[string, Record<string, unknown>]> = [
      ['cluster_create', { cluster: { server: 'https://k8s.example.com', name: 'prod', config: { bearerToken: planted(13), execProviderConfig: { command: 'aws', args: ['eks', 'get-token', '--token', planted(4), `--client-secret=${planted(5)}`], env: { AWS_SECRET_ACCESS_KEY: planted(3) } } } } }],
      ['repository_create', { repository: { repo: 'https://git.example.com/a.git', proxy: `http://user:${planted(6)}@proxy:3128`, password: planted(7) } }],
      ['application_patch_resource', { name: 'guestbook', kind: 'Secret', version: 'v1', resourceName: 'db', namespace: 'default', patchType: 'application/merge-patch+json', patch: `{"data":{"pw":"${planted(8)}"}}` }],
      ['application_create', { application: { metadata: { name: 'guestbook' }, spec: { source: { repoURL: 'https://git.example.com/a.git', helm: { values: `password: ${planted(9)}`, parameters: [{ name: 'db.password', value: planted(10) }] } } } } }],
      ['application_run_resource_action_v2', { name: 'guestbook', kind: 'Deployment', resourceName: 'web', namespace: 'default', version: 'v1', group: 'apps', action: 'restart', resourceActionParameters: [{ name: 'token', value: planted(11) }] }],
      ['cluster_get', { idValue: 'https://k8s.example.com' }],
      ['repository_get', { repo: 'https://git.example.com/a.git' }],
      ['application_get', { name: 'guestbook' }],
    ];
    const results: string[] = [];
    for (const [tool, args] of calls) {
      const result = await gateway.callTool(tool, args);
      expect(result.isError, `${tool}: ${JSON.stringify(result.content)}`).toBeFalsy();
      results.push(JSON.stringify(result));
    }
    // The calls did send the secrets to Argo CD (they are the caller's to send); they just never come back out.
    const everything = { audit: audit().join('\n'), logs: lines.join(''), results: results.join('\n') };
    // Every call is audited (the GitOps checks of a write add their own reads).
    expect(audit().length).toBeGreaterThanOrEqual(calls.length);
    for (const [where, text] of Object.entries(everything)) {
      for (const secret of [TOKEN, HEADER, ...Array.from({ length: 11 }, (_, i) => planted(i + 3))]) expect(text, `${secret} in ${where}`).not.toContain(secret);
    }
    expect(everything.results).toContain(REDACTED);
    expect(everything.audit).toContain(REDACTED);
    // What is not secret stays readable.
    expect(everything.results).toContain('https://k8s.example.com');
    expect(everything.audit).toContain('eks');
  });

  it('masks by shape: URL passwords, exec-provider env and secret flags, Secret data, Helm values and action parameters', () => {
    expect(redactText('proxy http://bob:hunter22@proxy:3128 and redis://:pw123456@cache:6379/0')).toBe(`proxy http://bob:${REDACTED}@proxy:3128 and redis://:${REDACTED}@cache:6379/0`);
    expect(redactValue({ execProviderConfig: { args: ['--region', 'eu', '--token', 'x1', '--api-key=x2'], env: { A: 'x3' } } })).toEqual({
      execProviderConfig: { args: ['--region', 'eu', '--token', REDACTED, `--api-key=${REDACTED}`], env: { A: REDACTED } },
    });
    expect(redactValue({ kind: 'Secret', apiVersion: 'v1', data: { a: 'eDQ=' }, stringData: { b: 'x5' }, metadata: { name: 's' } })).toEqual({
      kind: 'Secret', apiVersion: 'v1', data: { a: REDACTED }, stringData: { b: REDACTED }, metadata: { name: 's' },
    });
    expect(redactValue({ helm: { releaseName: 'r', values: 'a: 1', valuesObject: { a: 1 }, parameters: [{ name: 'p', value: 'v' }] } })).toEqual({
      helm: { releaseName: 'r', values: REDACTED, valuesObject: REDACTED, parameters: [{ name: 'p', value: REDACTED }] },
    });
  });
});
