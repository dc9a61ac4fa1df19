/** The HTTP front: root path, content-type enforcement, routing, body decoding, auth, error mapping, request recording. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, authenticateOptional, type Caller } from './auth.ts';
import type { SimContext } from './context.ts';
import { ApiError, Code, errors, RawHttpError } from './errors.ts';
import { QueryParams, readBody, sendApiError, sendJson, sendText } from './http-io.ts';
import { type BodyMode, type RouteContext, type Router, STREAMED } from './router.ts';
import type { RecordedRequest } from './types.ts';

/** Everything the request handler needs. */
export interface ServerDeps {
  sim: SimContext;
  router: Router;
  requests: RecordedRequest[];
  /** Normalized root path ("" or "/argocd"). */
  rootPath: string;
  swaggerJson: string;
}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    let value = Array.isArray(v) ? v.join(', ') : v;
    if (k === 'authorization') value = 'Bearer <redacted>';
    if (k === 'cookie') value = value.replace(/(argocd\.token=)[^;]*/g, '$1<redacted>');
    out[k.toLowerCase()] = value;
  }
  return out;
}

/** Go's encoding/json wording for a body that does not parse (approximated from V8's message). */
function jsonSyntaxError(text: string, err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : '';
  if (/end of JSON|Unterminated/i.test(msg)) return errors.invalid('unexpected EOF');
  const after = /after JSON at position (\d+)/.exec(msg);
  if (after) return errors.invalid(`invalid character '${text[Number(after[1])] ?? ''}' after top-level value`);
  const token = /Unexpected token '?(.)'?/.exec(msg);
  if (token) return errors.invalid(`invalid character '${token[1]}' looking for beginning of value`);
  return errors.invalid('unexpected EOF');
}

function decodeBody(mode: BodyMode, raw: string): unknown {
  if (mode === 'none') return undefined;
  if (mode === 'raw') return raw;
  // grpc-gateway treats an empty body (io.EOF) as an empty message.
  if (raw.trim() === '') return mode === 'string' ? '' : {};
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw jsonSyntaxError(raw, e);
  }
}

/** argocd-server compares the whole Content-Type header (lower-cased) with "application/json". */
function isAllowedContentType(value: string | undefined): boolean {
  return (value ?? '').toLowerCase() === 'application/json';
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  const method = (req.method ?? 'GET').toUpperCase();
  const body = await readBody(req);
  deps.requests.push({ method, path: rawPath, query: rawQuery, headers: recordHeaders(req), body });

  let path = rawPath;
  if (deps.rootPath) {
    if (!path.startsWith(`${deps.rootPath}/`)) throw new RawHttpError(404, '404 page not found');
    path = path.slice(deps.rootPath.length);
  }
  if (path === '/swagger.json' && (method === 'GET' || method === 'HEAD')) {
    sendJson(res, 200, deps.swaggerJson);
    return;
  }
  if (path === '/healthz') {
    sendText(res, 200, 'ok');
    return;
  }
  if (!path.startsWith('/api/')) throw new RawHttpError(404, '404 page not found');
  if (method !== 'GET' && !isAllowedContentType(req.headers['content-type'])) throw new RawHttpError(415, 'Invalid content type');

  const match = deps.router.match(method, path);
  if (match.kind === 'not-found') throw new RawHttpError(404, 'Not Found');
  if (match.kind === 'method-not-allowed') throw new RawHttpError(405, 'Method Not Allowed');
  const route = match.route;
  const decoded = decodeBody(route.body ?? 'none', body);
  const caller: Caller | undefined = route.auth === 'optional' ? authenticateOptional(deps.sim.issuer, req.headers) : authenticate(deps.sim.issuer, req.headers);
  const ctx: RouteContext = { sim: deps.sim, req, res, params: match.params, query: new QueryParams(rawQuery), body: decoded, caller };
  const result = await route.handler(ctx);
  if (result === STREAMED) return;
  sendJson(res, 200, result ?? {});
}

/** The node:http request listener. */
export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      if (err instanceof RawHttpError) sendText(res, err.status, err.text);
      else if (err instanceof ApiError) sendApiError(res, err);
      else sendApiError(res, new ApiError(Code.Unknown, err instanceof Error ? err.message : String(err)));
    });
  };
}
