/**
 * Argument validation against the full-depth input schema (ajv, draft-04 as Swagger uses), compiled lazily per
 * tool on its first call. Every problem is reported at once, naming the argument path, what was expected, and
 * what was given.
 */
import AjvDraft04 from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { loadValidationCatalogue } from '../catalogue/load-catalogue.ts';
import type { JsonSchema } from '../catalogue/types.ts';

// ajv-draft-04 is CommonJS: under NodeNext its default import is the module, whose `default` is the class.
const Ajv = ((AjvDraft04 as unknown as { default?: typeof AjvDraft04 }).default ?? AjvDraft04) as unknown as typeof AjvDraft04.default;
type Ajv = InstanceType<typeof Ajv>;

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  const v = loadValidationCatalogue();
  // strict off: Swagger schemas use draft-04 type unions and formats ajv does not know.
  ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  ajv.addSchema({ id: v.id, definitions: v.definitions });
  return ajv;
}

/** The compiled validator of one tool (its full schema from generated/validation.gen.json, or a given one). */
export function validatorFor(toolName: string, schema?: JsonSchema): ValidateFunction {
  const cached = compiled.get(toolName);
  if (cached) return cached;
  const full = schema ?? loadValidationCatalogue().tools[toolName];
  if (!full) throw new Error(`no validation schema for tool ${toolName}`);
  const fn = instance().compile(full);
  compiled.set(toolName, fn);
  return fn;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

function argPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

function valueAt(data: unknown, instancePath: string): unknown {
  let cur: unknown = data;
  for (const seg of instancePath.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function closest(name: string, options: string[]): string | undefined {
  const lower = name.toLowerCase();
  return options.find((o) => o.toLowerCase() === lower) ?? options.find((o) => o.toLowerCase().startsWith(lower.slice(0, 4)));
}

/** ajv errors → one readable line each, without the noise of `anyOf` branches. */
export function formatValidationErrors(errors: ErrorObject[], data: unknown, schema?: JsonSchema): string[] {
  const lines = new Set<string>();
  const topProps = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
  for (const e of errors) {
    const where = argPath(e.instancePath);
    const given = valueAt(data, e.instancePath);
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        lines.add(where ? `\`${where}.${missing}\` is required` : `missing required argument \`${missing}\``);
        break;
      }
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        if (!where) {
          const hint = closest(extra, topProps);
          lines.add(`unknown argument \`${extra}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}`);
        } else lines.add(`\`${where}\` has an unknown field \`${extra}\``);
        break;
      }
      case 'type':
        lines.add(`\`${where || 'arguments'}\` must be ${String((e.params as { type: string | string[] }).type).replace(',', ' or ')} (got ${describe(given)})`);
        break;
      case 'enum':
        lines.add(`\`${where}\` must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(given)})`);
        break;
      case 'pattern':
        lines.add(`\`${where}\` must match ${(e.params as { pattern: string }).pattern} (got ${describe(given)})`);
        break;
      case 'minLength':
        lines.add(`\`${where}\` must not be empty`);
        break;
      default:
        lines.add(`\`${where || 'arguments'}\` ${e.message ?? 'is invalid'} (got ${describe(given)})`);
    }
  }
  return [...lines];
}
