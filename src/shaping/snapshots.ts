/**
 * Snapshots of cut list results, so a `cursor` serves the next page without asking Argo CD again. Argo CD's
 * application list has no paging (server/application/application.go `List`): without a snapshot every page downloads
 * and parses the whole list again. A snapshot is the shaped list as it was when first listed, compressed, kept for a
 * short idle time and a longer hard limit, and only ever served to the identity that listed it, for the same tool,
 * instance and list-defining arguments.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { capResult } from './cap.ts';
import type { Cap, Capped } from './cap.ts';
import { defaultOf } from '../config/values.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** How long and how much: a snapshot lives `idleMs` after its last page and `maxAgeMs` at most. */
export interface SnapshotLimits {
  idleMs: number;
  maxAgeMs: number;
  /** Bytes all snapshots of a memory store may hold together (compressed); the least recently used go first. */
  maxBytes: number;
}

export interface StoredSnapshot {
  /** The hash of who listed what (snapshotKey): a cursor is served only to a call with the same key. */
  key: string;
  /** The full shaped list, JSON, gzip-compressed. */
  data: Buffer;
}

/** Where snapshots live: this process's memory, or Redis when replicas share them (snapshots-redis.ts). */
export interface SnapshotStore {
  readonly limits: SnapshotLimits;
  /** Keeps a snapshot; false when it cannot (larger than the store, or the store is unreachable). */
  put(id: string, snapshot: StoredSnapshot): Promise<boolean>;
  /** The snapshot, its idle time restarted; undefined when expired, evicted or unknown. */
  get(id: string): Promise<StoredSnapshot | undefined>;
}

interface MemoryEntry {
  snapshot: StoredSnapshot;
  created: number;
  used: number;
}

/** Snapshots in this process's memory: bounded in bytes (least recently used evicted first) and in time. */
export function createMemorySnapshotStore(limits: SnapshotLimits, now: () => number = Date.now): SnapshotStore {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, MemoryEntry>();
  let bytes = 0;
  const drop = (id: string, entry: MemoryEntry) => {
    entries.delete(id);
    bytes -= entry.snapshot.data.length;
  };
  const expired = (e: MemoryEntry, t: number) => t - e.used > limits.idleMs || t - e.created > limits.maxAgeMs;
  return {
    limits,
    async put(id, snapshot) {
      if (snapshot.data.length > limits.maxBytes) return false;
      const t = now();
      for (const [k, e] of entries) if (expired(e, t)) drop(k, e);
      entries.set(id, { snapshot, created: t, used: t });
      bytes += snapshot.data.length;
      for (const [k, e] of entries) {
        if (bytes <= limits.maxBytes) break;
        drop(k, e);
      }
      return true;
    },
    async get(id) {
      const entry = entries.get(id);
      if (!entry) return undefined;
      const t = now();
      if (expired(entry, t)) {
        drop(id, entry);
        return undefined;
      }
      entries.delete(id);
      entries.set(id, { ...entry, used: t });
      return entry.snapshot;
    },
  };
}

/** Arguments that page a list rather than define it: a snapshot is the same list whatever they are. */
export const PAGING_ARGS = ['cursor', 'limit', 'offset'] as const;

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Who listed what, as one hash: the caller's identity (a subject or a token: hashed here, never stored), the tool,
 * the instance and the arguments that define the list (filters, fields, query; not limit, offset or cursor).
 */
export function snapshotKey(args: { identity: string; tool: string; instance?: string; listArgs: Record<string, unknown> }): string {
  const defining = Object.fromEntries(Object.entries(args.listArgs).filter(([k]) => !(PAGING_ARGS as readonly string[]).includes(k)));
  return createHash('sha256').update(stableJson([args.identity, args.tool, args.instance ?? '', defining])).digest('base64url');
}

/** A new snapshot id: 72 random bits, so a cursor cannot be guessed. */
export const newSnapshotId = (): string => randomBytes(9).toString('base64url');

/** `<id>.<offset in base 36>`: short, and opaque enough (the offset only moves within the caller's own snapshot). */
export const cursorOf = (id: string, offset: number): string => `${id}.${offset.toString(36)}`;

export function parseCursor(cursor: string): { id: string; offset: number } | undefined {
  const m = /^([A-Za-z0-9_-]{12})\.([0-9a-z]{1,8})$/.exec(cursor);
  return m ? { id: m[1], offset: Number.parseInt(m[2], 36) } : undefined;
}

export const packSnapshot = async (full: unknown): Promise<Buffer> => gzipAsync(Buffer.from(JSON.stringify(full)));
export const unpackSnapshot = async (data: Buffer): Promise<unknown> => JSON.parse((await gunzipAsync(data)).toString('utf8'));

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The array a cursor pages: the value itself, its `items`, or a workflow's named field. */
export function pageableItems(value: unknown, field = 'items'): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (isObj(value) && Array.isArray(value[field])) return value[field] as unknown[];
  return undefined;
}

export interface PageOptions {
  /** The full list: an array, or an object whose `field` is the array. */
  full: unknown;
  field?: string;
  offset: number;
  limit?: number;
  cap: Cap;
  /** How to narrow, for the cap's note. */
  hint: string;
}

export interface ListPage {
  capped: Capped;
  total: number;
  /** Where the next page starts; undefined when this page reaches the end (or nothing could be shown). */
  next?: number;
  /** The page's first item (0-based) and how many it shows. */
  offset: number;
  shown: number;
}

/** One page of a full list, within the cap: the items from `offset`, at most `limit`, as many as fit. */
export async function pageOf(options: PageOptions): Promise<ListPage> {
  const field = options.field ?? 'items';
  const all = pageableItems(options.full, field) ?? [];
  const { offset } = options;
  const page = all.slice(offset, offset + (options.limit ?? all.length));
  const paged = offset > 0 || page.length < all.length;
  let value: unknown;
  if (Array.isArray(options.full)) value = page;
  else if (!paged) value = options.full;
  else value = field === 'items' ? { ...(options.full as Json), items: page, total: all.length, offset } : { ...(options.full as Json), [field]: page };
  const capped = await capResult(value, options.cap, options.hint);
  const shown = capped.value === undefined ? 0 : (pageableItems(capped.value, field)?.length ?? page.length);
  const next = offset + shown;
  return { capped, total: all.length, offset, shown, next: shown > 0 && next < all.length ? next : undefined };
}

/** What a page says of itself, and how to get the next one. */
export function pageNote(page: ListPage, cursor: string | undefined, idleMs: number): string | undefined {
  const { offset, shown, total, next } = page;
  if (next === undefined && offset === 0) return undefined;
  const range = shown ? `Items ${offset + 1}-${offset + shown} of ${total}` : `No items of ${total} shown`;
  if (next === undefined) return `${range}.`;
  if (!cursor) return `${range}; next page: offset=${next} (the list is read again).`;
  return `${range}; next page: cursor="${cursor}" (same arguments; the list as it was now, kept ${Math.round(idleMs / 1000)}s after each page).`;
}

/** The limits of the settings table's defaults (a gateway built without a configuration, as tests build it). */
export const defaultSnapshotLimits = (): SnapshotLimits => ({ maxBytes: defaultOf('snapshotBytes'), idleMs: defaultOf('snapshotIdle'), maxAgeMs: defaultOf('snapshotMaxAge') });
