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
import type { ScopeTarget } from './targets.ts';

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

type ListTarget = Extract<ScopeTarget, { kind: 'list' }>;
type ProjectTarget = Extract<ScopeTarget, { kind: 'project' }>;

function scopeSetsOf(config: ScopeConfig): ScopeSets {
  return {
    projects: config.projects?.length ? new Set(config.projects) : undefined,
    namespaces: config.namespaces?.length ? new Set(config.namespaces) : undefined,
    clusters: config.clusters?.length ? new Set(config.clusters) : undefined,
  };
}

/** The scope in words, e.g. `projects payments; clusters prod`. */
function describeScope({ projects, namespaces, clusters }: ScopeSets): string {
  return [projects && `projects ${[...projects].join(', ')}`, namespaces && `namespaces ${[...namespaces].join(', ')}`, clusters && `clusters ${[...clusters].join(', ')}`]
    .filter(Boolean)
    .join('; ');
}

/** A list of apps or appsets is confined to the scope's projects: the ones asked for, or all of them when none was. */
function judgeList(j: Judge, t: ListTarget, args: Record<string, unknown>): Judgement {
  const { projects } = j.sets;
  if (t.of === 'project' || !projects) return { ok: true, args };
  const asked = [...((args.projects as string[] | undefined) ?? []), ...((args.project as string[] | undefined) ?? [])];
  const outside = asked.filter((p) => !projects.has(p));
  if (outside.length) {
    return { ok: false, refusal: `Project ${outside.map((p) => `"${p}"`).join(', ')} is outside the scope of this gateway (${j.describe}). Nothing was sent to Argo CD.` };
  }
  return { ok: true, args: asked.length ? args : { ...args, projects: [...projects] } };
}

/** A project call is judged by the project's name, and an update also by the name its body carries. */
function judgeProject(j: Judge, tool: CatalogueTool, t: ProjectTarget, args: Record<string, unknown>): Judgement {
  const names = [t.name(args), tool.request.method === 'PUT' ? ((args.project as Json | undefined)?.metadata as Json | undefined)?.name : undefined];
  for (const name of names.filter((n, i) => i === 0 || n !== undefined)) {
    if (projectOutside(j.sets, str(name))) return { ok: false, refusal: `Project "${str(name) ?? '?'}" is not visible through this gateway: it does not exist, or it is outside the scope this gateway may reach (${j.describe}). Nothing was sent to Argo CD.` };
  }
  return { ok: true, args };
}

/** Sends each kind of target to the judgement that knows it. */
async function judgeTarget(j: Judge, tool: CatalogueTool, args: Record<string, unknown>): Promise<Judgement> {
  const t = targetOf(tool);
  switch (t.kind) {
    case 'none':
      return { ok: true, args };
    case 'unconfinable':
      // Neither a name nor a body to judge by (e.g. manifests from uploaded files): refuse rather than guess.
      return { ok: false, refusal: `${tool.name} cannot be confined to this gateway's scope (${j.describe}), so it is refused.` };
    case 'list':
      return judgeList(j, t, args);
    case 'project':
      return judgeProject(j, tool, t, args);
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

/** Judges one call with lookups of its own, made as the caller. */
async function judgeCall(
  scope: { sets: ScopeSets; upstream: Upstream | undefined },
  call: { tool: CatalogueTool; args: Record<string, unknown>; ctx: LookupContext | undefined },
): Promise<Judgement> {
  const lookups = createLookups(scope.upstream, call.ctx);
  const judged = await judgeTarget({ sets: scope.sets, lookups, toolName: call.tool.name, describe: describeScope(scope.sets) }, call.tool, call.args);
  // A caller who must sign in first is told that, not that a lookup failed.
  return !judged.ok && lookups.identityProblem ? { ok: false, refusal: lookups.identityProblem } : judged;
}

/**
 * Drops what is outside the scope from a list result (an array or `{ items }`) or stream items. Items match a
 * destination as the app writes it (server URL or name): no lookup per item.
 */
function filterToScope(sets: ScopeSets, tool: CatalogueTool, data: unknown): unknown {
  const k = targetOf(tool);
  if (k.kind !== 'list') return data;
  const keep = (item: unknown): boolean => {
    if (k.of === 'project') return !projectOutside(sets, str(((item as Json).metadata as Json | undefined)?.name));
    const event = item as { application?: unknown; applicationSet?: unknown };
    if (k.of === 'appset') return !appsetOutside(sets, event.applicationSet ?? item);
    return !appOutside(sets, event.application ?? item);
  };
  if (Array.isArray(data)) return data.filter(keep);
  if (data && typeof data === 'object' && Array.isArray((data as Json).items)) {
    return { ...(data as Json), items: ((data as Json).items as unknown[]).filter(keep) };
  }
  return data;
}

export function createScopeGuard(config: ScopeConfig, upstream: Upstream | undefined): ScopeGuard {
  const sets = scopeSetsOf(config);
  const active = !!(sets.projects || sets.namespaces || sets.clusters);
  return {
    active,
    appInScope: (app) => !appOutside(sets, app),
    describe: () => describeScope(sets),
    async check(tool, args, ctx) {
      if (!active) return { ok: true, args };
      const j = await judgeCall({ sets, upstream }, { tool, args, ctx });
      return j.ok ? { ok: true, args: j.args } : { ok: false, args, refusal: j.refusal };
    },
    filter: (tool, data) => (active ? filterToScope(sets, tool, data) : data),
  };
}
