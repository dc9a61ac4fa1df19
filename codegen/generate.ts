/** The pipeline: load → patch → IR → emit → write. */
import path from 'node:path';
import { packageRoot } from '../src/package-root.ts';
import { specToIr } from './ir/build-ir.ts';
import type { SwaggerDocument } from './ir/build-ir.ts';
import type { IrSpec } from './ir/types.ts';
import { emitAll } from './emit/emit.ts';
import type { GeneratedFile } from './emit/emit.ts';
import { applyPatches, loadOverrides, loadSpec, releaseFromName } from './load/load-spec.ts';
import { toOpenApi3 } from './load/to-openapi3.ts';
import { writeGenerated } from './write.ts';

export interface GenerateOptions {
  /** A swagger.json file, its URL, or an argocd-server base URL. */
  spec: string;
  /** Release label for the banner; taken from the file name (v3.5.1.json) when absent. */
  release?: string;
}

async function prepare(options: GenerateOptions): Promise<{ ir: IrSpec; doc: SwaggerDocument }> {
  const loaded = await loadSpec(options.spec);
  const overrides = await loadOverrides(path.join(packageRoot(), 'spec'));
  const doc = applyPatches(loaded.doc, overrides.patches);
  const release = options.release ?? releaseFromName(options.spec) ?? 'unknown';
  const ir = specToIr(doc, { release, sha256: loaded.sha256, patches: overrides.patches, hints: overrides.hints });
  return { ir, doc };
}

/** Loads a spec and builds its IR, without emitting. */
export async function buildIr(options: GenerateOptions): Promise<IrSpec> {
  return (await prepare(options)).ir;
}

/** Runs the pipeline and returns the files it would write. */
export async function generateFiles(options: GenerateOptions): Promise<GeneratedFile[]> {
  const { ir, doc } = await prepare(options);
  return emitAll(ir, await toOpenApi3(doc));
}

/** Runs the pipeline and writes generated/. */
export async function generate(options: GenerateOptions & { out: string }): Promise<string[]> {
  return writeGenerated(options.out, await generateFiles(options));
}
