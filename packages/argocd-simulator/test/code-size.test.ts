/** The simulator stays readable: no source file over 400 lines, no function over 80. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every function-like node longer than the limit, as "file:line name (N lines)". */
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

describe('the simulator package', () => {
  const files = [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'test'))];

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files.map((f) => ({ f, n: readFileSync(f, 'utf8').split('\n').length })).filter((x) => x.n > MAX_FILE_LINES);
    expect(long.map((x) => `${path.relative(ROOT, x.f)} (${x.n} lines)`)).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')))).toEqual([]);
  });

  it("imports nothing from the gateway's src/: every relative import stays inside the package", () => {
    const outside = files.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)]
        .map((m) => path.resolve(path.dirname(f), m[1]))
        .filter((target) => path.relative(ROOT, target).startsWith('..'))
        .map((target) => `${path.relative(ROOT, f)} imports ${path.relative(ROOT, target)}`),
    );
    expect(outside).toEqual([]);
  });
});
