/**
 * Every tool the gateway can advertise, on every Argo CD release we know, in every schema dialect its schemas meet
 * after a host hands them to a model API (test/codegen/dialects.ts says where each rule comes from): OpenAI strict
 * mode through the Agents SDK's conversion, Gemini `parameters` and `parametersJsonSchema`, Anthropic's tool rules,
 * the gateway's own "every object names its properties", and names that fit 64 characters behind the longest
 * client prefix. The operation tools come from each release's IR (tools/list passes their compact schema through
 * unchanged: test/codegen/toolsnaps.test.ts), the workflow and dynamic-mode tools from a real server.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIr } from '../../codegen/generate.ts';
import { createLogger } from '../../src/log.ts';
import { createMcpServer } from '../../src/mcp/server.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import {
  anthropicProblems,
  geminiJsonSchemaProblems,
  geminiParametersProblems,
  nameProblems,
  openAiStrictProblems,
  shapeProblems,
  toAgentsStrictSchema,
} from './dialects.ts';
import { releasesPresent, specPath } from './release-specs.ts';

type Face = { name: string; inputSchema: Record<string, unknown> };

const RULES: Record<string, (t: Face) => string[]> = {
  'OpenAI strict (Agents SDK)': (t) => openAiStrictProblems(t.inputSchema),
  'Gemini parameters': (t) => geminiParametersProblems(t.inputSchema),
  'Gemini parametersJsonSchema': (t) => geminiJsonSchemaProblems(t.inputSchema),
  Anthropic: (t) => anthropicProblems(t),
  'objects name their properties': (t) => shapeProblems(t.inputSchema),
  'name ≤ 64 behind the longest prefix': (t) => nameProblems(t.name),
};

const allowAll = () => compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' });

/** The full catalogue as a client lists it: every toolset, writes allowed, the workflow tools too. */
async function fullCatalogue(): Promise<Tool[]> {
  return createGateway({ allowlist: allowAll(), logger: createLogger('silent'), composites: WORKFLOWS }).listTools();
}

/** The meta-tools of dynamic mode, from a real server through the SDK client. */
async function dynamicTools(): Promise<Tool[]> {
  const gateway = createGateway({ allowlist: allowAll(), logger: createLogger('silent'), composites: WORKFLOWS });
  const server = createMcpServer(gateway, '0.0.0-test', 'dynamic');
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'dialects-test', version: '1.0.0' });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

function failures(tools: Face[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [rule, check] of Object.entries(RULES)) {
    out[rule] = tools.flatMap((t) => check(t).map((p) => `${t.name}: ${p}`));
  }
  return out;
}

const NONE = Object.fromEntries(Object.keys(RULES).map((r) => [r, []]));

describe('the dialect checks themselves', () => {
  it('refuse what the issue found: free-form objects, a tool name too long behind mcp__argocd-mcp-gateway__', () => {
    const free = { name: 'x', inputSchema: { type: 'object', properties: { spec: { type: 'object', description: 'anything' } } } };
    expect(openAiStrictProblems(free.inputSchema)[0]).toMatch(/open object/);
    expect(geminiParametersProblems(free.inputSchema)[0]).toMatch(/object without properties/);
    expect(shapeProblems(free.inputSchema)[0]).toMatch(/neither properties nor typed values/);
    const map = { type: 'object', properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } };
    expect(openAiStrictProblems(map)[0]).toMatch(/open object/);
    expect(geminiParametersProblems(map).join()).toMatch(/additionalProperties/);
    expect(nameProblems('application_get_application_sync_windows')[0]).toMatch(/65 characters/);
    expect(anthropicProblems({ name: 'x', inputSchema: { anyOf: [{ type: 'object' }] } }).join()).toMatch(/root must be type object/);
  });

  it('convert as the Agents SDK does: every property required, optionals nullable, objects closed', () => {
    const strict = toAgentsStrictSchema({
      type: 'object',
      properties: { name: { type: 'string' }, spec: { type: 'object', properties: { project: { type: 'string', description: 'p' } } } },
      required: ['name'],
    });
    expect(strict).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        spec: {
          anyOf: [
            { type: 'object', properties: { project: { description: 'p', anyOf: [{ type: 'string', description: 'p' }, { type: 'null' }] } }, required: ['project'], additionalProperties: false },
            { type: 'null' },
          ],
        },
      },
      required: ['name', 'spec'],
      additionalProperties: false,
    });
  });
});

describe('the tools the gateway advertises', () => {
  let catalogue: Tool[];
  let dynamic: Tool[];
  beforeAll(async () => {
    [catalogue, dynamic] = await Promise.all([fullCatalogue(), dynamicTools()]);
  });

  it('all pass every dialect: the committed catalogue with the workflow tools, and dynamic mode', () => {
    expect(catalogue.filter((t) => t._meta?.['argocd/tag'] === 'Workflows').map((t) => t.name)).toHaveLength(WORKFLOWS.length);
    expect(dynamic.map((t) => t.name)).toEqual(['search_tools', 'describe_tool', 'call_tool', 'enable_toolset']);
    expect(failures([...catalogue, ...dynamic] as Face[])).toEqual(NONE);
  });

  it('fit 25,000 tokens (o200k) for the whole catalogue with the workflow tools', () => {
    const tokens = countTokens(JSON.stringify({ tools: catalogue }));
    expect(tokens).toBeLessThanOrEqual(25_000);
  });
});

describe.each(releasesPresent())('the operation tools of %s', (release) => {
  it('all pass every dialect', async () => {
    const ir = await buildIr({ spec: specPath(release), release });
    const tools = ir.operations.map((op) => ({ name: op.toolName, inputSchema: op.compactInputSchema }));
    expect(failures(tools)).toEqual(NONE);
  });
});
