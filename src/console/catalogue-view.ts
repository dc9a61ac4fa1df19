/**
 * The catalogue as the console shows it: every tool grouped by toolset, with its badges and what it costs an
 * agent in `tools/list` (o200k tokens of the tool's JSON exactly as MCP advertises it).
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { loadCatalogue } from '../catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import { createLogger } from '../log.ts';
import { compileAllowlist } from '../policy/allowlist.ts';
import { createGateway } from '../gateway/gateway.ts';
import { WORKFLOWS } from '../workflows/index.ts';
import { WORKFLOW_REQUIRES, consoleTools } from './console-tools.ts';

export interface ToolRow {
  name: string;
  title: string;
  toolset: string;
  method: string;
  path: string;
  /** The description's first sentence: what the tool does, in words (the title is only the operation's name). */
  summary: string;
  readOnly: boolean;
  destructive: boolean;
  /** o200k tokens of this tool's entry in `tools/list`. */
  tokens: number;
  /** For a workflow: the tools it calls, without which the gateway does not list it. */
  requires?: string[];
}

export interface ToolGroup {
  toolset: string;
  tools: ToolRow[];
}

export interface CatalogueView {
  release: string;
  groups: ToolGroup[];
  /** Every tool in catalogue order. */
  tools: ToolRow[];
}

type CountTokens = (text: string) => number;
let counter: Promise<CountTokens> | undefined;

/** o200k_base token count; the encoder is loaded on first use (it is large). */
export async function countTokens(text: string): Promise<number> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => m.countTokens as CountTokens);
  return (await counter)(text);
}

/** Every tool's MCP face, from the gateway itself so the console counts exactly what an agent is sent. */
export async function advertisedTools(): Promise<Tool[]> {
  const gateway = createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
    logger: createLogger('silent'),
    adaptToServer: false,
    composites: WORKFLOWS,
  });
  return gateway.listTools();
}

let cached: Promise<CatalogueView> | undefined;

/** The grouped catalogue with token costs (computed once per process). */
export function catalogueView(): Promise<CatalogueView> {
  cached ??= (async () => {
    const catalogue = loadCatalogue();
    const faces = new Map((await advertisedTools()).map((t) => [t.name, t]));
    const tools: ToolRow[] = [];
    for (const t of consoleTools()) tools.push(toRow(t, await countTokens(JSON.stringify(faces.get(t.name)))));
    const groups: ToolGroup[] = [];
    for (const row of tools) {
      const group = groups.find((g) => g.toolset === row.toolset) ?? groups[groups.push({ toolset: row.toolset, tools: [] }) - 1];
      group.tools.push(row);
    }
    return { release: catalogue.release, groups, tools };
  })();
  return cached;
}

/** The first sentence of a description, without the `METHOD /path` the catalogue appends. */
export function summaryOf(description: string): string {
  const text = description.replace(/\s+(GET|POST|PUT|PATCH|DELETE) \/\S*\s*$/, '').trim();
  const end = text.search(/\.(\s|$)/);
  return end > 0 ? text.slice(0, end + 1) : text;
}

function toRow(t: CatalogueTool, tokens: number): ToolRow {
  return {
    name: t.name,
    title: t.title,
    toolset: t.toolset,
    method: t.request.method,
    path: t.request.path,
    summary: summaryOf(t.description),
    requires: WORKFLOW_REQUIRES.has(t.name) ? [...WORKFLOW_REQUIRES.get(t.name)!] : undefined,
    readOnly: t.annotations.readOnlyHint,
    destructive: !!t.annotations.destructiveHint,
    tokens,
  };
}
