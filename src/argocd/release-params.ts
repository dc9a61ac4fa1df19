/**
 * Which arguments of a tool the connected Argo CD release knows. The catalogue is generated from one release; an
 * older argocd-server ignores a query parameter or body field it does not know (grpc-gateway v1's
 * `runtime.PopulateQueryParameters` skips unknown names, and argocd-server decodes bodies with encoding/json, which
 * drops unknown fields), so a filter the caller believes applied would silently not be. These pure functions read
 * the release's own swagger.json and say which arguments to hide and refuse.
 */
import type { CatalogueTool, JsonSchema } from '../catalogue/types.ts';

/** The parameters one operation of a release takes: query names (wire names) and top-level body fields. */
export interface OperationParams {
  query: Set<string>;
  /** The body message's top-level fields; undefined when the body is not an object with named fields. */
  body?: Set<string>;
}

interface SwaggerParam {
  in?: string;
  name?: string;
  schema?: JsonSchema;
}

interface SwaggerDoc {
  paths?: Record<string, Record<string, { operationId?: string; parameters?: SwaggerParam[] }>>;
  definitions?: Record<string, JsonSchema>;
}

function resolveRef(doc: SwaggerDoc, schema: JsonSchema | undefined): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 16; hops++) {
    current = doc.definitions?.[String(current.$ref).replace('#/definitions/', '')];
  }
  return current;
}

/** operationId → its parameters, for every operation of a Swagger 2.0 document (one pass, no I/O). */
export function operationParamsOf(raw: unknown): Map<string, OperationParams> {
  const doc = raw as SwaggerDoc;
  const out = new Map<string, OperationParams>();
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      if (!op?.operationId) continue;
      const params = op.parameters ?? [];
      const query = new Set(params.filter((p) => p.in === 'query' && p.name).map((p) => p.name!));
      const bodySchema = resolveRef(doc, params.find((p) => p.in === 'body')?.schema);
      const props = bodySchema?.properties as Record<string, unknown> | undefined;
      out.set(op.operationId, { query, body: props ? new Set(Object.keys(props)) : undefined });
    }
  }
  return out;
}

/**
 * The arguments of a catalogue tool that bind to a parameter the release's operation lacks: query parameters by
 * wire name, and the fields of a body merged into the arguments. Path parameters and whole-object bodies are left
 * alone (a missing path is a missing operation, hidden as a whole).
 */
export function absentArgsOf(tool: CatalogueTool, params: OperationParams | undefined): string[] {
  if (!params) return [];
  const absent = tool.request.query.filter((q) => !params.query.has(q.wire)).map((q) => q.arg);
  const body = tool.request.body;
  if (body?.kind === 'merged' && params.body) {
    const inPath = new Set(tool.request.path_params.map((p) => p.arg));
    absent.push(...body.fields.filter((f) => !params.body!.has(f) && !inPath.has(f)));
  }
  return [...new Set(absent)].sort();
}

/** tool name → the arguments its operation lacks in this release, for the tools that lack any. */
export function absentArgsByTool(tools: CatalogueTool[], operations: Map<string, OperationParams>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const tool of tools) {
    const absent = absentArgsOf(tool, operations.get(tool._meta['argocd/operationId']));
    if (absent.length) out.set(tool.name, absent);
  }
  return out;
}

/** An input schema without the given top-level properties (and no longer requiring them). */
export function withoutArgs(schema: JsonSchema, args: string[]): JsonSchema {
  if (!args.length) return schema;
  const props = { ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
  for (const a of args) delete props[a];
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((r) => !args.includes(r)) : undefined;
  return { ...schema, properties: props, ...(required ? { required } : {}) };
}

/** What a workflow may ask of the connected release while it runs. */
export interface ReleaseOffers {
  /** The connected Argo CD's version, when known. */
  version?: string;
  /** Whether the tool is exposed here and, with `arg`, whether the release knows that argument of it. */
  has(tool: string, arg?: string): boolean;
}

/**
 * The workflow arguments the release cannot honour: each maps to "tool.arg" alternatives, and is absent when the
 * release offers none of them.
 */
export function compositeAbsentArgs(params: Record<string, string[]> | undefined, offers: ReleaseOffers): string[] {
  return Object.entries(params ?? {})
    .filter(([, alternatives]) => !alternatives.some((a) => {
      const dot = a.indexOf('.');
      return offers.has(a.slice(0, dot), a.slice(dot + 1));
    }))
    .map(([arg]) => arg)
    .sort();
}

/** The refusal of a call that passes arguments the release lacks, naming them and the fix. */
export function absentArgsRefusal(args: { tool: string; version?: string; passed: string[] }): string {
  const list = args.passed.map((a) => `\`${a}\``).join(', ');
  return (
    `The connected Argo CD (${args.version ?? 'its release'}) does not know ${args.passed.length > 1 ? 'the arguments' : 'the argument'} ${list} of ${args.tool}: ` +
    'it would ignore them silently, so the call would not do what was asked. Nothing was sent to Argo CD. ' +
    `Call again without ${list} (tools/list shows what this release accepts), or upgrade Argo CD.`
  );
}
