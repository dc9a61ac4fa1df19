/** Confirmation of destructive operations: nothing is sent until the user said yes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayFor, resultText } from '../helpers/gateway.ts';
import { startRecordingServer } from '../helpers/recording-server.ts';
import type { RecordingServer } from '../helpers/recording-server.ts';

describe('confirmation policy', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(() => server.close());

  it('asks for confirm echoing the target when the client cannot elicit, and sends nothing until then', async () => {
    const gw = gatewayFor(server.url, { confirm: 'destructive' });
    const before = server.requests.length;
    const first = await gw.callTool('application_delete', { name: 'payments-api' });
    expect(first.isError).toBe(true);
    expect(resultText(first)).toContain('confirm: "payments-api"');
    expect(server.requests.length).toBe(before);
    const wrong = await gw.callTool('application_delete', { name: 'payments-api', confirm: 'payments' });
    expect(wrong.isError).toBe(true);
    expect(server.requests.length).toBe(before);
    const ok = await gw.callTool('application_delete', { name: 'payments-api', confirm: 'payments-api' });
    expect(ok.isError, resultText(ok)).toBeFalsy();
    expect(server.requests.at(-1)!.method).toBe('DELETE');
  });

  it('uses elicitation when the client supports it; a decline sends nothing', async () => {
    const gw = gatewayFor(server.url, { confirm: 'destructive' });
    const before = server.requests.length;
    const asked: string[] = [];
    const declined = await gw.callTool('cluster_rotate_auth', { idValue: 'https://prod.example.com' }, {
      askUser: async (m) => {
        asked.push(m);
        return 'decline';
      },
    });
    expect(declined.isError).toBe(true);
    expect(resultText(declined)).toMatch(/declined/);
    expect(asked[0]).toContain('https://prod.example.com');
    expect(server.requests.length).toBe(before);
    const accepted = await gw.callTool('cluster_rotate_auth', { idValue: 'https://prod.example.com' }, { askUser: async () => 'accept' });
    expect(accepted.isError).toBeFalsy();
    expect(server.requests.length).toBe(before + 1);
  });

  it('treats a pruning sync as destructive but not a dry run, and never asks for reads', async () => {
    const gw = gatewayFor(server.url, { confirm: 'destructive' });
    expect((await gw.callTool('application_sync', { name: 'a', prune: true })).isError).toBe(true);
    expect((await gw.callTool('application_sync', { name: 'a', prune: true, dryRun: true })).isError).toBeFalsy();
    expect((await gw.callTool('application_sync', { name: 'a' })).isError).toBeFalsy();
    expect((await gw.callTool('application_get', { name: 'a' })).isError).toBeFalsy();
  });

  it('asks for every write with confirm: writes, and for nothing with never', async () => {
    expect((await gatewayFor(server.url, { confirm: 'writes' }).callTool('application_sync', { name: 'a' })).isError).toBe(true);
    expect((await gatewayFor(server.url, { confirm: 'never' }).callTool('application_delete', { name: 'a' })).isError).toBeFalsy();
  });
});
