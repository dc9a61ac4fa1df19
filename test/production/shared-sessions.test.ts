/**
 * Sessions across replicas (with Redis): two gateway processes behind a "load balancer" without affinity (the
 * client's own fetch, routing each request), a real redis-server, the real SDK client. A session started on A is
 * taken over by B with the client's capabilities (B confirms a delete by elicitation, as A would), and a client's
 * answer to A's elicitation that reaches B is passed on to A.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { startGateway, textOf } from './harness.ts';
import type { Gateway } from './harness.ts';
import { redisAvailable, startRedis } from './redis.ts';
import type { RedisServer } from './redis.ts';

// Skipped only on a developer machine without redis-server; CI installs it, so there a missing one fails.
const skip = !redisAvailable() && !process.env.CI;

let sim: Simulator;
let redis: RedisServer;
let a: Gateway;
let b: Gateway;

beforeAll(async () => {
  if (skip) return;
  [sim, redis] = await Promise.all([startSimulator({}), startRedis()]);
  const start = () =>
    startGateway({ env: { ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_REDIS: redis.url, ARGOCD_MCP_RATE_LIMIT: 'off', ARGOCD_MCP_ALLOW: '*', ARGOCD_MCP_READ_ONLY: 'false' } });
  [a, b] = await Promise.all([start(), start()]);
});
afterAll(async () => {
  await Promise.all([a, b].map((g) => g?.stop('SIGKILL').catch(() => undefined)));
  await Promise.all([sim?.close(), redis?.stop()]);
});

/** A client that declares elicitation and accepts every confirmation, its requests routed by `route`. */
async function elicitingClient(route: (body: string, method: string) => Gateway): Promise<{ client: Client; asked: string[]; seen: string[] }> {
  const asked: string[] = [];
  const seen: string[] = [];
  const client = new Client({ name: 'behind-a-balancer', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(String(request.params.message));
    return { action: 'accept', content: { confirm: true } };
  });
  const transport = new StreamableHTTPClientTransport(new URL(a.url), {
    fetch: async (_input, init) => {
      const method = init?.method ?? 'GET';
      const body = typeof init?.body === 'string' ? init.body : '';
      const to = route(body, method);
      seen.push(`${method} ${to === a ? 'A' : 'B'} ${body.slice(0, 60)}`);
      return fetch(to.url, init);
    },
  });
  await client.connect(transport);
  return { client, asked, seen };
}

const deletes = (name: string) => sim.requests.filter((r) => r.method === 'DELETE' && r.path === `/api/v1/applications/${name}`).length;

describe.skipIf(skip)('sessions across replicas', () => {
  it("B takes over a session A started, with the client's capabilities: it confirms a delete by elicitation", async () => {
    // initialize on A; everything after it on B.
    const { client, asked } = await elicitingClient((body) => (body.includes('"initialize"') ? a : b));
    try {
      const result = (await client.callTool({ name: 'application_delete', arguments: { name: 'image-resizer' } })) as CallToolResult;
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/image-resizer/);
      expect(deletes('image-resizer')).toBe(1);
      await b.waitForLog((l) => l.msg === 'took over a session another replica started');
    } finally {
      await client.close();
    }
  });

  it("the client's answer to A's elicitation reaches A through B", async () => {
    // Requests go to A; the client's answers (JSON-RPC responses, no method) go to B.
    const { client, asked, seen } = await elicitingClient((body) => (body && !body.includes('"method"') ? b : a));
    try {
      const result = (await client.callTool({ name: 'application_delete', arguments: { name: 'sitemap-generator' } })) as CallToolResult;
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(asked).toHaveLength(1);
      expect(seen.some((s) => s.startsWith('POST B'))).toBe(true);
      expect(deletes('sitemap-generator')).toBe(1);
      // A ran the delete: its audit line (logged asynchronously, so waited for, not looked up at once).
      await a.waitForLog((l) => (l.audit as { tool?: string; outcome?: string } | undefined)?.tool === 'application_delete' && (l.audit as { outcome?: string }).outcome === 'ok', 15_000);
    } finally {
      await client.close();
    }
  });

  it("another subject cannot take a session over (it is not found)", async () => {
    const { client } = await elicitingClient((body) => (body.includes('"initialize"') ? a : b));
    const id = (client.transport as StreamableHTTPClientTransport).sessionId!;
    // No inbound auth here, so every caller is anonymous: a made-up id is what another caller could try.
    const res = await fetch(b.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': `${id.slice(0, -4)}0000`, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(404);
    await client.close();
  });
});
