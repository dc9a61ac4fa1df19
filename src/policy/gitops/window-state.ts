/**
 * The sync windows that apply to one app right now, as a check reads them: from the app's own endpoint
 * (ApplicationService_GetApplicationSyncWindows), or, where that operation is missing, from its project's spec.
 */
import type { WindowState } from './assess.ts';
import type { CachedRead } from './read-cache.ts';
import { canSyncGiven, matchingWindows, windowVerdict } from './sync-windows.ts';
import type { SyncWindow } from './sync-windows.ts';

type Json = Record<string, unknown>;

const windowsOf = (w: unknown): SyncWindow[] => (Array.isArray(w) ? (w as SyncWindow[]) : []);

/** Whether an error answer means the operation does not exist here (not a denial): then the project is read instead. */
const isMissingOperation = (error: string): boolean => /is not available on this gateway|does not serve|answered 404|answered 501|Unimplemented|Not Implemented/i.test(error);

export interface WindowRead {
  reads: CachedRead;
  /** The cache key prefix of this caller's reads about the app. */
  prefix: string;
  app: Json;
  name: string;
  namespace?: string;
  now: () => Date;
}

/** The app's sync windows: the app's endpoint, else the project's. */
export async function windowState(w: WindowRead): Promise<WindowState | { error: string }> {
  const base = { name: w.name, ...(w.namespace ? { appNamespace: w.namespace } : {}) };
  const answer = await w.reads(`${w.prefix}windows`, 'application_get_sync_windows', base);
  if (answer.ok) return endpointWindows(answer.value);
  // The endpoint fails with "invalid sync windows: …" where Sync refuses with "cannot sync: invalid sync window".
  const invalid = /invalid sync windows?: ([^\n»]*)/.exec(answer.error);
  if (invalid) return { source: 'endpoint', canSync: false, active: [], inactiveAllows: [], error: invalid[1] };
  if (!isMissingOperation(answer.error)) return { error: answer.error };
  return projectWindows(w);
}

/** The endpoint answers CanSync(true, nil): a manual sync, as every sync through this gateway is. */
function endpointWindows(value: Json): WindowState {
  const active = windowsOf(value.activeWindows);
  const key = (w: SyncWindow) => `${w.kind}|${w.schedule}|${w.duration}`;
  const activeKeys = new Set(active.map(key));
  const inactiveAllows = windowsOf(value.assignedWindows).filter((w) => w.kind === 'allow' && !activeKeys.has(key(w)));
  const canSync = typeof value.canSync === 'boolean' ? value.canSync : canSyncGiven({ active, inactiveAllows, isManual: true });
  return { source: 'endpoint', canSync, active, inactiveAllows };
}

/** The project's windows that match the app, judged as Argo CD would now. */
async function projectWindows(w: WindowRead): Promise<WindowState | { error: string }> {
  const spec = (w.app.spec ?? {}) as { project?: string; destination?: WindowState['active'][number] & Json };
  const project = await w.reads(`${w.prefix}project`, 'project_get', { name: spec.project ?? 'default' });
  if (!project.ok) return { error: `the sync-windows endpoint is not available and the project could not be read: ${project.error}` };
  const assigned = matchingWindows(windowsOf((project.value.spec as Json | undefined)?.syncWindows), { name: w.name, destination: (w.app.spec as Json | undefined)?.destination as { server?: string } });
  const verdict = windowVerdict(assigned, { isManual: true, now: w.now() });
  return { source: 'project', canSync: verdict.canSync, active: verdict.active, inactiveAllows: verdict.inactiveAllows, error: verdict.error };
}
