/**
 * Dynamic mode's toolset: a few meta-tools (search, describe, call, enable a toolset) advertised instead of every
 * operation. A call through call_tool is an ordinary gateway call, so the allowlist, read-only mode and validation
 * apply exactly as to direct calls; enable_toolset adds a toolset's tools to this session's list.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext, Gateway } from '../gateway/gateway.ts';
import { textResult } from '../gateway/gateway.ts';
import { searchTools } from './tool-search.ts';

function metaTools(toolsets: string[]): Tool[] {
  return [
    {
      name: 'search_tools',
      title: 'Search Argo CD tools',
      description: 'Find Argo CD tools by words (e.g. "sync application", "pod logs", "cluster credentials"). Returns tool names with one-line descriptions, best first.',
      inputSchema: {
        type: 'object',
        properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 50, description: 'Default 10.' } },
        required: ['query'],
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: 'describe_tool',
      title: 'Describe an Argo CD tool',
      description: "One tool's description, annotations and input schema, to call it with call_tool.",
      inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: 'call_tool',
      title: 'Call an Argo CD tool',
      description: 'Runs a tool found with search_tools, with its arguments as describe_tool shows them.',
      inputSchema: {
        type: 'object',
        // A JSON text, not an object: a free-form object is what OpenAI strict mode and Gemini's `parameters` refuse.
        // An object is accepted too.
        properties: { name: { type: 'string' }, arguments: { type: 'string', description: 'The arguments as a JSON object, e.g. {"name":"guestbook"}.' } },
        required: ['name'],
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    {
      name: 'enable_toolset',
      title: 'Enable an Argo CD toolset',
      description: 'Adds every tool of a toolset to this session\'s tool list (the client is notified).',
      inputSchema: { type: 'object', properties: { toolset: { type: 'string', enum: toolsets } }, required: ['toolset'] },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
  ];
}

/** call_tool's `arguments`: a JSON object text (as advertised) or an object; absent, null or empty is none. */
function callArguments(value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (value === undefined || value === null || value === '') return { ok: true, value: {} };
  if (typeof value !== 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch (err) {
    return { ok: false, error: `call_tool's \`arguments\` is not valid JSON (${(err as Error).message}). Pass a JSON object, e.g. {"name":"guestbook"}.` };
  }
}

function toolLine(t: Tool): string {
  const kind = t.annotations?.readOnlyHint ? 'read' : t.annotations?.destructiveHint ? 'destructive' : 'write';
  return `${t.name} [${kind}]: ${t.description}`;
}

export interface MetaToolset {
  /** The meta-tools, then the tools of the toolsets this session enabled. */
  list(): Promise<Tool[]>;
  /** Runs a meta-tool; undefined when `name` is not one (the caller runs it as an enabled toolset's tool). */
  call(name: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallToolResult | undefined>;
}

/** One session's meta-tools; `toolListChanged` tells the client its tool list grew. */
export function createMetaToolset(gateway: Gateway, toolListChanged: () => Promise<void>): MetaToolset {
  const enabled = new Set<string>();

  const list = async (): Promise<Tool[]> => {
    const all = await gateway.listTools();
    const exposed = await gateway.exposed();
    const toolsets = [...new Set(exposed.map((t) => t.toolset))].sort();
    const names = new Set(exposed.filter((t) => enabled.has(t.toolset)).map((t) => t.name));
    return [...metaTools(toolsets), ...all.filter((t) => names.has(t.name))];
  };

  const call = async (name: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallToolResult | undefined> => {
    switch (name) {
      case 'search_tools': {
        const exposed = await gateway.exposed();
        const hits = searchTools(exposed, String(args.query ?? ''), Number(args.limit ?? 10));
        const byName = new Map((await gateway.listTools()).map((t) => [t.name, t]));
        if (!hits.length) return textResult(`No tool matches "${String(args.query)}". Toolsets: ${[...new Set(exposed.map((t) => t.toolset))].join(', ')}.`);
        return textResult(hits.map((h) => toolLine(byName.get(h.tool.name)!)).join('\n'));
      }
      case 'describe_tool': {
        const tool = (await gateway.listTools()).find((t) => t.name === args.name);
        if (!tool) return textResult(`No tool "${String(args.name)}" on this gateway; search with search_tools.`, true);
        return textResult(JSON.stringify({ name: tool.name, description: tool.description, annotations: tool.annotations, inputSchema: tool.inputSchema }));
      }
      case 'call_tool':
        if (typeof args.name !== 'string') return textResult('call_tool needs `name` (from search_tools).', true);
        if (args.name === 'call_tool') return textResult('call_tool cannot call itself.', true);
        const callArgs = callArguments(args.arguments);
        if (!callArgs.ok) return textResult(callArgs.error, true);
        return gateway.callTool(args.name, callArgs.value, ctx);
      case 'enable_toolset': {
        const toolset = String(args.toolset ?? '');
        const tools = (await gateway.exposed()).filter((t) => t.toolset === toolset);
        if (!tools.length) return textResult(`No toolset "${toolset}" with exposed tools on this gateway.`, true);
        if (!enabled.has(toolset)) {
          enabled.add(toolset);
          await toolListChanged();
        }
        return textResult(`Enabled ${toolset}: ${tools.map((t) => t.name).join(', ')}.`);
      }
      default:
        return undefined;
    }
  };

  return { list, call };
}
