/** Toolsets: the tools grouped by Argo CD service, chosen with --toolsets / `toolsets:`. */

/**
 * A first-time user's set: the day-to-day GitOps objects and the workflow tools, without credentials, accounts,
 * certificates and GPG keys.
 */
export const DEFAULT_TOOLSETS = ['applications', 'applicationsets', 'projects', 'clusters', 'repositories', 'version', 'workflows'];

export interface ResolvedToolsets {
  /** The chosen toolsets, or undefined for all. */
  toolsets?: string[];
  unknown: string[];
}

/** Expands `all` and `default`, and names what matches no toolset of the catalogue. */
export function resolveToolsets(names: string[] | undefined, available: string[]): ResolvedToolsets {
  if (!names || names.includes('all')) return { unknown: [] };
  const out = new Set<string>();
  const unknown: string[] = [];
  for (const n of names) {
    if (n === 'default') DEFAULT_TOOLSETS.forEach((t) => out.add(t));
    else if (available.includes(n)) out.add(n);
    else unknown.push(n);
  }
  return { toolsets: [...out].sort(), unknown };
}
