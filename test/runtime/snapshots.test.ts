/**
 * List snapshots (src/shaping/snapshots.ts): the memory store's bounds in bytes and time, the key that ties a cursor
 * to its caller and list, and a page cut from a full list. End to end: test/fleet/cursor-paging.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createListPaging } from '../../src/gateway/paging-hook.ts';
import {
  createMemorySnapshotStore,
  cursorOf,
  packSnapshot,
  pageOf,
  parseCursor,
  snapshotKey,
  unpackSnapshot,
} from '../../src/shaping/snapshots.ts';

const snap = (key: string, bytes: number) => ({ key, data: Buffer.alloc(bytes) });

describe('the memory snapshot store', () => {
  it('drops the least recently used snapshots once over its byte budget', async () => {
    const store = createMemorySnapshotStore({ maxBytes: 300, idleMs: 60_000, maxAgeMs: 300_000 });
    await store.put('aaaaaaaaaaaa', snap('a', 100));
    await store.put('bbbbbbbbbbbb', snap('b', 100));
    await store.get('aaaaaaaaaaaa');
    await store.put('cccccccccccc', snap('c', 150));
    expect(await store.get('bbbbbbbbbbbb')).toBeUndefined();
    expect((await store.get('aaaaaaaaaaaa'))?.key).toBe('a');
    expect((await store.get('cccccccccccc'))?.key).toBe('c');
  });

  it('refuses a snapshot larger than the whole budget', async () => {
    const store = createMemorySnapshotStore({ maxBytes: 100, idleMs: 60_000, maxAgeMs: 300_000 });
    expect(await store.put('aaaaaaaaaaaa', snap('a', 101))).toBe(false);
    expect(await store.get('aaaaaaaaaaaa')).toBeUndefined();
  });

  it('forgets a snapshot idle too long, and one past its maximum age however often it is read', async () => {
    let now = 0;
    const store = createMemorySnapshotStore({ maxBytes: 1_000, idleMs: 60_000, maxAgeMs: 300_000 }, () => now);
    await store.put('idleidleidle', snap('i', 10));
    await store.put('busybusybusy', snap('b', 10));
    for (now = 50_000; now <= 290_000; now += 50_000) expect(await store.get('busybusybusy')).toBeDefined();
    expect(await store.get('idleidleidle')).toBeUndefined();
    now = 300_001;
    expect(await store.get('busybusybusy')).toBeUndefined();
  });
});

describe('snapshot keys and cursors', () => {
  it('differ by caller, tool, instance and list-defining arguments, not by limit, offset or cursor', () => {
    const base = { identity: 'token:secret-token-value', tool: 'application_list', instance: 'prod', listArgs: { projects: ['a'], fields: ['metadata.name'] } };
    const key = snapshotKey(base);
    expect(key).not.toContain('secret-token-value');
    expect(snapshotKey({ ...base, listArgs: { ...base.listArgs, limit: 5, offset: 10, cursor: 'x' } })).toBe(key);
    expect(snapshotKey({ ...base, listArgs: { fields: ['metadata.name'], projects: ['a'] } })).toBe(key);
    for (const other of [
      { ...base, identity: 'token:another' },
      { ...base, tool: 'project_list' },
      { ...base, instance: 'staging' },
      { ...base, listArgs: { projects: ['b'], fields: ['metadata.name'] } },
      { ...base, listArgs: { ...base.listArgs, query: 'items[0]' } },
    ]) {
      expect(snapshotKey(other)).not.toBe(key);
    }
  });

  it('round-trips a cursor and rejects anything else', () => {
    expect(parseCursor(cursorOf('AbCdEfGhIjKl', 1234))).toEqual({ id: 'AbCdEfGhIjKl', offset: 1234 });
    for (const bad of ['', 'AbCdEfGhIjKl', 'short.1', 'AbCdEfGhIjKl.-1', 'AbCdEfGhIjKl.1.2']) expect(parseCursor(bad)).toBeUndefined();
  });

  it('stores the list compressed and gives it back unchanged', async () => {
    const full = { items: Array.from({ length: 500 }, (_, i) => ['app-' + i, 'Synced', 'Healthy']), total: 500 };
    const packed = await packSnapshot(full);
    expect(packed.length).toBeLessThan(JSON.stringify(full).length / 4);
    expect(await unpackSnapshot(packed)).toEqual(full);
  });
});

describe('a page of a full list', () => {
  const full = { columns: ['name'], items: Array.from({ length: 10 }, (_, i) => [`app-${i}`]), total: 10 };

  it('takes `limit` items from `offset` and says where the next page starts', async () => {
    const page = await pageOf({ full, offset: 4, limit: 3, cap: 20_000, hint: '' });
    expect(page.capped.value).toEqual({ columns: ['name'], items: [['app-4'], ['app-5'], ['app-6']], total: 10, offset: 4 });
    expect(page.next).toBe(7);
  });

  it('stops where the cap cuts, and has no next page at the end', async () => {
    const long = { ...full, items: Array.from({ length: 300 }, (_, i) => [`app-${i}`]), total: 300 };
    const cut = await pageOf({ full: long, offset: 0, cap: { bytes: 1_200, why: 'test' }, hint: '' });
    expect(cut.shown).toBeGreaterThan(0);
    expect(cut.shown).toBeLessThan(300);
    expect(cut.next).toBe(cut.shown);
    const last = await pageOf({ full, offset: 8, cap: 20_000, hint: '' });
    expect(last.next).toBeUndefined();
  });

  it('is served to the caller who listed it, and to nobody else', async () => {
    const paging = createListPaging({ store: createMemorySnapshotStore({ maxBytes: 1 << 20, idleMs: 60_000, maxAgeMs: 300_000 }) });
    const request = { tool: 'application_list', args: { limit: 3 }, user: { subject: 'alice' }, cap: 20_000, hint: '', limit: 3 };
    const first = await paging.page({ ...request, full, notes: [] });
    expect(first?.cursor).toBeDefined();
    const mine = await paging.serve({ ...request, cursor: first!.cursor! });
    expect(mine.ok && (mine.page.value as { items: unknown[] }).items).toEqual([['app-3'], ['app-4'], ['app-5']]);
    const theirs = await paging.serve({ ...request, user: { subject: 'bob' }, cursor: first!.cursor! });
    expect(theirs.ok).toBe(false);
  });
});
