/**
 * The catalogue as the console shows it: every tool grouped by toolset, with its badges and what it costs an
 * agent in `tools/list` (o200k tokens of the tool's JSON exactly as MCP advertises it).
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { loadCatalogue } from '../catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import { createLogger } from '../log.ts';
import { compileAllowlist } from '../runtime/allowlist.ts';
import { createGateway } from '../runtime/gateway.ts';

export interface ToolRow {
  name: string;
  title: string;
  toolset: string;
  method: string;
  path: string;
  readOnly: boolean;
  destructive: boolean;
  /** o200k tokens of this tool's entry in `tools/list`. */
  tokens: number;
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
    for (const t of catalogue.tools) tools.push(toRow(t, await countTokens(JSON.stringify(faces.get(t.name)))));
    const groups: ToolGroup[] = [];
    for (const row of tools) {
      const group = groups.find((g) => g.toolset === row.toolset) ?? groups[groups.push({ toolset: row.toolset, tools: [] }) - 1];
      group.tools.push(row);
    }
    return { release: catalogue.release, groups, tools };
  })();
  return cached;
}

function toRow(t: CatalogueTool, tokens: number): ToolRow {
  return {
    name: t.name,
    title: t.title,
    toolset: t.toolset,
    method: t.request.method,
    path: t.request.path,
    readOnly: t.annotations.readOnlyHint,
    destructive: t.annotations.destructiveHint,
    tokens,
  };
}
