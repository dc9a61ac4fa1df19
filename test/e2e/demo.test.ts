/**
 * `argocd-mcp-gateway demo`, as the README runs it (`npm run demo` is `node dist/cli.js demo`): the simulator, the
 * gateway over HTTP and the tour through the SDK's client; then, left serving, its snippets and /metrics.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { CLI, startSimulator } from './harness.ts';

const run = promisify(execFile);

describe('demo', () => {
  it('serves the simulator through the gateway and runs the tour with a real MCP client', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'demo', '--port', '0', '--exit-after-tour'], {
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/simulated Argo CD at http:\/\/127\.0\.0\.1:\d+; gateway at http:\/\/127\.0\.0\.1:\d+\/mcp/);
    expect(stdout).toMatch(/1\. tools\/list: 105 tools, one per Argo CD operation/);
    expect(stdout).toMatch(/2\. "What is out of sync\?" application_list → 50 applications, \d+ OutOfSync/);
    // The tour runs on the asynchronous controller: the request, then Running, then done once reconciled.
    expect(stdout).toMatch(/3\. application_sync .* Argo CD records the operation/);
    expect(stdout).toMatch(/application_get, polled → (requested → )?Running → .*(Succeeded|Failed), reconciled; now sync \w+, health \w+/);
    expect(stdout).toMatch(/4\. application_list_resource_events/);
    // What sets the gateway apart: a refused write, a held destructive call, the saving against Argo CD's answer.
    expect(stdout).toMatch(/5\. A write the allowlist refuses[^\n]*\n\s+→ refused: [^\n]*Nothing was sent to Argo CD\./);
    expect(stdout).toMatch(/6\. A destructive call waits for the user[^\n]*\n\s+→ held: [^\n]+\n\s+Nothing was sent to Argo CD\./);
    const saving = /7\. What the agent reads: application_list as the gateway shapes it is ~([\d,]+) tokens; Argo CD's own answer\s+to GET \/api\/v1\/applications is ~([\d,]+) tokens/.exec(stdout);
    expect(saving).not.toBeNull();
    const [shaped, raw] = [saving![1], saving![2]].map((n) => Number(n.replace(/,/g, '')));
    expect(raw).toBeGreaterThan(shaped * 10);
    expect(stdout).not.toMatch(/The tour failed/);
    expect(stderr).not.toMatch(/"level":(40|50|60)/);
  });

  it('left serving, prints client snippets without the token (a token file instead) that connect, and serves /metrics', async () => {
    const sim = await startSimulator();
    const token = sim.tokens.admin; // the simulator's tokens are the same in every instance
    await sim.close();
    const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--no-tour'], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toMatch(/Press Ctrl-C to stop the demo\./);
      expect(out).not.toContain(token);
      const tokenFile = /ARGOCD_TOKEN_FILE=(\S+)/.exec(out)![1];
      expect(readFileSync(tokenFile, 'utf8')).toBe(token);
      const metricsUrl = /Prometheus metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out)![1];
      const res = await fetch(metricsUrl);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/argocd_mcp_http_requests_total/);
      // The Claude Desktop configuration it prints, launched as a desktop client would: stdio, the SDK's client.
      const desktop = JSON.parse(/claude_desktop_config\.json[^\n]*\n\s+(\{.*\})\n/.exec(out)![1]) as {
        mcpServers: { argocd: { command: string; args: string[]; env: Record<string, string> } };
      };
      const server = desktop.mcpServers.argocd;
      const client = new Client({ name: 'desktop', version: '1.0.0' });
      await client.connect(new StdioClientTransport({ command: server.command, args: server.args, env: { PATH: process.env.PATH ?? '', ...server.env } }));
      try {
        const listed = await client.callTool({ name: 'application_list', arguments: {} });
        expect(listed.isError).toBeFalsy();
      } finally {
        await client.close();
      }
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      expect(existsSync(tokenFile)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
