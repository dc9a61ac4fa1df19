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
import { CheckReadCache, appKey, callerKey } from './read-cache.ts';
import type { CachedRead, CheckRead } from './read-cache.ts';
import { windowState } from './window-state.ts';

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

export type { CheckRead } from './read-cache.ts';

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

const firstLine = (text: string) => text.split('\n')[0].slice(0, 300);

/** One write under check: what it is, the app it targets as Argo CD has it, and how its reads are made. */
interface WriteUnderCheck {
  tool: string;
  args: Json;
  kind: WriteKind;
  caller: string;
  name: string;
  namespace?: string;
  app: Json;
  reads: CachedRead;
  /** The finding for a check that could not be made; it never holds the write back. */
  unchecked: (what: string, error: string) => Finding;
}

type CheckResult = Promise<Finding | Finding[] | undefined>;

/** A spec change to an app an ApplicationSet generates: the ApplicationSet would put its own values back. */
async function applicationSetCheck(w: WriteUnderCheck, appSetName: string): CheckResult {
  const paths = changedPaths(w.tool, w.args, w.app);
  const appSetNs = (w.app.metadata as Json | undefined)?.namespace as string | undefined;
  const appSet = await w.reads(`${callerKey(w.caller)}appset:${appSetNs ?? ''}/${appSetName}`, 'applicationset_get', { name: appSetName, ...(appSetNs ? { appsetNamespace: appSetNs } : {}) });
  return applicationSetFinding({
    appName: w.name,
    appSetName,
    appSet: appSet.ok ? appSet.value : undefined,
    appSetError: appSet.ok ? undefined : firstLine(appSet.error),
    paths: paths.ok ? paths.paths : undefined,
  });
}

/** A spec change to an app whose manifest another app manages from Git: that app may put it back. */
async function parentAppCheck(w: WriteUnderCheck, parent: NonNullable<ReturnType<typeof managingApplication>>): CheckResult {
  const p = await w.reads(`${appKey(w.caller, parent.namespace, parent.name)}app`, 'application_get', { name: parent.name, ...(parent.namespace ? { appNamespace: parent.namespace } : {}) });
  if (p.ok) return parentFinding({ appName: w.name, parent, parentSpec: (p.value.spec ?? {}) as Json });
  // The instance label is also set by Helm and others: only a tracking annotation names an Argo CD app for sure.
  return parent.via.startsWith('tracking-id') ? parentFinding({ appName: w.name, parent, error: firstLine(p.error) }) : undefined;
}

/** A sync or rollback: whether a sync window holds it. */
async function syncWindowCheck(w: WriteUnderCheck, kind: 'sync' | 'rollback', now: () => Date): CheckResult {
  const state = await windowState({ reads: w.reads, prefix: appKey(w.caller, w.namespace, w.name), app: w.app, name: w.name, namespace: w.namespace, now });
  if ('error' in state && !('source' in state)) return w.unchecked(`the sync windows of ${w.name}`, state.error);
  return syncWindowFinding({ appName: w.name, kind, windows: state as WindowState });
}

/** The checks that need reads beyond the app itself, by the kind of write. */
function readingChecks(w: WriteUnderCheck, now: () => Date): CheckResult[] {
  const tasks: CheckResult[] = [];
  if (w.kind === 'spec') {
    const appSetName = owningApplicationSet(w.app);
    if (appSetName) tasks.push(applicationSetCheck(w, appSetName));
    const parent = managingApplication(w.app);
    if (parent) tasks.push(parentAppCheck(w, parent));
  }
  if (w.kind === 'sync' || w.kind === 'rollback') tasks.push(syncWindowCheck(w, w.kind, now));
  return tasks;
}

/** Every finding for the write, what blocks first. */
async function findingsFor(w: WriteUnderCheck, now: () => Date): Promise<Finding[]> {
  const spec = (w.app.spec ?? {}) as Json;
  const tasks = readingChecks(w, now);
  const source = spec.source as Json | undefined;
  const findings = [...autoSyncFindings({ appName: w.name, kind: w.kind, auto: autoSyncOf(spec), args: w.args, targetRevision: source ? String(source.targetRevision ?? '') : undefined })];
  for (const f of await Promise.all(tasks)) if (f) findings.push(...(Array.isArray(f) ? f : [f]));
  return findings.sort((a, b) => Number(b.blocking) - Number(a.blocking));
}

/** Why a write is refused in `refuse` mode, listing every finding and the way forward. */
function refusalText(tool: string, name: string, findings: Finding[]): string {
  return [
    `Refused by the gateway's GitOps checks (gitopsChecks: refuse): ${tool} on ${name} would be refused, held or undone by Argo CD. Nothing was sent to Argo CD.`,
    ...findings.map((f) => `- ${f.blocking ? '' : 'Note: '}${f.message}`),
    'To proceed, make the change where it belongs (as said above) or wait for what blocks it; an operator who wants such writes sent with a warning sets gitopsChecks: warn.',
  ].join('\n');
}

/** The unchecked finding of one write: a deadline that passed says so, else the error's first line. */
function uncheckedFinding(deadline: AbortSignal, timeoutMs: number, kind: WriteKind): WriteUnderCheck['unchecked'] {
  return (what, error) => ({
    check: 'unchecked',
    blocking: false,
    message: `The GitOps check of ${what} could not be made (${deadline.aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : firstLine(error)}); the ${kind === 'sync' ? 'sync' : 'write'} was not held back by it.`,
  });
}

export function createGitopsChecks(options: GitopsChecksOptions): GitopsChecks {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? (() => new Date());
  const cache = new CheckReadCache(options.cacheMs ?? 5_000);

  return {
    mode: options.mode,
    applies: (tool) => options.mode !== 'off' && tool in CHECKED_WRITES,
    forget(caller, tool, args) {
      if (/^(applicationset|project)_/.test(tool)) return cache.forget(callerKey(caller));
      if (!(tool in CHECKED_WRITES)) return;
      const { name, namespace } = targetOf(tool, args);
      if (name) cache.forget(appKey(caller, namespace, name));
    },
    async check({ tool, args, caller, read: readWith, signal }) {
      const kind = CHECKED_WRITES[tool];
      if (options.mode === 'off' || !kind) return undefined;
      const { name, namespace } = targetOf(tool, args);
      if (!name) return undefined;
      const deadline = AbortSignal.timeout(timeoutMs);
      const read = readWith(signal ? AbortSignal.any([signal, deadline]) : deadline);
      const reads: CachedRead = (key, t, a) => cache.read(read, key, t, a);
      const unchecked = uncheckedFinding(deadline, timeoutMs, kind);
      const got = await reads(`${appKey(caller, namespace, name)}app`, 'application_get', { name, ...(namespace ? { appNamespace: namespace } : {}) });
      if (!got.ok) return { app: name, findings: [unchecked(`${name} (reading the application)`, got.error)] };
      const findings = await findingsFor({ tool, args, kind, caller, name, namespace, app: got.value, reads, unchecked }, now);
      const blocking = findings.some((f) => f.blocking);
      return options.mode === 'refuse' && blocking ? { app: name, findings, refusal: refusalText(tool, name, findings) } : { app: name, findings };
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
