/**
 * The generator is a pure function of its inputs: two runs give byte-identical files, and those equal the committed
 * generated/ (the staleness check of `make check-generated`, as a test).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../codegen/emit/emit.ts';
import { generateFiles } from '../../codegen/generate.ts';
import { loadSpec } from '../../codegen/load/load-spec.ts';
import { SWAGGER_DIR, specPath } from './release-specs.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GENERATED = path.join(ROOT, 'generated');
const FIX = 'run make generate (npm run generate) and commit generated/';

/** spec/argocd.yaml: the release generated/ is built from. */
const lock = parseYaml(readFileSync(path.join(ROOT, 'spec', 'argocd.yaml'), 'utf8')) as { release: string; file: string; sha256: string };
const specFile = path.resolve(ROOT, lock.file);

/** The first line where two texts differ, to make a stale file's message useful. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, n) => line !== y[n]);
  const at = i < 0 ? Math.min(x.length, y.length) : i;
  return `line ${at + 1}: committed ${JSON.stringify((x[at] ?? '<end>').slice(0, 120))}, generated ${JSON.stringify((y[at] ?? '<end>').slice(0, 120))}`;
}

describe(`generated/ from ${lock.release}`, () => {
  let first: GeneratedFile[];
  let second: GeneratedFile[];

  beforeAll(async () => {
    expect(specFile, `spec/argocd.yaml should name ${lock.release}'s file in ${SWAGGER_DIR}`).toBe(path.join(SWAGGER_DIR, `${lock.release}.json`));
    specPath(lock.release); // a clear message when ../shared/argocd-swagger is absent
    first = await generateFiles({ spec: specFile, release: lock.release });
    second = await generateFiles({ spec: specFile, release: lock.release });
  });

  it('spec/argocd.yaml records the checksum of the spec file it names', async () => {
    expect((await loadSpec(specFile)).sha256, `${lock.file} changed: update spec/argocd.yaml, then ${FIX}`).toBe(lock.sha256);
  });

  it('two runs give byte-identical files', () => {
    expect(second.map((f) => f.name)).toEqual(first.map((f) => f.name));
    const differing = first.filter((f, i) => f.contents !== second[i].contents).map((f) => f.name);
    expect(differing, 'the generator is not deterministic for these files').toEqual([]);
  });

  it('the committed generated/ is exactly what the generator writes', () => {
    const committed = readdirSync(GENERATED).filter((f) => /\.gen\./.test(f)).sort();
    expect(committed, `generated/ holds other *.gen.* files than the generator writes: ${FIX}`).toEqual(first.map((f) => f.name).sort());
    const stale = first.flatMap((f) => {
      const current = readFileSync(path.join(GENERATED, f.name), 'utf8');
      return current === f.contents ? [] : [`${f.name} (${firstDifference(current, f.contents)})`];
    });
    expect(stale, `generated/ is stale: ${FIX}`).toEqual([]);
  });

  it('the banner names the release and checksum and says how to regenerate', () => {
    for (const f of first) {
      expect(f.contents, f.name).toContain(`Generated from Argo CD ${lock.release} swagger.json (sha256 ${lock.sha256})`);
      expect(f.contents, f.name).toContain('run `make generate`');
    }
  });
});
