/**
 * The house in the direction of a call (docs/architecture.md): src/ folders are layers, each importing only the ones
 * below it; no import cycles between files; no file over 400 lines, no function over 80. Measured from the code's
 * own imports and syntax, so a change that breaks the layout fails here with the file and line that does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

/**
 * The layers, top first. A file may import its own layer and any layer below it. Keep this in step with the
 * drawing in docs/architecture.md.
 */
export const LAYERS: string[][] = [
  ['cli.ts'],
  ['console'],
  ['serve.ts', 'commands.ts', 'demo.ts'],
  ['compose'],
  ['transports'],
  ['mcp'],
  ['workflows'],
  ['gateway'],
  ['fleet'],
  ['policy'],
  ['argocd'],
  ['shaping', 'query'],
  ['config'],
  ['catalogue', 'credentials', 'log.ts', 'redact.ts', 'json-patch.ts', 'package-root.ts', 'generator-packages.ts', 'heap-tuning.ts'],
];

/** Imports that run up a layer on purpose, each with its reason (at most two). */
const UP_IMPORTS_ALLOWED: Record<string, string> = {};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'static' ? [] : sources(full);
    return /\.(ts|mjs)$/.test(e.name) ? [full] : [];
  });
}

const files = sources(SRC);
const rel = (f: string) => path.relative(SRC, f);
const layerOf = (f: string): number => {
  const top = rel(f).split(path.sep)[0];
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer; add it to LAYERS in test/architecture/layers.test.ts and to docs/architecture.md`);
  return i;
};

/** Relative imports of a file that resolve inside src/ (type-only imports count: they tie the layers too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n]*?(?:from\s*)?['"](\.{1,2}\/[^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)]
    .map((m) => path.resolve(path.dirname(file), m[1]))
    .filter((target) => target.startsWith(SRC + path.sep));
}

function longFunctions(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = (node as ts.FunctionLikeDeclaration).name?.getText(sf) ?? '(anonymous)';
      if (end - start + 1 > MAX_FUNCTION_LINES) found.push(`${path.relative(ROOT, file)}:${start + 1} ${name} (${end - start + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('the layout of src/', () => {
  it('puts every file in a layer', () => {
    for (const f of files) expect(() => layerOf(f), rel(f)).not.toThrow();
  });

  it('imports only downward (or sideways within a layer), apart from the explained exceptions', () => {
    const up = files.flatMap((f) =>
      importsOf(f)
        .filter((t) => layerOf(t) < layerOf(f))
        .map((t) => `src/${rel(f)} -> src/${rel(t)}`),
    );
    expect(up.filter((u) => !(u in UP_IMPORTS_ALLOWED))).toEqual([]);
    expect(Object.keys(UP_IMPORTS_ALLOWED).length).toBeLessThanOrEqual(2);
  });

  it('has no import cycle between files', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map((x) => `src/${rel(x)}`).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files.map((f) => ({ f, n: readFileSync(f, 'utf8').split('\n').length })).filter((x) => x.n > MAX_FILE_LINES);
    expect(long.map((x) => `src/${rel(x.f)} (${x.n} lines)`)).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')))).toEqual([]);
  });
});

describe('the generator and the scripts', () => {
  const others = [...sources(path.join(ROOT, 'codegen')), ...sources(path.join(ROOT, 'scripts'))];

  it(`have no file over ${MAX_FILE_LINES} lines and no function over ${MAX_FUNCTION_LINES}`, () => {
    const long = others.map((f) => ({ f, n: readFileSync(f, 'utf8').split('\n').length })).filter((x) => x.n > MAX_FILE_LINES);
    expect(long.map((x) => `${path.relative(ROOT, x.f)} (${x.n} lines)`)).toEqual([]);
    expect(others.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')))).toEqual([]);
  });
});
