/**
 * Result budgets follow the client that connected: the gateway over stdio, the real SDK client introducing itself
 * with the clientInfo of Claude Code and of GitHub Copilot CLI, against the simulator. A raw application list (far
 * over every budget) is cut at an item boundary, within that host's limit, with a note that names the limit and says
 * how to narrow; an operator's maxResultTokens overrides the client's budget.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, startSimulator, stdioGateway } from './harness.ts';
import type { Simulator, StdioGateway } from './harness.ts';

const CLAUDE_CODE = { name: 'claude-code', version: '2.1.80' };
const COPILOT_CLI = { name: 'github-copilot-developer', version: '0.0.353' };

/** Every text item of a result, as a host concatenates them for its model. */
const allText = (r: CallToolResult) => r.content.map((c) => (c as { text?: string }).text ?? '').join('\n');

describe('result budgets by client', () => {
  let sim: Simulator;
  const gateways: StdioGateway[] = [];
  const connect = async (info: { name: string; version: string }, extra: Record<string, string> = {}) => {
    const gw = await stdioGateway(baseEnv(sim, extra), [], { info });
    gateways.push(gw);
    return gw.client;
  };
  const rawList = async (client: Awaited<ReturnType<typeof connect>>) =>
    (await client.callTool({ name: 'application_list', arguments: { raw: true } })) as CallToolResult;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await sim?.close();
  });

  it("Claude Code: cut to 20,000 o200k tokens (its 25,000-token MAX_MCP_OUTPUT_TOKENS), the note naming Claude Code's limit", async () => {
    const result = await rawList(await connect(CLAUDE_CODE));
    expect(result.isError).toBeFalsy();
    const [body, note] = result.content.map((c) => (c as { text: string }).text);
    expect(countTokens(allText(result))).toBeLessThanOrEqual(20_000);
    expect(countTokens(body)).toBeGreaterThan(10_000); // cut near the budget, not far below it
    expect(note).toMatch(/^Truncated to stay within 20000 tokens \(Claude Code's limit for a tool result\): \d+ of \d+ items shown/);
    expect(note).toMatch(/limit|offset|fields/); // how to narrow
    expect(JSON.parse(body).truncated).toMatchObject({ field: 'items' });
  });

  it('GitHub Copilot CLI: everything the model reads fits its 10 KB cut, and the JSON stays whole', async () => {
    const result = await rawList(await connect(COPILOT_CLI));
    expect(result.isError).toBeFalsy();
    const [body, note] = result.content.map((c) => (c as { text: string }).text);
    expect(Buffer.byteLength(allText(result))).toBeLessThanOrEqual(10 * 1024);
    expect(() => JSON.parse(body)).not.toThrow();
    expect(note).toMatch(/^Truncated to stay within 9728 bytes \(GitHub Copilot CLI's limit for a tool result\): \d+ of \d+ items shown/);
    expect(note).toMatch(/limit|offset|fields/);
  });

  it("the shaped list (small enough) is whole for Copilot CLI: the budget cuts only what is over it", async () => {
    const client = await connect(COPILOT_CLI);
    const result = (await client.callTool({ name: 'application_list', arguments: { limit: 5 } })) as CallToolResult;
    expect(allText(result)).not.toMatch(/Truncated/);
    expect(JSON.parse((result.content[0] as { text: string }).text).items).toHaveLength(5);
  });

  it("an operator's maxResultTokens wins over the client's budget", async () => {
    const result = await rawList(await connect(CLAUDE_CODE, { ARGOCD_MCP_MAX_RESULT_TOKENS: '3000' }));
    const note = (result.content[1] as { text: string }).text;
    expect(note).toMatch(/^Truncated to stay within 3000 tokens \(the gateway's maxResultTokens\)/);
    expect(countTokens(allText(result))).toBeLessThanOrEqual(3000);
  });

  it('an unknown client gets the default 20,000 tokens', async () => {
    const result = await rawList(await connect({ name: 'some-agent', version: '1.0.0' }));
    expect((result.content[1] as { text: string }).text).toMatch(/^Truncated to stay within 20000 tokens \(the gateway's default cap\)/);
  });
});
