/** Reads the generated catalogue once, on first use (not at start-up: `initialize` must stay fast). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.ts';
import type { Catalogue, ValidationCatalogue } from './types.ts';

let catalogue: Catalogue | undefined;
let validation: ValidationCatalogue | undefined;
let directory: string | undefined;

/** The files every catalogue directory holds. */
export const CATALOGUE_FILES = ['tools.gen.json', 'validation.gen.json'] as const;

/**
 * Serves a catalogue generated for another Argo CD release (`argocd-mcp-gateway generate --out DIR`) instead of the
 * one shipped in generated/. Set once, at start-up, before anything reads the catalogue.
 */
export function useCatalogueDir(dir: string | undefined): void {
  if (dir === directory) return;
  directory = dir;
  catalogue = undefined;
  validation = undefined;
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(directory ?? path.join(packageRoot(), 'generated'), name), 'utf8')) as T;
}

/** generated/tools.gen.json: every tool's public face and request binding. */
export function loadCatalogue(): Catalogue {
  catalogue ??= readJson<Catalogue>('tools.gen.json');
  return catalogue;
}

/**
 * The catalogue in `dir` (undefined: the shipped one) without making it the one served: for checking a configuration
 * before the composition chooses it with useCatalogueDir.
 */
export function peekCatalogue(dir: string | undefined): Catalogue {
  if (dir === directory) return loadCatalogue();
  return JSON.parse(readFileSync(path.join(dir ?? path.join(packageRoot(), 'generated'), 'tools.gen.json'), 'utf8')) as Catalogue;
}

/** generated/validation.gen.json: the full-depth input schemas, read at the first tool call. */
export function loadValidationCatalogue(): ValidationCatalogue {
  validation ??= readJson<ValidationCatalogue>('validation.gen.json');
  return validation;
}
