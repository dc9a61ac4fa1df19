/**
 * The Argo CD client: openapi-fetch, one per gateway. Non-GET requests carry `Content-Type: application/json`
 * exactly (argocd-server answers 415 otherwise), with or without a body.
 */
import { readFileSync } from 'node:fs';
import createClient from 'openapi-fetch';
import { LiteRequest, createHttpClient } from './http-client.ts';
import type { HttpFetch } from './http-client.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import type { UpstreamRequest } from './build-request.ts';
import type { SignInUser } from './auth/sso/broker.ts';
import { describeArgocdError, describeBadJson, describeNotJson, describeTransportError } from './errors.ts';
import { parseBody } from '../shaping/job.ts';

export interface UpstreamOptions {
  baseUrl: string;
  /** Returns the current token; called per request so a rotated or renewed token is picked up. */
  token: () => string | undefined | Promise<string | undefined>;
  /** Extra headers for every upstream request (e.g. for a proxy such as Cloudflare Access). */
  headers?: Record<string, string>;
  insecure?: boolean;
  caFile?: string;
  /** PEM files of a client certificate and its key (mutual TLS). */
  clientCertFile?: string;
  clientKeyFile?: string;
  timeoutMs: number;
  /** The largest answer read whole, after decompression (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  userAgent: string;
}

export type UpstreamAnswer =
  | { kind: 'json'; status: number; data: unknown }
  /**
   * A successful answer left unparsed (`asText`, parsed by src/shaping/job.ts): `unparsable()` is the error to give
   * when it turns out not to be JSON.
   */
  | { kind: 'text'; status: number; text: string; unparsable: () => Extract<UpstreamAnswer, { kind: 'error' }> }
  | { kind: 'error'; status?: number; text: string }
  /** `note`: why the stream is empty before it began (no event within `streamWaitMs`). */
  | { kind: 'stream'; status: number; body: ReadableStream<Uint8Array>; close: () => void; note?: string };

export interface UpstreamSendArgs {
  tool: CatalogueTool;
  request: UpstreamRequest;
  signal?: AbortSignal;
  asText?: boolean;
  /**
   * For a stream: how long to wait for its first bytes instead of the request timeout. argocd-server (grpc-gateway)
   * writes a watch's response head with its first event, so a quiet watch sends nothing at all until then.
   */
  streamWaitMs?: number;
  /**
   * The caller's own Argo CD token (per-user sign-in), sent instead of the gateway's; `who` is whose it is, so that a
   * refused one can be renewed (src/argocd/auth/authenticated-upstream.ts).
   */
  user?: { token: string; who: SignInUser };
}

export interface Upstream {
  readonly baseUrl: string;
  /** Sends a tool's request; with `asText`, a successful JSON answer comes back as its text (to parse in shaping). */
  send(args: UpstreamSendArgs): Promise<UpstreamAnswer>;
  /**
   * A plain GET of a path under the base URL (e.g. /swagger.json), for the gateway's own needs; `timeoutMs` is a
   * shorter deadline than the request timeout, for probes that a live Argo CD answers at once.
   */
  getJson(path: string, options?: { timeoutMs?: number }): Promise<{ ok: true; data: unknown } | { ok: false; text: string }>;
}

/**
 * What openapi-fetch is told of Argo CD's API here. The operation of a tool call is chosen at run time, by tool name
 * from the catalogue of the Argo CD release in use (13 releases, src/catalogue/), so the generated per-operation
 * `paths` of one release cannot type this call site; the arguments were checked against the operation's JSON Schema
 * instead (src/policy/validate.ts). This says exactly what is sent: path and query parameters, a JSON body, and an
 * answer read as text or a stream. The generated `paths` check the catalogue itself (generated/operations.gen.ts).
 */
interface CatalogueOperation {
  parameters: { path: UpstreamRequest['path']; query: UpstreamRequest['query'] };
  requestBody?: { content: { 'application/json': unknown } };
  responses: { default: { content: { 'application/json': unknown } } };
}
type CataloguePaths = Record<string, Record<'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace', CatalogueOperation>>;
type ArgocdClient = ReturnType<typeof createClient<CataloguePaths>>;

export interface BareUpstream extends Upstream {
  send(args: UpstreamSendArgs, sent?: { token?: string }): Promise<UpstreamAnswer>;
}

/**
 * Creates the upstream client for one Argo CD. It sends each request once: a 401 is answered by the authenticated
 * upstream (src/argocd/auth/authenticated-upstream.ts), which renews the token and explains a final refusal.
 */
export function createUpstream(options: UpstreamOptions): BareUpstream {
  let http: HttpFetch | undefined;
  // Made on first use: a gateway that never calls Argo CD (list-tools, a refused call) reads no CA file.
  const httpClient = () =>
    (http ??= createHttpClient({
      insecure: options.insecure,
      ca: options.caFile ? readFileSync(options.caFile, 'utf8') : undefined,
      cert: options.clientCertFile ? readFileSync(options.clientCertFile, 'utf8') : undefined,
      key: options.clientKeyFile ? readFileSync(options.clientKeyFile, 'utf8') : undefined,
      maxBodyBytes: options.maxResponseBytes,
    }));
  let client: ArgocdClient | undefined;
  const clientFor = () =>
    (client ??= createClient<CataloguePaths>({
      baseUrl: options.baseUrl,
      fetch: httpClient() as unknown as typeof fetch,
      Request: LiteRequest as unknown as typeof Request,
    }));

  return {
    baseUrl: options.baseUrl,
    async getJson(path, probe) {
      const timeoutMs = Math.min(probe?.timeoutMs ?? options.timeoutMs, options.timeoutMs);
      const headers: Record<string, string> = { ...options.headers, accept: 'application/json', 'user-agent': options.userAgent };
      const token = await options.token();
      if (token) headers.authorization = `Bearer ${token}`;
      try {
        const res = await httpClient()(`${options.baseUrl}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
        const text = await res.text();
        if (!res.ok) return { ok: false, text: `HTTP ${res.status} for ${path}` };
        try {
          return { ok: true, data: JSON.parse(text) };
        } catch {
          // Argo CD answered, with something else than JSON (the UI's index.html for a missing rootpath): not a
          // transport failure, and said in the `HTTP <status> for <path>` form callers branch on.
          const contentType = res.headers.get('content-type') ?? '';
          return { ok: false, text: `HTTP ${res.status} for ${path}: ${describeNotJson({ status: res.status, contentType, baseUrl: options.baseUrl, path })}` };
        }
      } catch (err) {
        return { ok: false, text: describeTransportError(err, options.baseUrl, timeoutMs) };
      }
    },
    send: (args, sent = {}) => sendOnce({ options, client: clientFor }, args, sent),
  };
}

const LOWER_METHOD = { GET: 'get', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete' } as const;

/** Sends once; `sent.token` records the token the request carried (a 401 renews only a token still current). */
async function sendOnce(
  { options, client }: { options: UpstreamOptions; client: () => ArgocdClient },
  { tool, request, signal, asText, user, streamWaitMs }: UpstreamSendArgs,
  sent: { token?: string },
): Promise<UpstreamAnswer> {
  const { method, stream } = tool.request;
  const headers: Record<string, string> = { ...options.headers, accept: 'application/json', 'user-agent': options.userAgent };
  const token = user ? user.token : await options.token();
  sent.token = token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (method !== 'GET') headers['content-type'] = 'application/json';

  // Streams stay open as long as the caller reads; only the wait for the response head is bounded here.
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const quietStream = stream !== undefined && streamWaitMs !== undefined;
  const headTimer = setTimeout(() => controller.abort(new DOMException(quietStream ? 'quiet' : 'timeout', 'TimeoutError')), quietStream ? streamWaitMs : options.timeoutMs);
  const cleanup = () => {
    clearTimeout(headTimer);
    signal?.removeEventListener('abort', onAbort);
  };

  let response: Response;
  let text: string | undefined;
  let errorBody: unknown;
  try {
    const result = await client().request(LOWER_METHOD[method], tool.request.path, {
      params: { path: request.path, query: request.query },
      ...(request.hasBody ? { body: request.body } : {}),
      headers,
      signal: controller.signal,
      parseAs: stream ? 'stream' : 'text',
    });
    response = result.response;
    if (!response.ok) {
      // openapi-fetch has read (and, when it could, parsed) an error body itself.
      errorBody = result.error;
      cleanup();
    } else if (!stream) {
      text = typeof result.data === 'string' ? result.data : '';
      cleanup();
    }
  } catch (err) {
    cleanup();
    if (signal?.aborted) return { kind: 'error', text: 'Cancelled by the client.' };
    const reason = controller.signal.reason as { name?: string; message?: string } | undefined;
    if (quietStream && reason?.message === 'quiet') {
      const seconds = Math.round(streamWaitMs / 100) / 10;
      return {
        kind: 'stream',
        status: 200,
        body: new ReadableStream({ start: (c) => c.close() }),
        close: () => undefined,
        note: `no event within ${seconds} s (waitSeconds): argocd-server sends a stream's first bytes with its first event, so nothing was sent in that time, or Argo CD did not answer at all`,
      };
    }
    const e = reason?.name === 'TimeoutError' ? reason : err;
    return { kind: 'error', text: describeTransportError(e, options.baseUrl, options.timeoutMs) };
  }

  if (stream && response.ok) {
    clearTimeout(headTimer);
    const close = () => {
      cleanup();
      controller.abort();
    };
    return { kind: 'stream', status: response.status, body: response.body ?? new ReadableStream(), close };
  }
  if (!response.ok) {
    return { kind: 'error', status: response.status, text: describeArgocdError({ status: response.status, statusText: response.statusText, body: errorBody, tool }) };
  }
  return answerOfText({ response, text: text ?? '', asText, baseUrl: options.baseUrl, path: tool.request.path });
}

/** A successful answer's text: the JSON answer (or its text, with `asText`), or why it is not Argo CD's JSON. */
function answerOfText({ response, text: raw, asText, baseUrl, path }: { response: Response; text: string; asText?: boolean; baseUrl: string; path: string }): UpstreamAnswer {
  const contentType = response.headers.get('content-type') ?? '';
  const status = response.status;
  const notJson = (): Extract<UpstreamAnswer, { kind: 'error' }> => ({ kind: 'error', status, text: describeNotJson({ status, contentType, baseUrl, path }) });
  // A login page or a proxy's error page, whatever it parses as.
  if (/text\/html/i.test(contentType)) return notJson();
  // JSON that does not parse was cut off; anything else is probably not argocd-server (a wrong rootpath).
  const unparsable = (): Extract<UpstreamAnswer, { kind: 'error' }> =>
    /json/i.test(contentType) && raw.trimStart().startsWith('{') ? { kind: 'error', status, text: describeBadJson({ status, bytes: Buffer.byteLength(raw), baseUrl, path }) } : notJson();
  if (asText) return { kind: 'text', status, text: raw, unparsable };
  const body = parseBody(raw);
  return body.ok ? { kind: 'json', status, data: body.value } : unparsable();
}
