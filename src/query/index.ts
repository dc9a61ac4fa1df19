/** JMESPath `query` on tool answers: compile once (with error positions), evaluate within bounds. */
export { compileQuery } from './compile.ts';
export type { Compiled, CompiledQuery } from './compile.ts';
export { evaluateQuery } from './evaluate.ts';
export type { Evaluated } from './evaluate.ts';
export { QUERY_LIMITS } from './limits.ts';
export type { QueryLimits } from './limits.ts';
export type { QueryError } from './query-error.ts';

/**
 * The advertised schema of a `query` argument that is JMESPath (no description: the server instructions describe it
 * once). A workflow whose own `query` means something else (find_app's name fragment) keeps its own schema, and the
 * gateway runs JMESPath only where the schema is this very object.
 */
export const QUERY_ARG_SCHEMA: Readonly<{ type: 'string' }> = Object.freeze({ type: 'string' });

import { compileQuery } from './compile.ts';
import { evaluateQuery } from './evaluate.ts';
import type { Evaluated } from './evaluate.ts';
import type { QueryLimits } from './limits.ts';

/** Compiles (cached per expression) and runs a query. */
const cache = new Map<string, ReturnType<typeof compileQuery>>();
export function runQuery(expression: string, data: unknown, limits?: Partial<QueryLimits>): Evaluated {
  let compiled = cache.get(expression);
  if (!compiled) {
    compiled = compileQuery(expression);
    if (cache.size >= 256) cache.delete(cache.keys().next().value!);
    cache.set(expression, compiled);
  }
  return compiled.ok ? evaluateQuery(compiled.query, data, limits) : compiled;
}
