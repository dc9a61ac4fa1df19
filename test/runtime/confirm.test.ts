/**
 * Confirmation of destructive operations (docs/confirmation.md): nothing is sent until the user said yes; no
 * argument replaces the answer of a client that can ask; without one, the operator's fallback (refuse, or a
 * preview whose token confirms exactly that request once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayFor, resultText } from '../helpers/gateway.ts';
import { startRecordingServer } from '../helpers/recording-server.ts';
import type { RecordingServer } from '../helpers/recording-server.ts';
import { createConfirmationTokens } from '../../src/policy/confirm/tokens.ts';
import { memorySecretStore } from '../../src/argocd/auth/sso/broker.ts';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import type { AskUser } from '../../src/policy/confirm/confirm.ts';
import { createAuditSink } from '../../src/gateway/audit.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createUpstream } from '../../src/argocd/upstream.ts';
import { createLogger } from '../../src/log.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function createGatewayWithAudit(url: string, audit: ReturnType<typeof createAuditSink>) {
  return createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
    upstream: createUpstream({ baseUrl: url, token: () => 'test-token', timeoutMs: 5_000, userAgent: 'test' }),
    logger: createLogger('silent'),
    adaptToServer: false,
    confirm: 'destructive',
    confirmFallback: 'token',
    audit,
  });
}

const tokenOf = (text: string): string => {
  const m = /confirmationToken: "(cfm_[A-Za-z0-9_-]+)"/.exec(text);
  if (!m) throw new Error(`no token in: ${text}`);
  return m[1];
};

function recordingAsk(answer: 'accept' | 'decline' | 'cancel'): { ask: AskUser; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    ask: async (m) => {
      asked.push(m);
      return answer;
    },
  };
}

describe('confirmation', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(() => server.close());
  const writes = () => server.requests.filter((r) => r.method !== 'GET').length;

  it('asks a client that can elicit every time: neither a forged confirm nor a valid token replaces the answer', async () => {
    const gw = gatewayFor(server.url, { confirm: 'destructive', confirmFallback: 'token' });
    const before = writes();
    // A real token, from a preview made without elicitation.
    const token = tokenOf(resultText(await gw.callTool('application_delete', { name: 'payments-api' })));
    const { ask, asked } = recordingAsk('decline');
    for (const extra of [{}, { confirm: 'payments-api' }, { confirmationToken: token }, { confirmationToken: 'cfm_forged' }]) {
      const result = await gw.callTool('application_delete', { name: 'payments-api', ...extra }, { askUser: ask });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toMatch(/The user declined/);
    }
    expect(asked).toHaveLength(4);
    expect(asked[0]).toContain('"payments-api"');
    expect(writes()).toBe(before);
    const accepted = recordingAsk('accept');
    const ok = await gw.callTool('application_delete', { name: 'payments-api' }, { askUser: accepted.ask });
    expect(ok.isError, resultText(ok)).toBeFalsy();
    expect(accepted.asked).toHaveLength(1);
    expect(server.requests.at(-1)!.method).toBe('DELETE');
  });

  it('refuses without elicitation under confirmFallback: refuse, naming no value that would confirm', async () => {
    const gw = gatewayFor(server.url, { confirm: 'destructive', confirmFallback: 'refuse' });
    const before = writes();
    for (const args of [{ name: 'payments-api' }, { name: 'payments-api', confirm: 'payments-api' }]) {
      const result = await gw.callTool('application_delete', args);
      expect(result.isError).toBe(true);
      const text = resultText(result);
      expect(text).toMatch(/cannot ask them/);
      expect(text).not.toMatch(/confirm: "|confirmationToken: "|cfm_/);
    }
    expect(writes()).toBe(before);
  });

  it('previews under confirmFallback: token; the token confirms exactly the previewed request, once', async () => {
    const gw = gatewayFor(server.url, { confirm: 'destructive', confirmFallback: 'token' });
    const before = writes();
    const preview = resultText(await gw.callTool('application_delete', { name: 'payments-api', cascade: false }));
    // The preview shows exactly what would be sent.
    expect(preview).toContain('without cascade');
    expect(preview).toContain('"method":"DELETE","path":"/api/v1/applications/payments-api","query":{"cascade":false}');
    const token = tokenOf(preview);
    // Other arguments: refused, and the token is spent.
    const other = await gw.callTool('application_delete', { name: 'payments-api', cascade: true, confirmationToken: token });
    expect(resultText(other)).toMatch(/issued for other arguments/);
    const after = await gw.callTool('application_delete', { name: 'payments-api', cascade: false, confirmationToken: token });
    expect(resultText(after)).toMatch(/already used, or expired/);
    // Another target, another tool.
    const t2 = tokenOf(resultText(await gw.callTool('application_delete', { name: 'payments-api' })));
    expect(resultText(await gw.callTool('application_delete', { name: 'billing', confirmationToken: t2 }))).toMatch(/issued for "payments-api"/);
    const t3 = tokenOf(resultText(await gw.callTool('application_delete', { name: 'payments-api' })));
    expect(resultText(await gw.callTool('application_terminate_operation', { name: 'payments-api', confirmationToken: t3 }))).toMatch(/issued for application_delete/);
    expect(writes()).toBe(before);
    // The right request: sent once; the same token again is refused.
    const t4 = tokenOf(resultText(await gw.callTool('application_delete', { name: 'payments-api', cascade: false })));
    const ok = await gw.callTool('application_delete', { name: 'payments-api', cascade: false, confirmationToken: t4 });
    expect(ok.isError, resultText(ok)).toBeFalsy();
    expect(writes()).toBe(before + 1);
    expect(server.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/v1/applications/payments-api', query: 'cascade=false' });
    const again = await gw.callTool('application_delete', { name: 'payments-api', cascade: false, confirmationToken: t4 });
    expect(again.isError).toBe(true);
    expect(writes()).toBe(before + 1);
  });

  it('refuses an expired token, and a token of another Argo CD instance', async () => {
    let now = Date.now();
    const tokens = createConfirmationTokens({ store: memorySecretStore(() => now) });
    const prod = gatewayFor(server.url, { confirm: 'destructive', confirmFallback: 'token', confirmTokens: tokens, instance: 'prod' });
    const staging = gatewayFor(server.url, { confirm: 'destructive', confirmFallback: 'token', confirmTokens: tokens, instance: 'staging' });
    const before = writes();
    const t1 = tokenOf(resultText(await prod.callTool('application_delete', { name: 'a' })));
    now += 5 * 60_000 + 1000;
    expect(resultText(await prod.callTool('application_delete', { name: 'a', confirmationToken: t1 }))).toMatch(/expired/);
    const t2 = tokenOf(resultText(await prod.callTool('application_delete', { name: 'a' })));
    expect(resultText(await staging.callTool('application_delete', { name: 'a', confirmationToken: t2 }))).toMatch(/instance "prod"/);
    expect(writes()).toBe(before);
  });

  it('annotates application_sync and application_rollback destructive; under destructive only a prune or force asks', async () => {
    const byName = new Map(loadCatalogue().tools.map((t) => [t.name, t]));
    expect(byName.get('application_sync')!.annotations.destructiveHint).toBe(true);
    expect(byName.get('application_rollback')!.annotations.destructiveHint).toBe(true);
    const gw = gatewayFor(server.url, { confirm: 'destructive', confirmFallback: 'refuse' });
    expect((await gw.callTool('application_sync', { name: 'a', prune: true })).isError).toBe(true);
    expect((await gw.callTool('application_sync', { name: 'a', strategy: { apply: { force: true } } })).isError).toBe(true);
    expect((await gw.callTool('application_rollback', { name: 'a', id: 1, prune: true })).isError).toBe(true);
    expect((await gw.callTool('application_sync', { name: 'a', prune: true, dryRun: true })).isError).toBeFalsy();
    expect((await gw.callTool('application_sync', { name: 'a' })).isError).toBeFalsy();
    expect((await gw.callTool('application_get', { name: 'a' })).isError).toBeFalsy();
    // writes: every write asks; never: nothing does.
    expect((await gatewayFor(server.url, { confirm: 'writes' }).callTool('application_sync', { name: 'a' })).isError).toBe(true);
    expect((await gatewayFor(server.url, { confirm: 'never' }).callTool('application_delete', { name: 'a' })).isError).toBeFalsy();
  });

  it('names the resource of application_delete_resource and the Argo CD instance in the question', async () => {
    const gw = gatewayFor(server.url, { confirm: 'destructive', instance: 'prod-eu' });
    const before = writes();
    const { ask, asked } = recordingAsk('decline');
    await gw.callTool('application_delete_resource', { name: 'shop', resourceName: 'api', kind: 'Deployment', group: 'apps', namespace: 'payments', version: 'v1' }, { askUser: ask });
    expect(asked[0]).toContain('the resource apps/Deployment payments/api of "shop"');
    expect(asked[0]).toContain('on the Argo CD instance "prod-eu"');
    expect(writes()).toBe(before);
  });

  it('keeps confirmation tokens out of the audit file', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'confirm-audit-')), 'audit.jsonl');
    const audit = createAuditSink({ file, logger: createLogger('silent') });
    const gw = createGatewayWithAudit(server.url, audit);
    const token = tokenOf(resultText(await gw.callTool('application_delete', { name: 'kept' })));
    // Presented where no confirmation is needed (a read), the token stays valid: it must not be readable in the audit.
    await gw.callTool('application_get', { name: 'kept', confirmationToken: token });
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('application_get');
    expect(written).not.toContain(token);
  });
});
