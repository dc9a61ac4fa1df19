/** Reads a Swagger 2.0 swagger.json from a file, a URL, or a live argocd-server, and the spec/ overrides. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { SpecPatches, SwaggerDocument } from '../ir/build-ir.ts';
import { SpecError } from '../ir/build-ir.ts';
import type { JsonSchema } from '../ir/types.ts';
import type { Hint } from '../ir/schema.ts';

export interface LoadedSpec {
  doc: SwaggerDocument;
  /** sha256 of the bytes as read, before patches. */
  sha256: string;
  /** Where it came from, for messages. */
  source: string;
}

/** `https://argocd.example.com` (a server) → `https://argocd.example.com/swagger.json`; file paths stay. */
export function specLocation(spec: string): { kind: 'url' | 'file'; location: string } {
  if (/^https?:\/\//i.test(spec)) {
    const url = new URL(spec);
    if (!url.pathname.endsWith('.json')) url.pathname = `${url.pathname.replace(/\/$/, '')}/swagger.json`;
    return { kind: 'url', location: url.toString() };
  }
  return { kind: 'file', location: spec };
}

/** Loads and parses a swagger.json; every failure names the source and what to do. */
export async function loadSpec(spec: string): Promise<LoadedSpec> {
  const { kind, location } = specLocation(spec);
  let text: string;
  if (kind === 'url') {
    let res: Response;
    try {
      res = await fetch(location, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new SpecError(`cannot fetch ${location}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new SpecError(`cannot fetch ${location}: HTTP ${res.status} (argocd-server serves it at <server>[/rootpath]/swagger.json)`);
    text = await res.text();
  } else {
    try {
      text = await readFile(location, 'utf8');
    } catch (err) {
      throw new SpecError(`cannot read spec file ${location}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let doc: SwaggerDocument;
  try {
    doc = JSON.parse(text) as SwaggerDocument;
  } catch (err) {
    throw new SpecError(`${location} is not JSON: ${(err as Error).message}`);
  }
  if (!doc || doc.swagger !== '2.0' || typeof doc.paths !== 'object') {
    throw new SpecError(`${location} is not a Swagger 2.0 document (argocd-server's swagger.json has "swagger": "2.0")`);
  }
  return { doc, sha256: createHash('sha256').update(text).digest('hex'), source: location };
}

/** `.../v3.5.1.json` → `v3.5.1`; undefined when the name carries no release. */
export function releaseFromName(spec: string): string | undefined {
  const m = /(v\d+\.\d+\.\d+[^/]*?)(\.json)?$/.exec(spec.replace(/\/swagger\.json$/, ''));
  return m?.[1];
}

export interface SpecOverrides {
  patches: SpecPatches & { definitions: Record<string, { schema: JsonSchema }> };
  hints: Record<string, Hint>;
}

/** Reads spec/patches.yaml and spec/hints.yaml from the package. */
export async function loadOverrides(specDir: string): Promise<SpecOverrides> {
  const read = async (name: string) => parseYaml(await readFile(path.join(specDir, name), 'utf8')) as Record<string, unknown>;
  const patches = await read('patches.yaml');
  const hints = await read('hints.yaml');
  return {
    patches: {
      definitions: (patches.definitions ?? {}) as Record<string, { schema: JsonSchema }>,
      stringBodies: (patches.stringBodies ?? {}) as Record<string, { arg: string }>,
      bodyArgNames: (patches.bodyArgNames ?? {}) as Record<string, string>,
      serverFields: (patches.serverFields ?? {}) as Record<string, { prefix: string }>,
      summaries: (patches.summaries ?? {}) as Record<string, { text: string }>,
    },
    hints: Object.fromEntries(Object.entries(hints ?? {}).map(([k, v]) => [k, typeof v === 'string' ? { summary: v } : (v as Hint)])),
  };
}

/** Replaces the definitions that spec/patches.yaml corrects; returns a new document. */
export function applyPatches(doc: SwaggerDocument, patches: SpecOverrides['patches']): SwaggerDocument {
  const definitions = { ...(doc.definitions ?? {}) };
  for (const [name, patch] of Object.entries(patches.definitions)) {
    if (name in definitions) definitions[name] = { ...patch.schema };
  }
  return { ...doc, definitions };
}
