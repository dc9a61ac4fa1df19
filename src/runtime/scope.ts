/**
 * Project scoping: `projects:` (and `namespaces:`, `clusters:`) confine every application, ApplicationSet and
 * project operation to those. Anything outside is invisible (filtered from lists and streams) and refused (by-name
 * operations look the object up first; a write outside the scope sends nothing). Enforced here for every tool,
 * so composite workflow tools, which call the same tools, are confined too.
 */
import type { CatalogueTool } from '../catalogue/types.ts';
import type { Upstream } from './upstream.ts';

export interface ScopeConfig {
  projects?: string[];
  namespaces?: string[];
  clusters?: string[];
}

type Json = Record<string, unknown>;

type Kind =
  | { kind: 'app'; nameArg?: string; bodyArg?: string }
  | { kind: 'appset'; nameArg?: string; bodyArg?: string }
  | { kind: 'project'; nameArg?: string; bodyArg?: string }
  | { kind: 'list'; of: 'app' | 'appset' | 'project' }
  | { kind: 'none' };

const APP_NAME_ARGS = ['name', 'applicationName', 'appName'];

/** What a tool touches, from its toolset and path. */
function kindOf(tool: CatalogueTool): Kind {
  const { path, path_params: params, body } = tool.request;
  const first = params[0]?.arg;
  const objectBody = body?.kind === 'object' ? body.arg : undefined;
  if (tool.toolset === 'applications') {
    if (/^\/api\/v1\/(stream\/)?applications$/.test(path)) return tool.request.method === 'GET' ? { kind: 'list', of: 'app' } : { kind: 'app', bodyArg: objectBody };
    if (first && APP_NAME_ARGS.includes(first)) return { kind: 'app', nameArg: first, bodyArg: objectBody };
    return { kind: 'app' };
  }
  if (tool.toolset === 'applicationsets') {
    if (/^\/api\/v1\/(stream\/)?applicationsets$/.test(path)) return tool.request.method === 'GET' ? { kind: 'list', of: 'appset' } : { kind: 'appset', bodyArg: objectBody };
    if (path.endsWith('/generate')) return { kind: 'appset', bodyArg: 'applicationSet' };
    return { kind: 'appset', nameArg: first };
  }
  if (tool.toolset === 'projects') {
    if (path === '/api/v1/projects') return tool.request.method === 'GET' ? { kind: 'list', of: 'project' } : { kind: 'project', bodyArg: 'project' };
    return { kind: 'project', nameArg: first === 'project' || first === 'name' ? first : undefined, bodyArg: body?.kind === 'merged' && body.fields.includes('project') ? 'project' : undefined };
  }
  return { kind: 'none' };
}

export interface ScopeVerdict {
  ok: boolean;
  /** Arguments to send (a list gets the scope's projects when it named none). */
  args: Record<string, unknown>;
  refusal?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export interface ScopeGuard {
  readonly active: boolean;
  check(tool: CatalogueTool, args: Record<string, unknown>): Promise<ScopeVerdict>;
  /** Drops what is outside the scope from a list result or stream items. */
  filter(tool: CatalogueTool, data: unknown): unknown;
  /** Whether one application object is inside the scope. */
  appInScope(app: unknown): boolean;
  describe(): string;
}

export function createScopeGuard(config: ScopeConfig, upstream: Upstream | undefined): ScopeGuard {
  const projects = config.projects?.length ? new Set(config.projects) : undefined;
  const namespaces = config.namespaces?.length ? new Set(config.namespaces) : undefined;
  const clusters = config.clusters?.length ? new Set(config.clusters) : undefined;
  const active = !!(projects || namespaces || clusters);
  const describe = () =>
    [projects && `projects ${[...projects].join(', ')}`, namespaces && `namespaces ${[...namespaces].join(', ')}`, clusters && `clusters ${[...clusters].join(', ')}`]
      .filter(Boolean)
      .join('; ');

  const appInScope = (app: unknown): boolean => {
    const a = app as { metadata?: { namespace?: string }; spec?: { project?: string; destination?: { server?: string; name?: string } } };
    if (projects && !projects.has(a.spec?.project ?? 'default')) return false;
    if (namespaces && a.metadata?.namespace && !namespaces.has(a.metadata.namespace)) return false;
    const dest = a.spec?.destination;
    if (clusters && dest && !(dest.server && clusters.has(dest.server)) && !(dest.name && clusters.has(dest.name))) return false;
    return true;
  };
  const appsetInScope = (set: unknown): boolean => {
    const s = set as { metadata?: { namespace?: string }; spec?: { template?: { spec?: unknown } } };
    const template = s.spec?.template?.spec as { project?: string } | undefined;
    if (projects && !projects.has(template?.project ?? 'default')) return false;
    if (namespaces && s.metadata?.namespace && !namespaces.has(s.metadata.namespace)) return false;
    return true;
  };
  const projectInScope = (name: string | undefined) => !projects || (name !== undefined && projects.has(name));

  const invisible = (what: string, name: string) =>
    `${what} "${name}" is not visible through this gateway: it does not exist, or it is outside the scope this gateway may reach (${describe()}). Nothing was sent to Argo CD.`;

  async function lookup(path: string, namespace: string | undefined, nsParam: string): Promise<unknown | undefined> {
    if (!upstream) return undefined;
    const q = namespace ? `?${nsParam}=${encodeURIComponent(namespace)}` : '';
    const res = await upstream.getJson(`${path}${q}`);
    return res.ok ? res.data : undefined;
  }

  return {
    active,
    appInScope,
    describe,
    async check(tool, args) {
      if (!active) return { ok: true, args };
      const k = kindOf(tool);
      switch (k.kind) {
        case 'none':
          return { ok: true, args };
        case 'list': {
          if (k.of === 'project' || !projects) return { ok: true, args };
          const asked = [...((args.projects as string[] | undefined) ?? []), ...((args.project as string[] | undefined) ?? [])];
          const outside = asked.filter((p) => !projects.has(p));
          if (outside.length) {
            return { ok: false, args, refusal: `Project ${outside.map((p) => `"${p}"`).join(', ')} is outside the scope of this gateway (${describe()}). Nothing was sent to Argo CD.` };
          }
          return { ok: true, args: asked.length ? args : { ...args, projects: [...projects] } };
        }
        case 'project': {
          const name = k.nameArg ? str(args[k.nameArg]) : str(((args[k.bodyArg ?? ''] as Json | undefined)?.metadata as Json | undefined)?.name) ?? str(args.name);
          if (!projectInScope(name)) return { ok: false, args, refusal: invisible('Project', name ?? '?') };
          return { ok: true, args };
        }
        case 'app':
        case 'appset': {
          const isApp = k.kind === 'app';
          const inScope = isApp ? appInScope : appsetInScope;
          const what = isApp ? 'Application' : 'ApplicationSet';
          const body = k.bodyArg ? (args[k.bodyArg] as Json | undefined) : undefined;
          if (body && !inScope(body)) {
            return { ok: false, args, refusal: `${what} "${str((body.metadata as Json | undefined)?.name) ?? '?'}" would be outside the scope of this gateway (${describe()}). Nothing was sent to Argo CD.` };
          }
          const name = k.nameArg ? str(args[k.nameArg]) : undefined;
          if (name !== undefined) {
            const existing = isApp
              ? await lookup(`/api/v1/applications/${encodeURIComponent(name)}`, str(args.appNamespace), 'appNamespace')
              : await lookup(`/api/v1/applicationsets/${encodeURIComponent(name)}`, str(args.appsetNamespace), 'appsetNamespace');
            if (!existing || !inScope(existing)) return { ok: false, args, refusal: invisible(what, name) };
          } else if (!body) {
            // Neither a name nor a body to judge by (e.g. manifests from uploaded files): refuse rather than guess.
            return { ok: false, args, refusal: `${tool.name} cannot be confined to this gateway's scope (${describe()}), so it is refused.` };
          }
          return { ok: true, args };
        }
      }
    },
    filter(tool, data) {
      if (!active) return data;
      const k = kindOf(tool);
      const keep = (item: unknown): boolean => {
        if (k.kind === 'list' && k.of === 'project') return projectInScope(str(((item as Json).metadata as Json | undefined)?.name));
        if (k.kind === 'list' && k.of === 'appset') return appsetInScope(item);
        const event = item as { application?: unknown };
        return appInScope(event.application ?? item);
      };
      if (k.kind !== 'list') return data;
      if (Array.isArray(data)) return data.filter(keep);
      if (data && typeof data === 'object' && Array.isArray((data as Json).items)) {
        return { ...(data as Json), items: ((data as Json).items as unknown[]).filter(keep) };
      }
      return data;
    },
  };
}
