/**
 * A minimal renderer for this chart's templates, used because no `helm` binary can be installed here (neither
 * Debian nor npm ship one). It implements only the Go text/template and Helm constructs the chart uses, with Go's
 * and Helm's semantics, and throws on anything else so a template cannot silently use an unsupported construct:
 *
 *   actions      {{ pipeline }}, {{- … -}} whitespace trimming, {{/* comments *\/}}
 *   control      if / else if / else / end, with / else / end, range (lists in order, maps by sorted key), define,
 *                $var := pipeline, $var = pipeline, $ (the root)
 *   operands     . .a.b $x $x.a $.a "strings" numbers true false nil (pipeline)
 *   functions    and or not eq ne default contains printf(%s %d %v) replace trunc trimSuffix quote toYaml indent
 *                nindent include sha256sum fail required
 *   Helm         .Values (values.yaml deep-merged with overrides; null deletes), .Chart (Chart.yaml fields,
 *                capitalised), .Release (Name, Namespace, Service, IsInstall, Revision); a missing map key prints
 *                as "" (Helm's missingkey=zero plus its "<no value>" removal); a field of nil is an error, as in Go.
 *
 * toYaml uses the `yaml` package with sorted keys and unindented sequences, which is how sigs.k8s.io/yaml writes
 * (quoting may differ, the parsed value does not).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

type Value = unknown;
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe }
  | { kind: 'assign'; name: string; declare: boolean; pipe: Pipe }
  | { kind: 'if'; branches: Array<{ pipe: Pipe; body: Node[] }>; otherwise?: Node[] }
  | { kind: 'with'; pipe: Pipe; body: Node[]; otherwise?: Node[] }
  | { kind: 'range'; keyVar?: string; valueVar?: string; pipe: Pipe; body: Node[]; otherwise?: Node[] };
type Operand =
  | { kind: 'field'; base: 'dot' | { variable: string }; path: string[] }
  | { kind: 'literal'; value: Value }
  | { kind: 'paren'; pipe: Pipe; path: string[] }
  | { kind: 'ident'; name: string };
type Command = Operand[];
type Pipe = Command[];

export class TemplateError extends Error {
  override name = 'TemplateError';
}

// ---------- lexing --------------------------------------------------------------------------------------------

interface RawToken {
  kind: 'text' | 'action';
  text: string;
  where: string;
}

/** Splits a template into text and actions, applying {{- and -}} trimming. */
function splitActions(source: string, file: string): RawToken[] {
  const out: RawToken[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: source.slice(i), where: file });
      break;
    }
    let text = source.slice(i, open);
    let start = open + 2;
    if (source[start] === '-' && /\s/.test(source[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 2;
    }
    out.push({ kind: 'text', text, where: file });
    const close = source.startsWith('/*', start) || source.startsWith('/*', start + 1)
      ? source.indexOf('*/', start) + 2
      : start;
    const end = source.indexOf('}}', close);
    if (end < 0) throw new TemplateError(`${file}: unclosed action`);
    let body = source.slice(start, end);
    let next = end + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -2);
      const m = /^\s*/.exec(source.slice(next))!;
      next += m[0].length;
    }
    const line = source.slice(0, open).split('\n').length;
    out.push({ kind: 'action', text: body.trim(), where: `${file}:${line}` });
    i = next;
  }
  return out;
}

type Tok = { t: 'field'; v: string } | { t: 'var'; v: string } | { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'ident'; v: string } | { t: 'punct'; v: string };

function tokenize(text: string, where: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^:=/.exec(rest)) || (m = /^[|(),=]/.exec(rest))) {
      toks.push({ t: 'punct', v: m[0] });
    } else if ((m = /^"((?:[^"\\]|\\.)*)"/.exec(rest))) {
      toks.push({ t: 'str', v: JSON.parse(`"${m[1]}"`) as string });
    } else if ((m = /^`([^`]*)`/.exec(rest))) {
      toks.push({ t: 'str', v: m[1] });
    } else if ((m = /^-?\d+(\.\d+)?/.exec(rest))) {
      toks.push({ t: 'num', v: Number(m[0]) });
    } else if ((m = /^\$[A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*/.exec(rest))) {
      toks.push({ t: 'var', v: m[0] });
    } else if ((m = /^(\.[A-Za-z0-9_]+)+|^\./.exec(rest))) {
      toks.push({ t: 'field', v: m[0] });
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      toks.push({ t: 'ident', v: m[0] });
    } else {
      throw new TemplateError(`${where}: unsupported syntax at "${rest.slice(0, 20)}"`);
    }
    i += m[0].length;
  }
  return toks;
}

// ---------- parsing -------------------------------------------------------------------------------------------

function parsePipe(toks: Tok[], where: string): Pipe {
  let pos = 0;
  const pipe = (): Pipe => {
    const cmds: Pipe = [[]];
    while (pos < toks.length) {
      const tok = toks[pos];
      if (tok.t === 'punct' && tok.v === ')') break;
      if (tok.t === 'punct' && tok.v === '|') {
        pos++;
        cmds.push([]);
        continue;
      }
      cmds[cmds.length - 1].push(operand());
    }
    if (cmds.some((c) => !c.length)) throw new TemplateError(`${where}: empty command in pipeline`);
    return cmds;
  };
  const operand = (): Operand => {
    const tok = toks[pos++];
    switch (tok.t) {
      case 'str':
      case 'num':
        return { kind: 'literal', value: tok.v };
      case 'field':
        return { kind: 'field', base: 'dot', path: tok.v === '.' ? [] : tok.v.slice(1).split('.') };
      case 'var': {
        const [name, ...p] = tok.v.split('.');
        return { kind: 'field', base: { variable: name }, path: p };
      }
      case 'ident':
        if (tok.v === 'true' || tok.v === 'false') return { kind: 'literal', value: tok.v === 'true' };
        if (tok.v === 'nil') return { kind: 'literal', value: null };
        return { kind: 'ident', name: tok.v };
      case 'punct':
        if (tok.v === '(') {
          const inner = pipe();
          const close = toks[pos++];
          if (!close || close.v !== ')') throw new TemplateError(`${where}: missing )`);
          return { kind: 'paren', pipe: inner, path: [] };
        }
    }
    throw new TemplateError(`${where}: unexpected "${String(tok.v)}"`);
  };
  const result = pipe();
  if (pos !== toks.length) throw new TemplateError(`${where}: unexpected "${String(toks[pos].v)}"`);
  return result;
}

interface Parsed {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

function parseTemplate(source: string, file: string, defines: Map<string, Node[]>): Node[] {
  const raw = splitActions(source, file);
  let pos = 0;
  /** Parses nodes until one of `stops` (an action keyword) and returns which one ended the list. */
  const block = (stops: string[]): { nodes: Node[]; stop?: RawToken } => {
    const nodes: Node[] = [];
    while (pos < raw.length) {
      const tok = raw[pos++];
      if (tok.kind === 'text') {
        if (tok.text) nodes.push({ kind: 'text', text: tok.text });
        continue;
      }
      const text = tok.text;
      if (text.startsWith('/*')) continue;
      const word = /^[a-z]+/.exec(text)?.[0] ?? '';
      if (stops.includes(word)) return { nodes, stop: tok };
      if (word === 'if') {
        const branches: Array<{ pipe: Pipe; body: Node[] }> = [];
        let cond = text.slice(2);
        let otherwise: Node[] | undefined;
        for (;;) {
          const inner = block(['else', 'end']);
          branches.push({ pipe: parsePipe(tokenize(cond, tok.where), tok.where), body: inner.nodes });
          if (!inner.stop) throw new TemplateError(`${tok.where}: if without end`);
          if (inner.stop.text === 'end') break;
          const elseText = inner.stop.text.slice(4).trim();
          if (elseText.startsWith('if ')) {
            cond = elseText.slice(3);
            continue;
          }
          if (elseText) throw new TemplateError(`${inner.stop.where}: unsupported else form`);
          const last = block(['end']);
          if (!last.stop) throw new TemplateError(`${tok.where}: if without end`);
          otherwise = last.nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if (word === 'with' || word === 'range') {
        let head = text.slice(word.length).trim();
        let keyVar: string | undefined;
        let valueVar: string | undefined;
        const decl = /^(\$\w+)(?:\s*,\s*(\$\w+))?\s*:=\s*/.exec(head);
        if (decl) {
          if (word !== 'range') throw new TemplateError(`${tok.where}: variables in with are not supported`);
          if (decl[2]) [keyVar, valueVar] = [decl[1], decl[2]];
          else valueVar = decl[1];
          head = head.slice(decl[0].length);
        }
        const inner = block(['else', 'end']);
        if (!inner.stop) throw new TemplateError(`${tok.where}: ${word} without end`);
        let otherwise: Node[] | undefined;
        if (inner.stop.text !== 'end') {
          if (inner.stop.text !== 'else') throw new TemplateError(`${inner.stop.where}: unsupported else form`);
          const last = block(['end']);
          if (!last.stop) throw new TemplateError(`${tok.where}: ${word} without end`);
          otherwise = last.nodes;
        }
        const pipe = parsePipe(tokenize(head, tok.where), tok.where);
        nodes.push(word === 'with' ? { kind: 'with', pipe, body: inner.nodes, otherwise } : { kind: 'range', keyVar, valueVar, pipe, body: inner.nodes, otherwise });
      } else if (word === 'define') {
        const name = /^define\s+"([^"]+)"$/.exec(text)?.[1];
        if (!name) throw new TemplateError(`${tok.where}: define needs a quoted name`);
        const inner = block(['end']);
        if (!inner.stop) throw new TemplateError(`${tok.where}: define without end`);
        defines.set(name, inner.nodes);
      } else if (['else', 'end', 'template', 'block', 'break', 'continue'].includes(word)) {
        throw new TemplateError(`${tok.where}: unexpected or unsupported "${word}"`);
      } else {
        const assign = /^(\$\w+)\s*(:=|=)\s*/.exec(text);
        if (assign) {
          nodes.push({ kind: 'assign', name: assign[1], declare: assign[2] === ':=', pipe: parsePipe(tokenize(text.slice(assign[0].length), tok.where), tok.where) });
        } else {
          nodes.push({ kind: 'action', pipe: parsePipe(tokenize(text, tok.where), tok.where) });
        }
      }
    }
    return { nodes };
  };
  const { nodes, stop } = block([]);
  if (stop) throw new TemplateError(`${stop.where}: unexpected ${stop.text}`);
  return nodes;
}

// ---------- evaluation ----------------------------------------------------------------------------------------

/** Go's truth: false, 0, nil, "" and empty maps and lists are false. */
export function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function printValue(v: Value, where: string): string {
  if (v === undefined || v === null) return ''; // Helm removes "<no value>"
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${where}: printing a ${Array.isArray(v) ? 'list' : 'map'} directly (use toYaml)`);
}

function toYaml(v: Value): string {
  if (v === undefined || v === null) return 'null';
  return stringifyYaml(v, { sortMapEntries: true, indentSeq: false, lineWidth: 0, singleQuote: true }).replace(/\n$/, '');
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return s.split('\n').map((l) => pad + l).join('\n');
}

function goPrintf(format: string, args: Value[], where: string): string {
  let i = 0;
  return format.replace(/%([sdv%])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new TemplateError(`${where}: printf: missing argument`);
    return printValue(args[i++], where);
  });
}

interface Scope {
  vars: Map<string, Value>;
  parent?: Scope;
}

function lookupVar(scope: Scope | undefined, name: string): Scope | undefined {
  for (let s = scope; s; s = s.parent) if (s.vars.has(name)) return s;
  return undefined;
}

export class Renderer {
  readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();

  add(file: string, source: string): void {
    this.files.set(file, parseTemplate(source, file, this.defines));
  }

  render(file: string, data: Value): string {
    const nodes = this.files.get(file);
    if (!nodes) throw new TemplateError(`no template ${file}`);
    return this.exec(nodes, data, { vars: new Map([['$', data]]) }, file);
  }

  private exec(nodes: Node[], dot: Value, scope: Scope, where: string): string {
    let out = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out += node.text;
          break;
        case 'action':
          out += printValue(this.pipe(node.pipe, dot, scope, where), where);
          break;
        case 'assign': {
          const value = this.pipe(node.pipe, dot, scope, where);
          if (node.declare) scope.vars.set(node.name, value);
          else {
            const owner = lookupVar(scope, node.name);
            if (!owner) throw new TemplateError(`${where}: undefined variable ${node.name}`);
            owner.vars.set(node.name, value);
          }
          break;
        }
        case 'if': {
          const branch = node.branches.find((b) => truthy(this.pipe(b.pipe, dot, scope, where)));
          const body = branch ? branch.body : node.otherwise;
          if (body) out += this.exec(body, dot, { vars: new Map(), parent: scope }, where);
          break;
        }
        case 'with': {
          const value = this.pipe(node.pipe, dot, scope, where);
          if (truthy(value)) out += this.exec(node.body, value, { vars: new Map(), parent: scope }, where);
          else if (node.otherwise) out += this.exec(node.otherwise, dot, { vars: new Map(), parent: scope }, where);
          break;
        }
        case 'range': {
          const value = this.pipe(node.pipe, dot, scope, where);
          const entries: Array<[Value, Value]> = Array.isArray(value)
            ? value.map((v, i) => [i, v])
            : value && typeof value === 'object'
              ? Object.keys(value).sort().map((k) => [k, (value as Record<string, Value>)[k]])
              : value === undefined || value === null
                ? []
                : (() => {
                    throw new TemplateError(`${where}: range over ${typeof value}`);
                  })();
          if (!entries.length && node.otherwise) out += this.exec(node.otherwise, dot, { vars: new Map(), parent: scope }, where);
          for (const [k, v] of entries) {
            const vars = new Map<string, Value>();
            if (node.keyVar) vars.set(node.keyVar, k);
            if (node.valueVar) vars.set(node.valueVar, v);
            out += this.exec(node.body, v, { vars, parent: scope }, where);
          }
          break;
        }
      }
    }
    return out;
  }

  private pipe(pipe: Pipe, dot: Value, scope: Scope, where: string): Value {
    let prev: Value = undefined;
    pipe.forEach((cmd, i) => {
      prev = this.command(cmd, dot, scope, where, i > 0 ? [prev] : []);
    });
    return prev;
  }

  private operand(op: Operand, dot: Value, scope: Scope, where: string): Value {
    switch (op.kind) {
      case 'literal':
        return op.value;
      case 'paren':
        return this.pipe(op.pipe, dot, scope, where);
      case 'ident':
        return this.call(op.name, [], dot, where);
      case 'field': {
        let value: Value;
        if (op.base === 'dot') value = dot;
        else {
          const owner = lookupVar(scope, op.base.variable);
          if (!owner) throw new TemplateError(`${where}: undefined variable ${op.base.variable}`);
          value = owner.vars.get(op.base.variable);
        }
        for (const key of op.path) {
          if (value === undefined || value === null) throw new TemplateError(`${where}: nil pointer evaluating .${key}`);
          if (typeof value !== 'object' || Array.isArray(value)) throw new TemplateError(`${where}: can't evaluate field ${key} in ${typeof value}`);
          value = (value as Record<string, Value>)[key];
        }
        return value;
      }
    }
  }

  private command(cmd: Command, dot: Value, scope: Scope, where: string, piped: Value[]): Value {
    const [head, ...rest] = cmd;
    if (head.kind !== 'ident') {
      if (rest.length || piped.length) throw new TemplateError(`${where}: can't give arguments to a non-function`);
      return this.operand(head, dot, scope, where);
    }
    if (head.name === 'and' || head.name === 'or') {
      // Go 1.18+: short-circuit, returning the deciding argument.
      const args = [...rest.map((r) => () => this.operand(r, dot, scope, where)), ...piped.map((p) => () => p)];
      let last: Value;
      for (const arg of args) {
        last = arg();
        if (head.name === 'and' ? !truthy(last) : truthy(last)) return last;
      }
      return last;
    }
    const args = [...rest.map((r) => this.operand(r, dot, scope, where)), ...piped];
    return this.call(head.name, args, dot, where);
  }

  private call(name: string, args: Value[], _dot: Value, where: string): Value {
    const str = (v: Value) => printValue(v, where);
    const arity = (n: number) => {
      if (args.length !== n) throw new TemplateError(`${where}: ${name} takes ${n} arguments, got ${args.length}`);
    };
    switch (name) {
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'eq':
        arity(2);
        return args[0] === args[1];
      case 'ne':
        arity(2);
        return args[0] !== args[1];
      case 'default':
        arity(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'contains':
        arity(2);
        return str(args[1]).includes(str(args[0]));
      case 'printf':
        return goPrintf(str(args[0]), args.slice(1), where);
      case 'replace':
        arity(3);
        return str(args[2]).split(str(args[0])).join(str(args[1]));
      case 'join': {
        // Sprig's join: a list's items printed and joined with the separator.
        arity(2);
        const list = Array.isArray(args[1]) ? (args[1] as Value[]) : [args[1]];
        return list.map((v) => str(v)).join(str(args[0]));
      }
      case 'trunc':
        arity(2);
        return str(args[1]).slice(0, Number(args[0]));
      case 'trimSuffix':
        arity(2);
        return str(args[1]).endsWith(str(args[0])) ? str(args[1]).slice(0, -str(args[0]).length || undefined) : str(args[1]);
      case 'quote':
        return args.map((a) => JSON.stringify(str(a))).join(' ');
      case 'toYaml':
        arity(1);
        return toYaml(args[0]);
      case 'indent':
        arity(2);
        return indent(Number(args[0]), str(args[1]));
      case 'nindent':
        arity(2);
        return `\n${indent(Number(args[0]), str(args[1]))}`;
      case 'sha256sum':
        arity(1);
        return createHash('sha256').update(str(args[0])).digest('hex');
      case 'include': {
        arity(2);
        const body = this.defines.get(str(args[0]));
        if (!body) throw new TemplateError(`${where}: no template "${str(args[0])}"`);
        return this.exec(body, args[1], { vars: new Map([['$', args[1]]]) }, `${where} → ${str(args[0])}`);
      }
      case 'fail':
        arity(1);
        throw new TemplateError(`execution error at (${where}): ${str(args[0])}`);
      case 'required':
        arity(2);
        if (!truthy(args[1])) throw new TemplateError(`execution error at (${where}): ${str(args[0])}`);
        return args[1];
      default:
        throw new TemplateError(`${where}: function "${name}" is not supported by this renderer`);
    }
  }
}

// ---------- a chart, as `helm template` renders it --------------------------------------------------------------

/** Helm's values merge: maps merge recursively, anything else replaces, null deletes the key. */
export function mergeValues(base: Value, override: Value): Value {
  if (!override || typeof override !== 'object' || Array.isArray(override) || !base || typeof base !== 'object' || Array.isArray(base)) return override;
  const out: Record<string, Value> = { ...(base as Record<string, Value>) };
  for (const [k, v] of Object.entries(override as Record<string, Value>)) {
    if (v === null) delete out[k];
    else out[k] = mergeValues(out[k], v);
  }
  return out;
}

export interface RenderedChart {
  /** Output per template file (after trimming), as helm template prints it. */
  files: Map<string, string>;
  /** Every YAML document of every manifest, parsed. */
  manifests: Array<{ file: string; doc: Record<string, unknown> }>;
  notes: string;
}

export interface ChartInput {
  chartDir: string;
  values?: Record<string, unknown>;
  release?: { name?: string; namespace?: string };
}

/** The data templates see: .Values, .Chart, .Release. */
export function chartData(args: ChartInput): Record<string, unknown> {
  const chart = parseYaml(readFileSync(path.join(args.chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = mergeValues(parseYaml(readFileSync(path.join(args.chartDir, 'values.yaml'), 'utf8')) ?? {}, args.values ?? {});
  const Chart = Object.fromEntries(Object.entries(chart).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v]));
  return {
    Values: values,
    Chart,
    Release: { Name: args.release?.name ?? 'release-name', Namespace: args.release?.namespace ?? 'default', Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1 },
  };
}

/** Every YAML document of a rendered manifest file. */
export function parseManifests(file: string, text: string): Array<{ file: string; doc: Record<string, unknown> }> {
  const out: Array<{ file: string; doc: Record<string, unknown> }> = [];
  for (const part of text.split(/^---\s*$/m)) {
    if (!part.trim()) continue;
    const doc = parseYaml(part, { uniqueKeys: true, strict: true }) as Record<string, unknown> | null;
    if (doc) out.push({ file, doc });
  }
  return out;
}

export function renderChart(args: ChartInput): RenderedChart {
  const data = chartData(args);
  const renderer = new Renderer();
  const dir = path.join(args.chartDir, 'templates');
  const names = readdirSync(dir).sort();
  for (const name of names) renderer.add(name, readFileSync(path.join(dir, name), 'utf8'));
  const files = new Map<string, string>();
  const manifests: RenderedChart['manifests'] = [];
  for (const name of names.filter((n) => n.endsWith('.yaml') && !n.startsWith('_'))) {
    const text = renderer.render(name, data);
    files.set(name, text);
    manifests.push(...parseManifests(name, text));
  }
  const notes = names.includes('NOTES.txt') ? renderer.render('NOTES.txt', data) : '';
  return { files, manifests, notes };
}
