/**
 * What stateless HTTP cannot do, told to the client: over Streamable HTTP with the real SDK client against the
 * simulator, a stateless gateway's `initialize` instructions say it cannot elicit and sends nothing outside a call,
 * and a destructive call from a client that declares elicitation still answers with the `confirm` it needs (no
 * elicitation request, which no later request could answer). A gateway with sessions says none of this.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, httpGateway, startSimulator, textOf } from './harness.ts';
import type { HttpGateway, Simulator } from './harness.ts';

describe('stateless HTTP', () => {
  let sim: Simulator;
  let stateless: HttpGateway;
  let sessions: HttpGateway;
  beforeAll(async () => {
    sim = await startSimulator();
    const env = baseEnv(sim, { ARGOCD_MCP_READ_ONLY: 'false' });
    [stateless, sessions] = await Promise.all([httpGateway({ ...env, ARGOCD_MCP_STATELESS: 'true' }), httpGateway(env)]);
  });
  afterAll(async () => {
    await stateless?.close();
    await sessions?.close();
    await sim?.close();
  });

  it('says in initialize what it cannot do; a gateway with sessions does not', async () => {
    const client = await stateless.connect();
    expect(client.getInstructions()).toMatch(/This gateway is stateless \(HTTP without sessions\), so it cannot ask the user anything: a call that needs the user's confirmation is refused/);
    expect(client.getInstructions()).toMatch(/Nothing arrives outside a call's own answer/);
    expect((await sessions.connect()).getInstructions()).not.toMatch(/stateless/);
  });

  it('refuses a destructive call even when the client declares elicitation, naming no value that would confirm it', async () => {
    const client = new Client({ name: 'e2e-elicit', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    let asked = 0;
    client.setRequestHandler(ElicitRequestSchema, async () => {
      asked += 1;
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(stateless.url)));
    try {
      const before = sim.requests.filter((r) => r.method === 'DELETE').length;
      const result = (await client.callTool({ name: 'application_delete', arguments: { name: 'guestbook' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/cannot ask them/);
      expect(textOf(result)).not.toMatch(/confirm: "|cfm_/);
      expect(asked).toBe(0);
      expect(sim.requests.filter((r) => r.method === 'DELETE').length).toBe(before);
    } finally {
      await client.close();
    }
  });
});
