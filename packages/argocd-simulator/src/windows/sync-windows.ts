/**
 * Sync windows as Argo CD decides them, ported from pkg/apis/application/v1alpha1/types.go: `SyncWindows.Matches`
 * (which of a project's windows apply to an app, with `andOperator`), `SyncWindow.active` (with
 * `scheduleOffsetByTimeZone`), `SyncWindows.CanSync` with `hasDeny`, `hasAllow`, `manualEnabled` and
 * `InactiveAllows`. Patterns are util/glob `Match` (gobwas/glob without separators). Schedules are read by ./cron.ts.
 */
import { nextAfter, parseCronSpec } from './cron.ts';

/** A project's sync window (AppProjectSpec.syncWindows[]). */
export interface SyncWindow {
  kind?: string;
  schedule?: string;
  duration?: string;
  applications?: string[];
  namespaces?: string[];
  clusters?: string[];
  manualSync?: boolean;
  timeZone?: string;
  andOperator?: boolean;
  description?: string;
}

/** What `Matches` reads of an application. */
export interface WindowTarget {
  name: string;
  destination?: { server?: string; name?: string; namespace?: string };
}

/** gobwas/glob syntax as a regular expression: `*`, `?`, `[...]`, `[!...]`, `{a,b}`, `\` escapes. */
function globToRegExp(pattern: string): RegExp {
  let out = '';
  let inAlternatives = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) out += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) throw new Error(`unexpected end of input: ${pattern}`);
      const body = pattern.slice(i + 1, close);
      out += body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`;
      i = close;
    } else if (c === '{' && !inAlternatives) {
      inAlternatives = true;
      out += '(?:';
    } else if (c === '}' && inAlternatives) {
      inAlternatives = false;
      out += ')';
    } else if (c === ',' && inAlternatives) out += '|';
    else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  if (inAlternatives) throw new Error(`unexpected end of input: ${pattern}`);
  return new RegExp(`^${out}$`, 's');
}

/** util/glob `Match`: a pattern that does not compile matches nothing. */
export function globMatch(pattern: string, text: string): boolean {
  try {
    return globToRegExp(pattern).test(text);
  } catch {
    return false;
  }
}

/** `SyncWindows.Matches`: by default a window applies when any of its lists matches; with `andOperator`, all of the lists it sets. */
export function matchWindows(windows: SyncWindow[], app: WindowTarget): SyncWindow[] {
  const dest = app.destination ?? {};
  return windows.filter((w) => {
    const verdicts: boolean[] = [];
    if (w.applications?.length) verdicts.push(w.applications.some((p) => globMatch(p, app.name)));
    if (w.clusters?.length) verdicts.push(w.clusters.some((c) => (!!dest.name && globMatch(c, dest.name)) || (!!dest.server && globMatch(c, dest.server))));
    if (w.namespaces?.length) verdicts.push(w.namespaces.some((n) => globMatch(n, dest.namespace ?? '')));
    return w.andOperator ? verdicts.length > 0 && verdicts.every(Boolean) : verdicts.some(Boolean);
  });
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Go's `time.ParseDuration` in milliseconds ("1h30m", "90s", "1.5h", "0"); throws as Go refuses. */
export function parseDuration(text: string): number {
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) throw new Error(`time: invalid duration "${text}"`);
  let total = 0;
  for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * DURATION_UNITS[part[2]];
  return m[1] === '-' ? -total : total;
}

/** `scheduleOffsetByTimeZone`: the zone's UTC offset now, in ms (UTC and an unknown zone count as 0). */
function zoneOffset(timeZone: string | undefined, at: Date): number {
  if (!timeZone || timeZone === 'UTC') return 0;
  try {
    const label = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /([+-])(\d\d):(\d\d)/.exec(label);
    if (!m) return 0;
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  } catch {
    return 0;
  }
}

/**
 * `SyncWindow.active`: `schedule.Next(now + offset - duration)` is before `now + offset`. Throws on a schedule or
 * duration Argo CD cannot read (the caller refuses the sync, as Argo CD's `CanSync` returns the error).
 */
export function isActive(w: SyncWindow, now: Date): boolean {
  const spec = parseCronSpec(String(w.schedule ?? ''));
  const duration = parseDuration(String(w.duration ?? ''));
  const wall = now.getTime() + zoneOffset(w.timeZone, now);
  const next = nextAfter(spec, wall - duration);
  return next !== undefined && next < wall;
}

/** `hasDeny`: whether any window denies, and whether every denying one allows manual syncs. */
function hasDeny(windows: SyncWindow[]): { deny: boolean; manualEnabled: boolean } {
  const denies = windows.filter((w) => w.kind === 'deny');
  return { deny: denies.length > 0, manualEnabled: denies.length > 0 && denies.every((w) => w.manualSync === true) };
}

/** `manualEnabled`: every window allows manual syncs. */
const manualEnabled = (windows: SyncWindow[]) => windows.length > 0 && windows.every((w) => w.manualSync === true);

/** What Argo CD answers for one moment: the windows assigned to an app, the active ones, and `CanSync`. */
export interface WindowsState {
  assigned: SyncWindow[];
  active: SyncWindow[];
  canSync: boolean;
  /** Set when a window cannot be read; `canSync` is then false. */
  error?: string;
}

/** `SyncWindows.CanSync(isManual)` over the windows assigned to an app, at `now`. */
export function windowsState(assigned: SyncWindow[], options: { isManual: boolean; now: Date }): WindowsState {
  if (!assigned.length) return { assigned, active: [], canSync: true };
  let active: SyncWindow[];
  try {
    active = assigned.filter((w) => isActive(w, options.now));
  } catch (e) {
    return { assigned, active: [], canSync: false, error: (e as Error).message };
  }
  const denied = hasDeny(active);
  if (denied.deny) return { assigned, active, canSync: options.isManual && denied.manualEnabled };
  if (active.some((w) => w.kind === 'allow')) return { assigned, active, canSync: true };
  // `InactiveAllows`: the allow windows not active now.
  const inactiveAllows = assigned.filter((w) => w.kind === 'allow' && !active.includes(w));
  if (inactiveAllows.length) return { assigned, active, canSync: options.isManual && manualEnabled(inactiveAllows) };
  return { assigned, active, canSync: true };
}
