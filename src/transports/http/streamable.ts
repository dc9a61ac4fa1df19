/**
 * The server side of MCP's Streamable HTTP transport on node:http, for one session (or one stateless request).
 *
 * It speaks the protocol as the SDK's `StreamableHTTPServerTransport` does (the same status codes, JSON-RPC errors,
 * session and protocol-version checks, priming events, resumption with `Last-Event-ID` from an event store, one
 * standalone GET stream, keep-alive comments) and plugs into the SDK's `Server` the same way (`Transport`). What it
 * does differently is how it writes: straight to Node's `ServerResponse`, without turning each request and response
 * into a web `Request`/`Response` and a web stream and back (which cost the SDK's transport more CPU per call than
 * the gateway's own work on a tool call).
 *
 * And how a POST is answered (./response-streams.ts). The spec lets the server answer a request with JSON or with an
 * SSE stream; this one decides when it knows which is worth it:
 * - a request that carries a progress token gets its SSE stream at once (priming event first, then progress);
 * - otherwise the answer is held back: if the result comes first and within `streamAfterMs`, it goes out as plain
 *   JSON (one write, nothing stored); if the server sends anything else first (a log message, an elicitation, a
 *   progress notification) or the call takes longer, the response becomes an SSE stream there and then, with a
 *   priming event, so that a long call can be resumed with `Last-Event-ID` if the connection drops.
 * `jsonOnly` answers everything as JSON (messages other than the answers are then not delivered on the POST).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { DEFAULT_NEGOTIATED_PROTOCOL_VERSION, ErrorCode, JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ScopedEventStore } from './event-store.ts';
import { isInitialize, isRequestMessage, wantsProgress } from './jsonrpc-messages.ts';
import { ResponseStreams, STANDALONE } from './response-streams.ts';
import { sseEvent } from './sse.ts';

export interface StreamableHttpOptions {
  /** Makes the session id at initialize; without it the transport is stateless (one request, no session checks). */
  sessionIdGenerator?: () => string;
  onsessioninitialized?: (sessionId: string) => void | Promise<void>;
  onsessionclosed?: (sessionId: string | undefined) => void | Promise<void>;
  /** Stores SSE events so that a client can resume a stream with `Last-Event-ID`. */
  eventStore?: ScopedEventStore;
  /** The `retry:` hint of priming events, in ms. */
  retryInterval?: number;
  /** Interval of `: keepalive` comments on open SSE streams (default 15 s; 0 turns them off). */
  keepAliveMs?: number;
  /** How long an answer may take and still go out as plain JSON; a slower one is streamed (default 1 s). */
  streamAfterMs?: number;
  /** Answer every POST with JSON (no SSE on POSTs). */
  jsonOnly?: boolean;
}

/** A POST body that passed the checks: its messages, and the initialize among them if any. */
type CheckedPost = { messages: JSONRPCMessage[]; initialize?: JSONRPCMessage };

export class StreamableHttpTransport implements Transport {
  sessionId?: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private readonly options: StreamableHttpOptions;
  private started = false;
  private handledRequest = false;
  private initialized = false;
  private closed = false;
  private readonly out: ResponseStreams;

  constructor(options: StreamableHttpOptions = {}) {
    this.options = options;
    this.out = new ResponseStreams({
      ...options,
      sessionHeaders: (extra) => this.sessionHeaders(extra),
      isClosed: () => this.closed,
      reportError: (err) => this.onerror?.(err),
    });
  }

  /**
   * Takes over a session that another replica started (./shared-sessions.ts): the session's `initialize` is
   * replayed to the connected server, so it knows the client's capabilities and protocol version, and its answer is
   * dropped (the client had it long ago). Call after the server is connected.
   */
  adopt(sessionId: string, initialize: JSONRPCMessage): void {
    this.sessionId = sessionId;
    this.initialized = true;
    this.handledRequest = true;
    if ('id' in initialize) this.out.dropAnswerTo(initialize.id as RequestId);
    this.onmessage?.(initialize);
    this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** Whether a client could come back for one of this transport's streams (one began with a priming event). */
  get resumable(): boolean {
    return this.out.resumable;
  }

  /** Requests received and not answered yet. */
  get pendingRequests(): number {
    return this.out.pendingRequests;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('Transport already started');
    this.started = true;
  }

  /** Handles one HTTP request to the MCP endpoint; a POST's body comes parsed (`undefined` when it was not JSON). */
  async handleRequest(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown, authInfo?: AuthInfo): Promise<void> {
    if (this.closed) return this.error(res, 404, -32001, 'Session not found');
    if (!this.options.sessionIdGenerator && this.handledRequest) {
      throw new Error('Stateless transport cannot be reused across requests. Create a new transport per request.');
    }
    this.handledRequest = true;
    switch (req.method) {
      case 'POST':
        return this.handlePost(req, res, parsedBody, authInfo);
      case 'GET':
        return this.handleGet(req, res);
      case 'DELETE':
        return this.handleDelete(req, res);
      default:
        this.onerror?.(new Error('Method not allowed.'));
        res.writeHead(405, { allow: 'GET, POST, DELETE', 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }));
    }
  }

  /** Writes a JSON-RPC error without an id (a refused HTTP request) and reports it to `onerror`. */
  private error(res: ServerResponse, status: number, code: number, message: string, data?: unknown): void {
    this.onerror?.(new Error(message));
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: data === undefined ? { code, message } : { code, message, data }, id: null }));
  }

  /** `error`, for the checks that answer "refused" with undefined. */
  private refuse(res: ServerResponse, status: number, code: number, message: string): undefined {
    this.error(res, status, code, message);
    return undefined;
  }

  private sessionHeaders(extra: Record<string, string>): Record<string, string> {
    return this.sessionId === undefined ? extra : { ...extra, 'mcp-session-id': this.sessionId };
  }

  /** The messages of a POST, checked as the SDK's transport checks them; undefined when refused (answered). */
  private checkPost(req: IncomingMessage, res: ServerResponse, body: unknown): CheckedPost | undefined {
    const accept = req.headers.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
      return this.refuse(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return this.refuse(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    if (body === undefined) return this.refuse(res, 400, ErrorCode.ParseError, 'Parse error: Invalid JSON');
    if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
      return this.refuse(res, 400, ErrorCode.InvalidRequest, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    }
    let messages: JSONRPCMessage[];
    try {
      messages = (Array.isArray(body) ? body : [body]).map((m) => JSONRPCMessageSchema.parse(m));
    } catch {
      return this.refuse(res, 400, ErrorCode.ParseError, 'Parse error: Invalid JSON-RPC message');
    }
    if (this.closed) return this.refuse(res, 404, -32001, 'Session not found');
    return { messages, initialize: messages.find(isInitialize) };
  }

  /** Starts the session on an initialize, or checks that the request belongs to it; false when refused. */
  private async admit(req: IncomingMessage, res: ServerResponse, { messages, initialize }: CheckedPost): Promise<boolean> {
    if (!initialize) return this.validSession(req, res) && this.validProtocolVersion(req, res);
    if (this.initialized && this.sessionId !== undefined) {
      this.error(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: Server already initialized');
      return false;
    }
    if (messages.length > 1) {
      this.error(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: Only one initialization request is allowed');
      return false;
    }
    this.sessionId = this.options.sessionIdGenerator?.();
    this.initialized = true;
    if (this.sessionId && this.options.onsessioninitialized) await this.options.onsessioninitialized(this.sessionId);
    return true;
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo | undefined): Promise<void> {
    try {
      const checked = this.checkPost(req, res, body);
      if (!checked || !(await this.admit(req, res, checked))) return;
      if (this.closed) return this.error(res, 404, -32001, 'Session not found');
      const { messages, initialize } = checked;
      const requestInfo = { headers: req.headers };
      if (!messages.some(isRequestMessage)) {
        // Notifications and responses only: accepted, nothing to answer.
        for (const message of messages) this.onmessage?.(message, { authInfo, requestInfo });
        res.writeHead(202).end();
        return;
      }
      const protocolVersion =
        (initialize as { params?: { protocolVersion?: string } } | undefined)?.params?.protocolVersion ??
        (req.headers['mcp-protocol-version'] as string | undefined) ??
        DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
      const requestIds = messages.filter(isRequestMessage).map((m) => m.id);
      const stream = await this.out.openPost(randomUUID(), res, { requestIds, protocolVersion, streamNow: messages.some(wantsProgress) });
      const resumableCalls = !!this.options.eventStore && protocolVersion >= '2025-11-25' && stream.mode !== 'json';
      for (const message of messages) {
        const extra: MessageExtraInfo = { authInfo, requestInfo };
        if (resumableCalls && isRequestMessage(message)) {
          extra.closeSSEStream = () => this.closeSSEStream(message.id);
          extra.closeStandaloneSSEStream = () => this.closeStandaloneSSEStream();
        }
        this.onmessage?.(message, extra);
      }
    } catch (err) {
      this.error(res, 400, ErrorCode.ParseError, 'Parse error', String(err));
    }
  }

  private validSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.options.sessionIdGenerator === undefined) return true;
    if (!this.initialized) {
      this.error(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const given = req.headers['mcp-session-id'];
    if (!given) {
      this.error(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (given !== this.sessionId) {
      this.error(res, 404, -32001, 'Session not found');
      return false;
    }
    return true;
  }

  private validProtocolVersion(req: IncomingMessage, res: ServerResponse): boolean {
    const version = req.headers['mcp-protocol-version'];
    if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return true;
    this.error(res, 400, -32000, `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`);
    return false;
  }

  private async handleGet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!req.headers.accept?.includes('text/event-stream')) {
      return this.error(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) return;
    const lastEventId = req.headers['last-event-id'];
    if (this.options.eventStore && typeof lastEventId === 'string' && lastEventId) return this.replay(lastEventId, res);
    if (this.out.has(STANDALONE)) return this.error(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    this.out.openStandalone(res);
  }

  /** A client came back for a stream: the events after the one it saw, then whatever is still to come on it. */
  private async replay(lastEventId: string, res: ServerResponse): Promise<void> {
    const store = this.options.eventStore!;
    try {
      if (store.getStreamIdForEventId) {
        const known = await store.getStreamIdForEventId(lastEventId);
        if (!known) return this.error(res, 400, -32000, 'Invalid event ID format');
        if (this.out.has(known)) return this.error(res, 409, -32000, 'Conflict: Stream already has an active connection');
      }
      // Events are gathered first: whether the answer is a stream or an error is known only once the store answered.
      const events: string[] = [];
      const replayed = new Set<string>();
      let gone = false;
      res.once('close', () => {
        gone = true;
      });
      const streamId = await store.replayEventsAfter(lastEventId, {
        send: async (eventId, message) => {
          events.push(sseEvent(message, eventId));
          replayed.add(eventId);
        },
      });
      if (this.closed || gone) return this.error(res, 404, -32001, 'Session not found');
      this.out.resume(streamId, res, events, replayed);
    } catch (err) {
      this.onerror?.(err as Error);
      this.error(res, 500, -32000, 'Error replaying events');
    }
  }

  private async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) return;
    try {
      await this.options.onsessionclosed?.(this.sessionId);
      res.writeHead(200).end();
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.out.endAll();
    this.onclose?.();
  }

  /** Ends the SSE stream of a request; the client resumes it with `Last-Event-ID` (polling, SEP-1699). */
  closeSSEStream(requestId: RequestId): void {
    this.out.closeSSEStream(requestId);
  }

  closeStandaloneSSEStream(): void {
    this.out.endStream(STANDALONE);
  }

  /**
   * Sends in order: each message waits for the one before (storing an event may take a round trip to Redis, and a
   * notification must not be overtaken by the answer that follows it).
   */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.out.send(message, options);
  }

  /**
   * Answers every request still waiting with `error` (a replica that stops before they finish): each answer goes out
   * on its open response, or is stored for the client's resumption, like any answer.
   */
  async failPending(error: (id: RequestId) => JSONRPCMessage): Promise<void> {
    await Promise.all(this.out.waitingRequests().map((id) => this.send(error(id)).catch((err: Error) => this.onerror?.(err))));
  }
}
