/**
 * A new user's first commands, run as the built CLI (`node dist/cli.js`) against the simulator or a host that
 * misbehaves on 127.0.0.1: `check` exit codes for the README's own allowlist, a typo and an empty tool list; a wrong
 * token; a host that accepts connections and never answers (check and the first tool call over stdio); https to a
 * plain-HTTP port; command-line mistakes; config file mistakes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, baseEnv, call, startSimulator, stdioGateway, textOf } from './harness.ts';
import type { Simulator } from './harness.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end; never rejects for a non-zero exit. */
function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'first-run-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** A TCP server that accepts connections and never says a word (a stale port-forward, a proxy holding them). */
async function silentHost(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
});

describe('check exit codes', () => {
  it("the README's application-operator allowlist exposes applications plus every read and exits 0", async () => {
    const config = file('operator.yaml', 'readOnly: false\nallow: [applications, "GET *"]\ndeny: ["application_delete*"]\n');
    const listed = await run(['list-tools', '--json', '--config', config], baseEnv(sim));
    const exposed = (JSON.parse(listed.stdout) as { exposed: string[]; unmatched: string[] }).exposed;
    expect(exposed).toContain('application_sync');
    expect(exposed).toContain('cluster_list');
    expect(exposed).toContain('repository_list');
    expect(exposed).not.toContain('application_delete');
    expect(exposed).not.toContain('cluster_delete');
    const checked = await run(['check', '--config', config], baseEnv(sim));
    expect(checked.stdout).not.toMatch(/match no tool/);
    expect(checked.code).toBe(0);
  });

  it('an entry that matches no tool fails check, naming it', async () => {
    const checked = await run(['check', '--config', file('typo.yaml', 'allow: [applications, "aplication_get"]\n')], baseEnv(sim));
    expect(checked.stdout).toMatch(/entries that match no tool: aplication_get/);
    expect(checked.code).toBe(1);
  });

  it('a configuration that exposes no tool fails check, saying so', async () => {
    const checked = await run(['check', '--config', file('none.yaml', 'readOnly: true\nallow: ["POST /api/v1/applications"]\n')], baseEnv(sim));
    expect(checked.stdout).toMatch(/exposes no tool at all/);
    expect(checked.code).toBe(1);
  });

  it('a token Argo CD does not accept fails check with how to make one', async () => {
    const checked = await run(['check'], baseEnv(sim, { ARGOCD_API_TOKEN: 'not-a-token' }));
    expect(checked.stdout).toMatch(/Token: NOT accepted/);
    expect(checked.stdout).toMatch(/argocd account generate-token --account/);
    expect(checked.stdout).not.toContain('not-a-token');
    expect(checked.code).toBe(1);
  });
});

describe('an Argo CD address that does not behave', () => {
  it('a host that accepts connections but never answers: check says so once, after the short version probe', async () => {
    const host = await silentHost();
    try {
      const checked = await run(['check'], baseEnv(sim, { ARGOCD_BASE_URL: host.url }));
      expect(checked.code).toBe(1);
      expect(checked.stdout).toMatch(/NOT reachable/);
      // The 5 s probe, not the 30 s request timeout three times over.
      expect(checked.stdout.match(/Nothing answered within 5 s/g)).toHaveLength(1);
      expect(checked.stdout).not.toMatch(/30 s/);
    } finally {
      await host.close();
    }
  }, 60_000);

  it('over stdio, the first tool call against such a host answers with the explanation before the client gives up', async () => {
    const host = await silentHost();
    const gw = await stdioGateway(baseEnv(sim, { ARGOCD_BASE_URL: host.url }));
    try {
      // The SDK client's own request timeout (60 s) applies: a "Request timed out" would reject here.
      const result = await call(gw.client, 'version_get');
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/Nothing answered within 30 s: check the address and port/);
    } finally {
      await gw.close();
      await host.close();
    }
  }, 90_000);

  it('an address that answers with a web page (a missing rootpath) is said to be one, not a network problem', async () => {
    const page = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Argo CD</title>'));
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(page.address() as net.AddressInfo).port}`;
      const checked = await run(['check'], baseEnv(sim, { ARGOCD_BASE_URL: url }));
      expect(checked.code).toBe(1);
      expect(checked.stdout).toMatch(/answered \/api\/version with text\/html \(HTTP 200\) instead of JSON/);
      expect(checked.stdout).toMatch(/--rootpath/);
    } finally {
      await new Promise((r) => page.close(r));
    }
  });

  it('https to a plain-HTTP port says to use http://, not a CA file', async () => {
    const https = sim.url.replace(/^http:/, 'https:');
    const checked = await run(['check'], baseEnv(sim, { ARGOCD_BASE_URL: https }));
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain(`Use ${sim.url}`);
    expect(checked.stdout).toMatch(/plain HTTP, not TLS/);
    expect(checked.stdout).not.toMatch(/point `caFile`/);
  });
});

describe('command-line and config mistakes', () => {
  const env = () => baseEnv(sim);
  const table: Array<{ what: string; args: string[]; want: RegExp }> = [
    { what: 'a mistyped command', args: ['servee'], want: /unknown command "servee" \(did you mean "serve"\?\)/ },
    { what: 'a mistyped command after options', args: ['--read-only', 'lits-tools'], want: /unknown command "lits-tools" \(did you mean "list-tools"\?\)/ },
    { what: 'a command after its options', args: ['--read-only', 'check'], want: /"check" must come first, before its options/ },
    { what: 'generate with a spec file that does not exist', args: ['generate', '--spec', path.join(dir, 'missing.json'), '--out', dir], want: /cannot read spec file .*missing\.json: ENOENT/ },
  ];
  it.each(table)('$what: exit 2, one message, no stack trace', async ({ args, want }) => {
    const r = await run(args, env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(want);
    expect(r.stderr).not.toMatch(/too many arguments|\n\s+at /);
  });

  it('--help says serve is the default command', async () => {
    const r = await run(['--help'], env());
    expect(r.stdout).toMatch(/serve is the default command/);
  });

  it('a YAML syntax error keeps its code frame, values masked; a wrong-case key gets "did you mean"', async () => {
    const bad = await run(['check', '--config', file('bad.yaml', 'readOnly: false\nallow: [applications\n  deny: x\ntoken: s3cr3t-t0ken\n')], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not valid YAML: .*line 2, column \d+/);
    // The line and a caret under the column, with the key and punctuation but not the value (it could be a token).
    expect(bad.stderr).toMatch(/\n\s+allow: \[\*{12}\n\s+\^/);
    expect(bad.stderr).not.toMatch(/applications|s3cr3t/);
    const key = await run(['check', '--config', file('key.yaml', 'readonly: true\n')], env());
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/readonly: unknown key in .*key\.yaml \(did you mean readOnly\?\)/);
  });
});
