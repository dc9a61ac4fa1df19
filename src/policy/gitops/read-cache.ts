/**
 * The GitOps checks' reads, kept briefly per caller and app so a burst of writes to one app reads it once. Keys
 * start with the caller, then the app, so a write can drop exactly the reads it may have changed.
 */

type Json = Record<string, unknown>;

/** The answer to a read made for a check: its JSON, or why there is none. */
export type ReadAnswer = { ok: true; value: Json } | { ok: false; error: string };

/** A read made for a check: a tool name and its arguments. */
export type CheckRead = (tool: string, args: Json) => Promise<ReadAnswer>;

/** A read through the cache under a key. */
export type CachedRead = (key: string, tool: string, args: Json) => Promise<ReadAnswer>;

/** Past this many entries, expired ones are swept on the next read. */
const SWEEP_ABOVE = 5_000;

/** The key prefix of every read of one caller. */
export const callerKey = (caller: string): string => `${caller}\u0000`;

/** The key prefix of one caller's reads about one app. */
export const appKey = (caller: string, namespace: string | undefined, name: string): string => `${caller}\u0000${namespace ?? ''}/${name}\u0000`;

export class CheckReadCache {
  private readonly entries = new Map<string, { expires: number; value: Promise<ReadAnswer> }>();

  constructor(private readonly ttlMs: number) {}

  /** A read through the cache; failures are not kept, so the next write asks again. */
  read(read: CheckRead, key: string, tool: string, args: Json): Promise<ReadAnswer> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = read(tool, args).then((r) => {
      if (!r.ok) this.entries.delete(key);
      return r;
    });
    this.entries.set(key, { expires: Date.now() + this.ttlMs, value });
    if (this.entries.size > SWEEP_ABOVE) for (const [k, v] of this.entries) if (v.expires <= Date.now()) this.entries.delete(k);
    return value;
  }

  /** Drops every read whose key starts with `prefix`. */
  forget(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
