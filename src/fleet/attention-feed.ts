/**
 * Runs the fleet attention feed of one Argo CD for one identity: list, then watch from the list's resourceVersion,
 * and when the watch drops, list again (events may have been missed) and watch again, with exponential backoff and
 * jitter while it keeps failing. ONE feed per instance and Argo CD identity, shared by every reader and subscriber of
 * every session; it starts with the first of them and stops when none is left (a read keeps it a short while, so
 * reads in a row are answered from the live copy instead of a new list each).
 */
import type { SignInUser } from '../argocd/auth/sso/broker.ts';
import { AttentionState } from './attention.ts';
import type { AttentionCounts, AttentionRow } from './attention.ts';
import type { AttentionReads } from './attention-reads.ts';

export interface FeedTiming {
  /** How long a feed lives on after its last read when nobody subscribes (default 60 s). */
  lingerMs: number;
  /** The first delay before reconnecting after a failure (default 1 s), doubled per failure up to `maxBackoffMs`. */
  firstBackoffMs: number;
  /** The longest delay between reconnects (default 30 s). */
  maxBackoffMs: number;
  /** A watch that lasted this long before it ended is reopened at once, and the backoff starts over (default 10 s). */
  stableMs: number;
  /**
   * A watch that brings nothing for this long is replaced (default 10 min): Argo CD reconciles every app every few
   * minutes (timeout.reconciliation, 180 s by default), so silence that long means a connection that died quietly.
   */
  idleMs: number;
  /** 0..1; the backoff is jittered between half and all of its value (default Math.random). */
  random: () => number;
  now: () => number;
}

export const DEFAULT_TIMING: FeedTiming = { lingerMs: 60_000, firstBackoffMs: 1_000, maxBackoffMs: 30_000, stableMs: 10_000, idleMs: 10 * 60_000, random: () => Math.random(), now: () => Date.now() };

/** `starting`: the first list is under way; `reconnecting`: the copy may be stale (since, problem). */
export type FeedStatus = 'starting' | 'live' | 'reconnecting';

export interface FeedSnapshot {
  instance?: string;
  status: FeedStatus;
  /** The copy was never seeded: why. */
  error?: string;
  /** While reconnecting: since when, and why. */
  staleSince?: number;
  problem?: string;
  /** When the copy last changed (or was confirmed by a list). */
  asOf?: number;
  rows: AttentionRow[];
  counts: AttentionCounts;
  /** More than one namespace holds applications (names are then shown with theirs). */
  severalNamespaces: boolean;
}

/** The delay before reconnect attempt `attempt` (0-based). */
export function backoffDelay(attempt: number, timing: Pick<FeedTiming, 'firstBackoffMs' | 'maxBackoffMs' | 'random'>): number {
  const full = Math.min(timing.maxBackoffMs, timing.firstBackoffMs * 2 ** Math.min(attempt, 30));
  return Math.round(full * (0.5 + timing.random() / 2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    // A feed waiting to reconnect does not keep the process alive.
    timer.unref?.();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class AttentionFeed {
  private readonly state = new AttentionState();
  private readonly controller = new AbortController();
  private readonly listeners = new Set<() => void>();
  private holders = 0;
  private lingerTimer?: NodeJS.Timeout;
  private status: FeedStatus = 'starting';
  private error?: string;
  private staleSince?: number;
  private problem?: string;
  private asOf?: number;
  private firstOutcome: Promise<void>;
  private settleFirst!: () => void;
  private started = false;
  private cache?: { rows: AttentionRow[]; counts: AttentionCounts; severalNamespaces: boolean };

  constructor(
    private readonly reads: AttentionReads,
    /** The user whose token the feed reads with (per-user sign-in); the latest one seen, for token exchange. */
    private user: SignInUser | undefined,
    private readonly timing: FeedTiming,
    private readonly onStop: () => void,
  ) {
    this.firstOutcome = new Promise((resolve) => {
      this.settleFirst = resolve;
    });
  }

  /** Starts the list and watch (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** A newer sight of the feed's user (their MCP access token may have been renewed). */
  seenUser(user: SignInUser | undefined): void {
    if (user) this.user = user;
  }

  /** Holds the feed open (a subscription, or a read in progress); call the returned function to let go. */
  retain(): () => void {
    this.holders += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holders -= 1;
      this.maybeStop();
    };
  }

  /** Keeps the feed open `lingerMs` after a read. */
  linger(): void {
    clearTimeout(this.lingerTimer);
    if (this.status === 'starting' || this.error !== undefined) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.maybeStop();
    }, this.timing.lingerMs);
    this.lingerTimer.unref?.();
  }

  /** Calls `listener` after every change a reader would see. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the first list has been answered, or has failed. */
  seeded(): Promise<void> {
    return this.firstOutcome;
  }

  snapshot(): FeedSnapshot {
    this.cache ??= (() => {
      const rows = this.state.rows();
      return { rows, counts: this.state.counts(rows), severalNamespaces: this.state.namespaces().size > 1 };
    })();
    return {
      instance: this.reads.instance,
      status: this.status,
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.status === 'reconnecting' ? { staleSince: this.staleSince, problem: this.problem } : {}),
      asOf: this.asOf,
      ...this.cache,
    };
  }

  stop(): void {
    if (this.stopped) return;
    clearTimeout(this.lingerTimer);
    this.controller.abort();
    this.listeners.clear();
    this.settleFirst();
    this.onStop();
  }

  private maybeStop(): void {
    if (this.holders === 0 && this.lingerTimer === undefined) this.stop();
  }

  private changed(): void {
    this.cache = undefined;
    this.asOf = this.timing.now();
    for (const listener of [...this.listeners]) listener();
  }

  private async trouble(problem: string, attempt: number): Promise<void> {
    const signal = this.controller.signal;
    if (this.status === 'starting') {
      // Never seeded: readers are told why; the feed keeps trying while someone subscribes.
      this.error = problem;
      this.settleFirst();
      if (this.holders === 0) return this.stop();
    } else if (this.status !== 'reconnecting' || this.problem !== problem) {
      this.staleSince = this.status === 'reconnecting' ? this.staleSince : this.timing.now();
      this.status = 'reconnecting';
      this.problem = problem;
      this.changed();
    }
    await sleep(backoffDelay(attempt, this.timing), signal);
  }

  /**
   * One connection: the watch is asked for first and the list right after, so no change falls between the two (a
   * change after the watch began arrives as an event; one before the list is in the list). Events older than the
   * list's copy of their app are then dropped by resourceVersion, as argocd-server drops them. The watch asks from
   * the last list's resourceVersion, or "0" before the first list: either way argocd-server sends no initial
   * ADDED events (server/application/application.go `Watch` sends them only without a resourceVersion).
   */
  private async run(): Promise<void> {
    const signal = this.controller.signal;
    let attempt = 0;
    let version = '0';
    while (!signal.aborted) {
      const watch = new AbortController();
      const stopWatch = () => watch.abort();
      signal.addEventListener('abort', stopWatch, { once: true });
      let idle: NodeJS.Timeout | undefined;
      let started = 0;
      const awake = () => {
        clearTimeout(idle);
        idle = setTimeout(stopWatch, this.timing.idleMs);
        idle.unref?.();
      };
      try {
        // Counted from the request: argocd-server answers a quiet watch only with its first event, and one that sent
        // nothing for WATCH_WAIT_MS comes back empty, which is a long watch, not a failure.
        started = this.timing.now();
        const watching = this.reads.watch({ resourceVersion: version, signal: watch.signal, user: this.user });
        const listed = await this.reads.list({ signal, user: this.user });
        if (signal.aborted) return;
        if (!listed.ok) {
          await this.trouble(listed.error, attempt++);
          continue;
        }
        if (listed.resourceVersion) version = listed.resourceVersion;
        const changed = this.state.reset(listed.items);
        const recovered = this.status !== 'live' || this.error !== undefined;
        this.status = 'live';
        this.error = undefined;
        this.staleSince = undefined;
        this.problem = undefined;
        if (changed || recovered) this.changed();
        this.settleFirst();
        const opened = await watching;
        if (signal.aborted) return;
        if (!opened.ok) {
          await this.trouble(opened.error, attempt++);
          continue;
        }
        awake();
        for await (const event of opened.events) {
          if (signal.aborted) return;
          awake();
          if (this.state.apply(event)) this.changed();
        }
      } finally {
        clearTimeout(idle);
        signal.removeEventListener('abort', stopWatch);
        watch.abort();
      }
      if (signal.aborted) return;
      const lasted = this.timing.now() - started;
      // A watch that ran a while and ended (a proxy's idle timeout, a restart, a silent one replaced) is replaced at
      // once; one that keeps ending early backs off.
      if (lasted >= this.timing.stableMs) {
        attempt = 0;
        continue;
      }
      await this.trouble(`the watch stream ended after ${Math.round(lasted / 100) / 10} s`, attempt++);
    }
  }
}

/** The feeds of one Argo CD (one AttentionReads), by identity. */
export interface FeedHub {
  /**
   * The feed for this user (or the gateway's own identity), started if needed and held until `release` is called;
   * an error when it cannot run here (a tool not exposed, a user who must sign in first).
   */
  open(user: SignInUser | undefined): Promise<{ ok: true; feed: AttentionFeed; release: () => void } | { ok: false; error: string }>;
  /** Running feeds (for tests). */
  size(): number;
}

export function createFeedHub(reads: AttentionReads, timing: Partial<FeedTiming> = {}): FeedHub {
  const resolved: FeedTiming = { ...DEFAULT_TIMING, ...timing };
  const feeds = new Map<string, AttentionFeed>();
  return {
    async open(user) {
      const unavailable = await reads.unavailable();
      if (unavailable) return { ok: false, error: `The fleet attention feed is not available${reads.instance ? ` on instance "${reads.instance}"` : ''}: ${unavailable}.` };
      const identity = await reads.identityProblem(user);
      if (identity) return { ok: false, error: identity };
      // Under per-user sign-in each user has a feed of their own, read with their own token: Argo CD shows each
      // only the applications their RBAC lets them get, and no feed is shared between users.
      const key = reads.perUser ? `user:${user!.subject}` : 'gateway';
      let feed = feeds.get(key);
      if (!feed || feed.stopped) {
        const created: AttentionFeed = new AttentionFeed(reads, user, resolved, () => {
          if (feeds.get(key) === created) feeds.delete(key);
        });
        feed = created;
        feeds.set(key, feed);
        const release = feed.retain();
        feed.start();
        return { ok: true, feed, release };
      }
      feed.seenUser(user);
      return { ok: true, feed, release: feed.retain() };
    },
    size: () => feeds.size,
  };
}
