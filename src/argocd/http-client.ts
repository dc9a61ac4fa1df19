/**
 * The gateway's HTTP client for Argo CD: a `fetch` over node:http(s) with keep-alive agents, given to openapi-fetch
 * (its `fetch` and `Request` options) and used for the gateway's own calls (version probe, swagger.json, session
 * login).
 *
 * Why not the global fetch: Node's fetch (undici) compiles its HTTP parser from WebAssembly on first use, which
 * costs ~80 ms and ~12-25 MB of resident memory that is never given back, and about twice the CPU per request of
 * node:http. A tool call only needs what is here: a request with headers and a string body, the status and headers
 * of the answer, its text or its body as a stream, cancellation, TLS settings, same-origin redirects and compressed
 * answers.
 *
 * Transport errors are thrown as fetch throws them (`TypeError('fetch failed', { cause })`, the cause carrying the
 * system code), so callers describe them the same way. A GET on a kept-alive connection that the server had closed
 * meanwhile is sent once more, as browsers and undici do.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import { defaultOf } from '../config/values.ts';

export interface HttpClientOptions {
  /** Skip TLS verification (test servers only). */
  insecure?: boolean;
  /** PEM bundle of the CA(s) to trust for https. */
  ca?: string;
  /** A client certificate and its private key (PEM), for an Argo CD behind mutual TLS. */
  cert?: string;
  key?: string;
  /** The largest answer body read whole (as text), after decompression (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxBodyBytes?: number;
}

/**
 * The maxResponseBytes row of src/config/settings.ts, 32 MiB: parsed, such a body takes ~5× that in memory, which fits
 * the 512 MiB the Helm chart gives the pod.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = defaultOf('maxResponseBytes');
/**
 * Decoded bytes per compressed byte, past the first MiB. Real JSON compresses 5-50×; a gzip bomb about 1,000×
 * (brotli far more), so the bomb is stopped after a few MiB instead of when memory runs out.
 */
export const MAX_DECOMPRESSION_RATIO = 250;
const RATIO_CHECKED_AFTER = 1024 * 1024;

/** A fetch-shaped failure whose cause carries a code that describeTransportError explains. */
function bodyError(code: 'ERR_RESPONSE_TOO_LARGE' | 'ERR_DECOMPRESSION_RATIO', message: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

type HeaderSource = Headers | Record<string, string> | Array<[string, string]> | undefined;

export interface LiteRequestInit {
  method?: string;
  headers?: HeaderSource;
  body?: string | null;
  signal?: AbortSignal | null;
}

function headerObject(source: HeaderSource): Record<string, string> {
  const out: Record<string, string> = {};
  if (!source) return out;
  if (typeof (source as Headers).forEach === 'function' && !Array.isArray(source)) {
    (source as Headers).forEach((value, key) => {
      out[key] = value;
    });
    return out;
  }
  for (const [k, v] of Array.isArray(source) ? source : Object.entries(source)) out[k.toLowerCase()] = v;
  return out;
}

/** The request openapi-fetch builds (its `Request` option): what the client sends, nothing more. */
export class LiteRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;
  constructor(url: string | URL, init: LiteRequestInit = {}) {
    this.url = String(url);
    this.method = (init.method ?? 'GET').toUpperCase();
    this.headers = headerObject(init.headers);
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new TypeError('the upstream client sends string bodies only');
    }
    this.body = init.body ?? undefined;
    this.signal = init.signal ?? undefined;
  }
}

/** The headers of an answer, read as `Headers.get` reads them. */
class LiteHeaders {
  constructor(private readonly raw: IncomingMessage['headers']) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

/** An answer: status, headers, and the body read once, as text, JSON or a web stream (what the gateway reads). */
export class LiteResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: LiteHeaders;
  readonly url: string;
  private readonly stream: Readable;
  private used = false;
  private web: ReadableStream<Uint8Array> | undefined;
  constructor(message: IncomingMessage, stream: Readable, url: string, private readonly maxBodyBytes = DEFAULT_MAX_RESPONSE_BYTES) {
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = new LiteHeaders(message.headers);
    this.stream = stream;
    this.url = url;
  }
  private take(): Readable {
    if (this.used) throw new TypeError('the body of this answer was already read');
    this.used = true;
    return this.stream;
  }
  /** The body as a web stream (made once; reading it consumes the answer). */
  get body(): ReadableStream<Uint8Array> {
    this.web ??= Readable.toWeb(this.take()) as ReadableStream<Uint8Array>;
    return this.web;
  }
  /**
   * The body as text; an answer larger than `maxBodyBytes` is abandoned as it passes the limit. Each chunk is
   * decoded as it comes and let go, so the body is held once, as text: collecting the chunks and joining them
   * held it three times over at the end (the chunks, their join, the text), 90 MB for a 30 MB list.
   */
  async text(): Promise<string> {
    const stream = this.take();
    const decoder = new StringDecoder('utf8');
    let text = '';
    let size = 0;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > this.maxBodyBytes) {
          stream.destroy();
          throw bodyError('ERR_RESPONSE_TOO_LARGE', `the answer is larger than ${formatBytes(this.maxBodyBytes)} (maxResponseBytes)`);
        }
        text += decoder.write(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof TypeError && (err.cause as { code?: string } | undefined)?.code) throw err;
      throw fetchFailed(err);
    }
    return text + decoder.end();
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

function fetchFailed(cause: unknown): Error {
  if (cause instanceof Error && (cause.name === 'AbortError' || cause.name === 'TimeoutError')) return cause;
  return new TypeError('fetch failed', { cause });
}

function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason as unknown;
  if (reason instanceof Error) return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** `33554432` → `32 MiB`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function decoded(message: IncomingMessage): Readable {
  const encoding = String(message.headers['content-encoding'] ?? '').trim().toLowerCase();
  // Flushed as they arrive, so a compressed stream (watch, logs) is still read line by line.
  const flush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  let decoder: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') decoder = zlib.createGunzip(flush);
  else if (encoding === 'deflate') decoder = zlib.createInflate(flush);
  else if (encoding === 'br') decoder = zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  if (!decoder) return message;
  let compressed = 0;
  let inflated = 0;
  // The pipe already reads `message` by 'data' events; one more listener only counts.
  message.on('data', (chunk: Buffer) => {
    compressed += chunk.length;
  });
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      inflated += chunk.length;
      if (inflated > RATIO_CHECKED_AFTER && inflated > compressed * MAX_DECOMPRESSION_RATIO) {
        const ratio = Math.round(inflated / Math.max(1, compressed));
        done(Object.assign(new Error(`the ${encoding} answer inflated ${ratio}× (${formatBytes(compressed)} became more than ${Math.floor(inflated / (1024 * 1024))} MiB), past the limit of ${MAX_DECOMPRESSION_RATIO}×`), { code: 'ERR_DECOMPRESSION_RATIO' }));
        return;
      }
      done(null, chunk);
    },
  });
  message.on('error', (err) => decoder.destroy(err));
  decoder.on('error', (err) => meter.destroy(err));
  meter.on('close', () => {
    decoder.destroy();
    message.destroy();
  });
  return message.pipe(decoder).pipe(meter);
}

export type HttpFetch = (input: LiteRequest | string, init?: LiteRequestInit) => Promise<LiteResponse>;

/** A fetch bound to keep-alive agents and TLS settings; one per Argo CD. */
export function createHttpClient(options: HttpClientOptions = {}): HttpFetch {
  const httpAgent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    scheduling: 'lifo',
    rejectUnauthorized: !options.insecure,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
  });

  const once = (request: LiteRequest, url: URL, retried: boolean): Promise<LiteResponse> =>
    new Promise<LiteResponse>((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) return reject(abortReason(signal));
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') return reject(fetchFailed(new Error(`unsupported protocol ${url.protocol}`)));
      const headers: Record<string, string | number> = { 'accept-encoding': 'gzip, deflate, br', ...request.headers };
      if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
      else if (request.method !== 'GET' && request.method !== 'HEAD') headers['content-length'] = 0;
      const req = (secure ? https : http).request(url, { method: request.method, headers, agent: secure ? httpsAgent : httpAgent });
      let settled = false;
      const onAbort = () => req.destroy(abortReason(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const detach = () => signal?.removeEventListener('abort', onAbort);
      req.once('response', (message) => {
        settled = true;
        // Errors of a body nobody reads must not be unhandled; readers still see them.
        message.on('error', () => undefined);
        const body = decoded(message);
        // Cancellation still ends a body being read; the listener goes once the body is done.
        body.once('close', detach);
        resolve(new LiteResponse(message, body, url.href, options.maxBodyBytes));
      });
      req.on('error', (err) => {
        if (settled) return;
        settled = true;
        detach();
        const code = (err as NodeJS.ErrnoException).code;
        // A kept-alive connection the server closed while it was idle: safe to send a GET again, once.
        if (!retried && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') && (request.method === 'GET' || request.method === 'HEAD')) {
          resolve(once(request, url, true));
          return;
        }
        reject(signal?.aborted ? abortReason(signal) : fetchFailed(err));
      });
      req.end(request.body);
    });

  return async (input, init) => {
    let request = typeof input === 'string' ? new LiteRequest(input, init) : input;
    let url = new URL(request.url);
    for (let hop = 0; ; hop++) {
      const response = await once(request, url, false);
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || !location || hop >= MAX_REDIRECTS) return response;
      void response.text().catch(() => undefined);
      const next = new URL(location, url);
      // Redirects are followed within the origin only. Every request carries something secret (the bearer token,
      // headers from the configuration such as a proxy's client secret or a cookie, a login body with a password),
      // and an Argo CD that moved is better told to the operator than followed with credentials stripped.
      if (next.origin !== url.origin) throw crossOriginRedirect(response.status, url, next);
      const headers = { ...request.headers };
      const toGet = response.status === 303 || ((response.status === 301 || response.status === 302) && request.method === 'POST');
      if (toGet) {
        delete headers['content-type'];
        delete headers['content-length'];
      }
      request = new LiteRequest(next, { method: toGet ? 'GET' : request.method, headers, body: toGet ? undefined : request.body, signal: request.signal });
      url = next;
    }
  };
}

/** The error for a redirect to another origin: fetch-shaped, its cause naming both origins (never the path or query). */
function crossOriginRedirect(status: number, from: URL, to: URL): TypeError {
  const cause = Object.assign(new Error(`HTTP ${status} redirect from ${from.origin} to ${to.origin}, which is another origin`), { code: 'ERR_CROSS_ORIGIN_REDIRECT', location: to.origin });
  return new TypeError('fetch failed', { cause });
}
