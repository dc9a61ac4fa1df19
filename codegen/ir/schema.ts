/** Swagger 2.0 schemas → the two JSON Schemas a tool needs: full (for ajv) and compact (for tools/list). */
import type { JsonSchema } from './types.ts';

/** Keywords ajv needs to validate; everything else (descriptions, examples, x-*) is dropped from definitions. */
const VALIDATION_KEYWORDS = new Set(['type', 'properties', 'items', 'additionalProperties', 'enum', 'required', '$ref', 'pattern']);

const INT64_FORMATS = new Set(['int64', 'uint64']);

/** protojson accepts a 64-bit integer as a JSON number or a decimal string; so do we. */
const INT64_SCHEMA: JsonSchema = { type: ['string', 'integer'], pattern: '^-?[0-9]+$' };

function isInt64(schema: JsonSchema): boolean {
  return (schema.type === 'string' || schema.type === 'integer') && INT64_FORMATS.has(schema.format as string);
}

function isObject(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A definition or parameter schema reduced to what validation needs, with wire-format relaxations. */
export function toValidationSchema(schema: JsonSchema): JsonSchema {
  if (isInt64(schema)) return { ...INT64_SCHEMA };
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!VALIDATION_KEYWORDS.has(key)) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, toValidationSchema(sub as JsonSchema)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
      out[key] = toValidationSchema(value);
    } else if (key === 'required' && Array.isArray(value) && value.length === 0) {
      continue;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** k8s generator markers (`+optional`, `+protobuf=...`) and blank lines say nothing to an agent. */
export function shortDescription(text: unknown, max = 90): string | undefined {
  if (typeof text !== 'string') return undefined;
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('+') && !/^More info:/i.test(l));
  let s = lines.join(' ').replace(/\s+/g, ' ').trim();
  if (!s) return undefined;
  const stop = s.search(/\.\s/);
  if (stop > 0) s = s.slice(0, stop + 1);
  if (s.length > max) s = `${s.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
  return s;
}

/** The name a `$ref` points at. */
export function refName(ref: string): string {
  return ref.replace(/^#\/definitions\//, '');
}

export interface CompactContext {
  definitions: Record<string, JsonSchema>;
  /** Hand-written one-line summaries of the big Argo CD objects (spec/hints.yaml). */
  hints: Record<string, string>;
}

/** The advertised schema of a scalar or array parameter: its type, and a short description. */
export function compactScalar(schema: JsonSchema, description?: string, name?: string): JsonSchema {
  const out: JsonSchema = {};
  if (isInt64(schema)) out.type = 'integer';
  else if (schema.type === 'array') {
    out.type = 'array';
    out.items = isObject(schema.items) ? compactScalar(schema.items) : {};
  } else if (schema.type) out.type = schema.type;
  if (Array.isArray(schema.enum)) out.enum = schema.enum;
  const d = shortDescription(description ?? schema.description);
  if (d && !restatesName(d, name)) out.description = d;
  return out;
}

const FILLER = new Set(['the', 'a', 'an', 'of', 'for', 'to', 'is', 'id', 'whether', 'this', 'used']);

/** "Azure Service Principal Client ID." for azureServicePrincipalClientId tells an agent nothing new. */
export function restatesName(description: string, name: string | undefined): boolean {
  if (!name) return false;
  const nameWords = new Set(name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/));
  const words = description.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w && !FILLER.has(w));
  return words.every((w) => nameWords.has(w) || nameWords.has(w.replace(/s$/, '')));
}

function resolve(schema: JsonSchema, ctx: CompactContext): { schema: JsonSchema; name?: string } {
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref);
    return { schema: ctx.definitions[name] ?? {}, name };
  }
  return { schema };
}

/** The advertised type of a property: scalars keep their type, containers say only what they are. */
function compactType(schema: JsonSchema, ctx: CompactContext): JsonSchema {
  const { schema: s } = resolve(schema, ctx);
  if (s.type === 'array') {
    const item = resolve(isObject(s.items) ? s.items : {}, ctx).schema;
    return { type: 'array', items: item.type && item.type !== 'object' ? compactScalar(item) : { type: 'object' } };
  }
  if (isInt64(s)) return { type: 'integer' };
  if (Array.isArray(s.type) || !s.type) return {};
  const out: JsonSchema = { type: s.type };
  if (Array.isArray(s.enum)) out.enum = s.enum;
  return out;
}

/**
 * The advertised schema of an object argument: its hint (or the definition's own summary) and its top-level
 * fields typed one level deep. Deep Argo CD objects (an Application's spec is ~245 KB inlined) are summarised,
 * never inlined; the runtime still validates the full depth.
 */
export function compactObject(ref: string, ctx: CompactContext, description?: string): JsonSchema {
  const name = refName(ref);
  const def = ctx.definitions[name] ?? {};
  const out: JsonSchema = { type: 'object' };
  const hint = ctx.hints[name];
  const d = hint ?? shortDescription(description) ?? shortDescription(def.description ?? def.title);
  if (d) out.description = d;
  // A hint already names the fields that matter; listing all of them again would only cost tokens.
  if (!hint && isObject(def.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(def.properties)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([prop, sub]) => [prop, compactType(sub as JsonSchema, ctx)]),
    );
  }
  return out;
}

/** The advertised schema of any body field: objects summarised, scalars and arrays typed. */
export function compactField(schema: JsonSchema, ctx: CompactContext): JsonSchema {
  const { schema: s, name } = resolve(schema, ctx);
  if (name && (s.type === 'object' || isObject(s.properties))) {
    return compactObject(name, ctx, (schema.description as string) ?? undefined);
  }
  if (s.type === 'array') {
    const { schema: item, name: itemName } = resolve(isObject(s.items) ? s.items : {}, ctx);
    const out: JsonSchema = {
      type: 'array',
      items: itemName && (item.type === 'object' || isObject(item.properties)) ? compactObject(itemName, ctx) : compactScalar(item),
    };
    const d = ctx.hints[`${itemName}[]`] ?? shortDescription(schema.description ?? s.description);
    if (d) out.description = d;
    return out;
  }
  return compactScalar(s, (schema.description as string) ?? undefined);
}
