/**
 * Writing the allowlist back to the config file. Edits go through the `yaml` Document API, so comments, key order
 * and keys the console does not manage survive; the result is re-read with the real `loadConfig` before anything
 * is written, the previous file is kept as FILE.bak, and a file changed on disk since the diff was shown is not
 * overwritten.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Document, isScalar, isSeq, parseDocument } from 'yaml';
import type { YAMLSeq } from 'yaml';
import type { CatalogueTool } from '../catalogue/types.ts';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { AllowlistError } from '../policy/allowlist.ts';
import { exposedNames } from './encode-allowlist.ts';
import type { AllowlistEntries } from './encode-allowlist.ts';
import { unifiedDiff } from './line-diff.ts';

export interface ConfigPatch extends AllowlistEntries {
  mode?: 'static' | 'dynamic';
  /** A list sets `toolsets:`; null removes it (all toolsets); undefined leaves it as it is. */
  toolsets?: string[] | null;
  url?: string;
  tokenFile?: string;
}

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

const HEADER = [
  ' argocd-mcp-gateway configuration: which Argo CD tools an agent gets (see README, "The allowlist file").',
  ' Written by `argocd-mcp-gateway console`; hand edits and comments are kept when it saves again.',
].join('\n');

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Sets a scalar in place when one is there, so an inline comment after the value survives. */
function setScalar(doc: Document, key: string, value: string | boolean): void {
  const node = doc.get(key, true);
  if (isScalar(node)) node.value = value;
  else doc.set(key, value);
}

/** Sets a list, keeping the items (and their comments) that stay; block style once it is more than a few. */
function setList(doc: Document, key: string, values: string[]): void {
  const node = doc.get(key, true);
  if (isSeq(node)) {
    const seq = node as YAMLSeq;
    const seen = new Set<string>();
    seq.items = seq.items.filter((item) => {
      const v = isScalar(item) ? String(item.value) : undefined;
      if (v === undefined || !values.includes(v) || seen.has(v)) return false;
      seen.add(v);
      return true;
    });
    for (const v of values) if (!seen.has(v)) seq.items.push(doc.createNode(v));
    if (values.length > 3) seq.flow = false;
    if (!values.length) seq.flow = true;
    return;
  }
  const seq = doc.createNode(values) as YAMLSeq;
  seq.flow = values.length <= 3;
  doc.set(key, seq);
}

/** The config text with the patch applied (a new file when `text` is empty). */
export function applyConfigPatch(text: string, patch: ConfigPatch): string {
  const doc = text.trim() ? parseDocument(text) : new Document({});
  if (doc.errors.length) throw new ConfigFileError(`the file is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  if (doc.contents === null || doc.contents === undefined) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  if (!text.trim()) doc.commentBefore = HEADER;
  setScalar(doc, 'readOnly', patch.readOnly);
  setList(doc, 'allow', patch.allow);
  if (patch.deny.length || doc.has('deny')) setList(doc, 'deny', patch.deny);
  if (patch.mode && (patch.mode !== 'static' || doc.has('mode'))) setScalar(doc, 'mode', patch.mode);
  if (patch.toolsets === null) doc.delete('toolsets');
  else if (patch.toolsets) setList(doc, 'toolsets', patch.toolsets);
  if (patch.url) {
    if (doc.has('server') && !doc.has('url')) setScalar(doc, 'server', patch.url);
    else setScalar(doc, 'url', patch.url);
  }
  if (patch.tokenFile) setScalar(doc, 'tokenFile', patch.tokenFile);
  return doc.toString({ lineWidth: 0 });
}

export interface SavePlan {
  file: string;
  exists: boolean;
  before: string;
  after: string;
  /** Unified diff; empty when nothing would change. */
  diff: string;
  /** sha256 of `before`: the write is refused if the file no longer has it. */
  baseHash: string;
  /** The tools the new file exposes, as `loadConfig` and the allowlist compiler read it. */
  exposed: string[];
}

/** Loads `text` with the gateway's own config loader; throws ConfigFileError naming every problem. */
export function validateConfigText(text: string, tools: CatalogueTool[]): { exposed: string[] } {
  const tmp = path.join(os.tmpdir(), `argocd-mcp-console-${randomBytes(6).toString('hex')}.yaml`);
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    const config = loadConfig({ flags: { config: tmp }, env: {}, argocdOptional: true });
    return { exposed: exposedNames({ allowlist: config.allowlist, toolsets: config.toolsets, tools }) };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof AllowlistError) {
      throw new ConfigFileError(`the new file would not load: ${err.message.replaceAll(path.basename(tmp), 'the file')}`);
    }
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** What saving would write, and the diff to show first. Nothing is written. */
export function planSave(args: { file: string; patch: ConfigPatch; tools: CatalogueTool[] }): SavePlan {
  const exists = existsSync(args.file);
  const before = exists ? readFileSync(args.file, 'utf8') : '';
  let after: string;
  try {
    after = applyConfigPatch(before, args.patch);
  } catch (err) {
    throw new ConfigFileError(`cannot update ${args.file}: ${(err as Error).message}`);
  }
  const { exposed } = validateConfigText(after, args.tools);
  const diff = unifiedDiff({ before, after, fromLabel: exists ? args.file : '/dev/null', toLabel: args.file });
  return { file: args.file, exists, before, after, diff, baseHash: hash(before), exposed };
}

/** Writes a planned save: FILE.bak first (when there was a file), then the new text, atomically. */
export function writeSave(args: { file: string; after: string; baseHash: string }): { backup?: string } {
  const exists = existsSync(args.file);
  const current = exists ? readFileSync(args.file, 'utf8') : '';
  if (hash(current) !== args.baseHash) {
    throw new ConfigFileError(`${args.file} changed on disk since the diff was shown; review the changes again before saving`);
  }
  let backup: string | undefined;
  const mode = exists ? statSync(args.file).mode & 0o777 : 0o644;
  if (exists) {
    backup = `${args.file}.bak`;
    copyFileSync(args.file, backup);
  }
  const tmp = `${args.file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, args.after, { mode });
  renameSync(tmp, args.file);
  return { backup };
}
