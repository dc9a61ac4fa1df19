/**
 * A fleet question asked of several instances (`instance: "*"`): each instance answers it whole, and the answers
 * merge here so the numbers stay exact. Names group by instance, counts add up per key (grouped by instance when
 * asked), summary rows merge as any list does, with an `instance` column; `total` and `matched` are the sums.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ResultBudget } from './client-budgets.ts';
import { mergeAnswers } from './fan-out.ts';
import type { InstanceAnswer, Skipped } from './fan-out.ts';
import { fitNames, unpackNames } from '../fleet/answer-shapes.ts';
import { isFleetCall } from '../fleet/fleet-call.ts';

type Json = Record<string, unknown>;

/** Whether a fanned-out call is a fleet question whose answers merge here. */
export function mergesAsFleet(name: string, args: Json): boolean {
  if (isFleetCall(name, args)) return true;
  return (name === 'health_report' || name === 'find_app') && (args.answer === 'names' || args.answer === 'counts');
}

const valueOf = (r: CallToolResult): Json | undefined => {
  try {
    return JSON.parse((r.content[0] as { text?: string }).text ?? '') as Json;
  } catch {
    return undefined;
  }
};

const sum = (values: Json[], key: string) => values.reduce((s, v) => s + (typeof v[key] === 'number' ? (v[key] as number) : 0), 0);

/** The merged answer; the instances' own answers are asked whole (internal), so only this cut applies. */
export async function mergeFleetAnswers(args: { tool: string; answers: InstanceAnswer[]; skipped: Skipped[]; budget: ResultBudget; hint: string; offset: number }): Promise<CallToolResult> {
  const ok = args.answers.filter((a) => a.result && !a.result.isError).map((a) => ({ instance: a.instance, value: valueOf(a.result!) }));
  const values = ok.filter((v): v is { instance: string; value: Json } => v.value !== undefined);
  const shape = values.length && values.every((v) => v.value.names) ? 'names' : values.length && values.every((v) => v.value.counts) ? 'counts' : 'rows';
  if (shape === 'rows' || values.length !== ok.length) {
    // Summary rows: the usual merge (instance column, an even cut), with the matched count added.
    const merged = await mergeAnswers(args);
    if (merged.isError || !merged.structuredContent) return merged;
    const value = { ...merged.structuredContent, matched: sum(values.map((v) => v.value), 'matched') };
    return { ...merged, content: [{ type: 'text', text: JSON.stringify(value) }, ...merged.content.slice(1)], structuredContent: value };
  }
  const errors = args.answers
    .filter((a) => !a.result || a.result.isError)
    .map((a) => ({ instance: a.instance, error: a.result ? (a.result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n') : `the gateway failed: ${a.thrown}` }));
  if (!values.length) return mergeAnswers(args);
  const head: Json = {
    total: sum(values.map((v) => v.value), 'total'),
    matched: sum(values.map((v) => v.value), 'matched'),
    instances: values.map((v) => v.instance),
    ...(errors.length ? { errors } : {}),
    ...(args.skipped.length ? { skipped: args.skipped } : {}),
  };
  let value: Json;
  let note: string | undefined;
  if (shape === 'counts') {
    const counts = new Map<string, number>();
    // By instance, each instance's matched is its count (a workflow does not know its instance's name).
    const byInstance = values[0].value.groupBy === 'instance';
    for (const v of values) {
      if (byInstance) counts.set(v.instance, Number(v.value.matched ?? 0));
      else for (const [k, n] of Object.entries(v.value.counts as Record<string, number>)) counts.set(k, (counts.get(k) ?? 0) + n);
    }
    value = { ...head, groupBy: values[0].value.groupBy, counts: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) };
  } else {
    const rows = values.flatMap((v) => Object.values(v.value.names as Record<string, Record<string, string>>).flatMap((packed) => unpackNames(packed).map((name) => ({ key: v.instance, name }))));
    ({ value, note } = await fitNames({ rows, head, offset: args.offset, cap: args.budget }));
  }
  const notes = [...(note ? [note] : []), ...(errors.length ? [`Failed on ${errors.map((e) => e.instance).join(', ')} (see errors); the answer is from ${values.map((v) => v.instance).join(', ')}.`] : [])];
  return { content: [{ type: 'text', text: JSON.stringify(value) }, ...notes.map((text) => ({ type: 'text' as const, text }))], structuredContent: value };
}
