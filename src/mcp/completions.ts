/**
 * Argument completion (`completion/complete`) for the resource templates and prompt arguments that name an Argo CD
 * object: applications, projects. Names come from the gateway's own list tools, so the allowlist and project
 * scoping decide what is offered exactly as they decide what a list shows; they are kept a short while per kind and
 * per signed-in user (per-user Argo CD tokens see different objects), so typing does not reach Argo CD each time.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CompleteRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CompleteResult } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext, Gateway } from '../gateway/gateway.ts';

type Kind = 'applications' | 'projects';

/** How long a list of names is reused. */
export const NAMES_TTL_MS = 30_000;

/** At most this many values in one answer (MCP's limit). */
const MAX_VALUES = 100;

const LISTS: Record<Kind, { tool: string; args: Record<string, unknown> }> = {
  applications: { tool: 'application_list', args: { fields: ['metadata.name'], limit: 1000 } },
  projects: { tool: 'project_list', args: { fields: ['metadata.name'], limit: 1000 } },
};

/** Which kind of name each completable argument takes, by prompt name or resource template. */
const PROMPT_ARGS: Record<string, Record<string, { kind: Kind; list?: boolean }>> = {
  triage_degraded_app: { name: { kind: 'applications' } },
  plan_release: { applications: { kind: 'applications', list: true } },
  review_out_of_sync: { project: { kind: 'projects' } },
};
const TEMPLATE_ARGS: Record<string, Record<string, { kind: Kind }>> = {
  'argocd://applications/{name}': { name: { kind: 'applications' } },
  'argocd://applications/{name}/resource-tree': { name: { kind: 'applications' } },
};

interface Cached {
  at: number;
  names: Promise<string[]>;
}
const caches = new WeakMap<Gateway, Map<string, Cached>>();

/** The names of a kind this caller may see, from the cache or a list call. */
export async function namesOf(gateway: Gateway, kind: Kind, ctx: CallContext): Promise<string[]> {
  let cache = caches.get(gateway);
  if (!cache) caches.set(gateway, (cache = new Map()));
  const key = `${kind}\u0000${ctx.user?.subject ?? ''}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < NAMES_TTL_MS) return hit.names;
  const { tool, args } = LISTS[kind];
  const names = gateway.callTool(tool, args, { ...ctx, internal: true }).then((result) => {
    if (result.isError) {
      cache.delete(key); // not kept: the next keystroke may find Argo CD back
      return [];
    }
    const items = (result.structuredContent as { items?: Array<{ metadata?: { name?: string } }> } | undefined)?.items ?? [];
    return [...new Set(items.map((i) => i.metadata?.name).filter((n): n is string => typeof n === 'string'))].sort();
  });
  cache.set(key, { at: Date.now(), names });
  return names;
}

/** Names that start with what was typed first, then those that contain it (case-insensitive). */
export function matching(names: string[], typed: string): string[] {
  const t = typed.toLowerCase();
  const starts = names.filter((n) => n.toLowerCase().startsWith(t));
  const contains = names.filter((n) => !n.toLowerCase().startsWith(t) && n.toLowerCase().includes(t));
  return [...starts, ...contains];
}

function answer(values: string[]): CompleteResult {
  return { completion: { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES } };
}

export function registerCompletions(server: Server, gateway: Gateway, contextOf: (extra: { authInfo?: { token?: string; extra?: Record<string, unknown> } }) => CallContext): void {
  server.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
    const { ref, argument } = request.params;
    const spec = ref.type === 'ref/prompt' ? PROMPT_ARGS[ref.name]?.[argument.name] : TEMPLATE_ARGS[ref.uri]?.[argument.name];
    if (!spec) return answer([]);
    const names = await namesOf(gateway, spec.kind, contextOf(extra));
    if (!('list' in spec && spec.list)) return answer(matching(names, argument.value));
    // A comma-separated list: complete its last item, keep the ones before, offer no name twice.
    const parts = argument.value.split(',');
    const last = parts.pop()!.trimStart();
    const before = parts.map((p) => p.trim()).filter(Boolean);
    const prefix = before.length ? `${before.join(',')},` : '';
    return answer(matching(names.filter((n) => !before.includes(n)), last).map((n) => `${prefix}${n}`));
  });
}
