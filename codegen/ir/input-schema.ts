/**
 * One operation's input schemas: the full one the runtime validates with ajv, and the compact one `tools/list`
 * advertises. Each argument is claimed once, so two parts of a request can never share a name unnoticed.
 */
import { compactField, compactObject, compactScalar, toValidationSchema } from './schema.ts';
import type { CompactContext, Hint } from './schema.ts';
import { SpecError } from './spec-error.ts';
import type { HttpMethod, IrBody, IrParam, JsonSchema } from './types.ts';
import { STREAM_DEFAULTS } from '../../src/catalogue/stream-bounds.ts';

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

/**
 * Destructive beyond DELETE: rotating a cluster's credentials, and the operations that can prune (a sync or rollback
 * with `prune: true` deletes the resources no longer in Git). The gateway asks per call (src/policy/confirm/confirm.ts).
 */
const DESTRUCTIVE_OPERATIONS = new Set(['ClusterService_RotateAuth', 'ApplicationService_Sync', 'ApplicationService_Rollback']);

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

function bodyStringDescription(arg: string): string {
  if (arg === 'patch') return 'The patch document as a JSON string (see patchType).';
  if (arg === 'action') return 'Name of the resource action to run, e.g. restart.';
  return `The ${arg} value.`;
}

/** What an operation's input schemas are made of. */
export interface OperationInput {
  operationId: string;
  method: HttpMethod;
  pathParams: IrParam[];
  queryParams: IrParam[];
  body?: IrBody;
  bodyDef?: JsonSchema;
  defs: Record<string, JsonSchema>;
  hints: Record<string, Hint>;
  list: boolean;
  responseRef?: string;
  stream?: 'logs' | 'watch';
}

/** The two schemas under construction, and who claimed each argument. */
class Schemas {
  readonly full: Record<string, JsonSchema> = {};
  readonly compact: Record<string, JsonSchema> = {};
  readonly required = new Set<string>();
  private readonly owner = new Map<string, string>();
  constructor(private readonly operationId: string) {}

  claim(arg: string, what: string, shared = false): void {
    const prev = this.owner.get(arg);
    if (prev && !shared) throw new SpecError(`${this.operationId}: argument "${arg}" is both ${prev} and ${what}; rename one in codegen`);
    this.owner.set(arg, prev ?? what);
  }
}

/** An operation writes beyond DELETE when it can delete (see DESTRUCTIVE_OPERATIONS). */
export function isDestructive(operationId: string, method: HttpMethod): boolean {
  return method === 'DELETE' || DESTRUCTIVE_OPERATIONS.has(operationId);
}

function addParams(s: Schemas, input: OperationInput): void {
  const { pathParams, queryParams, body } = input;
  for (const p of [...pathParams, ...queryParams]) {
    const where = pathParams.includes(p) ? 'path' : 'query';
    // Legacy aliases stay accepted (full schema) but are not advertised: one way to say a thing is enough.
    const advertised = !(where === 'query' && /legacy|deprecated/i.test(p.description ?? ''));
    s.claim(p.arg, `${where} parameter ${p.wire}`);
    const full = toValidationSchema(p.schema);
    if (where === 'path') full.minLength = 1;
    s.full[p.arg] = full;
    const compact = compactScalar(p.schema, p.description, p.arg);
    if (where === 'path' && p.bodyPath && !p.required) {
      const bodyArg = body?.kind === 'object' ? body.arg : p.bodyPath[0];
      const inBody = body?.kind === 'object' ? [bodyArg, ...p.bodyPath].join('.') : p.bodyPath.join('.');
      compact.description = `${compact.description ? `${compact.description} ` : ''}Optional when ${inBody} is set.`;
    }
    if (advertised) s.compact[p.arg] = compact;
    if (p.required) s.required.add(p.arg);
  }
}

function addBody(s: Schemas, input: OperationInput, compactCtx: CompactContext): void {
  const { body, bodyDef, pathParams } = input;
  if (body?.kind === 'merged') {
    const props = (bodyDef?.properties ?? {}) as Record<string, JsonSchema>;
    for (const field of body.fields) {
      const samePathParam = pathParams.find((p) => p.arg === field && p.bodyPath?.length === 1);
      s.claim(field, `body field ${field}`, !!samePathParam);
      if (samePathParam) continue;
      s.full[field] = toValidationSchema(props[field]);
      s.compact[field] = compactField(props[field], compactCtx);
    }
    for (const r of body.required) s.required.add(r);
  } else if (body?.kind === 'object') {
    s.claim(body.arg, 'the request body');
    s.full[body.arg] = { $ref: `${DEFINITIONS_ID}#/definitions/${body.ref}` };
    s.compact[body.arg] = compactObject(body.ref, compactCtx);
    if (body.required) s.required.add(body.arg);
  } else if (body?.kind === 'string') {
    const samePathParam = pathParams.some((p) => p.arg === body.arg);
    s.claim(body.arg, 'the request body', samePathParam);
    if (!samePathParam) {
      s.full[body.arg] = { type: 'string' };
      s.compact[body.arg] = { type: 'string', description: bodyStringDescription(body.arg) };
      if (body.required) s.required.add(body.arg);
    }
  }
}

/** The gateway's own arguments: result shaping, the confirmation token, stream bounds. */
function addGatewayArgs(s: Schemas, input: OperationInput): void {
  const { method, list, responseRef, stream } = input;
  const shapeArgs: Array<keyof typeof SHAPE_ARGS> = ['raw'];
  if (method === 'GET' && (list || responseRef || stream === 'watch')) shapeArgs.push('fields');
  if (list) shapeArgs.push('limit', 'offset');
  // Every read takes a JMESPath `query` on its answer (a stream's: on the window of items it collected).
  if (method === 'GET') shapeArgs.push('query');
  for (const arg of shapeArgs) {
    s.claim(arg, 'a result-shaping argument');
    s.full[arg] = { ...SHAPE_ARGS[arg] };
    // `raw` is advertised where results are documents worth reading whole (reads); writes accept it unadvertised.
    if (arg !== 'raw' || method === 'GET') s.compact[arg] = { ...SHAPE_ARGS[arg] };
  }
  // Every write accepts `confirmationToken` (the gateway's preview may issue one, see src/policy/confirm/confirm.ts); it is
  // advertised where a confirmation is asked for by default: destructive operations.
  if (method !== 'GET') {
    s.claim('confirmationToken', 'the confirmation argument');
    s.full.confirmationToken = { type: 'string' };
    if (isDestructive(input.operationId, method)) s.compact.confirmationToken = { ...SHAPE_ARGS.confirmationToken };
  }
  if (stream) {
    for (const [arg, schema] of Object.entries(STREAM_ARGS)) {
      s.claim(arg, 'a stream bound');
      s.full[arg] = { type: schema.type, minimum: schema.minimum, maximum: schema.maximum };
      s.compact[arg] = schema;
    }
  }
}

/** The operation's full (validation) and compact (advertised) input schemas. */
export function inputSchemas(input: OperationInput): { fullInputSchema: JsonSchema; compactInputSchema: JsonSchema } {
  const s = new Schemas(input.operationId);
  addParams(s, input);
  addBody(s, input, { definitions: input.defs, hints: input.hints });
  addGatewayArgs(s, input);
  const requiredList = [...s.required].sort();
  return {
    fullInputSchema: { type: 'object', properties: rewriteRefs(s.full), additionalProperties: false, ...(requiredList.length ? { required: requiredList } : {}) },
    compactInputSchema: { type: 'object', properties: s.compact, ...(requiredList.length ? { required: requiredList } : {}) },
  };
}
