/**
 * The container image itself, built by scripts/build-image.sh with buildah (CI builds it in .ci/run as
 * IMAGE_UNDER_TEST, default localhost/argocd-mcp-gateway:ci) and run with `buildah run` (chroot isolation, the
 * host's network, so everything stays on 127.0.0.1): its configuration, its command refusing 0.0.0.0 without
 * inbound auth, and, started on loopback, health and one tool call against the simulator.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { listeningUrl } from '../e2e/harness.ts';

const run = promisify(execFile);
const IMAGE = process.env.IMAGE_UNDER_TEST ?? 'localhost/argocd-mcp-gateway:ci';
// The storage and isolation scripts/build-image.sh builds with.
const env = { ...process.env, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' };

function imageConfig(): { Entrypoint: string[]; Cmd: string[]; User: string; Env: string[] } | undefined {
  try {
    const out = execFileSync('buildah', ['inspect', '--type', 'image', IMAGE], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return (JSON.parse(out) as { OCIv1: { config: { Entrypoint: string[]; Cmd: string[]; User: string; Env: string[] } } }).OCIv1.config;
  } catch {
    return undefined;
  }
}

const config = imageConfig();

describe.skipIf(!config && !process.env.CI)(`the image ${IMAGE} (scripts/build-image.sh builds it)`, () => {
  let container = '';
  let sim: Simulator;
  beforeAll(async () => {
    expect(config, `no image ${IMAGE}: run scripts/build-image.sh ${IMAGE}`).toBeDefined();
    container = (await run('buildah', ['from', '--pull=never', IMAGE], { env })).stdout.trim();
    sim = await startSimulator({ appCount: 3 });
  }, 120_000);
  afterAll(async () => {
    if (container) await run('buildah', ['rm', container], { env }).catch(() => undefined);
    await sim?.close();
  });

  it('runs node 24 as uid 1000, serving HTTP on 0.0.0.0:8080 by default', async () => {
    expect(config!.User).toBe('1000:1000');
    expect([...config!.Entrypoint, ...config!.Cmd]).toEqual(['node', '/app/dist/cli.js', 'serve', '--transport', 'http', '--host', '0.0.0.0', '--port', '8080']);
    const { stdout } = await run('buildah', ['run', container, '--', 'node', '--version'], { env });
    expect(stdout.trim()).toMatch(/^v24\./);
  });

  it("the image's own command refuses to serve 0.0.0.0 without inbound auth, saying how to fix it", async () => {
    const result = await run('buildah', ['run', '--user', '1000:1000', '--env', 'ARGOCD_BASE_URL=https://argocd.example.com', '--env', 'ARGOCD_API_TOKEN=token-123456', container, '--', ...config!.Entrypoint, ...config!.Cmd], {
      env,
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('needs inbound auth');
  }, 90_000);

  it('started on loopback, answers /healthz and a tool call through the SDK client', async () => {
    const child = spawn(
      'buildah',
      ['run', '--user', '1000:1000', '--env', `ARGOCD_BASE_URL=${sim.url}`, '--env', `ARGOCD_API_TOKEN=${sim.tokens.readonly}`, '--env', 'ARGOCD_MCP_LOG_LEVEL=info',
        container, '--', ...config!.Entrypoint, 'serve', '--transport', 'http', '--host', '127.0.0.1', '--port', '0'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const { url } = await listeningUrl(child, 60_000);
      expect((await fetch(url.replace(/\/mcp$/, '/healthz'))).status).toBe(200);
      const client = new Client({ name: 'image-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const result = await client.callTool({ name: 'application_list', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.content)).toMatch(/project/);
      await client.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 120_000);
});
