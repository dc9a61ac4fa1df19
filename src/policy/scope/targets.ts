/**
 * Which object a tool touches and how a write changes it, read from the tool's toolset, method and path (so a
 * catalogue generated for another release is classified the same way).
 */
import type { CatalogueTool } from '../../catalogue/types.ts';

export type ScopeTarget =
  | { kind: 'list'; of: 'app' | 'appset' | 'project' }
  | { kind: 'none' }
  /** A call that names no object and carries none (manifests from uploaded files): it cannot be confined. */
  | { kind: 'unconfinable' }
  /** Reads or acts on an existing object by name (get, sync, delete, …): the object as Argo CD has it is judged. */
  | { kind: 'app'; nameArg: string }
  | { kind: 'app-create' }
  | { kind: 'app-update' }
  | { kind: 'app-update-spec' }
  | { kind: 'app-patch' }
  | { kind: 'appset'; nameArg: string }
  | { kind: 'appset-create' }
  /** Generates from a body without writing (`applicationset_generate`): only the body is judged. */
  | { kind: 'appset-body'; bodyArg: string }
  | { kind: 'project'; name: (args: Record<string, unknown>) => unknown }
  | { kind: 'cluster'; write: 'existing' | 'create' | 'update' }
  | { kind: 'repository'; write: 'existing' | 'create' | 'update'; getTool: string }
  | { kind: 'repocreds' };

const APP_NAME_ARGS = ['name', 'applicationName', 'appName'];

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A path parameter's value: the argument, or where the body carries it (`{application.metadata.name}`). */
export function pathArgValue(tool: CatalogueTool, args: Record<string, unknown>, index = 0): unknown {
  const param = tool.request.path_params[index];
  if (!param) return undefined;
  if (args[param.arg] !== undefined || !param.bodyPath) return args[param.arg];
  const body = tool.request.body;
  let cur: unknown = body?.kind === 'object' ? args[body.arg] : args;
  for (const seg of param.bodyPath) cur = obj(cur)[seg];
  return cur;
}

export function targetOf(tool: CatalogueTool): ScopeTarget {
  const { path, method, path_params: params } = tool.request;
  const first = params[0]?.arg;
  const read = method === 'GET';
  switch (tool.toolset) {
    case 'applications':
      if (/^\/api\/v1\/(stream\/)?applications$/.test(path)) return read ? { kind: 'list', of: 'app' } : { kind: 'app-create' };
      if (method === 'PUT' && path === '/api/v1/applications/{application.metadata.name}') return { kind: 'app-update' };
      if (method === 'PUT' && path === '/api/v1/applications/{name}/spec') return { kind: 'app-update-spec' };
      if (method === 'PATCH' && path === '/api/v1/applications/{name}') return { kind: 'app-patch' };
      if (first && APP_NAME_ARGS.includes(first)) return { kind: 'app', nameArg: first };
      return { kind: 'unconfinable' };
    case 'applicationsets':
      if (/^\/api\/v1\/(stream\/)?applicationsets$/.test(path)) return read ? { kind: 'list', of: 'appset' } : { kind: 'appset-create' };
      if (path.endsWith('/generate')) return { kind: 'appset-body', bodyArg: 'applicationSet' };
      return first ? { kind: 'appset', nameArg: first } : { kind: 'unconfinable' };
    case 'projects':
      if (path === '/api/v1/projects') return read ? { kind: 'list', of: 'project' } : { kind: 'project', name: (a) => obj(obj(a.project).metadata).name };
      if (first === 'project' || first === 'name') return { kind: 'project', name: (a) => pathArgValue(tool, a) };
      return { kind: 'unconfinable' };
    case 'clusters':
      if (read) return { kind: 'none' };
      if (path === '/api/v1/clusters') return { kind: 'cluster', write: 'create' };
      return { kind: 'cluster', write: method === 'PUT' ? 'update' : 'existing' };
    case 'repositories': {
      const m = /^\/api\/v1\/(write-)?repositories(\/\{[^}]+\})?$/.exec(path);
      // Validation and app details only read (POST because they carry credentials or a source).
      if (read || !m) return { kind: 'none' };
      const getTool = m[1] ? 'repository_get_write' : 'repository_get';
      if (!m[2]) return { kind: 'repository', write: 'create', getTool };
      return { kind: 'repository', write: method === 'PUT' ? 'update' : 'existing', getTool };
    }
    case 'repocreds':
      return read ? { kind: 'none' } : { kind: 'repocreds' };
    default:
      return { kind: 'none' };
  }
}
