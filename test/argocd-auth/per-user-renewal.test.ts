/**
 * Per-user sign-in (sso over HTTP): a call carries its caller's own Argo CD token, and when Argo CD refuses it the
 * authenticated upstream renews it once through the sign-in broker, as it does the gateway's own token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthenticatedUpstream } from '../../src/argocd/auth/authenticated-upstream.ts';
import type { SignInBroker, SignInUser } from '../../src/argocd/auth/sso/broker.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { memoryLogger, text } from './helpers.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** An Argo CD that accepts only `valid` as a bearer token, and keeps the tokens it was sent. */
async function argocdAccepting(valid: string): Promise<{ url: string; sent: string[] }> {
  const sent: string[] = [];
  const server = http.createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    sent.push(token);
    res.setHeader('content-type', 'application/json');
    if (token !== valid) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'invalid session: token is expired', code: 16, message: 'invalid session: token is expired' }));
      return;
    }
    res.end(JSON.stringify({ metadata: { name: 'guestbook', namespace: 'argocd' }, spec: { project: 'default' } }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent };
}

function brokerRenewingTo(next: string | undefined): { broker: SignInBroker; renewals: Array<[string, string]> } {
  const renewals: Array<[string, string]> = [];
  const broker = {
    mode: 'token-exchange',
    token: async () => ({ ok: true, token: 'expired-token' }),
    renew: async (user: SignInUser, rejected: string) => (renewals.push([user.subject, rejected]), next),
  } as unknown as SignInBroker;
  return { broker, renewals };
}

function gatewayFor(url: string, broker: SignInBroker) {
  const log = memoryLogger();
  const { upstream } = createAuthenticatedUpstream({ baseUrl: url, auth: {}, timeoutMs: 5_000, userAgent: 'test', logger: log.logger, signIn: broker });
  return createGateway({
    allowlist: compileAllowlist({ readOnly: true, allow: ['*'], deny: [], source: 'config' }),
    upstream,
    logger: log.logger,
    adaptToServer: false,
    signIn: broker,
  });
}

describe('per-user Argo CD tokens', () => {
  it('renews a refused token once through the sign-in broker and runs the call with the new one', async () => {
    const argo = await argocdAccepting('fresh-token');
    const { broker, renewals } = brokerRenewingTo('fresh-token');
    const result = await gatewayFor(argo.url, broker).callTool('application_get', { name: 'guestbook' }, { user: { subject: 'alice' } });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toMatchObject({ metadata: { name: 'guestbook' } });
    expect(argo.sent).toEqual(['expired-token', 'fresh-token']);
    expect(renewals).toEqual([['alice', 'expired-token']]);
  });

  it('tries a renewed token only once, and says the token was refused when that one is refused too', async () => {
    const argo = await argocdAccepting('never');
    const { broker, renewals } = brokerRenewingTo('also-refused');
    const result = await gatewayFor(argo.url, broker).callTool('application_get', { name: 'guestbook' }, { user: { subject: 'alice' } });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/401/);
    expect(argo.sent).toEqual(['expired-token', 'also-refused']);
    expect(renewals).toHaveLength(1);
  });

  it('sends nothing more when the broker has no newer token', async () => {
    const argo = await argocdAccepting('never');
    const { broker } = brokerRenewingTo(undefined);
    const result = await gatewayFor(argo.url, broker).callTool('application_get', { name: 'guestbook' }, { user: { subject: 'alice' } });
    expect(result.isError).toBe(true);
    expect(argo.sent).toEqual(['expired-token']);
  });
});
