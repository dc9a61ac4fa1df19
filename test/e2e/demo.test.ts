/**
 * `argocd-mcp-gateway demo`, as the README runs it (`npm run demo` is `node dist/cli.js demo`): the simulator, the
 * gateway over HTTP and the tour through the SDK's client, here stopped after the tour.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from './harness.ts';

const run = promisify(execFile);

describe('demo', () => {
  it('serves the simulator through the gateway and runs the tour with a real MCP client', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'demo', '--port', '0', '--exit-after-tour'], {
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/simulated Argo CD at http:\/\/127\.0\.0\.1:\d+; gateway at http:\/\/127\.0\.0\.1:\d+\/mcp/);
    expect(stdout).toMatch(/1\. tools\/list: 106 tools, one per Argo CD operation/);
    expect(stdout).toMatch(/2\. "What is out of sync\?" application_list → 50 applications, \d+ OutOfSync/);
    // The tour runs on the asynchronous controller: the request, then Running, then done once reconciled.
    expect(stdout).toMatch(/3\. application_sync .* Argo CD records the operation/);
    expect(stdout).toMatch(/application_get, polled → (requested → )?Running → .*(Succeeded|Failed), reconciled; now sync \w+, health \w+/);
    expect(stdout).toMatch(/4\. application_list_resource_events/);
    expect(stdout).not.toMatch(/The tour failed/);
    expect(stderr).not.toMatch(/"level":(50|60)/);
  });
});
