/**
 * The MCP face of the gateway: a low-level SDK Server whose tools come from the generated catalogue.
 * In `dynamic` mode it advertises the meta-tools of meta-tools.ts instead of every operation.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolRequest, CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext, Gateway } from '../gateway/gateway.ts';
import { createMetaToolset } from './meta-tools.ts';
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

/**
 * One validator for every Server: the SDK would otherwise build a new Ajv instance per Server (per session, and per
 * request in stateless HTTP, where it was the largest cost of a request). It only checks elicitation answers.
 */
let sharedValidator: AjvJsonSchemaValidator | undefined;

/** The pause between a call's last progress notification and its result. */
const PROGRESS_GAP_MS = 5;

/** A new MCP Server bound to the shared gateway (cheap: one per stdio process or HTTP session). */
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

  // Dynamic mode: the meta-tools instead of every operation (src/mcp/meta-tools.ts).
  const meta = dynamic ? createMetaToolset(gateway, () => server.sendToolListChanged()) : undefined;
  const listed = (): Promise<Tool[]> => (meta ? meta.list() : gateway.listTools());

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
    handler: (request: CallToolRequest, extra: CallExtra) => Promise<CallToolResult>,
  ) => void;
  setCallToolHandler.call(server, CallToolRequestSchema, async (request, extra) => {
    const progressToken = request.params._meta?.progressToken;
    /** Progress notifications of this call not yet handed to the transport. */
    const progressSent: Array<Promise<unknown>> = [];
    const ctx = callContextOf(server, request, extra, progressSent);
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    const answer = async (callCtx: CallContext): Promise<CallToolResult> => {
      const result = (meta ? await meta.call(request.params.name, args, callCtx) : undefined) ?? (await gateway.callTool(request.params.name, args, callCtx));
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

type CallExtra = Parameters<Parameters<Server['setRequestHandler']>[1]>[1];

/** What a call carries from its MCP request: who calls, how to reach their user, its signal and progress. */
function callContextOf(server: Server, request: CallToolRequest, extra: CallExtra, progressSent: Array<Promise<unknown>>): CallContext {
  const progressToken = request.params._meta?.progressToken;
  const client = server.getClientVersion();
  const canElicit = !!server.getClientCapabilities()?.elicitation;
  const authExtra = extra.authInfo?.extra as { subject?: string } | undefined;
  return {
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
}
