/** The simulator impersonating one Argo CD release: its swagger.json, version, routes and query parameters. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from 'argocd-simulator';
import { defaultSwaggerDir } from 'argocd-simulator/release';
import { call } from './helpers.ts';

/** The swagger.json files of Argo CD releases (shared/argocd-swagger beside the repository, or ARGOCD_SWAGGER_DIR). */
const SWAGGER_DIR = defaultSwaggerDir();
const specPath = (release: string) => path.join(SWAGGER_DIR, `${release}.json`);

describe('impersonating Argo CD v2.0.5', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ release: 'v2.0.5', appCount: 8, swaggerDir: SWAGGER_DIR });
  });
  afterAll(() => sim.close());

  it('serves the release swagger.json verbatim and reports the release at /api/version', async () => {
    expect((await call(sim, '/swagger.json', { token: null })).text).toBe(readFileSync(specPath('v2.0.5'), 'utf8'));
    expect((await call(sim, '/api/version')).body.Version).toBe('v2.0.5+sim');
  });

  it('answers a route the release lacks as grpc-gateway v1 does: plain-text 404 Not Found', async () => {
    const missing = await call(sim, '/api/v1/applicationsets');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('Not Found\n');
    expect(missing.headers.get('content-type')).toMatch(/^text\/plain/);
    // A path the release serves, under a method it does not: 405.
    const wrongMethod = await call(sim, '/api/v1/applications', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.text).toBe('Method Not Allowed\n');
  });

  it('ignores a query parameter the release does not declare, and honours the one it does', async () => {
    const ignored = await call(sim, '/api/v1/applications?projects=no-such-project');
    expect(ignored.body.items).toHaveLength(8);
    const applied = await call(sim, '/api/v1/applications?project=no-such-project');
    expect(applied.body.items).toEqual([]);
  });
});

describe('release option', () => {
  it('names the directory and the releases it holds when the release is unknown', async () => {
    await expect(startSimulator({ release: 'v9.9.9', swaggerDir: SWAGGER_DIR })).rejects.toThrow(/no swagger\.json for "v9\.9\.9" in .*it holds v2\.0\.5, .*v3\.5\.1/);
    await expect(startSimulator({ release: 'v3.5.1', swaggerFile: specPath('v3.5.1') })).rejects.toThrow(/exclude each other/);
  });

  it('ServerSideDiff over REST diffs only what is sent, as argocd-server does', async () => {
    const sim = await startSimulator({ release: 'v3.5.1', appCount: 3 });
    try {
      const apps = (await call(sim, '/api/v1/applications')).body.items as Array<{ metadata: { name: string } }>;
      const name = apps[0].metadata.name;
      const nothing = await call(sim, `/api/v1/applications/${name}/server-side-diff`);
      expect(nothing.body).toEqual({ items: [], modified: false });
      const targetsOnly = await call(sim, `/api/v1/applications/${name}/server-side-diff?targetManifests=${encodeURIComponent('{"kind":"ConfigMap"}')}`);
      expect(targetsOnly.status).toBe(500);
      expect(targetsOnly.body.message).toContain('mismatched lengths');
    } finally {
      await sim.close();
    }
  });

  it('--release starts a standalone simulator impersonating that release', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../src/main.ts'), '--release', 'v2.4.28', '--app-count', '2'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let err = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL on stderr: ${err}`)), 30_000);
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /impersonating Argo CD v2\.4\.28\) listening on (http:\/\/\S+)/.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      expect(((await (await fetch(`${url}/api/version`)).json()) as { Version: string }).Version).toBe('v2.4.28+sim');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
