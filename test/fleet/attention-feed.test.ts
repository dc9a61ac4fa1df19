/**
 * The attention feed's lifecycle over a scripted Argo CD: seed from a list, watch from its resourceVersion, share one
 * watch, re-list and back off when the stream drops, stop when nobody needs it; and the update throttle.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createFeedHub } from '../../src/fleet/attention-feed.ts';
import type { AttentionFeed, FeedTiming } from '../../src/fleet/attention-feed.ts';
import type { AttentionReads } from '../../src/fleet/attention-reads.ts';
import type { WatchEvent } from '../../src/fleet/attention.ts';
import { createThrottle } from '../../src/fleet/attention-resource.ts';

function app(name: string, sync = 'Synced', health = 'Healthy', rv = '1') {
  return { metadata: { name, namespace: 'argocd', resourceVersion: rv }, spec: { project: 'default' }, status: { sync: { status: sync }, health: { status: health } } };
}

/** A watch the test drives: push events, end it. */
class Stream {
  private queue: WatchEvent[] = [];
  private wake?: () => void;
  ended = false;
  constructor(readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.end());
  }
  push(event: WatchEvent) {
    this.queue.push(event);
    this.wake?.();
  }
  end() {
    this.ended = true;
    this.wake?.();
  }
  async *events(): AsyncIterable<WatchEvent> {
    for (;;) {
      while (this.queue.length) yield this.queue.shift()!;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

/** Argo CD as the feed sees it: a list answer (or failure) per call, and the watches opened. */
function scriptedReads() {
  const lists: Array<{ items: unknown[]; resourceVersion: string } | { error: string }> = [];
  const watches: Array<{ resourceVersion?: string; stream: Stream }> = [];
  const listCalls: number[] = [];
  const order: string[] = [];
  let listed = 0;
  const reads: AttentionReads = {
    perUser: false,
    unavailable: async () => undefined,
    identityProblem: async () => undefined,
    async list() {
      listCalls.push(Date.now());
      order.push('list');
      const next = lists[Math.min(listed++, lists.length - 1)];
      return 'error' in next ? { ok: false, error: next.error } : { ok: true, ...next };
    },
    async watch({ resourceVersion, signal }) {
      order.push('watch');
      const stream = new Stream(signal);
      watches.push({ resourceVersion, stream });
      return { ok: true, events: stream.events() };
    },
  };
  return { reads, lists, watches, listCalls, order, lastStream: () => watches[watches.length - 1].stream };
}

const timing: Partial<FeedTiming> = { lingerMs: 60_000, firstBackoffMs: 1000, maxBackoffMs: 8000, stableMs: 10_000, random: () => 1, now: () => Date.now() };

async function seededFeed(hub: ReturnType<typeof createFeedHub>): Promise<{ feed: AttentionFeed; release: () => void }> {
  const opened = await hub.open(undefined);
  if (!opened.ok) throw new Error(opened.error);
  await opened.feed.seeded();
  return opened;
}

const rowNames = (feed: AttentionFeed) => feed.snapshot().rows.map((r) => r.name);

describe('attention feed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for the watch, then the list (no change falls between them), seeds from the list and applies events; listeners hear only real changes', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [app('a'), app('b', 'OutOfSync')], resourceVersion: '500' });
    const hub = createFeedHub(argo.reads, timing);
    const { feed, release } = await seededFeed(hub);
    expect(rowNames(feed)).toEqual(['b']);
    expect(feed.snapshot().status).toBe('live');
    await vi.advanceTimersByTimeAsync(0);
    // Before any list there is no version to watch from: "0" asks for changes only (no initial ADDED events).
    expect(argo.order).toEqual(['watch', 'list']);
    expect(argo.watches.map((w) => w.resourceVersion)).toEqual(['0']);
    let heard = 0;
    feed.onChange(() => heard++);
    argo.lastStream().push({ type: 'MODIFIED', application: app('a', 'Synced', 'Degraded', '501') });
    argo.lastStream().push({ type: 'MODIFIED', application: app('b', 'Synced', 'Healthy', '502') });
    argo.lastStream().push({ type: 'MODIFIED', application: app('b', 'Synced', 'Healthy', '503') });
    argo.lastStream().push({ type: 'ADDED', application: app('c', 'OutOfSync', 'Missing', '504') });
    argo.lastStream().push({ type: 'DELETED', application: app('a', 'Synced', 'Degraded', '505') });
    await vi.advanceTimersByTimeAsync(0);
    expect(rowNames(feed)).toEqual(['c']);
    expect(heard).toBe(4);
    expect(feed.snapshot().counts).toMatchObject({ apps: 2, needAttention: 1 });
    release();
  });

  it('shares one list and one watch among every holder, and stops the watch when the last one lets go', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [app('a', 'OutOfSync')], resourceVersion: '10' });
    const hub = createFeedHub(argo.reads, timing);
    const first = await seededFeed(hub);
    const second = await seededFeed(hub);
    expect(second.feed).toBe(first.feed);
    await vi.advanceTimersByTimeAsync(0);
    expect(argo.listCalls).toHaveLength(1);
    expect(argo.watches).toHaveLength(1);
    first.release();
    expect(argo.watches[0].stream.signal.aborted).toBe(false);
    second.release();
    expect(argo.watches[0].stream.signal.aborted).toBe(true);
    expect(hub.size()).toBe(0);
    // The next reader starts a new feed (a new list).
    const third = await seededFeed(hub);
    expect(argo.listCalls).toHaveLength(2);
    third.release();
  });

  it('keeps a feed a while after a read, then stops it', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [], resourceVersion: '1' });
    const hub = createFeedHub(argo.reads, timing);
    const { feed, release } = await seededFeed(hub);
    feed.linger();
    release();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(feed.stopped).toBe(false);
    // A second read in the meantime is answered from it, and extends the stay.
    const again = await seededFeed(hub);
    expect(again.feed).toBe(feed);
    again.feed.linger();
    again.release();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(feed.stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(feed.stopped).toBe(true);
    expect(argo.listCalls).toHaveLength(1);
  });

  it('when the stream drops: shows the copy as stale, backs off (1 s, 2 s, 4 s, …), watches from the last list\'s version and lists again', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [app('a', 'OutOfSync'), app('gone', 'OutOfSync')], resourceVersion: '100' });
    const hub = createFeedHub(argo.reads, timing);
    const { feed, release } = await seededFeed(hub);
    await vi.advanceTimersByTimeAsync(0);
    let heard = 0;
    feed.onChange(() => heard++);
    // Argo CD fails for a while: the stream ends at once, then two lists fail.
    argo.lists.push({ error: 'Argo CD is unreachable' }, { error: 'Argo CD is unreachable' });
    argo.lastStream().end();
    await vi.advanceTimersByTimeAsync(0);
    const stale = feed.snapshot();
    expect(stale.status).toBe('reconnecting');
    expect(stale.problem).toMatch(/the watch stream ended after 0 s/);
    expect(stale.rows.map((r) => r.name)).toEqual(['a', 'gone']);
    expect(heard).toBe(1);
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(999);
    expect(argo.listCalls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(argo.listCalls.slice(1).map((t) => t - t0)).toEqual([1000]);
    expect(feed.snapshot().problem).toBe('Argo CD is unreachable');
    expect(feed.snapshot().staleSince).toBe(t0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(argo.listCalls.slice(1).map((t) => t - t0)).toEqual([1000, 3000]);
    // Back: the list no longer has "gone" (its DELETED event was missed) and has a new version.
    argo.lists.push({ items: [app('a', 'OutOfSync'), app('new', 'Synced', 'Degraded')], resourceVersion: '180' });
    await vi.advanceTimersByTimeAsync(3999);
    expect(argo.listCalls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(argo.listCalls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(0);
    const live = feed.snapshot();
    expect(live.status).toBe('live');
    expect(live.rows.map((r) => r.name)).toEqual(['new', 'a']);
    // Every attempt asked for a watch from the last list's version first; those of the failed lists were dropped.
    expect(argo.watches.map((w) => w.resourceVersion)).toEqual(['0', '100', '100', '100']);
    expect(argo.watches.slice(0, 3).every((w) => w.stream.signal.aborted)).toBe(true);
    expect(argo.watches[3].stream.signal.aborted).toBe(false);
    // An event from before the new list (older than its copy of the app) changes nothing.
    argo.lastStream().push({ type: 'MODIFIED', application: app('new', 'Synced', 'Healthy', '0') });
    await vi.advanceTimersByTimeAsync(0);
    expect(feed.snapshot().rows.map((r) => r.name)).toEqual(['new', 'a']);
    release();
  });

  it('reopens at once, without backoff, a watch that ran a while before it ended', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [app('a', 'OutOfSync')], resourceVersion: '7' });
    const hub = createFeedHub(argo.reads, timing);
    const { feed, release } = await seededFeed(hub);
    await vi.advanceTimersByTimeAsync(30_000);
    argo.lastStream().end();
    await vi.advanceTimersByTimeAsync(0);
    expect(argo.listCalls).toHaveLength(2);
    expect(argo.watches).toHaveLength(2);
    expect(feed.snapshot().status).toBe('live');
    release();
  });

  it('replaces a watch that brought nothing for idleMs (a connection that died quietly), with a new list', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [app('a', 'OutOfSync')], resourceVersion: '7' });
    const hub = createFeedHub(argo.reads, { ...timing, idleMs: 600_000 });
    const { release } = await seededFeed(hub);
    await vi.advanceTimersByTimeAsync(300_000);
    argo.lastStream().push({ type: 'MODIFIED', application: app('a', 'OutOfSync', 'Healthy', '8') });
    await vi.advanceTimersByTimeAsync(599_999);
    expect(argo.watches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(argo.watches[0].stream.signal.aborted).toBe(true);
    expect(argo.listCalls).toHaveLength(2);
    expect(argo.watches).toHaveLength(2);
    release();
  });

  it('opens again at once, still live, a quiet watch that Argo CD never answered (no event within the wait)', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [app('a', 'OutOfSync')], resourceVersion: '7' });
    const watch = argo.reads.watch;
    // As the upstream answers a watch whose first bytes did not come within its wait: an empty stream, late.
    argo.reads.watch = async (a) => {
      const opened = await watch(a);
      await new Promise((r) => setTimeout(r, 300_000));
      argo.lastStream().end();
      return opened;
    };
    const hub = createFeedHub(argo.reads, timing);
    const { feed, release } = await seededFeed(hub);
    let heard = 0;
    feed.onChange(() => heard++);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(argo.listCalls).toHaveLength(2);
    expect(feed.snapshot().status).toBe('live');
    expect(heard).toBe(0);
    release();
  });

  it('tells a reader why a feed that never listed cannot be read, and does not keep it', async () => {
    const argo = scriptedReads();
    argo.lists.push({ error: 'HTTP 403: permission denied' });
    const hub = createFeedHub(argo.reads, timing);
    const opened = await hub.open(undefined);
    if (!opened.ok) throw new Error(opened.error);
    await opened.feed.seeded();
    expect(opened.feed.snapshot().error).toBe('HTTP 403: permission denied');
    opened.feed.linger();
    opened.release();
    expect(opened.feed.stopped).toBe(true);
    expect(hub.size()).toBe(0);
  });

  it('refuses to open where the feed cannot run, saying why', async () => {
    const argo = scriptedReads();
    argo.reads.unavailable = async () => 'the fleet attention feed reads with application_watch, which this gateway does not expose: denied by the allowlist';
    const opened = await createFeedHub(argo.reads, timing).open(undefined);
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.error).toMatch(/application_watch.*denied by the allowlist/);
  });

  it('keeps one feed per user under per-user sign-in, read with that user', async () => {
    const argo = scriptedReads();
    argo.lists.push({ items: [], resourceVersion: '1' });
    const users: Array<string | undefined> = [];
    const list = argo.reads.list;
    Object.assign(argo.reads, { perUser: true });
    argo.reads.list = async (a) => {
      users.push(a.user?.subject);
      return list(a);
    };
    const hub = createFeedHub(argo.reads, timing);
    const alice = await hub.open({ subject: 'alice' });
    const bob = await hub.open({ subject: 'bob' });
    const alice2 = await hub.open({ subject: 'alice' });
    if (!alice.ok || !bob.ok || !alice2.ok) throw new Error('not opened');
    expect(alice.feed).not.toBe(bob.feed);
    expect(alice2.feed).toBe(alice.feed);
    await vi.advanceTimersByTimeAsync(0);
    expect(users.sort()).toEqual(['alice', 'bob']);
    for (const o of [alice, bob, alice2]) o.release();
  });
});

describe('backoffDelay', () => {
  it('doubles from the first delay up to the longest, jittered between half and all of it', () => {
    const t = { firstBackoffMs: 1000, maxBackoffMs: 30_000 };
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, { ...t, random: () => 1 }))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(3, { ...t, random: () => 0 })).toBe(4000);
  });
});

describe('update throttle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends at once, then at most one per interval however many changes come, and nothing after cancel', async () => {
    const sent: number[] = [];
    const start = Date.now();
    const throttle = createThrottle(() => sent.push(Date.now() - start), 1000, () => Date.now());
    throttle.fire();
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(100);
      throttle.fire();
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(sent).toEqual([0, 1000, 2000]);
    // Quiet for a while: the next change goes out at once; one right after it waits, and cancel drops it.
    throttle.fire();
    throttle.fire();
    throttle.cancel();
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual([0, 1000, 2000, 3000]);
  });
});
