/**
 * A `query` argument, compiled once: JMESPath (Community edition, jmespath.site) through @jmespath-community/jmespath,
 * with what the library leaves out added here: the place of every syntax error (the library throws messages without
 * positions), unknown functions and wrong argument counts found before Argo CD is asked, and a bound on the
 * expression's length. Nothing here runs an expression: evaluate.ts does, within a budget.
 */
import { TreeInterpreter, compile, tokenize } from '@jmespath-community/jmespath';
import { queryError } from './query-error.ts';
import type { QueryError } from './query-error.ts';
import { QUERY_LIMITS } from './limits.ts';

/** A node of the library's syntax tree (its type is not exported by name). */
export type ExpressionNode = ReturnType<typeof compile>;

export interface CompiledQuery {
  expression: string;
  ast: ExpressionNode;
  /** Where each function call starts in the expression, to point a runtime error at it. */
  calls: Map<ExpressionNode, number>;
  /** Where each `$name` starts (its first use). */
  variables: Map<string, number>;
}

export type Compiled = { ok: true; query: CompiledQuery } | { ok: false; error: QueryError };

const SYNTAX_HINT = 'JMESPath syntax: jmespath.site (e.g. items[?status.sync.status==\'OutOfSync\'].metadata.name).';

type Token = ReturnType<typeof tokenize>[number];
type FunctionTable = Record<string, { _signature: Array<{ optional?: boolean; variadic?: boolean }> }>;

/** The library's function table (built-ins), for names and arities. */
const FUNCTIONS = (TreeInterpreter.runtime as unknown as { _functionTable: FunctionTable })._functionTable;

const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string) => c >= '0' && c <= '9';
/** Characters the lexer (src/Lexer.ts) accepts outside quotes. */
const OPERATORS = new Set([...'()*,.:@[]{}+%?\u2212\u00d7\u00f7!<=>&|/$-', ' ', '\t', '\n', '\r']);

/** Whether a `…` literal's text is JSON the lexer accepts (legacy unquoted literals are off). */
function validLiteral(text: string): boolean {
  try {
    JSON.parse(text.replace(/\\`/g, '`'));
    return true;
  } catch {
    return false;
  }
}

/** Where the lexer stopped: an unterminated quote or literal, an invalid JSON literal, or an unknown character. */
function lexErrorPosition(expression: string): { position: number; message: string } | undefined {
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expression.length && expression[j] !== c) j += expression[j] === '\\' ? 2 : 1;
      const kind = c === '"' ? 'quoted identifier' : c === "'" ? 'string' : 'JSON literal';
      if (j >= expression.length) return { position: i, message: `has an unterminated ${kind} (no closing ${c})` };
      if (c === '`' && !validLiteral(expression.slice(i + 1, j))) {
        return { position: i, message: 'has a JSON literal that is not JSON (strings inside backquotes need double quotes: `"x"`, or use \'x\')' };
      }
      i = j;
      continue;
    }
    if (isAlpha(c) || isDigit(c) || OPERATORS.has(c)) continue;
    return { position: i, message: `has an unexpected character ${JSON.stringify(c)}` };
  }
  return undefined;
}

const parses = (text: string): { ok: true } | { ok: false; message: string } => {
  try {
    compile(text);
    return { ok: true };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
};

/** The library's message without its "Syntax error: " prefix. */
const bare = (message: string) => message.replace(/^Syntax error:\s*/i, '');

/**
 * The token the parser failed on: the first token whose prefix (the expression up to and including it) already fails
 * on something other than the end of input. The parser reads left to right with a lookahead of at most two tokens,
 * so that prefix fails there for the same reason; a prefix that only runs out of input is not the error's place.
 */
function parseErrorPosition(expression: string, tokens: Token[]): number {
  for (let k = 0; k < tokens.length; k++) {
    const end = k + 1 < tokens.length ? tokens[k + 1].start : expression.length;
    const parsed = parses(expression.slice(0, end));
    if (!parsed.ok && !/\bEOF\b|end of (input|expression)/i.test(parsed.message)) return tokens[k].start;
  }
  return expression.length;
}

/** Children of a node in the order they appear in the expression. */
function childrenOf(node: ExpressionNode): ExpressionNode[] {
  const n = node as unknown as Record<string, unknown>;
  switch (node.type) {
    case 'FilterProjection':
      return [n.left, n.condition, n.right] as ExpressionNode[];
    case 'Ternary':
      return [n.condition, n.trueExpr, n.falseExpr] as ExpressionNode[];
    case 'LetExpression':
      return [...(n.bindings as ExpressionNode[]), n.expression as ExpressionNode];
    case 'Binding':
      return [n.reference as ExpressionNode];
    case 'KeyValuePair' as string:
      return [n.value as ExpressionNode];
    case 'Unary':
      return [n.operand as ExpressionNode];
    default: {
      const out: ExpressionNode[] = [];
      if (n.left) out.push(n.left as ExpressionNode);
      if (n.child) out.push(n.child as ExpressionNode);
      if (n.right) out.push(n.right as ExpressionNode);
      if (Array.isArray(n.children)) out.push(...(n.children as ExpressionNode[]));
      return out;
    }
  }
}

function functionNodes(node: ExpressionNode, out: ExpressionNode[] = []): ExpressionNode[] {
  if (node.type === 'Function') out.push(node);
  for (const child of childrenOf(node)) if (child && typeof child === 'object') functionNodes(child, out);
  return out;
}

/** How many arguments a function takes: [least, most]. */
function arity(name: string): [number, number] {
  const signature = FUNCTIONS[name]._signature;
  const least = signature.filter((s) => !s.optional && !s.variadic).length;
  return [least, signature.some((s) => s.variadic) ? Number.POSITIVE_INFINITY : signature.length];
}

const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;

/** Compiles a `query` argument, or says what is wrong and where. */
export function compileQuery(expression: string): Compiled {
  const fail = (message: string, position?: number, hint: string | undefined = SYNTAX_HINT): Compiled => ({
    ok: false,
    error: queryError({ expression, message, position, hint }),
  });
  if (expression.trim() === '') return fail('is empty; give a JMESPath expression, or leave `query` out', undefined);
  if (expression.length > QUERY_LIMITS.expressionChars) {
    return fail(`is ${expression.length} characters long; at most ${QUERY_LIMITS.expressionChars} are accepted`, QUERY_LIMITS.expressionChars, undefined);
  }
  let tokens: Token[];
  try {
    tokens = tokenize(expression);
  } catch (err) {
    const found = lexErrorPosition(expression);
    return found ? fail(found.message, found.position) : fail(`is not valid JMESPath: ${bare((err as Error).message)}`);
  }
  let ast: ExpressionNode;
  try {
    ast = compile(expression);
  } catch (err) {
    // The lexer reads an unterminated 'string' to the end; saying so beats the parser's "got: EOF".
    const unterminated = lexErrorPosition(expression);
    if (unterminated) return fail(unterminated.message, unterminated.position);
    return fail(`is not valid JMESPath: ${bare((err as Error).message)}`, parseErrorPosition(expression, tokens));
  }

  // Function calls in source order: an identifier followed by "(" is a call (the grammar has no other use for it).
  const callTokens = tokens.filter((t, i) => t.type === 'UnquotedIdentifier' && tokens[i + 1]?.type === 'Lparen');
  const nodes = functionNodes(ast);
  const calls = new Map<ExpressionNode, number>();
  nodes.forEach((node, i) => {
    const name = (node as { name: string }).name;
    const token = callTokens[i]?.value === name ? callTokens[i] : callTokens.find((t) => t.value === name);
    if (token) calls.set(node, token.start);
  });
  const variables = new Map<string, number>();
  for (const t of tokens) if (t.type === 'Variable' && !variables.has(String(t.value))) variables.set(String(t.value), t.start);

  for (const node of nodes) {
    const { name, children } = node as { name: string; children: unknown[] };
    if (!Object.hasOwn(FUNCTIONS, name)) {
      return fail(`calls an unknown function ${name}()`, calls.get(node), `Functions: ${Object.keys(FUNCTIONS).sort().join(', ')}.`);
    }
    const [least, most] = arity(name);
    if (children.length < least || children.length > most) {
      const takes = least === most ? plural(least) : most === Number.POSITIVE_INFINITY ? `at least ${plural(least)}` : `${least} to ${most} arguments`;
      return fail(`calls ${name}() with ${plural(children.length)}; it takes ${takes}`, calls.get(node), 'Functions and their arguments: jmespath.site (Functions).');
    }
  }
  return { ok: true, query: { expression, ast, calls, variables } };
}
