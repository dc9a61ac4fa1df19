/** Swagger 2.0 document → IR. Pure: no I/O. */
import { camelJoin, argNameForDefinition, titleFor, toolNameFor, toolsetFor } from './naming.ts';
import { compactField, compactObject, compactScalar, refName, shortDescription, toValidationSchema } from './schema.ts';
import type { CompactContext, Hint } from './schema.ts';
import type { HttpMethod, IrBody, IrOperation, IrParam, IrSpec, JsonSchema } from './types.ts';
import { STREAM_DEFAULTS } from '../../src/catalogue/stream-bounds.ts';

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

/** Arguments the runtime adds to streaming tools to bound what it reads. */
export const STREAM_ARGS: Record<string, JsonSchema> = {
  maxItems: {
    type: 'integer',
    minimum: 1,
    maximum: STREAM_DEFAULTS.maxItems,
    description: `Items to collect at most (default ${STREAM_DEFAULTS.watch.maxItems} for watches, ${STREAM_DEFAULTS.logs.maxItems} for logs).`,
  },
  waitSeconds: {
    type: 'number',
    minimum: 0,
    maximum: STREAM_DEFAULTS.waitSeconds,
    description: `Seconds to collect at most (default ${STREAM_DEFAULTS.watch.waitSeconds} for watches, ${STREAM_DEFAULTS.logs.waitSeconds} for followed logs).`,
  },
};

/**
 * Arguments the runtime adds to shape results (see src/shaping/shape.ts). Their meaning is explained once in the
 * server instructions, so they are advertised without descriptions to keep tools/list small.
 */
export const SHAPE_ARGS = {
  raw: { type: 'boolean' },
  fields: { type: 'array', items: { type: 'string' } },
  limit: { type: 'integer', minimum: 1 },
  offset: { type: 'integer', minimum: 0 },
  // JMESPath on the answer (src/query/): described once, in the server instructions and application_list's description.
  query: { type: 'string' },
  // No description: the name says it, and the preview that issues one says how to use it (src/policy/confirm/confirm.ts).
  confirmationToken: { type: 'string' },
} satisfies Record<string, JsonSchema>;

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

/**
 * Destructive beyond DELETE: rotating a cluster's credentials, and the operations that can prune (a sync or rollback
 * with `prune: true` deletes the resources no longer in Git). The gateway asks per call (src/policy/confirm/confirm.ts).
 */
const DESTRUCTIVE_OPERATIONS = new Set(['ClusterService_RotateAuth', 'ApplicationService_Sync', 'ApplicationService_Rollback']);

export class SpecError extends Error {
  override name = 'SpecError';
}

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

  const pathParams: IrParam[] = params
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

  const queryParams: IrParam[] = params
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

  const ok = op.responses?.['200'];
  const streamTitle = typeof ok?.schema?.title === 'string' && ok.schema.title.startsWith('Stream result of');
  const stream = streamTitle ? (/PodLogs/.test(operationId) ? 'logs' : 'watch') : undefined;
  const responseRef = typeof ok?.schema?.$ref === 'string' ? refName(ok.schema.$ref) : undefined;

  const compactCtx: CompactContext = { definitions: defs, hints: ctx.hints };
  const fullProps: Record<string, JsonSchema> = {};
  const compactProps: Record<string, JsonSchema> = {};
  const required = new Set<string>();
  const owner = new Map<string, string>();
  const claim = (arg: string, what: string, shared = false) => {
    const prev = owner.get(arg);
    if (prev && !shared) throw new SpecError(`${operationId}: argument "${arg}" is both ${prev} and ${what}; rename one in codegen`);
    owner.set(arg, prev ?? what);
  };

  for (const p of [...pathParams, ...queryParams]) {
    const where = pathParams.includes(p) ? 'path' : 'query';
    // Legacy aliases stay accepted (full schema) but are not advertised: one way to say a thing is enough.
    const advertised = !(where === 'query' && /legacy|deprecated/i.test(p.description ?? ''));
    claim(p.arg, `${where} parameter ${p.wire}`);
    const full = toValidationSchema(p.schema);
    if (where === 'path') full.minLength = 1;
    fullProps[p.arg] = full;
    const compact = compactScalar(p.schema, p.description, p.arg);
    if (where === 'path' && p.bodyPath && !p.required) {
      const bodyArg = body?.kind === 'object' ? body.arg : p.bodyPath[0];
      const inBody = body?.kind === 'object' ? [bodyArg, ...p.bodyPath].join('.') : p.bodyPath.join('.');
      compact.description = `${compact.description ? `${compact.description} ` : ''}Optional when ${inBody} is set.`;
    }
    if (advertised) compactProps[p.arg] = compact;
    if (p.required) required.add(p.arg);
  }

  if (body?.kind === 'merged') {
    const props = (bodyDef?.properties ?? {}) as Record<string, JsonSchema>;
    for (const field of body.fields) {
      const samePathParam = pathParams.find((p) => p.arg === field && p.bodyPath?.length === 1);
      claim(field, `body field ${field}`, !!samePathParam);
      if (samePathParam) continue;
      fullProps[field] = toValidationSchema(props[field]);
      compactProps[field] = compactField(props[field], compactCtx);
    }
    for (const r of body.required) required.add(r);
  } else if (body?.kind === 'object') {
    claim(body.arg, 'the request body');
    fullProps[body.arg] = { $ref: `${DEFINITIONS_ID}#/definitions/${body.ref}` };
    compactProps[body.arg] = compactObject(body.ref, compactCtx);
    if (body.required) required.add(body.arg);
  } else if (body?.kind === 'string') {
    const samePathParam = pathParams.some((p) => p.arg === body.arg);
    claim(body.arg, 'the request body', samePathParam);
    if (!samePathParam) {
      fullProps[body.arg] = { type: 'string' };
      compactProps[body.arg] = { type: 'string', description: bodyStringDescription(body.arg) };
      if (body.required) required.add(body.arg);
    }
  }

  const responseDef = responseRef ? defs[responseRef] : undefined;
  const itemsProp = (responseDef?.properties as Record<string, JsonSchema> | undefined)?.items;
  const list = method === 'GET' && !stream && itemsProp?.type === 'array';
  const serverFieldsPrefix = ctx.patches.serverFields[operationId]?.prefix;
  const shapeArgs: Array<keyof typeof SHAPE_ARGS> = ['raw'];
  if (method === 'GET' && (list || responseRef || stream === 'watch')) shapeArgs.push('fields');
  if (list) shapeArgs.push('limit', 'offset');
  // Every read takes a JMESPath `query` on its answer (a stream's: on the window of items it collected).
  if (method === 'GET') shapeArgs.push('query');
  for (const arg of shapeArgs) {
    claim(arg, 'a result-shaping argument');
    fullProps[arg] = { ...SHAPE_ARGS[arg] };
    // `raw` is advertised where results are documents worth reading whole (reads); writes accept it unadvertised.
    if (arg !== 'raw' || method === 'GET') compactProps[arg] = { ...SHAPE_ARGS[arg] };
  }
  // Every write accepts `confirmationToken` (the gateway's preview may issue one, see src/policy/confirm/confirm.ts); it is
  // advertised where a confirmation is asked for by default: destructive operations.
  const destructive = method === 'DELETE' || DESTRUCTIVE_OPERATIONS.has(operationId);
  if (method !== 'GET') {
    claim('confirmationToken', 'the confirmation argument');
    fullProps.confirmationToken = { type: 'string' };
    if (destructive) compactProps.confirmationToken = { ...SHAPE_ARGS.confirmationToken };
  }

  if (stream) {
    for (const [arg, schema] of Object.entries(STREAM_ARGS)) {
      claim(arg, 'a stream bound');
      fullProps[arg] = { type: schema.type, minimum: schema.minimum, maximum: schema.maximum };
      compactProps[arg] = schema;
    }
  }

  const requiredList = [...required].sort();
  const fullInputSchema: JsonSchema = {
    type: 'object',
    properties: rewriteRefs(fullProps),
    additionalProperties: false,
    ...(requiredList.length ? { required: requiredList } : {}),
  };
  const compactInputSchema: JsonSchema = {
    type: 'object',
    properties: compactProps,
    ...(requiredList.length ? { required: requiredList } : {}),
  };

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

function bodyStringDescription(arg: string): string {
  if (arg === 'patch') return 'The patch document as a JSON string (see patchType).';
  if (arg === 'action') return 'Name of the resource action to run, e.g. restart.';
  return `The ${arg} value.`;
}

/** The id under which the runtime registers the shared definitions with ajv. */
export const DEFINITIONS_ID = 'argocd-definitions';

function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DEFINITIONS_ID}${v}` : rewriteRefs(v),
      ]),
    ) as T;
  }
  return value;
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
