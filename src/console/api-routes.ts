/**
 * The console's JSON API: preview a selection, plan its save (the diff to review), save it, test a connection, and
 * read the recent activity. Every body is checked here; what the caller sent wrong is an HttpError with its status.
 */
import type { IncomingMessage } from 'node:http';
import { planSave, writeSave } from './config-file.ts';
import type { ConfigPatch } from './config-file.ts';
import { testConnection } from './connection.ts';
import type { ConnectionAuth } from './connection.ts';
import type { ConsoleSession } from './console-session.ts';
import { selectionToAllowlist } from './encode-allowlist.ts';
import { previewToolsList } from './preview.ts';

/** A request the console refuses, with the status to answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'the request body must be a JSON object');
  }
}

interface SelectionBody {
  selected: string[];
  mode: 'static' | 'dynamic';
  toolsets: string[] | null;
}

/** `{selected, mode: static|toolsets|dynamic, toolsets}` from the page, checked. */
function selectionFrom(body: Record<string, unknown>, known: Set<string>, toolsetNames: string[]): SelectionBody {
  const selected = body.selected;
  if (!Array.isArray(selected) || !selected.every((s) => typeof s === 'string')) throw new HttpError(400, '`selected` must be a list of tool names');
  const unknown = selected.filter((s) => !known.has(s));
  if (unknown.length) throw new HttpError(400, `unknown tools: ${unknown.join(', ')}`);
  const mode = body.mode ?? 'static';
  if (mode !== 'static' && mode !== 'toolsets' && mode !== 'dynamic') throw new HttpError(400, '`mode` must be static, toolsets or dynamic');
  let toolsets: string[] | null = null;
  if (mode === 'toolsets') {
    const list = body.toolsets;
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && toolsetNames.includes(s))) {
      throw new HttpError(400, `\`toolsets\` must be a list of toolsets: ${toolsetNames.join(', ')}`);
    }
    toolsets = toolsetNames.filter((n) => list.includes(n));
  }
  return { selected: [...new Set(selected as string[])], mode: mode === 'dynamic' ? 'dynamic' : 'static', toolsets };
}

/** The body and the selection in it, both checked. */
async function readSelection(session: ConsoleSession, req: IncomingMessage): Promise<{ body: Record<string, unknown>; sel: SelectionBody }> {
  const body = await readBody(req);
  return { body, sel: selectionFrom(body, session.known, session.toolsetNames) };
}

/** The change to the file: the selection's allowlist entries, plus the connection when the page asks to save it. */
function patchFor(session: ConsoleSession, sel: SelectionBody, body: Record<string, unknown>): ConfigPatch {
  const entries = selectionToAllowlist(sel.selected, session.tools);
  const patch: ConfigPatch = { ...entries, mode: sel.mode, toolsets: sel.toolsets };
  const conn = body.connection as { url?: unknown; tokenFile?: unknown } | undefined;
  if (conn && typeof conn === 'object') {
    if (typeof conn.url === 'string' && conn.url.trim()) patch.url = conn.url.trim();
    if (typeof conn.tokenFile === 'string' && conn.tokenFile.trim()) patch.tokenFile = conn.tokenFile.trim();
  }
  return patch;
}

/** The selected tools that the chosen toolsets leave exposed. */
function expectedExposure(session: ConsoleSession, sel: SelectionBody): string[] {
  return sel.selected.filter((n) => !sel.toolsets || sel.toolsets.includes(session.tools.find((t) => t.name === n)!.toolset));
}

function connectionAuthFrom(body: Record<string, unknown>): ConnectionAuth {
  const auth = body.auth as { kind?: unknown; token?: unknown; tokenFile?: unknown } | undefined;
  if (auth?.kind === 'token' && typeof auth.token === 'string') return { kind: 'token', token: auth.token };
  if (auth?.kind === 'file' && typeof auth.tokenFile === 'string') return { kind: 'file', tokenFile: auth.tokenFile };
  if (auth?.kind === 'configured') return { kind: 'configured' };
  throw new HttpError(400, '`auth` must be {kind: configured}, {kind: token, token} or {kind: file, tokenFile}');
}

async function previewRoute(session: ConsoleSession, req: IncomingMessage): Promise<unknown> {
  const { sel } = await readSelection(session, req);
  const entries = selectionToAllowlist(sel.selected, session.tools);
  const preview = await previewToolsList({ allowlist: { ...entries, source: 'config' }, toolsets: sel.toolsets ?? undefined, mode: sel.mode });
  return { ...preview, count: preview.tools.length, reachable: expectedExposure(session, sel).length };
}

async function planRoute(session: ConsoleSession, req: IncomingMessage): Promise<unknown> {
  const { body, sel } = await readSelection(session, req);
  const patch = patchFor(session, sel, body);
  const plan = planSave({ file: session.options.file, patch, tools: session.tools });
  const expected = expectedExposure(session, sel);
  return {
    file: plan.file,
    exists: plan.exists,
    diff: plan.diff,
    baseHash: plan.baseHash,
    after: plan.after,
    entries: { readOnly: patch.readOnly, allow: patch.allow, deny: patch.deny },
    exposed: plan.exposed.length,
    matches: plan.exposed.length === expected.length && plan.exposed.every((n) => expected.includes(n)),
  };
}

async function saveRoute(session: ConsoleSession, req: IncomingMessage): Promise<unknown> {
  const { body, sel } = await readSelection(session, req);
  const { options, tools } = session;
  if (typeof body.baseHash !== 'string') throw new HttpError(400, '`baseHash` (from the reviewed plan) is required');
  const plan = planSave({ file: options.file, patch: patchFor(session, sel, body), tools });
  const { backup } = writeSave({ file: options.file, after: plan.after, baseHash: body.baseHash });
  session.config = { ...session.config, allowlist: { ...selectionToAllowlist(sel.selected, tools), source: 'config' }, mode: sel.mode, toolsets: sel.toolsets ?? undefined };
  await options.onSaved?.();
  return { file: options.file, backup, exposed: plan.exposed.length, changed: plan.diff !== '' };
}

async function connectionRoute(session: ConsoleSession, req: IncomingMessage): Promise<unknown> {
  const { body, sel } = await readSelection(session, req);
  const auth = connectionAuthFrom(body);
  if (typeof body.url !== 'string') throw new HttpError(400, '`url` is required');
  const result = await testConnection({ input: { url: body.url, auth, selected: sel.selected }, base: session.config, tools: session.tools });
  return { ok: result.ok, lines: result.lines };
}

async function activityRoute(session: ConsoleSession): Promise<unknown> {
  const { activity, gatewayUrl } = session.options;
  return { serving: !!activity, gatewayUrl, entries: activity?.recent() ?? [] };
}

/** The API by `METHOD /path`; each route answers the JSON to send with 200, or throws an HttpError. */
export const API_ROUTES: Record<string, (session: ConsoleSession, req: IncomingMessage) => Promise<unknown>> = {
  'POST /api/preview': previewRoute,
  'POST /api/plan': planRoute,
  'POST /api/save': saveRoute,
  'POST /api/connection': connectionRoute,
  'GET /api/activity': activityRoute,
};
