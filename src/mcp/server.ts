/**
 * The MCP face of the gateway: a low-level SDK Server whose tools come from the generated catalogue.
 * In `dynamic` mode it advertises a few meta-tools (search, describe, call, enable a toolset) instead of every
 * operation; the allowlist, read-only mode and validation apply exactly as to direct calls.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolRequest, CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext, Gateway } from '../gateway/gateway.ts';
import { textResult } from '../gateway/gateway.ts';
import { searchTools } from './tool-search.ts';
import { registerPrompts } from './prompts.ts';
import { SERVER_NAME, SERVER_TITLE, serverCapabilities, serverInstructions } from './server-info.ts';
import type { Mode } from './server-info.ts';
import { registerResources } from './resources.ts';
import { forwardNotices } from './logging.ts';
import { registerCompletions } from './completions.ts';
import { startTask, taskStore, taskSupportOf } from './tasks.ts';
import { applicationOf, linkSupport, withApplicationLink } from './resource-links.ts';

export { SERVER_NAME };
export type { Mode };

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

/** A new MCP Server bound to the shared gateway (cheap: one per stdio process or HTTP session). */
/**
 * One validator for every Server: the SDK would otherwise build a new Ajv instance per Server (per session, and per
 * request in stateless HTTP, where it was the largest cost of a request). It only checks elicitation answers.
 */
let sharedValidator: AjvJsonSchemaValidator | undefined;

/** The pause between a call's last progress notification and its result. */
const PROGRESS_GAP_MS = 5;

export function createMcpServer(gateway: Gateway, version: string, mode: Mode = 'static', options: { stateless?: boolean } = {}): Server {
  const dynamic = mode === 'dynamic';
  sharedValidator ??= new AjvJsonSchemaValidator();
  const server = new Server(
    { name: SERVER_NAME, title: SERVER_TITLE, version },
    { capabilities: serverCapabilities(mode), instructions: serverInstructions(mode, options), jsonSchemaValidator: sharedValidator, taskStore: taskStore() },
  );
  registerResources(server, gateway);
  registerPrompts(server);
  forwardNotices(server, gateway);
  registerCompletions(server, gateway, (extra) => {
    const subject = (extra.authInfo?.extra as { subject?: string } | undefined)?.subject;
    return { user: subject ? { subject, accessToken: extra.authInfo?.token || undefined } : undefined };
  });
  const canLink = linkSupport(server);
  const sessionClosed = new AbortController();
  const closed = server.onclose;
  server.onclose = () => {
    closed?.();
    sessionClosed.abort(new Error('the session ended'));
  };
  const enabled = new Set<string>();

  const listed = async (): Promise<Tool[]> => {
    if (!dynamic) return gateway.listTools();
    const all = await gateway.listTools();
    const exposed = await gateway.exposed();
    const toolsets = [...new Set(exposed.map((t) => t.toolset))].sort();
    const names = new Set(exposed.filter((t) => enabled.has(t.toolset)).map((t) => t.name));
    return [...metaTools(toolsets), ...all.filter((t) => names.has(t.name))];
  };

  const callMeta = async (name: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallToolResult | undefined> => {
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
          await server.sendToolListChanged();
        }
        return textResult(`Enabled ${toolset}: ${tools.map((t) => t.name).join(', ')}.`);
      }
      default:
        return undefined;
    }
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await listed() }));
  /**
   * tools/call is registered as every other method is (its request checked against the schema), not through the
   * Server's own override, which checks the request a second time, then the whole result, and answers zod's copy
   * of it: the result's structured content would lose the JSON text made for it (raw-json.ts) and be serialized
   * again. The gateway builds its results itself, in the schema's shape (test/mcp-server.test.ts checks them).
   */
  const setCallToolHandler = Protocol.prototype.setRequestHandler as (
    this: Server,
    schema: typeof CallToolRequestSchema,
    handler: (request: CallToolRequest, extra: Parameters<Parameters<Server['setRequestHandler']>[1]>[1]) => Promise<CallToolResult>,
  ) => void;
  setCallToolHandler.call(server, CallToolRequestSchema, async (request, extra) => {
    const progressToken = request.params._meta?.progressToken;
    /** Progress notifications of this call not yet handed to the transport. */
    const progressSent: Array<Promise<unknown>> = [];
    const client = server.getClientVersion();
    const canElicit = !!server.getClientCapabilities()?.elicitation;
    const authExtra = extra.authInfo?.extra as { subject?: string } | undefined;
    const ctx: CallContext = {
      user: authExtra?.subject ? { subject: authExtra.subject, accessToken: extra.authInfo?.token || undefined } : undefined,
      // URL mode elicitation (MCP 2025-11-25): the client shows the link and the user opens it in a browser.
      openUrl: server.getClientCapabilities()?.elicitation?.url
        ? async ({ message, url, id }) => {
            const answer = await server.elicitInput({ mode: 'url', message, url, elicitationId: id });
            return { action: answer.action, complete: () => server.createElicitationCompletionNotifier(id)() };
          }
        : undefined,
      askUser: canElicit
        ? async (message) => {
            const answer = await server.elicitInput({
              message,
              requestedSchema: {
                type: 'object',
                properties: { confirm: { type: 'boolean', title: 'Proceed', description: 'Yes to let Argo CD do this.' } },
                required: ['confirm'],
              },
            });
            if (answer.action !== 'accept') return answer.action;
            return answer.content?.confirm === true ? 'accept' : 'decline';
          }
        : undefined,
      who: (extra.authInfo?.clientId as string | undefined) ?? (client ? `${client.name}/${client.version}` : undefined),
      clientName: client?.name,
      requestId: String(extra.requestId),
      signal: extra.signal,
      progressToken,
      sendProgress:
        progressToken === undefined
          ? undefined
          : (p) => {
              const sent = extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...p } });
              progressSent.push(sent.catch(() => undefined));
              return sent;
            },
    };
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    const answer = async (callCtx: CallContext): Promise<CallToolResult> => {
      const result = (dynamic ? await callMeta(request.params.name, args, callCtx) : undefined) ?? (await gateway.callTool(request.params.name, args, callCtx));
      if (result.isError || !canLink(extra.requestInfo?.headers)) return result;
      const tool = (await gateway.exposed()).find((t) => t.name === request.params.name);
      const app = tool && applicationOf(tool, args);
      return app ? withApplicationLink(result, app) : result;
    };
    if (request.params.task) {
      if (dynamic || !taskSupportOf(request.params.name) || !extra.taskStore) {
        throw new McpError(ErrorCode.MethodNotFound, `${request.params.name} does not run as a task; call it without \`task\`.`);
      }
      // The call outlives this request: its progress goes out on its own, its signal is the task's (tasks/cancel).
      const sendProgress: CallContext['sendProgress'] =
        progressToken === undefined ? undefined : (p) => server.notification({ method: 'notifications/progress', params: { progressToken, ...p } });
      const created = await startTask({
        requests: extra.taskStore,
        requestedTtl: extra.taskRequestedTtl,
        sessionClosed: sessionClosed.signal,
        run: (signal) => answer({ ...ctx, signal, sendProgress }),
      });
      return created as unknown as CallToolResult;
    }
    const result = await answer(ctx);
    // Progress goes out before the result, and not in the same read: a client drops progress for a request it has
    // already seen answered, and the SDK's client handles a notification a microtask later than a response that came
    // in the same chunk (so it would find the request answered). A moment's pause lets the client read them apart.
    if (progressSent.length) {
      await Promise.all(progressSent);
      await new Promise((resolve) => setTimeout(resolve, PROGRESS_GAP_MS));
    }
    return result;
  });
  return server;
}
