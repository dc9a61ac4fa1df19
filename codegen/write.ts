/** The generator's only file writer: replaces generated/ with exactly the emitted files. */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GeneratedFile } from './emit/emit.ts';

/** Writes the files into `outDir` and removes any stale `*.gen.*` file left from an earlier run. */
export async function writeGenerated(outDir: string, files: GeneratedFile[]): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const keep = new Set(files.map((f) => f.name));
  for (const entry of await readdir(outDir)) {
    if (/\.gen\./.test(entry) && !keep.has(entry)) await rm(path.join(outDir, entry));
  }
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(outDir, file.name);
    await writeFile(target, file.contents);
    written.push(target);
  }
  return written;
}
