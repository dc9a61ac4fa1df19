/** `tsx codegen/cli.ts [--spec FILE|URL] [--out DIR] [--release vX.Y.Z] [--check]`: the generator's front door. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../src/package-root.ts';
import { generate, generateFiles } from './generate.ts';
import { loadSpec } from './load/load-spec.ts';

interface SpecLock {
  release: string;
  file: string;
  sha256: string;
}

/** spec/argocd.yaml: which release the committed generated/ is built from. */
export async function readSpecLock(): Promise<SpecLock> {
  const root = packageRoot();
  const lock = parseYaml(await readFile(path.join(root, 'spec', 'argocd.yaml'), 'utf8')) as SpecLock;
  return { ...lock, file: path.resolve(root, lock.file) };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const lock = await readSpecLock();
  const spec = flag(argv, '--spec') ?? lock.file;
  const out = path.resolve(flag(argv, '--out') ?? path.join(packageRoot(), 'generated'));
  const release = flag(argv, '--release') ?? (spec === lock.file ? lock.release : undefined);
  if (spec === lock.file) {
    const { sha256 } = await loadSpec(spec);
    if (sha256 !== lock.sha256) {
      process.stderr.write(`${spec} has sha256 ${sha256}, but spec/argocd.yaml records ${lock.sha256}: update the record if the release changed\n`);
      return 1;
    }
  }
  if (argv.includes('--check')) {
    const files = await generateFiles({ spec, release });
    const stale: string[] = [];
    for (const f of files) {
      const current = await readFile(path.join(out, f.name), 'utf8').catch(() => '');
      if (current !== f.contents) stale.push(f.name);
    }
    if (stale.length) {
      process.stderr.write(`generated/ is stale (${stale.join(', ')}): run \`make generate\` and commit the result\n`);
      return 1;
    }
    process.stderr.write('generated/ is up to date\n');
    return 0;
  }
  const written = await generate({ spec, release, out });
  process.stderr.write(`generated ${written.length} files in ${path.relative(process.cwd(), out) || '.'} from ${spec}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`generate: ${err.message}\n`);
    process.exit(1);
  },
);
