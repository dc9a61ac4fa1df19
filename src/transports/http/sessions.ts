/**
 * The sessions this process holds (`Mcp-Session-Id`): one transport and SDK Server per session, the caps on how many
 * (`maxSessions`, `maxSessionsPerClient`), idle expiry (`sessionIdleTimeout`), and taking over a session another
 * replica started (with Redis: ./shared-sessions.ts).
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { HttpSettings } from '../../config/http-settings.ts';
import type { Logger } from '../../log.ts';
import type { ScopedEventStore, SharedEventStore } from './event-store.ts';
import type { Principal } from './inbound-auth/authenticate.ts';
import type { SharedSessions } from './shared-sessions.ts';
import { StreamableHttpTransport } from './streamable.ts';

/** The `retry:` hint in priming events: how soon a client reconnects a dropped stream. */
const RETRY_INTERVAL_MS = 1_000;

export interface Session {
  id: string;
  transport: StreamableHttpTransport;
  server: Server;
  store?: ScopedEventStore;
  lastSeen: number;
  /** HTTP requests of this session still open (SSE responses, the GET stream). */
  open: number;
  subject?: string;
  profile?: Principal['profile'];
  /** Stops hearing the client's answers that other replicas received (shared sessions). */
  unshare?: () => void;
}

export interface SessionTableOptions {
  settings: Pick<HttpSettings, 'maxSessions' | 'maxSessionsPerClient' | 'sessionIdleTimeoutMs'>;
  createServer: (principal?: Principal) => Server;
  logger: Logger;
  eventStore?: SharedEventStore;
  shared?: SharedSessions;
}

/** A transport for one session (`sessionId`) or, without it, for one stateless request. */
export function newStreamableTransport(args: { store?: ScopedEventStore; principal?: Principal; sessionId?: string; logger: Logger; onSessionClosed?: (id: string) => void }): StreamableHttpTransport {
  const { sessionId, logger, principal } = args;
  return new StreamableHttpTransport({
    sessionIdGenerator: sessionId === undefined ? undefined : () => sessionId,
    eventStore: args.store,
    retryInterval: RETRY_INTERVAL_MS,
    onsessioninitialized:
      sessionId === undefined ? undefined : (id) => logger.debug({ session: id, subject: principal?.subject }, 'session started'),
    onsessionclosed:
      sessionId === undefined
        ? undefined
        : (id) => {
            if (id) args.onSessionClosed?.(id);
            logger.debug({ session: id }, 'session ended');
          },
  });
}

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly options: SessionTableOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  /** Why no session can be opened now (the process's cap, or the subject's), or undefined. */
  whyFull(subject: string | undefined): { status: number; message: string } | undefined {
    const { maxSessions, maxSessionsPerClient } = this.options.settings;
    if (this.sessions.size >= maxSessions) {
      return { status: 503, message: `Service Unavailable: the gateway holds its maximum of ${maxSessions} sessions (maxSessions); retry later, or use stateless mode` };
    }
    if (subject === undefined) return undefined;
    let mine = 0;
    for (const s of this.sessions.values()) if (s.subject === subject) mine++;
    if (mine < maxSessionsPerClient) return undefined;
    return { status: 429, message: `Too Many Requests: this client already holds ${mine} open sessions (maxSessionsPerClient); close some with DELETE /mcp or let idle ones expire` };
  }

  /** A session of this process: its MCP server, event store and transport, forgotten when the transport closes. */
  register(id: string, principal: Principal | undefined): Session {
    const { eventStore, logger, createServer } = this.options;
    const store = eventStore?.forScope(id, principal?.subject);
    const transport = newStreamableTransport({ store, principal, sessionId: id, logger, onSessionClosed: (closed) => this.sessions.delete(closed) });
    const session: Session = { id, transport, server: createServer(principal), store, lastSeen: Date.now(), open: 0, subject: principal?.subject, profile: principal?.profile };
    this.sessions.set(id, session);
    transport.onclose = () => {
      this.sessions.delete(id);
    };
    return session;
  }

  /** Takes over a session another replica started, when its record says this principal opened it. */
  async adopt(id: string, principal: Principal | undefined): Promise<Session | undefined> {
    const shared = this.options.shared;
    if (!shared) return undefined;
    const record = await shared.load(id);
    if (!record || record.subject !== principal?.subject || (principal && record.profile !== principal.profile)) return undefined;
    if (this.sessions.has(id)) return this.sessions.get(id); // taken over meanwhile by a concurrent request
    const session = this.register(id, principal);
    const { server, transport } = session;
    await server.connect(transport);
    transport.adopt(id, record.initialize);
    session.unshare = shared.onAnswers(id, (m) => transport.onmessage?.(m));
    this.options.logger.info({ session: id, subject: principal?.subject }, 'took over a session another replica started');
    return session;
  }

  /** Ends a session; `forget` drops its stored streams too (not when the process stops: resumers read its answers). */
  async close(id: string, forget = true): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    s.unshare?.();
    await s.transport.close().catch(() => undefined);
    await s.server.close().catch(() => undefined);
    // The session's streams cannot be resumed any more: their stored events go with it.
    if (forget) s.store?.forget?.();
  }

  /** Closes every session, keeping their stored streams for resumers (the process stops). */
  async closeAll(): Promise<void> {
    this.stopIdleSweep();
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id, false)));
  }

  /** Expires sessions idle longer than `sessionIdleTimeout` (none of their requests open). */
  startIdleSweep(): void {
    const idleMs = this.options.settings.sessionIdleTimeoutMs;
    this.sweeper = setInterval(() => {
      const cutoff = Date.now() - idleMs;
      for (const [id, s] of this.sessions) {
        if (s.open === 0 && s.lastSeen < cutoff) {
          this.options.logger.info({ session: id }, 'session expired after being idle');
          void this.close(id);
        }
      }
    }, Math.max(250, Math.min(idleMs / 4, 60_000)));
    this.sweeper.unref();
  }

  stopIdleSweep(): void {
    clearInterval(this.sweeper);
  }
}
