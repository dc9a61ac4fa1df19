/** Ranked word search over the catalogue, for dynamic mode's search tool. */
import type { CatalogueTool } from '../catalogue/types.ts';

/** Words agents use for Argo CD operations that the operation names do not contain. */
const SYNONYMS: Record<string, string[]> = {
  deploy: ['sync', 'revision'],
  deployment: ['sync', 'application'],
  app: ['application'],
  apps: ['application'],
  appset: ['applicationset'],
  status: ['get', 'list'],
  log: ['logs'],
  undo: ['rollback'],
  revert: ['rollback'],
  stop: ['terminate'],
  cancel: ['terminate'],
  diff: ['manifests', 'managed', 'server', 'side'],
  cert: ['certificate'],
  creds: ['repocreds', 'credentials'],
  credential: ['repocreds'],
  gpg: ['gpgkey'],
  user: ['account', 'session'],
  login: ['session'],
  permission: ['can', 'i'],
  rbac: ['can', 'i'],
  repo: ['repository'],
  history: ['rollback', 'revision'],
  events: ['events'],
  health: ['get', 'resource', 'tree'],
  watch: ['watch', 'stream'],
};

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

export interface SearchHit {
  tool: CatalogueTool;
  score: number;
}

/** Scores every tool against the query's words; best first, ties by name. */
export function searchTools(tools: CatalogueTool[], query: string, limit = 10): SearchHit[] {
  const q = words(query);
  const expanded = new Set(q);
  for (const w of q) for (const s of SYNONYMS[w] ?? []) words(s).forEach((x) => expanded.add(x));
  const hits: SearchHit[] = [];
  for (const tool of tools) {
    const fields: Array<[string[], number]> = [
      [words(tool.name), 3],
      [words(tool.toolset), 2],
      [words(tool.title), 2],
      [words(tool.request.path.replace(/\{[^}]*\}/g, ' ')), 1.5],
      [words(tool.description), 1],
    ];
    let score = 0;
    for (const w of expanded) {
      const weight = q.includes(w) ? 1 : 0.5;
      for (const [ws, fieldWeight] of fields) {
        if (ws.includes(w)) score += fieldWeight * weight;
        else if (w.length >= 4 && ws.some((x) => x.startsWith(w))) score += fieldWeight * weight * 0.5;
      }
    }
    // On ties, a noun alone ("gpg keys") most likely means "show me": reads first, the list before the rest.
    if (score > 0) hits.push({ tool, score: score + (tool.annotations.readOnlyHint ? 0.2 : 0) + (tool.name.endsWith('_list') ? 0.1 : 0) });
  }
  hits.sort((a, b) => b.score - a.score || (a.tool.name < b.tool.name ? -1 : 1));
  return hits.slice(0, limit);
}
