/**
 * The open HTTP responses of one Streamable HTTP transport (./streamable.ts) and how messages go out on them.
 *
 * A POST's response is `pending` until the transport knows which answer is worth it: if the answer comes first and
 * within `streamAfterMs`, it goes out as plain JSON (one write, nothing stored); if the server sends anything else
 * first (a log message, an elicitation, a progress notification) or the call takes longer, the response becomes an
 * SSE stream there and then, with a priming event, so that a long call can be resumed with `Last-Event-ID`.
 * Messages go out in order: each waits for the one before (storing an event may take a round trip to Redis, and a
 * notification must not be overtaken by the answer that follows it).
 */
import type { ServerResponse } from 'node:http';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { serializeMessage } from '../../shaping/raw-json.ts';
import type { ScopedEventStore } from './event-store.ts';
import { isResponseMessage } from './jsonrpc-messages.ts';
import { DEFAULT_KEEP_ALIVE_MS, SSE_HEADERS, sseEvent, startKeepAlive } from './sse.ts';

/** The stream id of the session's standalone GET stream. */
export const STANDALONE = '_GET_stream';
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

/** What the streams need from their transport. */
export interface StreamsHost {
  eventStore?: ScopedEventStore;
  /** The `retry:` hint of priming events, in ms. */
  retryInterval?: number;
  keepAliveMs?: number;
  streamAfterMs?: number;
  jsonOnly?: boolean;
  /** Response headers with the session id, when there is a session. */
  sessionHeaders(extra: Record<string, string>): Record<string, string>;
  isClosed(): boolean;
  reportError(err: Error): void;
}

export class ResponseStreams {
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

  constructor(private readonly host: StreamsHost) {}

  /** Whether a client could come back for one of these streams (one began with a priming event). */
  get resumable(): boolean {
    return this.resumableStreams.size > 0;
  }

  /** Requests received and not answered yet. */
  get pendingRequests(): number {
    return this.requestStream.size;
  }

  /** The ids of the requests still waiting for an answer. */
  waitingRequests(): RequestId[] {
    return [...this.requestStream.keys()];
  }

  /** The answer to this request is not sent (it was answered long ago, on another replica). */
  dropAnswerTo(id: RequestId): void {
    this.dropped.add(id);
  }

  has(streamId: string): boolean {
    return this.streams.has(streamId);
  }

  /**
   * A POST's response for these requests: an SSE stream at once when `streamNow` (a progress token), else pending
   * until the answer, a message about the requests, or `streamAfterMs`. JSON only with `jsonOnly`.
   */
  async openPost(streamId: string, res: ServerResponse, args: { requestIds: RequestId[]; protocolVersion: string; streamNow: boolean }): Promise<Stream> {
    const stream: Stream = { res, mode: this.host.jsonOnly ? 'json' : 'pending', protocolVersion: args.protocolVersion };
    this.streams.set(streamId, stream);
    for (const id of args.requestIds) this.requestStream.set(id, streamId);
    this.host.eventStore?.bindRequests?.(streamId, this.requestsOf(streamId));
    res.once('close', () => this.detach(streamId, stream));
    if (stream.mode !== 'pending') return stream;
    if (args.streamNow) {
      await this.startStream(streamId, stream);
    } else {
      stream.streamTimer = setTimeout(() => {
        this.enqueue(() => this.startStream(streamId, stream)).catch((err: Error) => this.host.reportError(err));
      }, this.host.streamAfterMs ?? DEFAULT_STREAM_AFTER_MS);
    }
    return stream;
  }

  /** The session's standalone GET stream: messages about no request. */
  openStandalone(res: ServerResponse): void {
    const stream: Stream = { res, mode: 'sse', protocolVersion: '' };
    this.streams.set(STANDALONE, stream);
    res.once('close', () => this.detach(STANDALONE, stream));
    res.writeHead(200, this.host.sessionHeaders(SSE_HEADERS));
    res.flushHeaders();
    this.keepAlive(stream);
  }

  /** A client came back for a stream: the events it missed (`events`), then whatever is still to come on it. */
  resume(streamId: string, res: ServerResponse, events: string[], replayed: Set<string>): void {
    this.endStream(streamId);
    const stream: Stream = { res, mode: 'sse', protocolVersion: '', replayed };
    this.streams.set(streamId, stream);
    res.once('close', () => this.detach(streamId, stream));
    this.resumableStreams.add(streamId);
    res.writeHead(200, this.host.sessionHeaders(SSE_HEADERS));
    if (events.length) res.write(events.join(''));
    else res.flushHeaders();
    this.keepAlive(stream);
    // The stream's requests may all have been answered already (their answers were among the events).
    this.endIfAnswered(streamId);
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
    res.writeHead(200, this.host.sessionHeaders(SSE_HEADERS));
    res.flushHeaders();
    await this.writePriming(streamId, stream);
    // Answers to a batch's other requests that were held for a JSON answer go out as events now.
    const store = this.host.eventStore;
    for (const id of this.requestsOf(streamId)) {
      const held = this.answers.get(id);
      if (!held) continue;
      const eventId = store ? await store.storeEvent(streamId, held) : undefined;
      if (!res.writableEnded) res.write(sseEvent(held, eventId));
    }
    this.keepAlive(stream);
  }

  private async writePriming(streamId: string, stream: Stream): Promise<void> {
    const store = this.host.eventStore;
    if (!store || stream.protocolVersion < '2025-11-25') return;
    const id = await store.storeEvent(streamId, {} as JSONRPCMessage);
    const retry = this.host.retryInterval === undefined ? '' : `retry: ${this.host.retryInterval}\n`;
    if (!stream.res.writableEnded) stream.res.write(`id: ${id}\n${retry}data: \n\n`);
    this.resumableStreams.add(streamId);
  }

  private keepAlive(stream: Stream): void {
    const ms = this.host.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    if (this.host.isClosed() || !Number.isFinite(ms) || ms < 1 || stream.res.writableEnded) return;
    stream.keepAlive = startKeepAlive(stream.res, ms);
  }

  /** The response of a stream closed (answered, or the client went away): forget it. */
  private detach(streamId: string, stream: Stream): void {
    clearInterval(stream.keepAlive);
    clearTimeout(stream.streamTimer);
    if (this.streams.get(streamId) === stream) this.streams.delete(streamId);
  }

  /** Ends a stream's response (its messages, if any, are in the event store for a resumption). */
  endStream(streamId: string): void {
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
    stream.res.writeHead(200, this.host.sessionHeaders({ 'content-type': 'application/json' }));
    stream.res.end(JSON.stringify(errors.length === 1 ? errors[0] : errors));
  }

  /** Ends every response (the transport closes). */
  endAll(): void {
    for (const streamId of [...this.streams.keys()]) this.endStream(streamId);
    this.streams.clear();
    this.answers.clear();
    this.resumableStreams.clear();
  }

  /** Ends the SSE stream of a request; the client resumes it with `Last-Event-ID` (polling, SEP-1699). */
  closeSSEStream(requestId: RequestId): void {
    const streamId = this.requestStream.get(requestId);
    const stream = streamId === undefined ? undefined : this.streams.get(streamId);
    if (!stream || !streamId) return;
    if (stream.mode === 'pending') {
      // Not streaming yet: it must become a stream with a priming event first, or the client could not resume it.
      this.enqueue(() => this.startStream(streamId, stream)).then(() => this.endStream(streamId), (err: Error) => this.host.reportError(err));
      return;
    }
    this.endStream(streamId);
  }

  enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Sends a message in line after the ones before it. */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.enqueue(() => this.deliver(message, options));
  }

  private async deliver(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answer = isResponseMessage(message);
    if (answer && this.dropped.delete(message.id)) return;
    const requestId = answer ? message.id : options?.relatedRequestId;
    if (requestId === undefined) {
      // Not about any request: the standalone GET stream, if the client keeps one open.
      if (answer) throw new Error('Cannot send a response on a standalone SSE stream unless resuming a previous client request');
      return this.deliverStandalone(message);
    }
    const streamId = this.requestStream.get(requestId);
    if (!streamId) throw new Error(`No connection established for request ID: ${String(requestId)}`);
    let stream = this.streams.get(streamId);
    // Something other than the answer comes first: the answer will be a stream.
    if (stream?.mode === 'pending' && !answer) await this.startStream(streamId, stream);
    const streaming = stream?.mode === 'sse' || (!stream && this.resumableStreams.has(streamId));
    const store = this.host.eventStore;
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
    this.finishStream(streamId, stream, related, text);
  }

  private async deliverStandalone(message: JSONRPCMessage): Promise<void> {
    const store = this.host.eventStore;
    const eventId = store ? await store.storeEvent(STANDALONE, message) : undefined;
    const standalone = this.streams.get(STANDALONE);
    if (standalone && !standalone.res.writableEnded && (eventId === undefined || !standalone.replayed?.has(eventId))) {
      standalone.res.write(sseEvent(message, eventId));
    }
  }

  /** Every request of a stream has its answer: the last event (`text`) ends the SSE stream, or all go out as JSON. */
  private finishStream(streamId: string, stream: Stream | undefined, related: RequestId[], text: string | undefined): void {
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
    stream.res.writeHead(200, this.host.sessionHeaders({ 'content-type': 'application/json' }));
    stream.res.end(answers.length === 1 ? serializeMessage(answers[0]) : `[${answers.map(serializeMessage).join(',')}]`);
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
