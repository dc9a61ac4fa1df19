/**
 * Tool arguments → the upstream request's path parameters, query and body, settling Argo CD's quirks once:
 * dotted path parameters that also live in the body (`{application.metadata.name}`), the body as one object or
 * string argument or as the request message's own fields, repeated (`multi`) query parameters, dotted query names,
 * and Argo CD's own projection (`fields`) of what the call will read.
 */
import type { CatalogueTool } from '../catalogue/types.ts';
import { serverFields } from '../shaping/shape.ts';
import type { ShapeArgs } from '../shaping/shape.ts';

export interface UpstreamRequest {
  /** Keyed by the wire name in the path template (`application.metadata.name`). */
  path: Record<string, string>;
  query: Record<string, string | number | boolean | Array<string | number | boolean>>;
  body?: unknown;
  hasBody: boolean;
}

/** What a call reads of the answer, so Argo CD sends no more than that (its `fields` query parameter). */
export interface Projection {
  shape: ShapeArgs;
  /** A JMESPath `query` reads what it likes of the document: without `fields`, nothing is projected away. */
  query?: string;
  /** The scope filters the answer on project, namespace and destination, so a projection keeps them. */
  scoped: boolean;
}

export type BuildOutcome = { ok: true; request: UpstreamRequest } | { ok: false; problems: string[] };

function getAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function setAt(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

/**
 * A path parameter must stay one segment: `/`, `?`, `#` and `%` are percent-encoded by the client, and the
 * dot segments `.` and `..` (which URL parsers collapse even when encoded) are refused here.
 */
export function pathValueProblem(arg: string, value: string): string | undefined {
  if (value === '') return `\`${arg}\` must not be empty`;
  if (value === '.' || value === '..' || /^(%2e|\.){1,2}$/i.test(value)) {
    return `\`${arg}\` cannot be "${value}": it would change the request path`;
  }
  if (/[\u0000-\u001f]/.test(value)) return `\`${arg}\` contains control characters`;
  return undefined;
}

/** The `fields` Argo CD is asked for, or undefined to get whole documents. */
function projectedFields(tool: CatalogueTool, projection: Projection): string | undefined {
  // Argo CD's default projection (the list summary's) would hide what a query reads.
  if (projection.query !== undefined && !projection.shape.fields?.length) return undefined;
  const fields = serverFields(tool, projection.shape);
  if (!fields || !projection.scoped) return fields;
  const prefix = tool.request.serverFieldsPrefix ?? '';
  return fields + ['metadata.namespace', 'spec.project', 'spec.destination'].map((f) => `,${prefix}${f}`).join('');
}

/** Builds the request of one tool call from validated arguments; `projection` narrows what Argo CD sends back. */
export function buildRequest(tool: CatalogueTool, args: Record<string, unknown>, projection?: Projection): BuildOutcome {
  const binding = tool.request;
  const problems: string[] = [];
  let body: unknown;
  let bodyArg: string | undefined;
  switch (binding.body?.kind) {
    case 'merged': {
      const merged: Record<string, unknown> = {};
      for (const field of binding.body.fields) if (args[field] !== undefined) merged[field] = args[field];
      body = merged;
      break;
    }
    case 'object':
      bodyArg = binding.body.arg;
      body = args[bodyArg] === undefined ? undefined : structuredClone(args[bodyArg]);
      break;
    case 'string':
      body = args[binding.body.arg];
      break;
  }

  const path: Record<string, string> = {};
  for (const p of binding.path_params) {
    let value = args[p.arg];
    if (p.bodyPath) {
      const inBody = getAt(body, p.bodyPath);
      const bodyLabel = [bodyArg, ...p.bodyPath].filter(Boolean).join('.');
      if (value === undefined) value = inBody;
      else if (inBody === undefined) {
        if (body === undefined) body = {};
        if (typeof body === 'object' && body !== null) setAt(body as Record<string, unknown>, p.bodyPath, value);
      } else if (String(inBody) !== String(value)) {
        problems.push(`\`${p.arg}\` is "${String(value)}" but \`${bodyLabel}\` is "${String(inBody)}"; they name the same thing, give one of them`);
        continue;
      }
      if (value === undefined) {
        problems.push(`missing \`${p.arg}\` (or \`${bodyLabel}\`)`);
        continue;
      }
    }
    if (value === undefined) {
      problems.push(`missing required argument \`${p.arg}\``);
      continue;
    }
    const text = String(value);
    const problem = pathValueProblem(p.arg, text);
    if (problem) problems.push(problem);
    else path[p.wire] = text;
  }

  const query: UpstreamRequest['query'] = {};
  for (const q of binding.query) {
    const value = args[q.arg];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length) query[q.wire] = q.multi ? (value as Array<string | number | boolean>) : value.join(',');
    } else query[q.wire] = value as string | number | boolean;
  }
  const fields = projection && projectedFields(tool, projection);
  if (fields) query.fields = fields;

  if (problems.length) return { ok: false, problems };
  return { ok: true, request: { path, query, body, hasBody: binding.body !== undefined && body !== undefined } };
}
