/**
 * The result of a batch of operations (sync_many): every app that failed or did not finish is listed in full under
 * `problems` (an object, so the gateway's result cap, which cuts the largest top-level array, never cuts them); the
 * apps that succeeded follow in `succeeded`, the first few by name and the rest as a count. isError whenever any app
 * failed or did not finish.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { json } from './common.ts';
import { type Outcome, succeeded } from './wait.ts';

/** One app's line in the batch result. */
export interface BatchRow {
  name: string;
  /** ok, failed (phase Failed/Error, Degraded, or refused), unfinished (timed out, cancelled, or never started). */
  result: 'ok' | 'failed' | 'unfinished';
  phase: string;
  sync?: string;
  health?: string;
  message?: string;
  failedResources?: number;
  /** For failed and unfinished apps: the first failed resource, or what the wait was still waiting on. */
  why?: string;
  /** Why the operation was not started (the gateway's or Argo CD's refusal). */
  error?: string;
}

/** Succeeded apps shown by name; the rest are counted. */
export const SUCCEEDED_ROWS_SHOWN = 25;
const MESSAGE_CHARS = 300;
/** Failed (or unfinished) apps named in the summary line; all of them are under `problems`. */
const NAMES_IN_SUMMARY = 30;

const clip = (text: string | undefined) => (text && text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS)}…` : text);

/** A row from a followed operation, or from a start that was refused. */
export function batchRow(name: string, outcome: Outcome | undefined, error: string | undefined): BatchRow {
  if (!outcome) return { name, result: 'failed', phase: 'NotStarted', error: clip(error) };
  const result = succeeded(outcome) ? 'ok' : outcome.timedOut || outcome.cancelled ? 'unfinished' : 'failed';
  const first = outcome.failedResources[0];
  const why = result === 'ok' ? undefined : outcome.waitingOn ?? (first ? `${first.kind}/${first.name}: ${first.message ?? first.status}` : outcome.degraded ? `health Degraded${outcome.healthMessage ? `: ${outcome.healthMessage}` : ''}` : undefined);
  return {
    name,
    result,
    phase: outcome.phase,
    sync: outcome.sync,
    health: outcome.health,
    ...(outcome.message ? { message: clip(outcome.message) } : {}),
    ...(outcome.failedResources.length ? { failedResources: outcome.failedResources.length } : {}),
    ...(why ? { why: clip(why) } : {}),
  };
}

/** The batch's tool result. `notStarted` are the apps the deadline or a cancellation left unstarted. */
export function summariseBatch(args: { rows: BatchRow[]; notStarted: string[]; total: number; deadlinePassed: boolean; note?: string }): CallToolResult {
  const rows = [...args.rows, ...args.notStarted.map((name): BatchRow => ({ name, result: 'unfinished', phase: 'NotStarted', why: args.deadlinePassed ? 'the overall deadline passed before it was started' : 'cancelled before it was started' }))];
  const byName = (a: BatchRow, b: BatchRow) => a.name.localeCompare(b.name);
  const failed = rows.filter((r) => r.result === 'failed').sort(byName);
  const unfinished = rows.filter((r) => r.result === 'unfinished').sort(byName);
  const ok = rows.filter((r) => r.result === 'ok').sort(byName);
  const shownOk = ok.slice(0, SUCCEEDED_ROWS_SHOWN);
  const problems = failed.length + unfinished.length;
  const names = (list: BatchRow[]) =>
    `${list.slice(0, NAMES_IN_SUMMARY).map((r) => `${r.name} (${r.phase})`).join(', ')}${list.length > NAMES_IN_SUMMARY ? `, and ${list.length - NAMES_IN_SUMMARY} more under problems` : ''}`;
  const summary = [
    `${ok.length} of ${args.total} applications synced`,
    failed.length ? `; ${failed.length} failed: ${names(failed)}` : '',
    unfinished.length ? `; ${unfinished.length} did not finish: ${names(unfinished)}` : '',
    '.',
    ok.length > shownOk.length ? ` ${ok.length - shownOk.length} more succeeded apps are counted, not listed.` : '',
    args.note ? ` ${args.note}.` : '',
  ].join('');
  return json(
    {
      summary,
      ...(problems ? { problems: { ...(failed.length ? { failed } : {}), ...(unfinished.length ? { unfinished } : {}) } } : {}),
      succeeded: shownOk,
      ...(ok.length > shownOk.length ? { moreSucceeded: ok.length - shownOk.length } : {}),
    },
    problems > 0,
  );
}
