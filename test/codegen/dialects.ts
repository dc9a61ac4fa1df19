/**
 * The schema dialects a tool's input schema meets after an MCP host hands it to a model API, each as a function
 * that returns the problems it finds (none = accepted). They are written from the clients' and APIs' own sources
 * and documentation, cited per rule, so the test proves what those clients would do with our tools/list:
 *
 * - OpenAI strict mode after the OpenAI Agents SDK's mechanical conversion (openai/openai-agents-js,
 *   packages/agents-core/src/mcp.ts `mcpToFunctionTool` → utils/strictToolSchema.ts
 *   `assertOpenAIStrictToolSchemaPreservesOpenObjects`, then utils/tools.ts `getSchemaAndParserFromInputType` →
 *   `prepareOpenAIStrictToolSchema`), and the Structured Outputs subset the API checks on the result
 *   (platform.openai.com/docs/guides/structured-outputs#supported-schemas).
 * - Gemini `parameters`: the OpenAPI 3.0 Schema subset of `FunctionDeclaration.parameters`
 *   (ai.google.dev/api/caching#Schema), which `@google/genai` and AI SDK 6's Google provider send as given.
 * - Gemini `parametersJsonSchema` (ai.google.dev/api/caching#FunctionDeclaration): a JSON Schema subset.
 * - Anthropic tool rules (docs.anthropic.com/en/docs/build-with-claude/tool-use): the name pattern, an object root,
 *   and no `oneOf`/`allOf`/`anyOf` at the top level of `input_schema`.
 */

import Ajv2020Module from 'ajv/dist/2020.js';

// ajv is CommonJS: under NodeNext its default import is the module, whose `default` is the class.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module) as unknown as typeof Ajv2020Module.default;

type Schema = Record<string, unknown>;

const isRecord = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a dialect found wrong, each with the JSON path of the node. */
export type Problems = string[];

/** Calls `visit` on every schema node below and including `schema` (properties, items, additionalProperties, anyOf). */
function walk(schema: unknown, at: string, visit: (node: Schema, at: string, depth: number) => void, depth = 0): void {
  if (!isRecord(schema)) return;
  visit(schema, at, depth);
  if (isRecord(schema.properties)) for (const [k, v] of Object.entries(schema.properties)) walk(v, `${at}.${k}`, visit, depth + 1);
  if (isRecord(schema.items)) walk(schema.items, `${at}[]`, visit, depth + 1);
  if (isRecord(schema.additionalProperties)) walk(schema.additionalProperties, `${at}{}`, visit, depth + 1);
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach((b, i) => walk(b, `${at}.${key}[${i}]`, visit, depth + 1));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAI strict mode, as the Agents SDK converts an MCP tool's schema.

/** strictToolSchema.ts `unsupportedStrictNormalizationKeywords`: any of these anywhere refuses strict mode. */
const AGENTS_UNSUPPORTED = [
  '$dynamicRef', '$recursiveRef', 'additionalItems', 'allOf', 'contains', 'contentSchema', 'dependencies',
  'dependentRequired', 'dependentSchemas', 'else', 'if', 'maxContains', 'minContains', 'not', 'oneOf',
  'patternProperties', 'prefixItems', 'propertyNames', 'then', 'unevaluatedItems', 'unevaluatedProperties',
];

const hasObjectType = (s: Schema) => s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'));

/** strictToolSchema.ts `schemaConvertsObjectProperties`. */
const convertsObjectProperties = (s: Schema) => isRecord(s.properties) && (hasObjectType(s) || s.type === undefined);

/** strictToolSchema.ts `getJsonSchemaNullability`, for the forms without `$ref`/`anyOf` (which we never emit). */
function nullability(s: unknown): 'allows' | 'disallows' | 'unknown' {
  if (s === true) return 'allows';
  if (s === false) return 'disallows';
  if (!isRecord(s)) return 'unknown';
  if ('type' in s) {
    if (typeof s.type !== 'string' && !Array.isArray(s.type)) return 'unknown';
    if (s.type !== 'null' && !(Array.isArray(s.type) && s.type.includes('null'))) return 'disallows';
  }
  if ('enum' in s) {
    if (!Array.isArray(s.enum)) return 'unknown';
    if (!s.enum.includes(null)) return 'disallows';
  }
  if ('$ref' in s || 'anyOf' in s) return 'unknown';
  if (!('type' in s) && isRecord(s.properties)) return 'disallows';
  return 'allows';
}

/**
 * The Agents SDK's refusals, in its order: `mcpToFunctionTool` fills in type/properties/required, then
 * `assertOpenAIStrictToolSchemaPreservesOpenObjects` (open objects: `type: object` without
 * `additionalProperties: false` that declares no property or says `additionalProperties` at all), then
 * `prepareOpenAIStrictToolSchema` (`validateOpenAIStrictProviderSchema`: unsupported keywords, non-schema nodes;
 * a typeless open schema; an optional property whose nullability cannot be told).
 */
function agentsSdkRefusals(root: Schema): Problems {
  const problems: Problems = [];
  walk(root, '$', (s, at) => {
    for (const k of AGENTS_UNSUPPORTED) if (k in s) problems.push(`${at}: unsupported keyword \`${k}\``);
    if ('$ref' in s) problems.push(`${at}: \`$ref\` (no local definitions to resolve)`);
    const declared = isRecord(s.properties) && Object.keys(s.properties).length > 0;
    if (hasObjectType(s) && s.additionalProperties !== false && (!declared || 'additionalProperties' in s)) {
      problems.push(`${at}: open object (no properties, or additionalProperties other than false)`);
    }
    if (s.type === undefined && (isRecord(s.properties) || 'additionalProperties' in s) && s.additionalProperties !== false) {
      problems.push(`${at}: typeless open schema`);
    }
    if (convertsObjectProperties(s)) {
      const required = new Set((s.required as string[] | undefined) ?? []);
      for (const [k, v] of Object.entries(s.properties as Schema)) {
        if (!isRecord(v) && typeof v !== 'boolean') problems.push(`${at}.${k}: not a schema`);
        if (!required.has(k) && nullability(v) === 'unknown') problems.push(`${at}.${k}: optional with unknown nullability`);
      }
    }
  });
  return problems;
}

/**
 * `ensureStrictSchemaEntry`: every property required, optional ones (whose schema refuses null) wrapped as
 * `anyOf: [schema, {type: 'null'}]` keeping the description, `additionalProperties: false`, `default: null` dropped.
 */
export function toAgentsStrictSchema(schema: unknown, isRoot = true): unknown {
  if (!isRecord(schema)) return schema;
  const out: Schema = { ...schema };
  if (!isRoot && out.type === undefined && isRecord(out.properties)) out.type = 'object';
  if (convertsObjectProperties(out)) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const props: Schema = {};
    for (const [k, v] of Object.entries(out.properties as Schema)) {
      const converted = toAgentsStrictSchema(v, false);
      props[k] =
        !required.has(k) && nullability(v) === 'disallows'
          ? { ...(isRecord(converted) && typeof converted.description === 'string' ? { description: converted.description } : {}), anyOf: [converted, { type: 'null' }] }
          : converted;
    }
    out.properties = props;
    out.required = Object.keys(props);
    out.additionalProperties = false;
  }
  if (Array.isArray(out.anyOf)) out.anyOf = out.anyOf.map((b) => toAgentsStrictSchema(b, false));
  if (isRecord(out.items)) out.items = toAgentsStrictSchema(out.items, false);
  if (out.default === null) delete out.default;
  return out;
}

/** Keywords of the Structured Outputs subset (per type: string pattern/format, number bounds, array bounds). */
const OPENAI_KEYWORDS = new Set([
  'type', 'description', 'title', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf',
  '$ref', '$defs', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minItems', 'maxItems', 'default',
]);
const OPENAI_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** The API's checks on the converted schema: supported keywords and types, closed objects, limits. */
function openAiStructuredOutputs(strict: Schema): Problems {
  const problems: Problems = [];
  let properties = 0;
  let enumValues = 0;
  if (strict.type !== 'object' || 'anyOf' in strict) problems.push('$: the root must be an object, not anyOf');
  walk(strict, '$', (s, at, depth) => {
    for (const k of Object.keys(s)) if (!OPENAI_KEYWORDS.has(k)) problems.push(`${at}: keyword \`${k}\` is not supported`);
    const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
    if (!types.length && !('anyOf' in s) && !('$ref' in s)) problems.push(`${at}: schema must have a type`);
    for (const t of types) if (!OPENAI_TYPES.has(t as string)) problems.push(`${at}: type ${String(t)}`);
    if (types.includes('object')) {
      if (s.additionalProperties !== false) problems.push(`${at}: additionalProperties must be false`);
      const keys = Object.keys((s.properties as Schema | undefined) ?? {});
      const required = (s.required as string[] | undefined) ?? [];
      if (keys.some((k) => !required.includes(k))) problems.push(`${at}: every property must be required`);
      properties += keys.length;
    }
    if (Array.isArray(s.enum)) enumValues += s.enum.length;
    // Objects nest at most 10 levels; a nullable wrapper (anyOf) is not a level of its own.
    if (types.includes('object') && objectDepth(at) > 10) problems.push(`${at}: nested deeper than 10 object levels`);
    void depth;
  });
  if (properties > 5000) problems.push(`$: ${properties} object properties (at most 5000)`);
  if (enumValues > 1000) problems.push(`$: ${enumValues} enum values (at most 1000)`);
  return problems;
}

/** Object levels of a walk path: one per `.name` step, not counting anyOf branches. */
function objectDepth(at: string): number {
  return at.replace(/\.anyOf\[\d+\]/g, '').split('.').length;
}

/** Problems an input schema meets in OpenAI strict mode through the Agents SDK (none: the tool stays strict). */
export function openAiStrictProblems(inputSchema: Schema): Problems {
  const schema: Schema = { ...inputSchema, type: inputSchema.type ?? 'object', properties: inputSchema.properties ?? {}, required: inputSchema.required ?? [] };
  const refused = agentsSdkRefusals(schema);
  if (refused.length) return refused.map((p) => `agents-sdk: ${p}`);
  return openAiStructuredOutputs(toAgentsStrictSchema(schema) as Schema).map((p) => `structured-outputs: ${p}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Gemini.

/** `Schema` fields of the Gemini API (OpenAPI 3.0 subset). */
const GEMINI_SCHEMA_FIELDS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum',
]);
const GEMINI_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
/** Formats the API accepts: `enum`/`date-time` for strings, `int32`/`int64` for integers, `float`/`double` for numbers. */
const GEMINI_FORMATS = new Set(['enum', 'date-time', 'int32', 'int64', 'float', 'double']);

/** Problems of an input schema sent as `FunctionDeclaration.parameters`. */
export function geminiParametersProblems(inputSchema: Schema): Problems {
  const problems: Problems = [];
  if ('anyOf' in inputSchema) problems.push('$: anyOf at the root');
  walk(inputSchema, '$', (s, at) => {
    for (const k of Object.keys(s)) if (!GEMINI_SCHEMA_FIELDS.has(k)) problems.push(`${at}: field \`${k}\` is not in Gemini's Schema`);
    if (!('anyOf' in s)) {
      if (typeof s.type !== 'string') problems.push(`${at}: needs one type (got ${JSON.stringify(s.type)})`);
      else if (!GEMINI_TYPES.has(s.type)) problems.push(`${at}: type ${s.type}`);
    }
    if (s.type === 'object' && !(isRecord(s.properties) && Object.keys(s.properties).length)) problems.push(`${at}: object without properties`);
    if (s.type === 'array' && !isRecord(s.items)) problems.push(`${at}: array without items`);
    if (typeof s.format === 'string' && !GEMINI_FORMATS.has(s.format)) problems.push(`${at}: format ${s.format}`);
    if (Array.isArray(s.enum) && s.enum.some((v) => typeof v !== 'string')) problems.push(`${at}: enum values must be strings`);
  });
  return problems;
}

/** Keywords `parametersJsonSchema` supports (FunctionDeclaration docs), plus annotations it ignores. */
const GEMINI_JSON_SCHEMA_KEYWORDS = new Set([
  '$id', '$defs', '$ref', '$anchor', 'type', 'format', 'title', 'description', 'enum', 'items', 'prefixItems',
  'minItems', 'maxItems', 'minimum', 'maximum', 'anyOf', 'oneOf', 'properties', 'additionalProperties', 'required',
  'propertyOrdering',
]);

/** Problems of an input schema sent as `FunctionDeclaration.parametersJsonSchema`. */
export function geminiJsonSchemaProblems(inputSchema: Schema): Problems {
  const problems: Problems = [];
  if (inputSchema.type !== 'object') problems.push('$: the root must be an object');
  walk(inputSchema, '$', (s, at) => {
    for (const k of Object.keys(s)) if (!GEMINI_JSON_SCHEMA_KEYWORDS.has(k)) problems.push(`${at}: keyword \`${k}\` is not supported`);
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Anthropic, and names.

/** Anthropic's `name` pattern for client tools. */
export const ANTHROPIC_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Problems of a tool sent to the Messages API as a client tool. */
export function anthropicProblems(tool: { name: string; inputSchema: Schema }): Problems {
  const problems: Problems = [];
  if (!ANTHROPIC_NAME.test(tool.name)) problems.push(`name ${tool.name} does not match ${ANTHROPIC_NAME}`);
  if (tool.inputSchema.type !== 'object') problems.push('input_schema: the root must be type object');
  for (const k of ['oneOf', 'allOf', 'anyOf']) if (k in tool.inputSchema) problems.push(`input_schema: ${k} at the top level`);
  // input_schema is JSON Schema draft 2020-12.
  try {
    new Ajv2020({ strict: false }).compile(tool.inputSchema);
  } catch (err) {
    problems.push(`input_schema is not valid JSON Schema 2020-12: ${(err as Error).message}`);
  }
  return problems;
}

/**
 * The gateway's own rule, which every dialect above needs in some form: each object node a model sees names its
 * properties (no free-form `{type: object}`), and each node has one type.
 */
export function shapeProblems(inputSchema: Schema): Problems {
  const problems: Problems = [];
  walk(inputSchema, '$', (s, at) => {
    if (typeof s.type !== 'string') problems.push(`${at}: needs one type (got ${JSON.stringify(s.type)})`);
    const declared = isRecord(s.properties) && Object.keys(s.properties).length > 0;
    if (s.type === 'object' && !declared && !isRecord(s.additionalProperties)) problems.push(`${at}: object with neither properties nor typed values`);
  });
  return problems;
}

/**
 * The prefixes hosts put before a tool's name when they hand it to a model, for a server registered as
 * `argocd-mcp-gateway` (the name our docs use). The model APIs allow 64 characters.
 * - Claude Code: `mcp__<server>__<tool>` (docs.anthropic.com/en/docs/claude-code/mcp, "MCP tools").
 * - OpenAI Codex CLI: `mcp__<server>__<tool>` (openai/codex codex-rs/core/src/mcp_connection_manager.rs, `MCP_TOOL_NAME_DELIMITER`).
 * - VS Code (Copilot Chat): `mcp_<server>_<tool>`.
 * - GitHub Copilot CLI: `<server>-<tool>`.
 * - Gemini CLI: `<server>__<tool>` when names collide.
 */
export const CLIENT_PREFIXES: Record<string, string> = {
  'Claude Code': 'mcp__argocd-mcp-gateway__',
  'Codex CLI': 'mcp__argocd-mcp-gateway__',
  'VS Code': 'mcp_argocd-mcp-gateway_',
  'Copilot CLI': 'argocd-mcp-gateway-',
  'Gemini CLI': 'argocd-mcp-gateway__',
};

/** Problems of a tool name once the longest client prefix is put before it. */
export function nameProblems(name: string): Problems {
  const longest = Object.entries(CLIENT_PREFIXES).sort(([, a], [, b]) => b.length - a.length)[0];
  const full = `${longest[1]}${name}`;
  return ANTHROPIC_NAME.test(full) ? [] : [`${full} (${longest[0]}) has ${full.length} characters or invalid ones (at most 64)`];
}
