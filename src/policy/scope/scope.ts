/**
 * Project scoping: `projects:` (and `namespaces:`, `clusters:`) confine applications, ApplicationSets, projects and,
 * for writes, clusters and repositories. Anything outside is invisible (filtered from lists and streams) and refused:
 * by-name operations look the object up first, and a write is judged both on the object as Argo CD has it and on the
 * object as the write will leave it (scope-apps.ts, scope-settings-objects.ts); a write outside sends nothing. The
 * lookups use the caller's identity and last one call; when one fails the write is refused. Enforced here for every
 * tool, so composite workflow tools, which call the same tools through the gateway, are confined too.
 */
import type { CatalogueTool } from '../../catalogue/types.ts';
import type { Upstream } from '../../argocd/upstream.ts';
import { judgeAppPatch, judgeAppUpdate, judgeAppUpdateSpec, judgeAppsetBody, judgeCreate, judgeExisting } from './apps.ts';
import type { Judge, Judgement } from './judge.ts';
import { createLookups } from './lookup.ts';
import type { LookupContext } from './lookup.ts';
import { appOutside, appsetOutside, projectOutside } from './rules.ts';
import type { ScopeSets } from './rules.ts';
import { judgeCluster, judgeRepoCreds, judgeRepository } from './settings-objects.ts';
import { pathArgValue, targetOf } from './targets.ts';

export type { CallerIdentity } from './lookup.ts';

export interface ScopeConfig {
  projects?: string[];
  namespaces?: string[];
  clusters?: string[];
}

type Json = Record<string, unknown>;

export interface ScopeVerdict {
  ok: boolean;
  /** Arguments to send (a list gets the scope's projects when it named none; a create its default namespace). */
  args: Record<string, unknown>;
  refusal?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export interface ScopeGuard {
  readonly active: boolean;
  /** Judges one call; `ctx` gives the lookups the caller's identity and cancellation. */
  check(tool: CatalogueTool, args: Record<string, unknown>, ctx?: LookupContext): Promise<ScopeVerdict>;
  /** Drops what is outside the scope from a list result or stream items. */
  filter(tool: CatalogueTool, data: unknown): unknown;
  /** Whether one application object is inside the scope. */
  appInScope(app: unknown): boolean;
  describe(): string;
}

export function createScopeGuard(config: ScopeConfig, upstream: Upstream | undefined): ScopeGuard {
  const sets: ScopeSets = {
    projects: config.projects?.length ? new Set(config.projects) : undefined,
    namespaces: config.namespaces?.length ? new Set(config.namespaces) : undefined,
    clusters: config.clusters?.length ? new Set(config.clusters) : undefined,
  };
  const { projects, namespaces, clusters } = sets;
  const active = !!(projects || namespaces || clusters);
  const describe = () =>
    [projects && `projects ${[...projects].join(', ')}`, namespaces && `namespaces ${[...namespaces].join(', ')}`, clusters && `clusters ${[...clusters].join(', ')}`]
      .filter(Boolean)
      .join('; ');

  // Lists and streams match a destination as the app writes it (server URL or name): no lookup per item.
  const appInScope = (app: unknown): boolean => !appOutside(sets, app);
  const appsetInScope = (set: unknown): boolean => !appsetOutside(sets, set);
  const projectInScope = (name: string | undefined) => !projectOutside(sets, name);

  async function judge(tool: CatalogueTool, args: Record<string, unknown>, ctx: LookupContext | undefined): Promise<Judgement> {
    const lookups = createLookups(upstream, ctx);
    const judged = await judgeWith({ sets, lookups, toolName: tool.name, describe: describe() }, tool, args);
    // A caller who must sign in first is told that, not that a lookup failed.
    return !judged.ok && lookups.identityProblem ? { ok: false, refusal: lookups.identityProblem } : judged;
  }

  async function judgeWith(j: Judge, tool: CatalogueTool, args: Record<string, unknown>): Promise<Judgement> {
    const t = targetOf(tool);
    switch (t.kind) {
      case 'none':
        return { ok: true, args };
      case 'unconfinable':
        // Neither a name nor a body to judge by (e.g. manifests from uploaded files): refuse rather than guess.
        return { ok: false, refusal: `${tool.name} cannot be confined to this gateway's scope (${j.describe}), so it is refused.` };
      case 'list': {
        if (t.of === 'project' || !projects) return { ok: true, args };
        const asked = [...((args.projects as string[] | undefined) ?? []), ...((args.project as string[] | undefined) ?? [])];
        const outside = asked.filter((p) => !projects.has(p));
        if (outside.length) {
          return { ok: false, refusal: `Project ${outside.map((p) => `"${p}"`).join(', ')} is outside the scope of this gateway (${j.describe}). Nothing was sent to Argo CD.` };
        }
        return { ok: true, args: asked.length ? args : { ...args, projects: [...projects] } };
      }
      case 'project': {
        const names = [t.name(args), tool.request.method === 'PUT' ? ((args.project as Json | undefined)?.metadata as Json | undefined)?.name : undefined];
        for (const name of names.filter((n, i) => i === 0 || n !== undefined)) {
          if (projectOutside(sets, str(name))) return { ok: false, refusal: `Project "${str(name) ?? '?'}" is not visible through this gateway: it does not exist, or it is outside the scope this gateway may reach (${j.describe}). Nothing was sent to Argo CD.` };
        }
        return { ok: true, args };
      }
      case 'app':
        return judgeExisting(j, 'app', args, t.nameArg);
      case 'app-create':
        return judgeCreate(j, 'app', args, 'application');
      case 'app-update':
        return judgeAppUpdate(j, args, pathArgValue(tool, args));
      case 'app-update-spec':
        return judgeAppUpdateSpec(j, args);
      case 'app-patch':
        return judgeAppPatch(j, args);
      case 'appset':
        return judgeExisting(j, 'appset', args, t.nameArg);
      case 'appset-create':
        return judgeCreate(j, 'appset', args, 'applicationSet');
      case 'appset-body':
        return judgeAppsetBody(j, args, t.bodyArg);
      case 'cluster':
        return judgeCluster(j, t.write, args);
      case 'repository':
        return judgeRepository(j, t.write, t.getTool, args);
      case 'repocreds':
        return judgeRepoCreds(j, args);
    }
  }

  return {
    active,
    appInScope,
    describe,
    async check(tool, args, ctx) {
      if (!active) return { ok: true, args };
      const j = await judge(tool, args, ctx);
      return j.ok ? { ok: true, args: j.args } : { ok: false, args, refusal: j.refusal };
    },
    filter(tool, data) {
      if (!active) return data;
      const k = targetOf(tool);
      const keep = (item: unknown): boolean => {
        if (k.kind === 'list' && k.of === 'project') return projectInScope(str(((item as Json).metadata as Json | undefined)?.name));
        const event = item as { application?: unknown; applicationSet?: unknown };
        if (k.kind === 'list' && k.of === 'appset') return appsetInScope(event.applicationSet ?? item);
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
