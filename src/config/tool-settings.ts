/**
 * The settings of what the gateway exposes and how: the allowlist, the catalogue and its toolsets, the mode, result
 * caps, scope, confirmation and GitOps checks.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CATALOGUE_FILES, peekCatalogue } from '../catalogue/load-catalogue.ts';
import { resolveToolsets } from '../catalogue/toolsets.ts';
import { parseBool, stringList } from './read.ts';
import type { AllowlistConfig, Source } from './read.ts';
import { sourceOf } from './sources.ts';
import type { ReadContext } from './sources.ts';
import { defaultOf, settingValue } from './values.ts';
import type { SettingKey, Settings } from './settings.ts';
import type { ValueOf } from './setting-types.ts';

export interface ToolSettings {
  allowlist: AllowlistConfig;
  catalogueDir?: string;
  toolsets?: string[];
  mode: ValueOf<Settings['mode']>;
  maxResultTokens?: number;
  rawResults: boolean;
  adaptToServer: boolean;
  auditFile?: string;
  scope: { projects?: string[]; namespaces?: string[]; clusters?: string[] };
  confirm: ValueOf<Settings['confirm']>;
  confirmFallback: ValueOf<Settings['confirmFallback']>;
  /** GitOps checks before writes to applications (src/policy/gitops/): always set by loadConfig. */
  gitopsChecks?: ValueOf<Settings['gitopsChecks']>;
}

/** The allowlist: read-only with every tool when nothing configures it; any of its settings makes it `config`. */
export function readAllowlist(ctx: ReadContext): AllowlistConfig {
  const list = (source: Source | undefined): string[] | undefined => {
    if (!source) return undefined;
    const l = stringList(source.value);
    if (!l) ctx.issues.push({ setting: source.from, message: 'must be a list of entries (tool names, globs, tags, or "METHOD /path")' });
    return l;
  };
  const allowSource = sourceOf(ctx, 'allow');
  const denySource = sourceOf(ctx, 'deny');
  const readOnlySource = sourceOf(ctx, 'readOnly');
  const configured = !!(allowSource || denySource || readOnlySource);
  let readOnly = !configured;
  if (readOnlySource) {
    const b = parseBool(readOnlySource.value);
    if (b === undefined) ctx.issues.push({ setting: readOnlySource.from, message: `"${String(readOnlySource.value)}" must be true or false` });
    else readOnly = b;
  }
  return { readOnly, allow: list(allowSource) ?? defaultOf('allow'), deny: list(denySource) ?? defaultOf('deny'), source: configured ? 'config' : 'default' };
}

/** A catalogue directory that holds every catalogue file. */
function readCatalogueDir(ctx: ReadContext): string | undefined {
  const source = sourceOf(ctx, 'catalogueDir');
  if (!source) return undefined;
  const dir = path.resolve(String(source.value));
  const missing = CATALOGUE_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (!missing.length) return dir;
  ctx.issues.push({ setting: source.from, message: `${dir} has no ${missing.join(' or ')}; create it with \`argocd-mcp-gateway generate --spec <swagger.json> --out ${dir}\`` });
  return undefined;
}

/** Toolset names, expanded (`default`, `all`) and checked against the chosen catalogue's toolsets. */
function readToolsets(ctx: ReadContext, catalogueDir: string | undefined): string[] | undefined {
  const source = sourceOf(ctx, 'toolsets');
  if (!source) return undefined;
  const names = stringList(source.value);
  if (!names) {
    ctx.issues.push({ setting: source.from, message: 'must be a list of toolset names' });
    return undefined;
  }
  // The catalogue's toolsets, plus the composite `workflows` (src/workflows).
  const available = [...new Set([...peekCatalogue(catalogueDir).tools.map((t) => t.toolset), 'workflows'])].sort();
  const resolved = resolveToolsets(names, available);
  if (resolved.unknown.length) {
    ctx.issues.push({ setting: source.from, message: `unknown toolset ${resolved.unknown.map((u) => `"${u}"`).join(', ')}; known: ${available.join(', ')}, plus "default" and "all"` });
  }
  return resolved.toolsets;
}

/** `projects`, `namespaces`, `clusters`: what applications and writes are confined to. */
function readScope(ctx: ReadContext): ToolSettings['scope'] {
  const scope: ToolSettings['scope'] = {};
  for (const key of ['projects', 'namespaces', 'clusters'] as const satisfies SettingKey[]) {
    const list = settingValue(ctx, key);
    if (list) scope[key] = list;
  }
  return scope;
}

/** Reads and validates the tool settings; problems are pushed to ctx.issues. */
export function readToolSettings(ctx: ReadContext): ToolSettings {
  const allowlist = readAllowlist(ctx);
  const catalogueDir = readCatalogueDir(ctx);
  return {
    allowlist,
    catalogueDir,
    toolsets: readToolsets(ctx, catalogueDir),
    mode: settingValue(ctx, 'mode'),
    maxResultTokens: settingValue(ctx, 'maxResultTokens'),
    rawResults: settingValue(ctx, 'rawResults'),
    adaptToServer: settingValue(ctx, 'adaptToServer'),
    auditFile: settingValue(ctx, 'auditFile'),
    scope: readScope(ctx),
    confirm: settingValue(ctx, 'confirm'),
    confirmFallback: settingValue(ctx, 'confirmFallback'),
    gitopsChecks: settingValue(ctx, 'gitopsChecks'),
  };
}
