/**
 * The chart through the real helm binary (helm v4, put in .tools/ by scripts/fetch-helm.sh; or $HELM): `helm
 * template` for the manifests, `helm install --dry-run=client` for NOTES.txt, `helm lint --strict`. Values go in as
 * a JSON file (YAML is a superset). A template's `fail` comes back as a TemplateError carrying helm's message.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const HELM = process.env.HELM ?? path.join(ROOT, '.tools/helm/helm');
export const hasHelm = existsSync(HELM);

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export interface RenderArgs {
  chartDir: string;
  values: Record<string, unknown>;
  release?: { name?: string; namespace?: string };
}

export interface Manifest {
  /** The template it came from, e.g. templates/deployment.yaml. */
  file: string;
  doc: Record<string, unknown>;
}

const valuesFile = (values: Record<string, unknown>) => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'helm-values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
};

function helm(args: string[]): string {
  try {
    return execFileSync(HELM, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: os.tmpdir(), HELM_CACHE_HOME: os.tmpdir() } });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new TemplateError(`${e.stderr || e.stdout || e.message}`.trim());
  }
}

const releaseArgs = (args: RenderArgs) => [args.release?.name ?? 'release-name', args.chartDir, '--namespace', args.release?.namespace ?? 'default', '-f', valuesFile(args.values)];

/** `helm template`: each rendered manifest, parsed, with the template it came from. */
export function renderChart(args: RenderArgs): { manifests: Manifest[] } {
  const out = helm(['template', ...releaseArgs(args)]);
  const manifests: Manifest[] = [];
  for (const part of out.split(/^---$/m)) {
    const source = /^# Source: [^/]+\/(.+)$/m.exec(part);
    if (!source) continue;
    const docs = parseAllDocuments(part);
    for (const d of docs) {
      if (d.errors.length) throw new Error(`${source[1]}: ${d.errors[0].message}`);
      const doc = d.toJS() as Record<string, unknown> | null;
      if (doc) manifests.push({ file: source[1], doc });
    }
  }
  return { manifests };
}

/** NOTES.txt as `helm install` prints it (a client-side dry run: no cluster). */
export function renderNotes(args: RenderArgs): string {
  const out = helm(['install', ...releaseArgs(args), '--dry-run=client']);
  const at = out.indexOf('\nNOTES:\n');
  return at < 0 ? '' : out.slice(at + '\nNOTES:\n'.length);
}

/** `helm lint --strict` with these values; returns its output, throws TemplateError when it fails. */
export function lintChart(args: Omit<RenderArgs, 'release'>): string {
  return helm(['lint', '--strict', args.chartDir, '-f', valuesFile(args.values)]);
}
