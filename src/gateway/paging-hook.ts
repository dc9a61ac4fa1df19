/**
 * The gateway's use of list snapshots (src/shaping/snapshots.ts): a list result cut by `limit` or by the result cap
 * carries a `cursor`, and a call with that cursor is served its next page from the snapshot, without asking Argo CD.
 * A cursor that expired, or belongs to another caller, tool, instance or list, is an error that says to list again:
 * a different list is never fetched in its place.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool, JsonSchema } from '../catalogue/types.ts';
import { capResult } from '../shaping/cap.ts';
import type { Cap } from '../shaping/cap.ts';
import { cursorOf, newSnapshotId, packSnapshot, pageNote, pageOf, pageableItems, parseCursor, snapshotKey, unpackSnapshot } from '../shaping/snapshots.ts';
import type { ListPage, SnapshotStore } from '../shaping/snapshots.ts';
import { WORKFLOW_HINT, jsonResult, narrowHint, textResult } from './results.ts';

/**
 * The `cursor` argument, as list tools and paged workflows advertise it: without a description, as limit/offset, since
 * the server instructions and every cut result's note say how to use it (tools/list stays small).
 */
export const CURSOR_ARG_SCHEMA: Readonly<JsonSchema> = Object.freeze({ type: 'string' });

/** A workflow whose result is a list: the field a cursor pages, and its own page size if it has one. */
export interface PagedField {
  field: string;
  defaultLimit?: number;
}

/** A tool's input schema with `cursor`, for the tools that page (added at run time: the catalogue knows nothing of it). */
export function withCursorArg(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return properties.cursor ? schema : { ...schema, properties: { ...properties, cursor: CURSOR_ARG_SCHEMA } };
}

/** Who calls, for the snapshot key: the authenticated subject, else their token (hashed with the key), else the gateway's own identity. */
function identityOf(user: { subject: string; accessToken?: string } | undefined): string {
  if (user?.subject) return `subject:${user.subject}`;
  return user?.accessToken ? `token:${user.accessToken}` : 'gateway';
}

export interface PageRequest {
  tool: string;
  args: Record<string, unknown>;
  user?: { subject: string; accessToken?: string };
  cap: Cap;
  hint: string;
  field?: string;
  limit?: number;
}

/** A page for the gateway to turn into a result (its text, value and notes), and the cursor of the next one. */
export interface PageAnswer {
  text: string;
  value: unknown;
  notes: string[];
  cursor?: string;
  /** The page is the whole list, uncut: the caller may answer with the result it had. */
  whole: boolean;
}

export type ServedPage = { ok: true; page: PageAnswer } | { ok: false; message: string };

export interface ListPaging {
  /** Takes `cursor` out of the arguments (the catalogue's schemas do not know it); an error when it is misused. */
  takeCursor(pages: boolean, name: string, args: Record<string, unknown>): { ok: true; args: Record<string, unknown>; cursor?: string } | { ok: false; message: string };
  /** The next page of a snapshot. */
  serve(request: PageRequest & { cursor: string }): Promise<ServedPage>;
  /** A page of a freshly listed full list; a snapshot is kept when the page does not reach the end. */
  page(request: PageRequest & { full: unknown; notes: string[]; offset?: number }): Promise<PageAnswer | undefined>;
}

const expiredMessage = (name: string) =>
  `This cursor has expired or is unknown (snapshots are kept a short while, on this gateway or its shared Redis). Call ${name} again with the same arguments and without \`cursor\` to list afresh; nothing was sent to Argo CD.`;

export function createListPaging(options: { store: SnapshotStore; instance?: string }): ListPaging {
  const { store } = options;
  const keyOf = (r: PageRequest) => snapshotKey({ identity: identityOf(r.user), tool: r.tool, instance: options.instance, listArgs: r.args });

  function answer(page: ListPage, cursor: string | undefined, notes: string[], field: string): PageAnswer {
    const note = pageNote(page, cursor, store.limits.idleMs);
    const whole = page.offset === 0 && page.next === undefined && !page.capped.note;
    // The cap's note first, as on any capped result; then where the next page is.
    const all = [...notes, ...(page.capped.note ? [page.capped.note] : []), ...(note ? [note] : [])];
    const { capped } = page;
    // The cursor goes in the structured value too (an object's own field; the gateway adds it beside an array).
    if (cursor && capped.value && typeof capped.value === 'object' && !Array.isArray(capped.value) && pageableItems(capped.value, field)) {
      const value = { ...(capped.value as Record<string, unknown>), cursor };
      return { text: JSON.stringify(value), value, notes: all, cursor, whole };
    }
    return { text: capped.text, value: capped.value, notes: all, cursor, whole };
  }

  return {
    takeCursor(pages, name, args) {
      if (args.cursor === undefined) return { ok: true, args };
      const { cursor, ...rest } = args;
      if (!pages) return { ok: false, message: `Invalid arguments for ${name}; nothing was sent to Argo CD:\n- unknown argument \`cursor\` (only list results are paged by cursor)` };
      if (typeof cursor !== 'string' || !parseCursor(cursor)) {
        return { ok: false, message: `Invalid arguments for ${name}; nothing was sent to Argo CD:\n- \`cursor\` must be the cursor a cut result gave (e.g. "AbCdEfGhIjKl.k"); to start over, call without it` };
      }
      if (rest.offset !== undefined) return { ok: false, message: `Invalid arguments for ${name}; nothing was sent to Argo CD:\n- give \`cursor\` or \`offset\`, not both` };
      return { ok: true, args: rest, cursor };
    },
    async serve(request) {
      const parsed = parseCursor(request.cursor)!;
      const snapshot = await store.get(parsed.id);
      if (!snapshot) return { ok: false, message: expiredMessage(request.tool) };
      if (snapshot.key !== keyOf(request)) {
        return { ok: false, message: `This cursor belongs to another list (other arguments, tool or caller). Call ${request.tool} with the arguments that gave the cursor, or without \`cursor\` to list afresh; nothing was sent to Argo CD.` };
      }
      const full = await unpackSnapshot(snapshot.data);
      const field = request.field ?? 'items';
      const page = await pageOf({ full, field, offset: parsed.offset, limit: request.limit, cap: request.cap, hint: request.hint });
      return { ok: true, page: answer(page, page.next === undefined ? undefined : cursorOf(parsed.id, page.next), [], field) };
    },
    async page(request) {
      const field = request.field ?? 'items';
      if (!pageableItems(request.full, field)) return undefined;
      const page = await pageOf({ full: request.full, field, offset: request.offset ?? 0, limit: request.limit, cap: request.cap, hint: request.hint });
      let cursor: string | undefined;
      if (page.next !== undefined) {
        const id = newSnapshotId();
        if (await store.put(id, { key: keyOf(request), data: await packSnapshot(request.full) })) cursor = cursorOf(id, page.next);
      }
      return answer(page, cursor, request.notes, field);
    },
  };
}

/** A result with its cursor in the structured content too, when the value is not an object that holds it already. */
export function withCursor(result: CallToolResult, cursor: string | undefined): CallToolResult {
  if (!cursor || !result.structuredContent || result.structuredContent.cursor === cursor) return result;
  return { ...result, structuredContent: { ...result.structuredContent, cursor } };
}

/** A page as a tool result, its cursor in the structured content too. */
export const pageResult = (page: PageAnswer): CallToolResult => withCursor(jsonResult(page.text, page.value, page.notes), page.cursor);

/** A cursor's page as a tool result: the next page of its snapshot, or the error that says to list again. */
export async function servePage(paging: ListPaging, request: PageRequest & { cursor: string }): Promise<CallToolResult> {
  const served = await paging.serve(request);
  return served.ok ? pageResult(served.page) : textResult(served.message, true);
}

/** A list tool's page: its arguments (without `cursor`) define the list, its `limit` sizes the page. */
export function listPageRequest(tool: CatalogueTool, args: Record<string, unknown>, who: Pick<PageRequest, 'user' | 'cap'>): PageRequest {
  return { tool: tool.name, args, user: who.user, cap: who.cap, hint: narrowHint(tool), limit: args.limit as number | undefined };
}

/**
 * A freshly listed list, shaped whole (src/shaping/job.ts `shapeWhole`), as a result: a page of it with a cursor
 * when it is cut; capped as any result when it holds no list to page (a query's object).
 */
export async function freshListResult(paging: ListPaging, request: PageRequest & { full: unknown; notes: string[]; offset?: number }): Promise<CallToolResult> {
  const paged = await paging.page(request);
  if (paged) return pageResult(paged);
  const capped = await capResult(request.full, request.cap, request.hint);
  return jsonResult(capped.text, capped.value, [...request.notes, ...(capped.note ? [capped.note] : [])]);
}

/** How a workflow whose result is a list (CompositeTool `pages`) is paged: its next pages by cursor, its first one cut from its result. */
export interface WorkflowPaging {
  serve(cursor: string): Promise<CallToolResult>;
  /** The workflow's result as its first page; undefined when it is uncut, or an error, and stays as the workflow made it. */
  page(result: CallToolResult): Promise<CallToolResult | undefined>;
}

/** The paging of a workflow's list, or undefined for a workflow that does not page. */
export function workflowPaging(
  paging: ListPaging,
  call: { name: string; pages?: PagedField; args: Record<string, unknown>; user?: PageRequest['user']; cap: Cap },
): WorkflowPaging | undefined {
  const { pages, args } = call;
  if (!pages) return undefined;
  const request: PageRequest = { tool: call.name, args, user: call.user, cap: call.cap, hint: WORKFLOW_HINT, field: pages.field, limit: typeof args.limit === 'number' ? args.limit : pages.defaultLimit };
  return {
    serve: (cursor) => servePage(paging, { ...request, cursor }),
    async page(result) {
      if (result.isError) return undefined;
      const notes = result.content.slice(1).map((c) => (c as { text?: string }).text ?? '');
      const paged = await paging.page({ ...request, full: result.structuredContent, notes });
      return paged && !paged.whole ? pageResult(paged) : undefined;
    },
  };
}
