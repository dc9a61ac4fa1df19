/**
 * GitOps-aware writes: before a write to an application (spec updates and patches, syncs, rollbacks, live resource
 * patches), read what decides whether Argo CD will refuse it, hold it, or put the old value back — the owning
 * ApplicationSet, auto-sync and self-heal (of the app and of an app that manages it from Git), sync windows — and
 * say so first in the result, or refuse (`gitopsChecks: refuse`). The checks only read, through the gateway's own
 * call path (allowlist, scope, the caller's identity); reads are cached briefly per caller and app, and a check
 * that cannot be made (403, timeout) never blocks the write: it says so.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { changedPaths } from './changed-paths.ts';
import {
  applicationSetFinding,
  autoSyncFindings,
  autoSyncOf,
  managingApplication,
  owningApplicationSet,
  parentFinding,
  syncWindowFinding,
} from './assess.ts';
import type { Finding, WindowState, WriteKind } from './assess.ts';
import { canSyncGiven, matchingWindows, windowVerdict } from './sync-windows.ts';
import type { SyncWindow } from './sync-windows.ts';

type Json = Record<string, unknown>;

export type GitopsMode = 'warn' | 'refuse' | 'off';
export const GITOPS_MODES: GitopsMode[] = ['warn', 'refuse', 'off'];

/** The writes that are checked, and what kind of change each makes. */
export const CHECKED_WRITES: Record<string, WriteKind> = {
  application_update: 'spec',
  application_update_spec: 'spec',
  application_patch: 'spec',
  application_sync: 'sync',
  application_rollback: 'rollback',
  application_patch_resource: 'live',
};

/** A read made for a check: a tool name and its arguments; the answer's JSON, or why there is none. */
export type CheckRead = (tool: string, args: Json) => Promise<{ ok: true; value: Json } | { ok: false; error: string }>;

export interface GitopsChecksOptions {
  mode: GitopsMode;
  /** How long a read is reused for the same caller and app (default 5 s). */
  cacheMs?: number;
  /** How long all the reads of one write may take (default 5 s); past it the write goes on, saying so. */
  timeoutMs?: number;
  now?: () => Date;
}

/** What the checks found for one write. */
export interface GitopsVerdict {
  app: string;
  findings: Finding[];
  /** Set in `refuse` mode when a finding blocks: the write is not sent. */
  refusal?: string;
}

export interface GitopsChecks {
  readonly mode: GitopsMode;
  /** Whether a call to this tool is checked. */
  applies(tool: string): boolean;
  /** Reads and decides; undefined when the call is not checked. `caller` keys the cache. */
  check(args: { tool: string; args: Json; caller: string; read: (signal: AbortSignal) => CheckRead; signal?: AbortSignal }): Promise<GitopsVerdict | undefined>;
  /**
   * After a successful write through the gateway: drops the cached reads it may have changed — the app's own for
   * a checked write, every read of the caller for a write to an ApplicationSet or a project (templates, ignore
   * rules, sync windows).
   */
  forget(caller: string, tool: string, args: Json): void;
}

/** The target app of a checked call: name and namespace, from the path argument or the body. */
export function targetOf(tool: string, args: Json): { name?: string; namespace?: string } {
  if (tool === 'application_update') {
    const meta = ((args.application as Json | undefined)?.metadata ?? {}) as Json;
    return { name: (args.name as string | undefined) ?? (meta.name as string | undefined), namespace: meta.namespace as string | undefined };
  }
  return { name: args.name as string | undefined, namespace: args.appNamespace as string | undefined };
}

const windowsOf = (w: unknown): SyncWindow[] => (Array.isArray(w) ? (w as SyncWindow[]) : []);

/** Whether an error answer means the operation does not exist here (not a denial): then the project is read instead. */
const isMissingOperation = (error: string): boolean => /is not available on this gateway|does not serve|answered 404|answered 501|Unimplemented|Not Implemented/i.test(error);

export function createGitopsChecks(options: GitopsChecksOptions): GitopsChecks {
  const cacheMs = options.cacheMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, { expires: number; value: Promise<{ ok: true; value: Json } | { ok: false; error: string }> }>();

  /** A read through the cache; failures are not kept, so the next write asks again. */
  const cachedRead = (read: CheckRead, key: string, tool: string, args: Json) => {
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = read(tool, args).then((r) => {
      if (!r.ok) cache.delete(key);
      return r;
    });
    cache.set(key, { expires: Date.now() + cacheMs, value });
    if (cache.size > 5_000) for (const [k, v] of cache) if (v.expires <= Date.now()) cache.delete(k);
    return value;
  };

  /** The app's sync windows: the app's endpoint (ApplicationService_GetApplicationSyncWindows), else the project's. */
  async function windowState(read: CheckRead, prefix: string, app: Json, name: string, namespace?: string): Promise<WindowState | { error: string }> {
    const base = { name, ...(namespace ? { appNamespace: namespace } : {}) };
    const answer = await cachedRead(read, `${prefix}windows`, 'application_get_sync_windows', base);
    if (answer.ok) {
      // The endpoint answers CanSync(true, nil): a manual sync, as every sync through this gateway is.
      const active = windowsOf(answer.value.activeWindows);
      const key = (w: SyncWindow) => `${w.kind}|${w.schedule}|${w.duration}`;
      const activeKeys = new Set(active.map(key));
      const inactiveAllows = windowsOf(answer.value.assignedWindows).filter((w) => w.kind === 'allow' && !activeKeys.has(key(w)));
      const canSync = typeof answer.value.canSync === 'boolean' ? answer.value.canSync : canSyncGiven({ active, inactiveAllows, isManual: true });
      return { source: 'endpoint', canSync, active, inactiveAllows };
    }
    // The endpoint fails with "invalid sync windows: …" where Sync refuses with "cannot sync: invalid sync window".
    const invalid = /invalid sync windows?: ([^\n»]*)/.exec(answer.error);
    if (invalid) return { source: 'endpoint', canSync: false, active: [], inactiveAllows: [], error: invalid[1] };
    if (!isMissingOperation(answer.error)) return { error: answer.error };
    const spec = (app.spec ?? {}) as { project?: string; destination?: WindowState['active'][number] & Json };
    const project = await cachedRead(read, `${prefix}project`, 'project_get', { name: spec.project ?? 'default' });
    if (!project.ok) return { error: `the sync-windows endpoint is not available and the project could not be read: ${project.error}` };
    const assigned = matchingWindows(windowsOf((project.value.spec as Json | undefined)?.syncWindows), { name, destination: (app.spec as Json | undefined)?.destination as { server?: string } });
    const verdict = windowVerdict(assigned, { isManual: true, now: now() });
    return { source: 'project', canSync: verdict.canSync, active: verdict.active, inactiveAllows: verdict.inactiveAllows, error: verdict.error };
  }

  const firstLine = (text: string) => text.split('\n')[0].slice(0, 300);

  return {
    mode: options.mode,
    applies: (tool) => options.mode !== 'off' && tool in CHECKED_WRITES,
    forget(caller, tool, args) {
      if (/^(applicationset|project)_/.test(tool)) {
        for (const k of cache.keys()) if (k.startsWith(`${caller}\u0000`)) cache.delete(k);
        return;
      }
      if (!(tool in CHECKED_WRITES)) return;
      const { name, namespace } = targetOf(tool, args);
      const prefix = `${caller}\u0000${namespace ?? ''}/${name}\u0000`;
      for (const k of cache.keys()) if (k.startsWith(prefix)) cache.delete(k);
    },
    async check({ tool, args, caller, read: readWith, signal }) {
      const kind = CHECKED_WRITES[tool];
      if (options.mode === 'off' || !kind) return undefined;
      const { name, namespace } = targetOf(tool, args);
      if (!name) return undefined;
      const appKey = `${namespace ?? ''}/${name}`;
      const prefix = `${caller}\u0000${appKey}\u0000`;
      const deadline = AbortSignal.timeout(timeoutMs);
      const read = readWith(signal ? AbortSignal.any([signal, deadline]) : deadline);
      const unchecked = (what: string, error: string): Finding => ({
        check: 'unchecked',
        blocking: false,
        message: `The GitOps check of ${what} could not be made (${deadline.aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : firstLine(error)}); the ${kind === 'sync' ? 'sync' : 'write'} was not held back by it.`,
      });
      const findings: Finding[] = [];
      const got = await cachedRead(read, `${prefix}app`, 'application_get', { name, ...(namespace ? { appNamespace: namespace } : {}) });
      if (!got.ok) return { app: name, findings: [unchecked(`${name} (reading the application)`, got.error)] };
      const app = got.value;
      const spec = (app.spec ?? {}) as Json;
      const tasks: Array<Promise<Finding | Finding[] | undefined>> = [];
      if (kind === 'spec') {
        const appSetName = owningApplicationSet(app);
        if (appSetName) {
          tasks.push(
            (async () => {
              const paths = changedPaths(tool, args, app);
              const appSetNs = (app.metadata as Json | undefined)?.namespace as string | undefined;
              const appSet = await cachedRead(read, `${caller}\u0000appset:${appSetNs ?? ''}/${appSetName}`, 'applicationset_get', { name: appSetName, ...(appSetNs ? { appsetNamespace: appSetNs } : {}) });
              return applicationSetFinding({
                appName: name,
                appSetName,
                appSet: appSet.ok ? appSet.value : undefined,
                appSetError: appSet.ok ? undefined : firstLine(appSet.error),
                paths: paths.ok ? paths.paths : undefined,
              });
            })(),
          );
        }
        const parent = managingApplication(app);
        if (parent) {
          tasks.push(
            (async () => {
              const p = await cachedRead(read, `${caller}\u0000${parent.namespace ?? ''}/${parent.name}\u0000app`, 'application_get', { name: parent.name, ...(parent.namespace ? { appNamespace: parent.namespace } : {}) });
              if (p.ok) return parentFinding({ appName: name, parent, parentSpec: (p.value.spec ?? {}) as Json });
              // The instance label is also set by Helm and others: only a tracking annotation names an Argo CD app for sure.
              return parent.via.startsWith('tracking-id') ? parentFinding({ appName: name, parent, error: firstLine(p.error) }) : undefined;
            })(),
          );
        }
      }
      if (kind === 'sync' || kind === 'rollback') {
        tasks.push(
          (async () => {
            const state = await windowState(read, prefix, app, name, namespace);
            if ('error' in state && !('source' in state)) return unchecked(`the sync windows of ${name}`, state.error);
            return syncWindowFinding({ appName: name, kind, windows: state as WindowState });
          })(),
        );
      }
      const source = spec.source as Json | undefined;
      findings.push(...autoSyncFindings({ appName: name, kind, auto: autoSyncOf(spec), args, targetRevision: source ? String(source.targetRevision ?? '') : undefined }));
      for (const f of await Promise.all(tasks)) if (f) findings.push(...(Array.isArray(f) ? f : [f]));
      findings.sort((a, b) => Number(b.blocking) - Number(a.blocking));
      const blocking = findings.filter((f) => f.blocking);
      const verdict: GitopsVerdict = { app: name, findings };
      if (options.mode === 'refuse' && blocking.length) {
        verdict.refusal = [
          `Refused by the gateway's GitOps checks (gitopsChecks: refuse): ${tool} on ${name} would be refused, held or undone by Argo CD. Nothing was sent to Argo CD.`,
          ...findings.map((f) => `- ${f.blocking ? '' : 'Note: '}${f.message}`),
          'To proceed, make the change where it belongs (as said above) or wait for what blocks it; an operator who wants such writes sent with a warning sets gitopsChecks: warn.',
        ].join('\n');
      }
      return verdict;
    },
  };
}

/** The findings as the first lines a model reads. */
export function noticeText(verdicts: GitopsVerdict[]): string | undefined {
  const lines: string[] = [];
  for (const v of verdicts) for (const f of v.findings) {
    const line = `- ${f.blocking ? 'WARNING' : 'Note'}: ${f.message}`;
    if (!lines.includes(line)) lines.push(line);
  }
  if (!lines.length) return undefined;
  const shown = lines.slice(0, 8);
  const more = lines.length > shown.length ? `\n- … ${lines.length - shown.length} more in gitopsChecks` : '';
  return `GitOps checks:\n${shown.join('\n')}${more}`;
}

/** A direct tool result with the notice put first. */
export function withNotice(result: CallToolResult, verdicts: GitopsVerdict[]): CallToolResult {
  const notice = noticeText(verdicts);
  if (!notice) return result;
  return { ...result, content: [{ type: 'text', text: notice }, ...result.content] };
}

/**
 * A workflow's result with the findings of its steps: the notice leads its `summary` (the text a model reads
 * first), and `gitopsChecks` lists every finding per app.
 */
export function withWorkflowNotice(result: CallToolResult, verdicts: GitopsVerdict[]): CallToolResult {
  const withFindings = verdicts.filter((v) => v.findings.length);
  // A batch (sync_many over dozens of apps) says each kind of finding once, with the apps it concerns, so the notice
  // never crowds out the batch's own result.
  const batch = withFindings.length > BATCH_GROUPING;
  const notice = batch ? groupedNoticeText(withFindings) : noticeText(verdicts);
  if (!notice) return result;
  const listed = batch ? groupFindings(withFindings) : withFindings.map((v) => ({ app: v.app, findings: v.findings }));
  const structured = result.structuredContent as Json | undefined;
  if (structured && typeof structured.summary === 'string') {
    const value = { summary: `${notice}\n${structured.summary}`, ...structured, gitopsChecks: listed };
    value.summary = `${notice}\n${structured.summary}`;
    return { ...result, content: [{ type: 'text', text: JSON.stringify(value) }, ...result.content.slice(1)], structuredContent: value };
  }
  return { ...result, content: [{ type: 'text', text: notice }, ...result.content] };
}

/** Past this many apps with findings, findings are grouped by kind. */
const BATCH_GROUPING = 3;

interface FindingGroup {
  check: Finding['check'];
  blocking: boolean;
  apps: string[];
  /** The message for the first of those apps (the others differ only in names and windows). */
  example: string;
}

function groupFindings(verdicts: GitopsVerdict[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const v of verdicts) for (const f of v.findings) {
    const key = `${f.check}/${f.blocking}`;
    const group = groups.get(key) ?? { check: f.check, blocking: f.blocking, apps: [], example: f.message };
    if (!group.apps.includes(v.app)) group.apps.push(v.app);
    groups.set(key, group);
  }
  // What blocks first.
  return [...groups.values()].sort((a, b) => Number(b.blocking) - Number(a.blocking));
}

function groupedNoticeText(verdicts: GitopsVerdict[]): string | undefined {
  const groups = groupFindings(verdicts);
  if (!groups.length) return undefined;
  const names = (apps: string[]) => (apps.length <= 5 ? apps.join(', ') : `${apps.slice(0, 5).join(', ')} and ${apps.length - 5} more`);
  const lines = groups.map((g) => `- ${g.blocking ? 'WARNING' : 'Note'} (${g.check}) for ${g.apps.length} app${g.apps.length === 1 ? '' : 's'} (${names(g.apps)}); for ${g.apps[0]}: ${g.example}`);
  return `GitOps checks (grouped; every app in gitopsChecks):\n${lines.join('\n')}`;
}
