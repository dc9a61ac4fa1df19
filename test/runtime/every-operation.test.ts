/**
 * For every tool of the committed catalogue: minimal valid arguments built from its schema, one call against a
 * recording HTTP server, and the request Argo CD would receive has the operation's method and path, with path
 * parameters substituted and percent-encoded into one segment each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../../src/catalogue/types.ts';
import { gatewayFor, resultText } from '../helpers/gateway.ts';
import { startRecordingServer } from '../helpers/recording-server.ts';
import type { RecordingServer } from '../helpers/recording-server.ts';

const tools = loadCatalogue().tools;

/** A value for each path parameter that exercises encoding: URLs, slashes, spaces. */
function sampleFor(arg: string, wire: string): string {
  if (/repo|url|server/i.test(arg) || wire === 'id.value') return 'https://git.example.com/team a/apps.git';
  return `my-${arg.toLowerCase()}/x`;
}

function minimalArgs(tool: CatalogueTool): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const props = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string }>;
  for (const name of (tool.inputSchema.required as string[] | undefined) ?? []) {
    const t = props[name]?.type;
    args[name] = t === 'object' ? {} : t === 'array' ? [] : t === 'boolean' ? false : t === 'integer' ? 1 : 'value';
  }
  for (const p of tool.request.path_params) {
    args[p.arg] = props[p.arg]?.type === 'integer' ? 1700000000 : sampleFor(p.arg, p.wire);
  }
  if (tool.request.stream) Object.assign(args, { maxItems: 1, waitSeconds: 1 });
  return args;
}

function expectedPath(tool: CatalogueTool, args: Record<string, unknown>): string {
  let path = tool.request.path;
  for (const p of tool.request.path_params) path = path.replace(`{${p.wire}}`, encodeURIComponent(String(args[p.arg])));
  return path;
}

describe('every operation of the catalogue reaches the right endpoint', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
    server.answer(() => ({ body: { result: {} } }));
  });
  afterAll(() => server.close());

  it('covers all 106 operations of v3.5.1', () => {
    expect(tools).toHaveLength(106);
  });

  it.each(tools.map((t) => [t.name, t] as const))('%s sends its method and encoded path', async (_name, tool) => {
    const gateway = gatewayFor(server.url);
    const args = minimalArgs(tool);
    const before = server.requests.length;
    const result = await gateway.callTool(tool.name, args);
    expect(result.isError, resultText(result)).toBeFalsy();
    expect(server.requests.length).toBe(before + 1);
    const req = server.requests[server.requests.length - 1];
    expect(req.method).toBe(tool.request.method);
    expect(req.path).toBe(expectedPath(tool, args));
    expect(req.headers.authorization).toBe('Bearer test-token');
    if (tool.request.method !== 'GET') expect(req.headers['content-type']).toBe('application/json');
  });
});
