/**
 * Argo CD's sync-window rules, as pure functions: which of a project's windows apply to an application, which are
 * active now, and whether a sync may run. A port of pkg/apis/application/v1alpha1/types.go (`SyncWindows.Matches`,
 * `SyncWindows.Active`/`active`, `InactiveAllows`, `CanSync`, `hasDeny`, `manualEnabled`,
 * `SyncWindow.scheduleOffsetByTimeZone`), with the cron dialect of robfig/cron v3's parser as Argo CD builds it
 * (`cron.NewParser(Minute | Hour | Dom | Month | Dow)`: five fields, no descriptors such as `@daily`) and Go's
 * `time.ParseDuration`. Used where the application's sync-windows endpoint cannot answer.
 */

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

/** The verdict for one moment: the windows assigned to the app, the active ones, the allow windows not active. */
export interface WindowVerdict {
  assigned: SyncWindow[];
  active: SyncWindow[];
  inactiveAllows: SyncWindow[];
  /** `CanSync(isManual, nil)`; false with `error` when a window cannot be parsed (Argo CD then refuses the sync). */
  canSync: boolean;
  error?: string;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's `time.ParseDuration` ("1h30m", "90s", "1.5h"), in milliseconds; undefined when Go would refuse it. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (!s) return undefined;
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s) {
    const m = part.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNITS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * total;
}

interface CronField {
  bits: Set<number>;
  /** robfig/cron's starBit: the field was `*` or `?` without a step above 1. */
  star: boolean;
}

interface CronSchedule {
  minute: CronField;
  hour: CronField;
  dom: CronField;
  month: CronField;
  dow: CronField;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** One field of a cron spec, as robfig/cron's `getField`/`getRange` read it (lists, ranges, steps, names). */
function parseField(text: string, min: number, max: number, names?: string[]): CronField {
  const bits = new Set<number>();
  let star = false;
  const value = (token: string): number => {
    const named = names?.indexOf(token.toLowerCase()) ?? -1;
    if (named >= 0) return named + (min === 1 ? 1 : 0);
    if (!/^\d+$/.test(token)) throw new Error(`failed to parse int from ${token}`);
    return Number(token);
  };
  for (const expr of text.split(',')) {
    const [range, stepText, extra] = expr.split('/');
    if (extra !== undefined) throw new Error(`too many slashes: ${expr}`);
    const [low, high, more] = range.split('-');
    if (more !== undefined) throw new Error(`too many hyphens: ${expr}`);
    let start: number;
    let end: number;
    let isStar = false;
    if (low === '*' || low === '?') {
      start = min;
      end = max;
      isStar = true;
    } else {
      start = value(low);
      end = high === undefined ? start : value(high);
    }
    let step = 1;
    if (stepText !== undefined) {
      step = value(stepText);
      if (high === undefined && !isStar) end = max;
      if (step > 1) isStar = false;
    }
    if (start < min) throw new Error(`beginning of range (${start}) below minimum (${min}): ${expr}`);
    if (end > max) throw new Error(`end of range (${end}) above maximum (${max}): ${expr}`);
    if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
    for (let v = start; v <= end; v += step) bits.add(v);
    star ||= isStar;
  }
  return { bits, star };
}

/** A five-field cron spec (minute hour day-of-month month day-of-week); throws like Argo CD's parser. */
export function parseCron(spec: string): CronSchedule {
  const fields = spec.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return {
    minute: parseField(fields[0], 0, 59),
    hour: parseField(fields[1], 0, 23),
    dom: parseField(fields[2], 1, 31),
    month: parseField(fields[3], 1, 12, MONTHS),
    dow: parseField(fields[4], 0, 6, DAYS),
  };
}

/** robfig/cron `dayMatches`: day-of-month AND day-of-week when either is a star, otherwise OR. */
function firesAt(s: CronSchedule, t: Date): boolean {
  if (!s.minute.bits.has(t.getUTCMinutes()) || !s.hour.bits.has(t.getUTCHours()) || !s.month.bits.has(t.getUTCMonth() + 1)) return false;
  const dom = s.dom.bits.has(t.getUTCDate());
  const dow = s.dow.bits.has(t.getUTCDay());
  return s.dom.star || s.dow.star ? dom && dow : dom || dow;
}

/** The zone's current UTC offset in ms, as `scheduleOffsetByTimeZone` takes it (an unknown zone counts as UTC). */
export function zoneOffsetMs(timeZone: string | undefined, now: Date): number {
  if (!timeZone || timeZone === 'UTC') return 0;
  if (timeZone === 'Local') return -now.getTimezoneOffset() * 60_000;
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(now).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000) : 0;
  } catch {
    return 0;
  }
}

/** Windows longer than this are searched only this far back (a year of minutes). */
const MAX_SEARCH_MS = 366 * 24 * 3_600_000;

/**
 * `SyncWindow.active`: `schedule.Next(now + offset - duration)` is before `now + offset`, i.e. the schedule fired at
 * a whole minute strictly inside (now - duration, now) on the window's wall clock. Throws on a bad schedule or duration.
 */
export function isWindowActive(window: SyncWindow, now: Date): boolean {
  const schedule = parseCron(String(window.schedule ?? ''));
  const duration = parseGoDuration(window.duration);
  if (duration === undefined) throw new Error(`cannot parse duration '${window.duration ?? ''}'`);
  const wall = now.getTime() + zoneOffsetMs(window.timeZone, now);
  const from = wall - Math.min(duration, MAX_SEARCH_MS);
  // robfig's Next is strictly after its argument, at whole minutes; walk back from the last minute before `wall`.
  for (let t = Math.ceil(wall / 60_000) * 60_000 - 60_000; t > from; t -= 60_000) {
    if (t < wall && firesAt(schedule, new Date(t))) return true;
  }
  return false;
}

/** gobwas/glob as util/glob uses it without separators: `*`, `?`, `[...]`, `{a,b}`. */
function globMatch(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return pattern === value;
      const body = pattern.slice(i + 1, end);
      re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1);
      if (end < 0) return pattern === value;
      re += `(?:${pattern.slice(i + 1, end).split(',').map((p) => p.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')).join('|')})`;
      i = end;
    } else re += c.replace(/[.+^$()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`, 's').test(value);
  } catch {
    return pattern === value;
  }
}

/** `SyncWindows.Matches`: the windows assigned to an app by name, cluster (name or server) and namespace. */
export function matchingWindows(windows: SyncWindow[], app: WindowTarget): SyncWindow[] {
  const dest = app.destination ?? {};
  return windows.filter((w) => {
    let matched = false;
    let isSet = false;
    if (w.applications?.length) {
      isSet = true;
      matched = w.applications.some((p) => globMatch(p, app.name));
    }
    if (w.andOperator && isSet && !matched) return false;
    if (!w.andOperator && matched) return true;
    if (w.clusters?.length) {
      isSet = true;
      matched = w.clusters.some((c) => (!!dest.name && globMatch(c, dest.name)) || (!!dest.server && globMatch(c, dest.server)));
    }
    if (isSet && w.andOperator && !matched) return false;
    if (!w.andOperator && matched) return true;
    if (w.namespaces?.length) matched = w.namespaces.some((n) => globMatch(n, dest.namespace ?? ''));
    return matched;
  });
}

/**
 * The verdict of `CanSync(isManual, nil)` over the windows assigned to an app: an active deny blocks unless the
 * sync is manual and every active deny has manualSync; else an active allow permits; else assigned allow windows
 * that are all inactive block unless the sync is manual and all of them have manualSync; else it may sync.
 */
export function windowVerdict(assigned: SyncWindow[], options: { isManual: boolean; now: Date }): WindowVerdict {
  const { isManual, now } = options;
  if (!assigned.length) return { assigned, active: [], inactiveAllows: [], canSync: true };
  let active: SyncWindow[];
  try {
    active = assigned.filter((w) => isWindowActive(w, now));
  } catch (err) {
    return { assigned, active: [], inactiveAllows: [], canSync: false, error: (err as Error).message };
  }
  const inactiveAllows = assigned.filter((w) => w.kind === 'allow' && !active.includes(w));
  return { assigned, active, inactiveAllows, canSync: canSyncGiven({ active, inactiveAllows, isManual }) };
}

/** `CanSync` once the active windows are known (without `syncOverrun`, which only concerns running operations). */
export function canSyncGiven(args: { active: SyncWindow[]; inactiveAllows: SyncWindow[]; isManual: boolean }): boolean {
  const { active, inactiveAllows, isManual } = args;
  const denies = active.filter((w) => w.kind === 'deny');
  if (denies.length) return isManual && denies.every((w) => w.manualSync === true);
  if (active.some((w) => w.kind === 'allow')) return true;
  if (inactiveAllows.length) return isManual && inactiveAllows.every((w) => w.manualSync === true);
  return true;
}

/** "deny window `0 22 * * 5` for 56h (Europe/Amsterdam, manual sync allowed)". */
export function describeWindow(w: SyncWindow): string {
  const extras = [w.timeZone && w.timeZone !== 'UTC' ? w.timeZone : undefined, w.manualSync ? 'manual sync allowed' : 'manual sync not allowed', w.description].filter(Boolean);
  return `${w.kind ?? '?'} window "${w.schedule ?? ''}" for ${w.duration ?? '?'}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}
