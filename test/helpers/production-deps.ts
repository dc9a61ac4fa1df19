/**
 * A node_modules holding only what `npm install` of the packed tarball brings: package.json's `dependencies` and
 * theirs, linked from the development install (hoisted, as npm lays it out), so a test can prove the published
 * files need nothing else.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const dependenciesOf = (dir: string): string[] =>
  Object.keys((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {});

/** Links `root`'s production dependencies, transitively, into `target`/node_modules; returns their names. */
export function linkProductionDependencies(root: string, target: string): string[] {
  const linked = new Set<string>();
  const visit = (name: string) => {
    if (linked.has(name)) return;
    const source = path.join(root, 'node_modules', name);
    if (!existsSync(source)) throw new Error(`${name} is a production dependency but is not installed in ${root}/node_modules`);
    linked.add(name);
    const dest = path.join(target, 'node_modules', name);
    mkdirSync(path.dirname(dest), { recursive: true });
    symlinkSync(source, dest, 'dir');
    for (const dep of dependenciesOf(source)) visit(dep);
  };
  for (const dep of dependenciesOf(root)) visit(dep);
  return [...linked];
}
