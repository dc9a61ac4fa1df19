/**
 * The Dockerfile, checked without building it (image.test.ts runs the image that buildah builds): its stages and runtime
 * settings, the build context that .dockerignore leaves, that the runtime stage's files (what `npm pack` publishes)
 * plus production dependencies are enough to run, and that the image's command serves HTTP and insists on inbound
 * auth when bound beyond loopback.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import { listeningUrl } from '../e2e/harness.ts';
import { linkProductionDependencies } from '../helpers/production-deps.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Stage {
  name: string;
  from: string;
  lines: Array<{ op: string; args: string }>;
}

/** Dockerfile → stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of joined) {
    const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line)!;
    const upper = op.toUpperCase();
    if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!;
      stages.push({ name: m[2] ?? String(stages.length), from: m[1].replace(/\$\{(\w+)\}/g, (_, a: string) => args[a] ?? ''), lines: [] });
    } else if (upper === 'ARG' && !stages.length) {
      const [k, v] = rest.split('=');
      args[k] = v ?? '';
    } else stages.at(-1)!.lines.push({ op: upper, args: rest });
  }
  return { args, stages };
}

/** Docker's exclusion rule for the patterns this .dockerignore uses: a match on a path or any of its parents. */
function dockerignored(patterns: string[], file: string): boolean {
  const toRegex = (p: string) =>
    p
      .split('**/')
      .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
      .join('(?:.*/)?');
  const regexes = patterns.map((p) => new RegExp(`^${toRegex(p)}$`));
  const parts = file.split('/');
  return parts.some((_, i) => regexes.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
}

function gitFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return tracked.split('\n').filter(Boolean);
}

let packed: string[] | undefined;

/** What `npm pack` puts in the package (and so in the image's /app): package.json "files". */
function packedFiles(): string[] {
  if (packed) return packed;
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  packed = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  return packed;
}

describe('the Dockerfile', () => {
  const { stages } = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = stages.at(-1)!;
  const ops = (stage: Stage, op: string) => stage.lines.filter((l) => l.op === op).map((l) => l.args);

  it('builds in one stage, installs production dependencies in another, and runs from a third', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    // A Node.js LTS line still in support: 22 or 24 (20 left support in April 2026).
    expect(stages.every((s) => /^node:(22|24)[-.]/.test(s.from)), stages.map((s) => s.from).join(', ')).toBe(true);
    expect(ops(stages[0], 'RUN').join(' ')).toMatch(/npm ci .*&& |npm ci/);
    expect(ops(stages[0], 'RUN').join(' ')).toContain('scripts/build.mjs');
    expect(ops(stages[1], 'RUN').join(' ')).toContain('npm ci --omit=dev --ignore-scripts');
    const copies = ops(runtime, 'COPY');
    expect(copies).toEqual(['--from=deps --chown=0:0 /app/node_modules ./node_modules', '--from=build --chown=0:0 /pkg/ ./']);
  });

  it('runs as a non-root user by number, with nothing of npm left, serving HTTP on 0.0.0.0:8080', () => {
    expect(ops(runtime, 'USER')).toEqual(['1000:1000']);
    const userAt = runtime.lines.findIndex((l) => l.op === 'USER');
    expect(runtime.lines.slice(userAt).some((l) => l.op === 'RUN')).toBe(false);
    expect(ops(runtime, 'RUN').join(' ')).toContain('rm -rf /usr/local/lib/node_modules/npm');
    expect(ops(runtime, 'EXPOSE')).toEqual(['8080']);
    expect(JSON.parse(ops(runtime, 'ENTRYPOINT')[0])).toEqual(['node', '/app/dist/cli.js']);
    const cmd = JSON.parse(ops(runtime, 'CMD')[0]) as string[];
    expect(cmd).toEqual(['serve', '--transport', 'http', '--host', '0.0.0.0', '--port', '8080']);
    const help = execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'serve', '--help'], { encoding: 'utf8' });
    for (const flag of cmd.filter((a) => a.startsWith('--'))) expect(help).toContain(`${flag} `);
  });

  it('leaves in the build context what the build needs, and nothing it does not', () => {
    const patterns = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const context = gitFiles().filter((f) => !dockerignored(patterns, f));
    for (const need of ['package.json', 'package-lock.json', 'scripts/build.mjs', 'src/cli.ts', 'codegen/generate.ts', 'generated/tools.gen.json', 'generated/validation.gen.json', 'spec/argocd.yaml', 'README.md', 'tsconfig.json', 'packages/argocd-simulator/package.json', 'packages/argocd-simulator/src/index.ts']) {
      expect(context, need).toContain(need);
    }
    for (const f of context) expect(f, f).not.toMatch(/^(test|docs|deploy|dist|\.git|node_modules|\.ci)\//);
    expect(dockerignored(patterns, 'node_modules/yaml/package.json')).toBe(true);
    expect(dockerignored(patterns, 'codegen/node_modules/x.js')).toBe(true);
  });
});

describe('the runtime stage', () => {
  it('ships dist, generated, spec and the generator templates (package.json "files"), and no sources or tests', () => {
    const files = packedFiles();
    for (const need of ['package.json', 'dist/cli.js', 'generated/tools.gen.json', 'generated/validation.gen.json', 'spec/argocd.yaml', 'codegen/emit/templates/banner.hbs']) {
      expect(files, need).toContain(need);
    }
    // `generate` runs from the bundle and reads only its templates from codegen/.
    const sources = files.filter((f) => /^(test|scripts)\//.test(f) || (f.startsWith('codegen/') && !f.endsWith('.hbs')) || (f.startsWith('src/') && f.endsWith('.ts')));
    expect(sources).toEqual([]);
  });

  it('needs no module beyond node and the production dependencies (except the generator, not used at run time)', async () => {
    const buildScript = readFileSync(path.join(ROOT, 'scripts/build.mjs'), 'utf8');
    const external = JSON.parse(/external:\s*(\[[^\]]*\])/.exec(buildScript)![1].replace(/'/g, '"')) as string[];
    const result = await build({
      entryPoints: { cli: path.join(ROOT, 'src/cli.ts') },
      outdir: mkdtempSync(path.join(os.tmpdir(), 'bundle-')),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const deps = new Set(Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: object }).dependencies));
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const pkgName = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      const generatorOnly = Object.keys(output.inputs).every((i) => i.startsWith('codegen/') || i.includes('node_modules/'));
      for (const imp of output.imports.filter((i) => i.external)) {
        if (builtins.has(imp.path) || deps.has(pkgName(imp.path))) continue;
        expect(generatorOnly && ['openapi-typescript', 'swagger2openapi', 'handlebars'].includes(imp.path), `${file} imports ${imp.path}`).toBe(true);
      }
    }
  });

  it('serves MCP over HTTP from the packed files and the production dependencies alone, from any working directory', async () => {
    const app = mkdtempSync(path.join(os.tmpdir(), 'image-app-'));
    for (const file of packedFiles()) {
      mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(app, file));
    }
    linkProductionDependencies(ROOT, app);
    const sim = await startSimulator({ appCount: 2 });
    // The image's environment, on loopback instead of 0.0.0.0 (tests stay on 127.0.0.1).
    const child = execFile(process.execPath, [path.join(app, 'dist/cli.js'), 'serve', '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], {
      cwd: '/',
      env: { PATH: process.env.PATH, NODE_ENV: 'production', TMPDIR: '/tmp', ARGOCD_MCP_TRANSPORT: 'http', ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.readonly, ARGOCD_MCP_LOG_LEVEL: 'info' },
    });
    try {
      const { url } = await listeningUrl(child);
      const health = await fetch(url.replace(/\/mcp$/, '/healthz'));
      expect(health.status).toBe(200);
      const client = new Client({ name: 'image-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const result = await client.callTool({ name: 'application_list', arguments: {} });
      expect(result.isError).toBeFalsy();
      await client.close();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await sim.close();
    }
  });

  it("the image's command refuses to serve 0.0.0.0 without inbound auth, and says how to fix it", async () => {
    const error = await run(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'serve', '--transport', 'http', '--host', '0.0.0.0', '--port', '8080'], {
      env: { PATH: process.env.PATH, ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 'token-123456' },
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain('needs inbound auth');
    expect(error?.stderr).toContain('--allow-unauthenticated');
  });
});
