/** tokenCommand: the token comes from a program; cached, re-run after its TTL and after a 401; failures explained. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenCommandSource, tokenFromOutput } from '../../src/argocd/auth/token-command.ts';
import { startAuthServer } from './auth-server.ts';
import type { AuthServer } from './auth-server.ts';
import { authGateway, memoryLogger, text } from './helpers.ts';

let server: AuthServer;
let dir: string;
beforeAll(async () => {
  server = await startAuthServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'token-command-'));
});
afterAll(async () => {
  await server.close();
});

/** A node script as the command: argv = [node, script]. It counts its runs in `runs`. */
function script(name: string, body: string): { argv: string[]; runs: () => number } {
  const file = path.join(dir, `${name}.mjs`);
  const counter = path.join(dir, `${name}.runs`);
  writeFileSync(counter, '');
  writeFileSync(file, `import { appendFileSync, readFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(counter)}, 'x');\n${body}\n`);
  return { argv: [process.execPath, file], runs: () => readFileSync(counter, 'utf8').length };
}

describe('tokenCommand', () => {
  it('runs the command once, caches its token, and sends it', async () => {
    const tokenFile = path.join(dir, 'issued');
    writeFileSync(tokenFile, `${server.mint('vault')}\n`);
    const cmd = script('cat-token', `process.stdout.write(readFileSync(${JSON.stringify(tokenFile)}, 'utf8'));`);
    const { gateway } = authGateway(server.url, { tokenCommand: cmd.argv, tokenCommandTtlMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    expect(cmd.runs()).toBe(1);
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${readFileSync(tokenFile, 'utf8').trim()}`);
  });

  it('runs the command again after a 401 and retries the call with the new token', async () => {
    const tokenFile = path.join(dir, 'rotating');
    writeFileSync(tokenFile, server.mint('vault'));
    const cmd = script('rotating', `process.stdout.write(readFileSync(${JSON.stringify(tokenFile)}, 'utf8'));`);
    const { gateway } = authGateway(server.url, { tokenCommand: cmd.argv, tokenCommandTtlMs: 60_000 });
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    server.invalidateAll();
    writeFileSync(tokenFile, server.mint('vault'));
    expect((await gateway.callTool('application_list', {})).isError).toBeFalsy();
    expect(cmd.runs()).toBe(2);
  });

  it('runs the command again once the TTL has passed', async () => {
    let now = Date.now();
    const cmd = script('ttl', `process.stdout.write('opaque-token-' + Math.random());`);
    const source = tokenCommandSource({ argv: cmd.argv, ttlMs: 300_000, timeoutMs: 10_000, logger: memoryLogger().logger, now: () => now });
    const first = await source.token();
    now += 299_000;
    expect(await source.token()).toBe(first);
    now += 2_000;
    expect(await source.token()).toBe(first); // still valid (no JWT expiry): served while the command runs again
    await expect.poll(() => source.token()).not.toBe(first);
    expect(cmd.runs()).toBe(2);
  });

  it.each([
    ['a bare token with a trailing newline', 'abc.def.ghi\n', 'abc.def.ghi'],
    ['JSON with token', '{"token":"t-1"}', 't-1'],
    ['an OAuth answer', '{"access_token":"t-2","expires_in":3600}', 't-2'],
    ['a Kubernetes ExecCredential', '{"kind":"ExecCredential","status":{"token":"t-3"}}', 't-3'],
  ])('reads %s', (_, stdout, want) => {
    expect(tokenFromOutput(stdout)).toBe(want);
  });

  it.each([
    ['nothing', '', 'printed nothing'],
    ['several words', 'Token: abc', 'only the token'],
    ['JSON without a token', '{"data":{}}', 'without "token"'],
  ])('refuses output that is %s', (_, stdout, want) => {
    expect(() => tokenFromOutput(stdout)).toThrow(want);
  });

  it('explains a failing command without repeating what it printed when that may hold a secret', async () => {
    const secret = 'hvs.CAESIJ2x0Ptopsecretvaulttoken1234567890';
    const cmd = script('fails', `process.stderr.write('error: permission denied for token=${secret}\\nsee ${secret}\\n'); process.exit(3);`);
    const { gateway, logs } = authGateway(server.url, { tokenCommand: cmd.argv });
    const result = await gateway.callTool('application_list', {});
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('failed (exit code 3)');
    expect(text(result)).toContain('permission denied');
    expect(text(result)).toContain('the token printed by the command');
    for (const out of [text(result), logs()]) expect(out).not.toContain(secret);
  });

  it('says when the program cannot be found', async () => {
    const log = memoryLogger();
    const source = tokenCommandSource({ argv: [path.join(dir, 'no-such-program')], ttlMs: 1000, timeoutMs: 5_000, logger: log.logger });
    expect(await source.token()).toBeUndefined();
    expect(source.lastError()).toMatch(/cannot run ".*no-such-program": not found/);
  });

  it('stops a command that hangs after the timeout', async () => {
    const cmd = script('hangs', 'setTimeout(() => {}, 60_000);');
    const source = tokenCommandSource({ argv: cmd.argv, ttlMs: 1000, timeoutMs: 400, logger: memoryLogger().logger });
    const started = Date.now();
    expect(await source.token()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(source.lastError()).toContain('did not finish within');
  });

  it('never logs the token it printed', async () => {
    const token = server.mint('vault');
    const cmd = script('quiet', `process.stdout.write(${JSON.stringify(token)});`);
    const { gateway, logs } = authGateway(server.url, { tokenCommand: cmd.argv });
    await gateway.callTool('application_list', {});
    expect(logs()).toContain('obtained an Argo CD token');
    expect(logs()).not.toContain(token);
  });
});
