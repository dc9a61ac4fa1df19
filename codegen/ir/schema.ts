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

/**
 * What spec/hints.yaml says of one Argo CD object: a one-line summary, and the fields an agent sets (dotted paths;
 * an array's path goes on into its items). A path that ends at an object with a hint of its own is expanded by
 * that hint, one that ends at another object by its scalar fields.
 */
export interface Hint {
  summary?: string;
  fields?: string[];
}

export interface CompactContext {
  definitions: Record<string, JsonSchema>;
  /** The advertised shape of the big Argo CD objects (spec/hints.yaml). */
  hints: Record<string, Hint>;
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

const FILLER = new Set(['the', 'a', 'an', 'of', 'for', 'to', 'is', 'id', 'whether', 'this', 'used', 'object', 'query']);

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

/** Dotted field paths → a tree of names (`spec.source.repoURL` → {spec: {source: {repoURL: {}}}}). */
type FieldTree = { [name: string]: FieldTree };

function fieldTree(paths: string[]): FieldTree {
  const tree: FieldTree = {};
  for (const p of paths) {
    let node = tree;
    for (const part of p.split('.')) node = node[part] ??= {};
  }
  return tree;
}

const isObjectLike = (s: JsonSchema) => s.type === 'object' || isObject(s.properties);

/** Objects nest at most this deep in an advertised schema (OpenAI strict mode allows 10 levels in all). */
const MAX_OBJECT_DEPTH = 7;

/**
 * The advertised schema of one field, or undefined when a model could not be told its shape: a map (free keys,
 * which OpenAI strict mode and Gemini's `parameters` cannot express), an untyped or union-typed value, an object
 * nothing is chosen from. The runtime validates such fields all the same (full depth) when a client sends them.
 */
function compactNode(schema: JsonSchema, tree: FieldTree | undefined, ctx: CompactContext, depth: number): JsonSchema | undefined {
  const { schema: s, name } = resolve(schema, ctx);
  if (s.type === 'array') {
    const item = compactNode(isObject(s.items) ? s.items : {}, tree, ctx, depth);
    return item ? { type: 'array', items: item } : undefined;
  }
  if (isObjectLike(s)) return compactFields(s, name, tree, ctx, depth + 1);
  if (isInt64(s)) return { type: 'integer' };
  if (typeof s.type !== 'string') return undefined;
  const out: JsonSchema = { type: s.type };
  if (Array.isArray(s.enum)) out.enum = s.enum;
  return out;
}

/** An object, or an array of objects. */
function holdsObjects(schema: JsonSchema, ctx: CompactContext): boolean {
  const s = resolve(schema, ctx).schema;
  if (s.type === 'array') return isObject(s.items) && isObjectLike(resolve(s.items, ctx).schema);
  return isObjectLike(s);
}

/** An object with the fields `tree` names, or its hint's fields, or (without either) its scalar fields. */
function compactFields(s: JsonSchema, name: string | undefined, tree: FieldTree | undefined, ctx: CompactContext, depth: number): JsonSchema | undefined {
  if (depth > MAX_OBJECT_DEPTH || !isObject(s.properties)) return undefined;
  const props = s.properties as Record<string, JsonSchema>;
  const chosen = tree && Object.keys(tree).length ? tree : name && ctx.hints[name]?.fields ? fieldTree(ctx.hints[name].fields!) : undefined;
  const out: Record<string, JsonSchema> = {};
  for (const field of Object.keys(chosen ?? props).sort()) {
    const sub = props[field];
    if (!sub) continue; // a field this release does not have
    // Without a choice, only scalars and arrays of scalars: nested objects are what the hints choose from.
    if (!chosen && holdsObjects(sub, ctx)) continue;
    const node = compactNode(sub, chosen?.[field], ctx, depth);
    if (node) out[field] = node;
  }
  return Object.keys(out).length ? { type: 'object', properties: out } : undefined;
}

/**
 * The advertised schema of an object argument: its summary, and the fields an agent sets (spec/hints.yaml), typed
 * from the spec, nested as deep as they go. Deep Argo CD objects (an Application's spec is ~245 KB inlined) are
 * never inlined whole; the runtime still validates the full depth.
 */
export function compactObject(ref: string, ctx: CompactContext, description?: string): JsonSchema {
  const name = refName(ref);
  const def = ctx.definitions[name] ?? {};
  const out: JsonSchema = compactFields(def, name, undefined, ctx, 1) ?? { type: 'object', properties: {} };
  const d = ctx.hints[name]?.summary ?? shortDescription(description) ?? shortDescription(def.description ?? def.title);
  if (d) out.description = d;
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
    const d = ctx.hints[`${itemName}[]`]?.summary ?? shortDescription(schema.description ?? s.description);
    if (d) out.description = d;
    return out;
  }
  return compactScalar(s, (schema.description as string) ?? undefined);
}
