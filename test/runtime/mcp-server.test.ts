/** The tools/call results the MCP server answers: in the schema's shape, and carrying the JSON made for them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer } from '../../src/mcp/server.ts';
import { rememberedJson, serializeMessage } from '../../src/shaping/raw-json.ts';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { gatewayFor } from '../helpers/gateway.ts';

let sim: Simulator;
let client: Client;
/** What the server handed its transport, by request id. */
const answers = new Map<string | number, JSONRPCMessage>();

beforeAll(async () => {
  sim = await startSimulator();
  const server = createMcpServer(gatewayFor(sim.url, { token: sim.tokens.admin }), '0.0.0-test');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const send = serverSide.send.bind(serverSide);
  serverSide.send = (message, options) => {
    if ('id' in message && 'result' in message) answers.set(message.id, message);
    return send(message, options);
  };
  await server.connect(serverSide);
  client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
  await client.connect(clientSide);
});
afterAll(async () => {
  await client?.close();
  await sim?.close();
});

/** Calls a tool and returns the result message exactly as the server's transport received it. */
async function callRaw(name: string, args: Record<string, unknown>): Promise<{ result: Record<string, unknown> }> {
  const before = new Set(answers.keys());
  await client.callTool({ name, arguments: args });
  const id = [...answers.keys()].find((k) => !before.has(k));
  return answers.get(id!) as unknown as { result: Record<string, unknown> };
}

describe('tools/call results', () => {
  it('hand the transport the structured content whose JSON was made when the result was capped', async () => {
    const message = await callRaw('application_get', { name: 'guestbook' });
    const structured = message.result.structuredContent as object;
    expect(structured).toMatchObject({ metadata: { name: 'guestbook' } });
    expect(rememberedJson(structured)).toBe(JSON.stringify(structured));
    expect(serializeMessage(message as unknown as JSONRPCMessage)).toBe(JSON.stringify(message));
  });

  it('are in the shape CallToolResultSchema requires, for answers, errors and refusals alike', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      ['application_get', { name: 'guestbook' }],
      ['application_list', {}],
      ['application_get', { name: 'no-such-app' }],
      ['application_get', {}],
      ['no_such_tool', {}],
    ];
    for (const [name, args] of calls) {
      const { result } = await callRaw(name, args);
      expect(CallToolResultSchema.safeParse(result).success, `${name} ${JSON.stringify(args)}`).toBe(true);
    }
  });
});
