/**
 * The cron dialect Argo CD reads a sync window's schedule with: robfig/cron v3 built as
 * `cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)` (pkg/apis/application/v1alpha1
 * types.go, `SyncWindow.active`): five fields, lists, ranges, steps, month and day names, no `@daily`
 * descriptors. `nextAfter` follows robfig/cron's `SpecSchedule.Next` (spec.go): the first whole minute strictly
 * after a time whose month, day, hour and minute all match, skipping a non-matching month, day or hour at once.
 */

/** One parsed field: the values it allows, and robfig's `starBit` (written `*` or `?`, without a step above 1). */
interface Field {
  allowed: boolean[];
  star: boolean;
}

/** A parsed five-field schedule. */
export interface CronSpec {
  minute: Field;
  hour: Field;
  dom: Field;
  month: Field;
  dow: Field;
}

const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** robfig/cron `parseIntOrName`. */
function number(token: string, names: Record<string, number> | undefined): number {
  const named = names?.[token.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(token)) throw new Error(`failed to parse int from ${token}`);
  return Number(token);
}

/** robfig/cron `getRange`: `*`, `?`, `a`, `a-b`, each optionally `/step`. */
function addRange(field: Field, expr: string, bounds: { min: number; max: number; names?: Record<string, number> }): void {
  const [rangePart, stepPart, ...restSlash] = expr.split('/');
  if (restSlash.length) throw new Error(`too many slashes: ${expr}`);
  const [lowText, highText, ...restHyphen] = rangePart.split('-');
  if (restHyphen.length) throw new Error(`too many hyphens: ${expr}`);
  const star = lowText === '*' || lowText === '?';
  let start = star ? bounds.min : number(lowText, bounds.names);
  let end = star ? bounds.max : highText === undefined ? start : number(highText, bounds.names);
  let step = 1;
  if (stepPart !== undefined) {
    step = number(stepPart, undefined);
    // "N/step" means N through the maximum.
    if (!star && highText === undefined) end = bounds.max;
  }
  if (start < bounds.min) throw new Error(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new Error(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (; start <= end; start += step) field.allowed[start] = true;
  if (star && step <= 1) field.star = true;
}

function parseField(text: string, bounds: { min: number; max: number; names?: Record<string, number> }): Field {
  const field: Field = { allowed: [], star: false };
  for (const expr of text.split(',')) addRange(field, expr, bounds);
  return field;
}

/** Parses a schedule; throws with robfig/cron's wording on a bad one. */
export function parseCronSpec(spec: string): CronSpec {
  const fields = spec.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return {
    minute: parseField(fields[0], { min: 0, max: 59 }),
    hour: parseField(fields[1], { min: 0, max: 23 }),
    dom: parseField(fields[2], { min: 1, max: 31 }),
    month: parseField(fields[3], { min: 1, max: 12, names: MONTH_NAMES }),
    dow: parseField(fields[4], { min: 0, max: 6, names: DAY_NAMES }),
  };
}

/** robfig/cron `dayMatches`: with a `*` in day-of-month or day-of-week both must match, otherwise either. */
function dayMatches(s: CronSpec, t: Date): boolean {
  const dom = !!s.dom.allowed[t.getUTCDate()];
  const dow = !!s.dow.allowed[t.getUTCDay()];
  return s.dom.star || s.dow.star ? dom && dow : dom || dow;
}

/** robfig/cron gives up after five years without a match and returns the zero time. */
const SEARCH_YEARS = 5;

/**
 * `SpecSchedule.Next(t)` on a UTC wall clock (milliseconds): the first matching minute strictly after `t`, or
 * undefined when there is none within five years.
 */
export function nextAfter(s: CronSpec, t: number): number | undefined {
  const d = new Date(Math.floor(t / 60_000) * 60_000 + 60_000);
  const limit = d.getUTCFullYear() + SEARCH_YEARS;
  while (d.getUTCFullYear() <= limit) {
    if (!s.month.allowed[d.getUTCMonth() + 1]) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, d)) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!s.hour.allowed[d.getUTCHours()]) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minute.allowed[d.getUTCMinutes()]) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
    } else {
      return d.getTime();
    }
  }
  return undefined;
}
