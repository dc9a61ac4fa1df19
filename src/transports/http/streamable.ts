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
 * And how a POST is answered. The spec lets the server answer a request with JSON or with an SSE stream; this one
 * decides when it knows which is worth it:
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
import { DEFAULT_NEGOTIATED_PROTOCOL_VERSION, ErrorCode, JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, JSONRPCRequest, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ScopedEventStore } from './event-store.ts';
import { serializeMessage } from '../../shaping/raw-json.ts';

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

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

const STANDALONE = '_GET_stream';
const DEFAULT_KEEP_ALIVE_MS = 15_000;
const DEFAULT_STREAM_AFTER_MS = 1_000;

/** One open HTTP response that carries messages: a POST's answer (JSON or SSE) or a GET stream. */
interface Stream {
  res: ServerResponse;
  /** `pending`: nothing written yet (JSON if the answer comes first); `sse`: an event stream; `json`: JSON only. */
  mode: 'pending' | 'sse' | 'json';
  protocolVersion: string;
  /** Events already written to this response when it was a resumption (not written twice). */
  replayed?: Set<string>;
  keepAlive?: NodeJS.Timeout;
  streamTimer?: NodeJS.Timeout;
}

/*
 * What kind of JSON-RPC message this is, by its shape. The SDK's guards answer the same by parsing the whole
 * message with its zod schema each time (for an answer, the whole result); here each message was parsed once, on
 * arrival, or was made by the SDK's Server.
 */
const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
/** A request: a method and an id (a notification has no id). */
export const isRequestMessage = (m: unknown): m is JSONRPCRequest =>
  isObject(m) && typeof m.method === 'string' && (typeof m.id === 'string' || typeof m.id === 'number');
/** An answer: a result or an error, and no method. */
export const isResponseMessage = (m: unknown): m is JSONRPCMessage & { id: RequestId } => isObject(m) && !('method' in m) && ('result' in m || 'error' in m);
const isInitialize = (m: JSONRPCMessage): boolean => isRequestMessage(m) && m.method === 'initialize' && isInitializeRequest(m);

function sseEvent(message: JSONRPCMessage, eventId: string | undefined): string {
  const data = serializeMessage(message);
  return eventId === undefined ? `event: message\ndata: ${data}\n\n` : `event: message\nid: ${eventId}\ndata: ${data}\n\n`;
}

/** A request's progress token, if it asked for progress. */
function wantsProgress(message: JSONRPCMessage): boolean {
  const params = (message as { params?: { _meta?: { progressToken?: unknown } } }).params;
  return params?._meta?.progressToken !== undefined;
}

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
  /** Open responses by stream id (a POST's random id, or the standalone GET stream). */
  private readonly streams = new Map<string, Stream>();
  /** Which stream each open request is answered on. */
  private readonly requestStream = new Map<RequestId, string>();
  /** Answers held until every request of their stream has one. */
  private readonly answers = new Map<RequestId, JSONRPCMessage>();
  /** Streams with a priming event stored: a client may come back for them, so their events are stored. */
  private readonly resumableStreams = new Set<string>();
  /** The last send (and stream start) in line; the next waits for it. */
  private queue: Promise<void> = Promise.resolve();
  /** Answers nobody asked this transport for: the replayed `initialize` of a session taken over. */
  private readonly dropped = new Set<RequestId>();

  constructor(options: StreamableHttpOptions = {}) {
    this.options = options;
  }

  /**
   * Takes over a session that another replica started (src/transports/http/shared-sessions.ts): the session's `initialize` is
   * replayed to the connected server, so it knows the client's capabilities and protocol version, and its answer is
   * dropped (the client had it long ago). Call after the server is connected.
   */
  adopt(sessionId: string, initialize: JSONRPCMessage): void {
    this.sessionId = sessionId;
    this.initialized = true;
    this.handledRequest = true;
    if ('id' in initialize) this.dropped.add(initialize.id as RequestId);
    this.onmessage?.(initialize);
    this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** Whether a client could come back for one of this transport's streams (one began with a priming event). */
  get resumable(): boolean {
    return this.resumableStreams.size > 0;
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

  private sessionHeaders(extra: Record<string, string>): Record<string, string> {
    return this.sessionId === undefined ? extra : { ...extra, 'mcp-session-id': this.sessionId };
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo | undefined): Promise<void> {
    try {
      const accept = req.headers.accept;
      if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
        return this.error(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
      }
      if (!isJsonContentType(req.headers['content-type'])) {
        return this.error(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
      }
      if (body === undefined) return this.error(res, 400, ErrorCode.ParseError, 'Parse error: Invalid JSON');
      if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
        return this.error(res, 400, ErrorCode.InvalidRequest, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
      }
      let messages: JSONRPCMessage[];
      try {
        messages = (Array.isArray(body) ? body : [body]).map((m) => JSONRPCMessageSchema.parse(m));
      } catch {
        return this.error(res, 400, ErrorCode.ParseError, 'Parse error: Invalid JSON-RPC message');
      }
      if (this.closed) return this.error(res, 404, -32001, 'Session not found');

      const initialize = messages.find(isInitialize);
      if (initialize) {
        if (this.initialized && this.sessionId !== undefined) {
          return this.error(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: Server already initialized');
        }
        if (messages.length > 1) {
          return this.error(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: Only one initialization request is allowed');
        }
        this.sessionId = this.options.sessionIdGenerator?.();
        this.initialized = true;
        if (this.sessionId && this.options.onsessioninitialized) await this.options.onsessioninitialized(this.sessionId);
      } else if (!this.validSession(req, res) || !this.validProtocolVersion(req, res)) {
        return;
      }
      if (this.closed) return this.error(res, 404, -32001, 'Session not found');

      const requestInfo = { headers: req.headers };
      if (!messages.some(isRequestMessage)) {
        // Notifications and responses only: accepted, nothing to answer.
        for (const message of messages) this.onmessage?.(message, { authInfo, requestInfo });
        res.writeHead(202).end();
        return;
      }

      const streamId = randomUUID();
      const protocolVersion =
        (initialize as { params?: { protocolVersion?: string } } | undefined)?.params?.protocolVersion ??
        (req.headers['mcp-protocol-version'] as string | undefined) ??
        DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
      const stream: Stream = { res, mode: this.options.jsonOnly ? 'json' : 'pending', protocolVersion };
      this.streams.set(streamId, stream);
      for (const message of messages) if (isRequestMessage(message)) this.requestStream.set(message.id, streamId);
      this.options.eventStore?.bindRequests?.(streamId, this.requestsOf(streamId));
      res.once('close', () => this.detach(streamId, stream));

      if (stream.mode === 'pending') {
        if (messages.some(wantsProgress)) {
          await this.startStream(streamId, stream);
        } else {
          const after = this.options.streamAfterMs ?? DEFAULT_STREAM_AFTER_MS;
          stream.streamTimer = setTimeout(() => {
            this.enqueue(() => this.startStream(streamId, stream)).catch((err: Error) => this.onerror?.(err));
          }, after);
        }
      }
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

  /**
   * Turns a pending POST response into an SSE stream: headers, then a priming event (an id and no data, with the
   * retry hint) when an event store can serve a resumption, then keep-alive comments.
   */
  private async startStream(streamId: string, stream: Stream): Promise<void> {
    if (stream.mode !== 'pending') return;
    stream.mode = 'sse';
    clearTimeout(stream.streamTimer);
    const { res } = stream;
    if (res.destroyed) return;
    res.writeHead(200, this.sessionHeaders(SSE_HEADERS));
    res.flushHeaders();
    await this.writePriming(streamId, stream);
    // Answers to a batch's other requests that were held for a JSON answer go out as events now.
    for (const id of this.requestsOf(streamId)) {
      const held = this.answers.get(id);
      if (!held) continue;
      const eventId = this.options.eventStore ? await this.options.eventStore.storeEvent(streamId, held) : undefined;
      if (!res.writableEnded) res.write(sseEvent(held, eventId));
    }
    this.keepAlive(stream);
  }

  private async writePriming(streamId: string, stream: Stream): Promise<void> {
    const store = this.options.eventStore;
    if (!store || stream.protocolVersion < '2025-11-25') return;
    const id = await store.storeEvent(streamId, {} as JSONRPCMessage);
    const retry = this.options.retryInterval === undefined ? '' : `retry: ${this.options.retryInterval}\n`;
    if (!stream.res.writableEnded) stream.res.write(`id: ${id}\n${retry}data: \n\n`);
    this.resumableStreams.add(streamId);
  }

  private keepAlive(stream: Stream): void {
    const ms = this.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    if (this.closed || !Number.isFinite(ms) || ms < 1 || stream.res.writableEnded) return;
    stream.keepAlive = setInterval(() => {
      if (!stream.res.writableEnded) stream.res.write(': keepalive\n\n');
    }, Math.min(ms, 2 ** 31 - 1));
    stream.keepAlive.unref();
  }

  /** The response of a stream closed (answered, or the client went away): forget it. */
  private detach(streamId: string, stream: Stream): void {
    clearInterval(stream.keepAlive);
    clearTimeout(stream.streamTimer);
    if (this.streams.get(streamId) === stream) this.streams.delete(streamId);
  }

  /** Ends a stream's response (its messages, if any, are in the event store for a resumption). */
  private endStream(streamId: string): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    this.detach(streamId, stream);
    if (stream.res.writableEnded) return;
    if (stream.mode === 'sse') {
      stream.res.end();
      return;
    }
    // Never answered: say so to each request still waiting on it, rather than leave the client hanging.
    const errors = this.requestsOf(streamId).map((id) => ({ jsonrpc: '2.0', id, error: { code: ErrorCode.ConnectionClosed, message: 'Connection closed: the session ended before the answer' } }));
    stream.res.writeHead(200, this.sessionHeaders({ 'content-type': 'application/json' }));
    stream.res.end(JSON.stringify(errors.length === 1 ? errors[0] : errors));
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
    if (this.streams.has(STANDALONE)) return this.error(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    const stream: Stream = { res, mode: 'sse', protocolVersion: '' };
    this.streams.set(STANDALONE, stream);
    res.once('close', () => this.detach(STANDALONE, stream));
    res.writeHead(200, this.sessionHeaders(SSE_HEADERS));
    res.flushHeaders();
    this.keepAlive(stream);
  }

  /** A client came back for a stream: the events after the one it saw, then whatever is still to come on it. */
  private async replay(lastEventId: string, res: ServerResponse): Promise<void> {
    const store = this.options.eventStore!;
    try {
      if (store.getStreamIdForEventId) {
        const known = await store.getStreamIdForEventId(lastEventId);
        if (!known) return this.error(res, 400, -32000, 'Invalid event ID format');
        if (this.streams.has(known)) return this.error(res, 409, -32000, 'Conflict: Stream already has an active connection');
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
      this.endStream(streamId);
      const stream: Stream = { res, mode: 'sse', protocolVersion: '', replayed };
      this.streams.set(streamId, stream);
      res.once('close', () => this.detach(streamId, stream));
      this.resumableStreams.add(streamId);
      res.writeHead(200, this.sessionHeaders(SSE_HEADERS));
      if (events.length) res.write(events.join(''));
      else res.flushHeaders();
      this.keepAlive(stream);
      // The stream's requests may all have been answered already (their answers were among the events).
      this.endIfAnswered(streamId);
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
    for (const streamId of [...this.streams.keys()]) this.endStream(streamId);
    this.streams.clear();
    this.answers.clear();
    this.resumableStreams.clear();
    this.onclose?.();
  }

  /** Ends the SSE stream of a request; the client resumes it with `Last-Event-ID` (polling, SEP-1699). */
  closeSSEStream(requestId: RequestId): void {
    const streamId = this.requestStream.get(requestId);
    const stream = streamId === undefined ? undefined : this.streams.get(streamId);
    if (!stream || !streamId) return;
    if (stream.mode === 'pending') {
      // Not streaming yet: it must become a stream with a priming event first, or the client could not resume it.
      this.enqueue(() => this.startStream(streamId, stream)).then(() => this.endStream(streamId), (err: Error) => this.onerror?.(err));
      return;
    }
    this.endStream(streamId);
  }

  closeStandaloneSSEStream(): void {
    this.endStream(STANDALONE);
  }

  /**
   * Sends in order: each message waits for the one before (storing an event may take a round trip to Redis, and a
   * notification must not be overtaken by the answer that follows it).
   */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.enqueue(() => this.deliver(message, options));
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async deliver(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answer = isResponseMessage(message);
    if (answer && this.dropped.delete(message.id)) return;
    const requestId = answer ? message.id : options?.relatedRequestId;
    const store = this.options.eventStore;
    if (requestId === undefined) {
      // Not about any request: the standalone GET stream, if the client keeps one open.
      if (answer) throw new Error('Cannot send a response on a standalone SSE stream unless resuming a previous client request');
      const eventId = store ? await store.storeEvent(STANDALONE, message) : undefined;
      const standalone = this.streams.get(STANDALONE);
      if (standalone && !standalone.res.writableEnded && (eventId === undefined || !standalone.replayed?.has(eventId))) {
        standalone.res.write(sseEvent(message, eventId));
      }
      return;
    }

    const streamId = this.requestStream.get(requestId);
    if (!streamId) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    let stream = this.streams.get(streamId);
    // Something other than the answer comes first: the answer will be a stream.
    if (stream?.mode === 'pending' && !answer) await this.startStream(streamId, stream);
    const streaming = stream?.mode === 'sse' || (!stream && this.resumableStreams.has(streamId));
    let eventId: string | undefined;
    if (streaming && store) {
      eventId = await store.storeEvent(streamId, message);
      stream = this.streams.get(streamId);
      // The client holds an event id of this stream (a client on a protocol before 2025-11-25 gets no priming event,
      // but may resume from this one): the rest of it is stored, even once the connection is gone.
      if (!answer) this.resumableStreams.add(streamId);
    }
    const text = stream?.mode === 'sse' && (eventId === undefined || !stream.replayed?.has(eventId)) ? sseEvent(message, eventId) : undefined;
    if (!answer) {
      if (text && !stream!.res.writableEnded) stream!.res.write(text);
      return;
    }

    this.answers.set(requestId, message);
    const related = this.requestsOf(streamId);
    if (!related.every((id) => this.answers.has(id))) {
      if (text && !stream!.res.writableEnded) stream!.res.write(text);
      return;
    }
    const answers = related.map((id) => this.answers.get(id)!);
    for (const id of related) {
      this.answers.delete(id);
      this.requestStream.delete(id);
    }
    this.resumableStreams.delete(streamId);
    // The client went away: a stream it can resume has its events in the store; otherwise the answer is lost.
    if (!stream) return;
    this.detach(streamId, stream);
    if (stream.res.writableEnded) return;
    if (stream.mode === 'sse') {
      stream.res.end(text);
      return;
    }
    stream.res.writeHead(200, this.sessionHeaders({ 'content-type': 'application/json' }));
    stream.res.end(answers.length === 1 ? serializeMessage(answers[0]) : `[${answers.map(serializeMessage).join(',')}]`);
  }

  /** Requests received and not answered yet. */
  get pendingRequests(): number {
    return this.requestStream.size;
  }

  /**
   * Answers every request still waiting with `error` (a replica that stops before they finish): each answer goes out
   * on its open response, or is stored for the client's resumption, like any answer.
   */
  async failPending(error: (id: RequestId) => JSONRPCMessage): Promise<void> {
    await Promise.all([...this.requestStream.keys()].map((id) => this.send(error(id)).catch((err: Error) => this.onerror?.(err))));
  }

  /** The requests still waiting for an answer on a stream. */
  private requestsOf(streamId: string): RequestId[] {
    const ids: RequestId[] = [];
    for (const [id, sid] of this.requestStream) if (sid === streamId) ids.push(id);
    return ids;
  }

  /** After a resumption: a stream none of whose requests is still waiting has nothing more to say. */
  private endIfAnswered(streamId: string): void {
    if (streamId === STANDALONE || this.requestsOf(streamId).length) return;
    this.endStream(streamId);
    this.resumableStreams.delete(streamId);
  }
}
