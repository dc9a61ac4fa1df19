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

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (wall clock − UTC). */
function zoneOffsetMs(ms: number, timeZone: string | undefined): number {
  if (!timeZone || timeZone === 'UTC') return 0;
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute));
  return wall - Math.floor(ms / 60_000) * 60_000;
}

/** Wall-clock fields of an instant shifted by a zone offset. */
function localParts(ms: number, offsetMs: number): { minute: number; hour: number; dom: number; month: number; dow: number } {
  const d = new Date(ms + offsetMs);
  return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), dom: d.getUTCDate(), month: d.getUTCMonth() + 1, dow: d.getUTCDay() };
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
  // The zone's offset is looked up once an hour of the walk (offsets change at most at an hour boundary in practice).
  let offset = zoneOffsetMs(lastMinute, w.timeZone);
  for (let t = lastMinute; t > nowMs - duration; t -= 60_000) {
    if (t % 3_600_000 === 3_540_000) offset = zoneOffsetMs(t, w.timeZone);
    const minute = (((t + offset) / 60_000) % 60 + 60) % 60;
    if (cron.minute.has(minute) && fires(cron, localParts(t, offset))) return true;
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
