/**
 * Selection ⇄ allowlist. The console edits a set of tool names; the file holds `readOnly`, `allow` and `deny`.
 * Encoding prefers what a reviewer can read: whole toolsets and exact tool names, a deny list where it is shorter,
 * `readOnly: true` when only reads are chosen. The result is checked against the real allowlist compiler and falls
 * back to exact names if it ever disagrees.
 */
import type { CatalogueTool } from '../catalogue/types.ts';
import type { AllowlistConfig } from '../config/load-config.ts';
import { compileAllowlist } from '../policy/allowlist.ts';
import { WORKFLOW_REQUIRES } from './console-tools.ts';

export interface AllowlistEntries {
  readOnly: boolean;
  allow: string[];
  deny: string[];
}

/**
 * The tools a configuration exposes: the allowlist, then the `toolsets` setting, then a workflow only where the tools
 * it calls are exposed (as the gateway applies them).
 */
export function exposedNames(args: { allowlist: AllowlistConfig; toolsets?: string[]; tools: CatalogueTool[] }): string[] {
  const compiled = compileAllowlist(args.allowlist);
  const passed = args.tools.filter((t) => !compiled.refusal(t) && (!args.toolsets || args.toolsets.includes(t.toolset))).map((t) => t.name);
  const open = new Set(passed);
  return passed.filter((name) => (WORKFLOW_REQUIRES.get(name) ?? []).every((r) => open.has(r)));
}

interface Encoding {
  allow: string[];
  deny: string[];
}

const size = (e: Encoding) => e.allow.length + e.deny.length;

/** Per toolset: the whole toolset, its chosen names, or the toolset minus the rest, whichever is shortest. */
function encodeByToolset(groups: Map<string, { all: string[]; chosen: string[] }>): Encoding {
  const out: Encoding = { allow: [], deny: [] };
  for (const [toolset, { all, chosen }] of groups) {
    if (!chosen.length) continue;
    if (chosen.length === all.length) out.allow.push(toolset);
    else if (1 + all.length - chosen.length < chosen.length) {
      out.allow.push(toolset);
      out.deny.push(...all.filter((n) => !chosen.includes(n)));
    } else out.allow.push(...chosen);
  }
  return out;
}

/** Everything (`*`) minus whole toolsets and single tools. */
function encodeByDenying(groups: Map<string, { all: string[]; chosen: string[] }>): Encoding {
  const out: Encoding = { allow: ['*'], deny: [] };
  for (const [toolset, { all, chosen }] of groups) {
    if (chosen.length === all.length) continue;
    if (!chosen.length) out.deny.push(toolset);
    else out.deny.push(...all.filter((n) => !chosen.includes(n)));
  }
  return out;
}

/** The shortest readable allowlist that exposes exactly `selected` from `tools`. */
export function selectionToAllowlist(selected: Iterable<string>, tools: CatalogueTool[]): AllowlistEntries {
  const chosen = new Set(selected);
  const unknown = [...chosen].filter((n) => !tools.some((t) => t.name === n));
  if (unknown.length) throw new Error(`unknown tool ${unknown.map((n) => `"${n}"`).join(', ')}`);
  const readOnly = chosen.size === 0 || tools.every((t) => !chosen.has(t.name) || t.annotations.readOnlyHint);
  // In read-only mode the write tools are out anyway, so they need neither allowing nor denying.
  const universe = tools.filter((t) => !readOnly || t.annotations.readOnlyHint);
  const groups = new Map<string, { all: string[]; chosen: string[] }>();
  for (const t of universe) {
    const g = groups.get(t.toolset) ?? { all: [], chosen: [] };
    g.all.push(t.name);
    if (chosen.has(t.name)) g.chosen.push(t.name);
    groups.set(t.toolset, g);
  }
  const byToolset = encodeByToolset(groups);
  const byDenying = encodeByDenying(groups);
  const best = size(byDenying) < size(byToolset) ? byDenying : byToolset;
  const candidate = { readOnly, ...best };
  const config: AllowlistConfig = { ...candidate, source: 'config' };
  const exposed = exposedNames({ allowlist: config, tools });
  const exact = exposed.length === chosen.size && exposed.every((n) => chosen.has(n));
  if (exact) return candidate;
  // A toolset entry also matches a tool name, operationId or tag spelled the same; never trust it blindly.
  return { readOnly, allow: tools.filter((t) => chosen.has(t.name)).map((t) => t.name), deny: [] };
}
