/**
 * `null` for an optional argument means "not given". An OpenAI strict-mode model must send every property, so it
 * sends `null` for each optional one it does not use (the Agents SDK's conversion makes them `anyOf [T, null]`);
 * Argo CD itself reads a JSON `null` field as unset (grpc-gateway decodes bodies with protojson, which skips a field
 * whose value is null: google.golang.org/protobuf encoding/protojson/decode.go, `unmarshalMessage`). So before
 * validation a null is dropped wherever the schema names the field; nulls inside free-form values (Helm values,
 * ApplicationSet list elements), where they may mean something, are kept.
 */
import { loadValidationCatalogue } from '../catalogue/load-catalogue.ts';
import type { JsonSchema } from '../catalogue/types.ts';

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `argocd-definitions#/definitions/v1alpha1Application` → its definition. */
function resolve(schema: JsonSchema, definitions: Record<string, JsonSchema>): JsonSchema {
  let s = schema;
  for (let i = 0; i < 8 && typeof s.$ref === 'string'; i++) {
    const name = s.$ref.slice(s.$ref.lastIndexOf('/') + 1);
    s = definitions[name] ?? {};
  }
  return s;
}

/**
 * `value` without the nulls of the fields `schema` names, at any depth (a new value; the input is not changed).
 * A required field sent as null is dropped too, so validation says it is missing.
 */
export function withoutNulls(value: unknown, schema: JsonSchema, definitions: Record<string, JsonSchema> = {}): unknown {
  const s = resolve(schema, definitions);
  if (Array.isArray(value)) {
    return isPlainObject(s.items) ? value.map((item) => withoutNulls(item, s.items as JsonSchema, definitions)) : value;
  }
  if (!isPlainObject(value) || !isPlainObject(s.properties)) return value;
  const props = s.properties as Record<string, JsonSchema>;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = Object.hasOwn(props, key) ? props[key] : undefined;
    if (!sub) out[key] = v;
    else if (v !== null) out[key] = withoutNulls(v, sub, definitions);
  }
  return out;
}

/** A tool's arguments without the nulls of named fields, by its full validation schema (or a composite's own). */
export function withoutNullArguments(toolName: string, args: Record<string, unknown>, schema?: JsonSchema): Record<string, unknown> {
  const catalogue = loadValidationCatalogue();
  return withoutNulls(args, schema ?? catalogue.tools[toolName] ?? {}, catalogue.definitions) as Record<string, unknown>;
}
