/**
 * What `npm install` of the packed tarball gets: the files package.json publishes and its production dependencies,
 * nothing that runs at install time, and a `generate` that says what to add instead of failing on an import.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATOR_PACKAGES, missingGeneratorPackages } from '../../src/generator-packages.ts';
import { linkProductionDependencies } from '../helpers/production-deps.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** Runs the CLI to its end; never rejects for a non-zero exit. */
const cli = (app: string, args: string[]) =>
  run(process.execPath, [path.join(app, 'dist/cli.js'), ...args], { cwd: os.tmpdir(), env: { PATH: process.env.PATH } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('the published package', () => {
  let app: string;
  let linked: string[];
  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
    app = mkdtempSync(path.join(os.tmpdir(), 'packed-'));
    for (const file of files) {
      mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(app, file));
    }
    linked = linkProductionDependencies(ROOT, app);
  });

  it('runs nothing at install time: the build is prepack, not prepare', () => {
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[hook], hook).toBeUndefined();
    expect(pkg.scripts.prepack).toMatch(/scripts\/build\.mjs/);
  });

  it('installs what dist/ loads at run time and nothing bundled into it twice', () => {
    // dist/ bundles every dependency except yaml (loaded on demand by src/config/yaml.ts) and the generator's.
    expect(Object.keys(pkg.dependencies)).toEqual(['yaml']);
    expect(linked).toEqual(['yaml']);
  });

  it("declares the generator's packages as optional peers, with the ranges generate asks for", () => {
    expect(pkg.peerDependencies).toEqual(GENERATOR_PACKAGES);
    for (const name of Object.keys(GENERATOR_PACKAGES)) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(pkg.devDependencies[name], name).toBe(GENERATOR_PACKAGES[name]);
    }
  });

  it('reads a config file and lists tools with the production dependencies alone', async () => {
    const config = path.join(app, 'gateway.yaml');
    writeFileSync(config, 'readOnly: false\nallow: [applications, "GET *"]\n');
    const r = await cli(app, ['list-tools', '--json', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { exposed: string[] }).exposed).toContain('application_sync');
  });

  it('generate without its packages says which to install and how, and exits 2', async () => {
    const r = await cli(app, ['generate', '--spec', path.join(app, 'nothing.json'), '--out', path.join(app, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/generate needs openapi-typescript, typescript, swagger2openapi, handlebars, which are not installed/);
    expect(r.stderr).toContain('npm install -g openapi-typescript@^7.13.0 typescript@^5.9.3 swagger2openapi@^7.0.8 handlebars@^4.7.10');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('in the development install, every generator package resolves', () => {
    expect(missingGeneratorPackages()).toEqual([]);
  });
});
