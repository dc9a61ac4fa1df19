/**
 * Runs a compiled query on a parsed answer within QUERY_LIMITS. The library's tree interpreter does the work; a
 * subclass sees every node it visits (`visit` recurses through `this`, and `let` scopes are built by `withScope`,
 * which the subclass overrides so they are bounded too), counts steps and time, and measures each value a node
 * builds. Field lookups read own properties only (`constructor` or `__proto__` of an answer is null, not
 * Object's), and `{__proto__: x}` builds a key rather than setting a prototype.
 */
import { TreeInterpreter } from '@jmespath-community/jmespath';
import type { JSONValue, compile } from '@jmespath-community/jmespath';

type ExpressionNode = ReturnType<typeof compile>;
import type { CompiledQuery } from './compile.ts';
import { QUERY_LIMITS } from './limits.ts';
import type { QueryLimits } from './limits.ts';
import { queryError } from './query-error.ts';
import type { QueryError } from './query-error.ts';

export type Evaluated = { ok: true; value: unknown } | { ok: false; error: QueryError };

type Interpreter = typeof TreeInterpreter;
interface Internals {
  _rootValue: unknown;
  _scope: { withScope(data: object): unknown };
  runtime: { _functionTable: Record<string, { _func: (args: unknown[]) => unknown; _signature: unknown[] }> };
}

/** Thrown when a bound is met; carries which one. */
class BudgetError extends Error {
  override name = 'BudgetError';
  /** Set when the function call being run is the cause (a growth guard), not a part of the expression before it. */
  constructor(message: string, readonly atCall = false) {
    super(message);
  }
}

/** Node types that build a new value (the others return a part of their input, a boolean, or a number). */
const BUILDERS = new Set(['Projection', 'ValueProjection', 'FilterProjection', 'Flatten', 'Slice', 'MultiSelectList', 'MultiSelectHash', 'Function']);

interface Budget {
  limits: QueryLimits;
  deadline: number;
  steps: number;
  built: number;
  /** JSON size of large values already measured (input parts and built values alike). */
  sizes: WeakMap<object, number>;
  /** The innermost function call that was running when an error was thrown. */
  failedCall?: ExpressionNode;
}

/** The budget of the evaluation running on this thread (evaluation is synchronous; one at a time). */
let budget: Budget | undefined;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Values smaller than this (in JSON characters) are measured again rather than remembered. */
const MEMO_MIN_CHARS = 1024;

/** JSON size of a value in characters, references expanded; memoized per large object; stops past `limit`. */
function sizeOf(value: unknown, b: Budget): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object') return String(value).length;
  const known = b.sizes.get(value);
  if (known !== undefined) return known;
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      size += sizeOf(item, b) + 1;
      if (size > b.limits.valueChars) break;
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      size += key.length + 4 + sizeOf((value as Record<string, unknown>)[key], b);
      if (size > b.limits.valueChars) break;
    }
  }
  // Only large values are remembered: a WeakMap entry per small object cost more than walking it again (a 1,500-app
  // list has ~10^6 of them), and the values a query can repeat into a huge one are large by then.
  if (size > MEMO_MIN_CHARS) b.sizes.set(value, size);
  return size;
}

function measure(value: unknown, b: Budget): void {
  if (Array.isArray(value)) b.built += value.length;
  else if (isObj(value)) b.built += Object.keys(value).length;
  else if (typeof value === 'string') b.built += Math.ceil(value.length / 16);
  if (b.built > b.limits.built) {
    throw new BudgetError(`builds more than ${b.limits.built.toLocaleString('en')} values; narrow it (filter before projecting, pick fewer fields)`);
  }
  if (typeof value === 'object' && value !== null && sizeOf(value, b) > b.limits.valueChars) {
    const size = b.limits.valueChars >= 1048576 ? `${Math.round(b.limits.valueChars / 1048576)} MB` : `${b.limits.valueChars} characters`;
    throw new BudgetError(`builds a value larger than ${size} of JSON; it repeats more than the answer holds`);
  }
}

/** Guards for the functions whose result can be far larger than their arguments. */
function guardGrowth(name: string, args: unknown[], b: Budget): void {
  let grows = 0;
  if (name === 'pad_left' || name === 'pad_right') grows = typeof args[1] === 'number' ? args[1] : 0;
  if (name === 'replace' && typeof args[0] === 'string' && typeof args[1] === 'string' && typeof args[2] === 'string') {
    const [subject, old, next] = args as string[];
    const times = old.length ? Math.floor(subject.length / old.length) : subject.length + 1;
    grows = subject.length + times * Math.max(0, next.length - old.length);
  }
  if (grows > b.limits.valueChars) {
    throw new BudgetError(`would build a string of ${grows.toLocaleString('en')} characters with ${name}(); at most ${b.limits.valueChars.toLocaleString('en')}`, true);
  }
}

const Base = TreeInterpreter.constructor as new () => Interpreter;

class BoundedInterpreter extends Base {
  constructor() {
    super();
    // The built-in table is this interpreter's own (Runtime builds one per interpreter): wrap the growing functions.
    const table = (this as unknown as Internals).runtime._functionTable;
    for (const name of ['pad_left', 'pad_right', 'replace']) {
      const entry = table[name];
      if (!entry) continue;
      const inner = entry._func;
      table[name] = {
        ...entry,
        _func: (args: unknown[]) => {
          if (budget) guardGrowth(name, args, budget);
          return inner(args);
        },
      };
    }
  }

  override withScope(scope: Record<string, JSONValue>): Interpreter {
    const next = new BoundedInterpreter();
    const self = this as unknown as Internals;
    const inner = next as unknown as Internals;
    inner.runtime._functionTable = self.runtime._functionTable;
    inner._rootValue = self._rootValue;
    inner._scope = self._scope.withScope(scope) as Internals['_scope'];
    return next;
  }

  override visit(node: ExpressionNode, value: JSONValue | ExpressionNode): ReturnType<Interpreter['visit']> {
    const b = budget!;
    if (++b.steps > b.limits.steps) throw new BudgetError(`takes more than ${b.limits.steps.toLocaleString('en')} steps; narrow it`);
    if ((b.steps & 4095) === 0 && performance.now() > b.deadline) throw new BudgetError(`took longer than ${b.limits.timeMs} ms; narrow it`);
    if (node.type === 'Field') {
      const name = (node as { name: string }).name;
      return isObj(value) && Object.hasOwn(value, name) ? ((value as Record<string, JSONValue>)[name] ?? null) : null;
    }
    if (node.type === 'MultiSelectHash') {
      const out: Record<string, JSONValue> = {};
      for (const child of (node as { children: Array<{ name: string; value: ExpressionNode }> }).children) {
        Object.defineProperty(out, child.name, { value: this.visit(child.value, value), enumerable: true, writable: true, configurable: true });
      }
      measure(out, b);
      return out;
    }
    let out: ReturnType<Interpreter['visit']>;
    if (node.type === 'Function') {
      try {
        out = super.visit(node, value);
      } catch (err) {
        if ((!(err instanceof BudgetError) || err.atCall) && b.failedCall === undefined) b.failedCall = node;
        throw err;
      }
    } else {
      out = super.visit(node, value);
    }
    if (BUILDERS.has(node.type)) measure(out, b);
    return out;
  }
}

const interpreter = new BoundedInterpreter();

/** Runs a compiled query on a value (Argo CD's parsed answer); errors point at the function call that failed. */
export function evaluateQuery(query: CompiledQuery, data: unknown, limits: Partial<QueryLimits> = {}): Evaluated {
  const b: Budget = { limits: { ...QUERY_LIMITS, ...limits }, deadline: 0, steps: 0, built: 0, sizes: new WeakMap() };
  b.deadline = performance.now() + b.limits.timeMs;
  const outer = budget;
  budget = b;
  try {
    const value = interpreter.search(query.ast, (data ?? null) as JSONValue);
    return { ok: true, value };
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof BudgetError) {
      return { ok: false, error: queryError({ expression: query.expression, message: `${message}. Bounds: docs/query.md`, position: b.failedCall ? query.calls.get(b.failedCall) : undefined }) };
    }
    if (err instanceof RangeError) {
      return { ok: false, error: queryError({ expression: query.expression, message: `is too large to evaluate (${message}); narrow it` }) };
    }
    const variable = /undefined variable \$?(\w+)/.exec(message)?.[1];
    const position = b.failedCall ? query.calls.get(b.failedCall) : variable !== undefined ? query.variables.get(variable) : undefined;
    return { ok: false, error: queryError({ expression: query.expression, message: `failed on this answer: ${message.replace(/^\w*Error:\s*/, '')}`, position }) };
  } finally {
    budget = outer;
  }
}
