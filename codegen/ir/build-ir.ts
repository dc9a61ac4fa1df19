/** Swagger 2.0 document → IR. Pure: no I/O. */
import { camelJoin, argNameForDefinition, titleFor, toolNameFor, toolsetFor } from './naming.ts';
import { refName, shortDescription, toValidationSchema } from './schema.ts';
import type { Hint } from './schema.ts';
import { inputSchemas, isDestructive } from './input-schema.ts';
import { SpecError } from './spec-error.ts';
import type { HttpMethod, IrBody, IrOperation, IrParam, IrSpec, JsonSchema } from './types.ts';

export { DEFINITIONS_ID, SHAPE_ARGS, STREAM_ARGS } from './input-schema.ts';
export { SpecError } from './spec-error.ts';

export interface SwaggerParameter {
  name: string;
  in: 'path' | 'query' | 'body' | 'header' | 'formData';
  required?: boolean;
  type?: string;
  format?: string;
  items?: JsonSchema;
  collectionFormat?: string;
  description?: string;
  enum?: unknown[];
  schema?: JsonSchema;
}

export interface SwaggerOperation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: SwaggerParameter[];
  responses?: Record<string, { description?: string; schema?: JsonSchema }>;
}

export interface SwaggerDocument {
  swagger: string;
  paths: Record<string, Record<string, SwaggerOperation>>;
  definitions?: Record<string, JsonSchema>;
}

export interface SpecPatches {
  stringBodies: Record<string, { arg: string }>;
  bodyArgNames: Record<string, string>;
  serverFields: Record<string, { prefix: string }>;
  summaries: Record<string, { text: string }>;
}

export interface IrContext {
  release: string;
  sha256: string;
  patches: SpecPatches;
  hints: Record<string, Hint>;
}

/** Descriptions for parameters the spec leaves undocumented but that an agent meets everywhere. */
const PARAM_DESCRIPTIONS: Record<string, string> = {
  appNamespace: "Application's namespace, if not Argo CD's own.",
  appsetNamespace: "ApplicationSet's namespace, if not Argo CD's own.",
  project: 'Project of the object.',
  upsert: 'Replace if it exists.',
  validate: 'Validate before saving (default true).',
  cascade: 'Also delete managed resources (default true).',
  repo: 'Repository URL.',
  url: 'Repository URL prefix.',
  tailLines: 'Only the last N lines.',
  follow: 'Keep reading new lines until maxItems or waitSeconds.',
  kind: 'Kubernetes kind, e.g. Deployment.',
  group: "API group ('' for core).",
  revision: 'Commit SHA, branch, tag, or chart version.',
  refresh: "'normal' or 'hard' reconciliation.",
  selector: 'Label selector, e.g. team=a,env!=dev.',
  idValue: 'Cluster server URL, or name with idType=name.',
  idType: "'server' (default) or 'name'.",
};

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function byName<T>(items: T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Follows `segments` through a definition's properties; true when every segment exists. */
function resolvesIn(ref: string, segments: string[], defs: Record<string, JsonSchema>): boolean {
  let schema: JsonSchema | undefined = defs[refName(ref)];
  for (const seg of segments) {
    const props = schema?.properties as Record<string, JsonSchema> | undefined;
    const next: JsonSchema | undefined = props?.[seg];
    if (!next) return false;
    schema = typeof next.$ref === 'string' ? defs[refName(next.$ref)] : next;
  }
  return true;
}

/** "List returns list of applications" → "Returns list of applications." */
function cleanSummary(op: SwaggerOperation, override: string | undefined): string {
  if (override) return override;
  let s = (op.summary ?? op.description ?? '').replace(/\s+/g, ' ').trim();
  // Go doc style names the method first ("List returns ...", "Get returns ..."); an imperative
  // ("Create one or more ...") stays as it is.
  const m = /^[A-Z][A-Za-z0-9]* ([a-z]+s\b.*)$/.exec(s);
  if (m && m[1].split(' ')[0] !== 'is') s = m[1];
  s = s.charAt(0).toUpperCase() + s.slice(1);
  if (s && !/[.!?]$/.test(s)) s += '.';
  return s;
}

function paramSchema(p: SwaggerParameter): JsonSchema {
  const s: JsonSchema = { type: p.type ?? 'string' };
  if (p.format) s.format = p.format;
  if (p.items) s.items = p.items;
  if (p.enum) s.enum = p.enum;
  return s;
}

function bodyFor(opId: string, param: SwaggerParameter | undefined, ctx: IrContext): IrBody | undefined {
  if (!param?.schema) return undefined;
  const schema = param.schema;
  if (typeof schema.$ref !== 'string') {
    const patch = ctx.patches.stringBodies[opId];
    if (schema.type === 'string' && patch) return { kind: 'string', arg: patch.arg, required: !!param.required };
    throw new SpecError(
      `${opId}: body is an inline ${String(schema.type)} schema; add the request field it stands for to spec/patches.yaml (stringBodies)`,
    );
  }
  const name = refName(schema.$ref);
  // Kubernetes-style API types (v1alpha1Application, v1alpha1Cluster...) are one field of the request;
  // anything else (applicationApplicationSyncRequest...) is the whole request message.
  if (/^v\d+(alpha\d+|beta\d+)?[A-Z]/.test(name)) {
    return { kind: 'object', arg: ctx.patches.bodyArgNames[opId] ?? argNameForDefinition(name), required: !!param.required, ref: name };
  }
  return { kind: 'merged', fields: [], required: [], ref: name };
}

/** Path parameters; a dotted one (`application.metadata.name`) may also come from the body, under its last segment. */
function pathParamsOf(params: SwaggerParameter[], body: IrBody | undefined, defs: Record<string, JsonSchema>): IrParam[] {
  return params
    .filter((p) => p.in === 'path')
    .map((p) => {
      const segments = p.name.split('.');
      let bodyPath: string[] | undefined;
      if (body?.kind === 'merged' && resolvesIn(body.ref, segments, defs)) bodyPath = segments;
      else if (body?.kind === 'object' && segments.length > 1 && resolvesIn(body.ref, segments.slice(1), defs)) {
        bodyPath = segments.slice(1);
      }
      const arg = segments.length === 1 ? p.name : bodyPath ? segments[segments.length - 1] : camelJoin(p.name);
      // The value can also come from the body when the body carries it under a different argument.
      const fromBody = !!bodyPath && !(body?.kind === 'merged' && segments.length === 1);
      const urlValued = /^(repo|url|server)$/.test(arg) || /url|server/i.test(p.name) || p.name === 'id.value';
      return {
        arg,
        wire: p.name,
        required: !fromBody,
        multi: false,
        ...(bodyPath ? { bodyPath } : {}),
        ...(urlValued ? { urlValued } : {}),
        schema: paramSchema(p),
        description: shortDescription(p.description) ?? PARAM_DESCRIPTIONS[arg],
      };
    });
}

/** Query parameters; a dotted name becomes one camelCase argument, and arrays repeat the parameter. */
function queryParamsOf(params: SwaggerParameter[]): IrParam[] {
  return params
    .filter((p) => p.in === 'query')
    .map((p) => {
      const arg = p.name.includes('.') ? camelJoin(p.name) : p.name;
      return {
        arg,
        wire: p.name,
        required: !!p.required,
        multi: p.type === 'array' && (p.collectionFormat === 'multi' || p.collectionFormat === undefined),
        schema: paramSchema(p),
        description: shortDescription(p.description) ?? PARAM_DESCRIPTIONS[arg],
      };
    });
}

function operationToIr(
  args: { path: string; method: HttpMethod; op: SwaggerOperation },
  defs: Record<string, JsonSchema>,
  ctx: IrContext,
): IrOperation {
  const { path, method, op } = args;
  const operationId = op.operationId ?? `${method}_${path}`;
  const tag = op.tags?.[0] ?? 'Default';
  const params = op.parameters ?? [];
  const unsupported = params.filter((p) => p.in === 'header' || p.in === 'formData');
  if (unsupported.length) throw new SpecError(`${operationId}: ${unsupported[0].in} parameters are not supported`);

  const body = bodyFor(operationId, params.find((p) => p.in === 'body'), ctx);
  const bodyDef = body && body.kind !== 'string' ? defs[body.ref] : undefined;
  if (body?.kind === 'merged') {
    const props = (bodyDef?.properties ?? {}) as Record<string, JsonSchema>;
    body.fields = Object.keys(props).sort();
    body.required = ((bodyDef?.required as string[] | undefined) ?? []).filter((f) => f in props).sort();
  }

  const pathParams = pathParamsOf(params, body, defs);
  const queryParams = queryParamsOf(params);

  const ok = op.responses?.['200'];
  const streamTitle = typeof ok?.schema?.title === 'string' && ok.schema.title.startsWith('Stream result of');
  const stream = streamTitle ? (/PodLogs/.test(operationId) ? 'logs' : 'watch') : undefined;
  const responseRef = typeof ok?.schema?.$ref === 'string' ? refName(ok.schema.$ref) : undefined;

  const responseDef = responseRef ? defs[responseRef] : undefined;
  const itemsProp = (responseDef?.properties as Record<string, JsonSchema> | undefined)?.items;
  const list = method === 'GET' && !stream && itemsProp?.type === 'array';
  const serverFieldsPrefix = ctx.patches.serverFields[operationId]?.prefix;
  const destructive = isDestructive(operationId, method);
  const { fullInputSchema, compactInputSchema } = inputSchemas({ operationId, method, pathParams, queryParams, body, bodyDef, defs, hints: ctx.hints, list, responseRef, stream });

  return {
    operationId,
    toolName: toolNameFor(operationId),
    toolset: toolsetFor(operationId, tag),
    tag,
    title: titleFor(operationId),
    summary: cleanSummary(op, ctx.patches.summaries[operationId]?.text),
    method,
    path,
    params: { path: pathParams, query: queryParams },
    ...(body ? { body } : {}),
    ...(stream ? { stream } : {}),
    readOnly: method === 'GET',
    destructive,
    idempotent: method === 'GET' || method === 'PUT' || method === 'DELETE',
    fullInputSchema,
    compactInputSchema,
    ...(responseRef ? { responseRef } : {}),
    list,
    ...(serverFieldsPrefix ? { serverFieldsPrefix } : {}),
  };
}

/** The whole document → IR, operations sorted by tool name; fails on duplicate names. */
export function specToIr(doc: SwaggerDocument, ctx: IrContext): IrSpec {
  if (doc.swagger !== '2.0') throw new SpecError(`expected a Swagger 2.0 document, got swagger: ${JSON.stringify(doc.swagger)}`);
  const defs = doc.definitions ?? {};
  const operations: IrOperation[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    for (const [m, op] of Object.entries(doc.paths[path])) {
      const method = m.toUpperCase() as HttpMethod;
      if (!METHODS.includes(method)) continue;
      operations.push(operationToIr({ path, method, op }, defs, ctx));
    }
  }
  const seen = new Map<string, string>();
  for (const op of operations) {
    const prev = seen.get(op.toolName);
    if (prev) throw new SpecError(`tool name ${op.toolName} is used by both ${prev} and ${op.operationId}`);
    seen.set(op.toolName, op.operationId);
  }
  const definitions = Object.fromEntries(
    Object.keys(defs)
      .sort()
      .map((name) => [name, toValidationSchema(defs[name])]),
  );
  return { release: ctx.release, sha256: ctx.sha256, operations: byName(operations, (o) => o.toolName), definitions };
}
