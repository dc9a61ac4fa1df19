/** Builds `metadata.managedFields[].fieldsV1` trees (the `f:`/`k:`/`v:` structured-merge-diff format). */
import type { JsonObject } from '../types.ts';

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listKey(item: JsonObject): string | undefined {
  const keys = ['group', 'kind', 'name', 'namespace', 'version', 'id', 'revision'].filter((k) => k in item && typeof item[k] !== 'object');
  if (keys.length === 0) return undefined;
  const key: JsonObject = {};
  for (const k of keys) key[k] = item[k];
  return `k:${JSON.stringify(key)}`;
}

/** The fieldsV1 set describing every field of value. */
export function toFieldsV1(value: unknown, isMap = false): JsonObject {
  const out: JsonObject = {};
  if (isPlainObject(value)) {
    if (isMap) out['.'] = {};
    for (const [key, v] of Object.entries(value)) {
      const childIsMap = key === 'labels' || key === 'annotations' || key === 'data' || key === 'commonLabels' || key === 'selector';
      out[`f:${key}`] = isPlainObject(v) || Array.isArray(v) ? toFieldsV1(v, childIsMap) : {};
    }
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (isPlainObject(item)) {
        const key = listKey(item) ?? `i:${i}`;
        out[key] = { '.': {}, ...toFieldsV1(item) };
      } else if (item !== null && typeof item !== 'object') {
        out[`v:${JSON.stringify(item)}`] = {};
      }
    });
  }
  return out;
}
