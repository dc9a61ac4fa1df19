/**
 * AppProject sync windows, evaluated as Argo CD does (pkg/apis/application/v1alpha1/types.go: `SyncWindows.Matches`,
 * `SyncWindow.active`, `SyncWindows.CanSync`): a window is active when its cron schedule fired within the last
 * `duration`; an active deny blocks (a manual sync passes when the deny has `manualSync`); an active allow permits;
 * allow windows that are all inactive block (a manual sync passes when one of them has `manualSync`).
 * Not modelled: `andOperator`, overrun of an operation started before the window.
 */
import type { JsonObject } from './types.ts';

/** One `spec.syncWindows[]` entry as stored. */
export interface SyncWindowSpec {
  kind?: string;
  schedule?: string;
  duration?: string;
  applications?: string[];
  namespaces?: string[];
  clusters?: string[];
  manualSync?: boolean;
  timeZone?: string;
}

/** Go's filepath-style glob as Argo CD's `globMatch` uses it, for the `*` patterns windows carry. */
function glob(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
}

/** The project's windows that apply to an application (`SyncWindows.Matches`, OR of applications/clusters/namespaces). */
export function matchingWindows(project: JsonObject | undefined, app: JsonObject): SyncWindowSpec[] {
  const windows = (((project?.spec as JsonObject | undefined)?.syncWindows ?? []) as SyncWindowSpec[]);
  const name = String((app.metadata as JsonObject).name);
  const dest = ((app.spec as JsonObject).destination ?? {}) as JsonObject;
  return windows.filter(
    (w) =>
      (w.applications ?? []).some((p) => glob(p, name)) ||
      (w.clusters ?? []).some((p) => (dest.name && glob(p, String(dest.name))) || (dest.server && glob(p, String(dest.server)))) ||
      (w.namespaces ?? []).some((p) => glob(p, String(dest.namespace ?? ''))),
  );
}

/** Go's time.ParseDuration for the units windows use (h, m, s), e.g. "1h30m". */
export function parseWindowDuration(d: string | undefined): number {
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(h|m|s)/g;
  let matched = '';
  for (let m = re.exec(d ?? ''); m; m = re.exec(d ?? '')) {
    ms += Number(m[1]) * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : 1000);
    matched += m[0];
  }
  if (!d || matched !== d) throw new Error(`cannot parse duration ${JSON.stringify(d ?? '')}`);
  return ms;
}

function cronField(spec: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let lo = min;
    let hi = max;
    if (range !== '*') {
      const [a, b] = range.split('-');
      lo = Number(a);
      hi = b !== undefined ? Number(b) : stepText ? max : lo;
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || !Number.isInteger(step) || step < 1) throw new Error(`invalid cron field ${JSON.stringify(spec)}`);
    for (let v = lo; v <= hi; v += step) out.add(v === 7 && max === 7 ? 0 : v);
  }
  return out;
}

interface Cron {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
}

/** A standard five-field cron schedule (robfig/cron with Minute|Hour|Dom|Month|Dow, as the window parser is built). */
function parseCron(schedule: string): Cron {
  const f = schedule.trim().split(/\s+/);
  if (f.length !== 5) throw new Error(`expected 5 cron fields, got ${JSON.stringify(schedule)}`);
  return {
    minute: cronField(f[0], 0, 59),
    hour: cronField(f[1], 0, 23),
    dom: cronField(f[2], 1, 31),
    month: cronField(f[3], 1, 12),
    dow: cronField(f[4], 0, 7),
    domStar: f[2] === '*',
    dowStar: f[4] === '*',
  };
}

function localParts(ms: number, timeZone: string | undefined): { minute: number; hour: number; dom: number; month: number; dow: number } {
  if (!timeZone || timeZone === 'UTC') {
    const d = new Date(ms);
    return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), dom: d.getUTCDate(), month: d.getUTCMonth() + 1, dow: d.getUTCDay() };
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hour12: false, minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return { minute: Number(parts.minute), hour: Number(parts.hour) % 24, dom: Number(parts.day), month: Number(parts.month), dow: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday) };
}

function fires(c: Cron, p: ReturnType<typeof localParts>): boolean {
  // robfig/cron: when both day fields are restricted, either may match.
  const day = c.domStar || c.dowStar ? c.dom.has(p.dom) && c.dow.has(p.dow) : c.dom.has(p.dom) || c.dow.has(p.dow);
  return c.minute.has(p.minute) && c.hour.has(p.hour) && c.month.has(p.month) && day;
}

/** `SyncWindow.active`: the schedule fired within (now − duration, now]. */
export function windowActive(w: SyncWindowSpec, nowMs: number): boolean {
  const cron = parseCron(w.schedule ?? '');
  const duration = parseWindowDuration(w.duration);
  const lastMinute = Math.floor(nowMs / 60_000) * 60_000;
  for (let t = lastMinute; t > nowMs - duration; t -= 60_000) {
    if (fires(cron, localParts(t, w.timeZone))) return true;
  }
  return false;
}

/** `SyncWindows.CanSync(isManual)`; an unparsable window blocks, as Argo CD's error return does. */
export function canSync(windows: SyncWindowSpec[], isManual: boolean, nowMs = Date.now()): boolean {
  if (windows.length === 0) return true;
  let active: SyncWindowSpec[];
  try {
    active = windows.filter((w) => windowActive(w, nowMs));
  } catch {
    return false;
  }
  const denies = active.filter((w) => w.kind === 'deny');
  if (denies.length) return isManual && denies.some((w) => w.manualSync);
  if (active.some((w) => w.kind === 'allow')) return true;
  const inactiveAllows = windows.filter((w) => w.kind === 'allow');
  if (inactiveAllows.length) return isManual && inactiveAllows.some((w) => w.manualSync);
  return true;
}

/** Windows of the app's project that are active now. */
export function activeWindows(windows: SyncWindowSpec[], nowMs = Date.now()): SyncWindowSpec[] {
  return windows.filter((w) => {
    try {
      return windowActive(w, nowMs);
    } catch {
      return false;
    }
  });
}
