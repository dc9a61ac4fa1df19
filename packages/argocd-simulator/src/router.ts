/** Route table matching over raw (still percent-encoded) path segments, like grpc-gateway's pattern matcher. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from './auth.ts';
import type { SimContext } from './context.ts';
import type { QueryParams } from './http-io.ts';

/** What a handler receives. */
export interface RouteContext {
  sim: SimContext;
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters, percent-decoded, keyed by the swagger name (e.g. `id.value`). */
  params: Record<string, string>;
  query: QueryParams;
  /** The decoded body ({} or "" when the request had none). */
  body: unknown;
  /** The authenticated caller; undefined only on routes with auth "none"/"optional". */
  caller: Caller | undefined;
}

/** Returned by handlers that wrote the response themselves (streams). */
export const STREAMED = Symbol('streamed');

/** How a route treats credentials. */
export type AuthMode = 'required' | 'optional';

/** How the request body maps onto the gRPC request (grpc-gateway `body:` option). */
export type BodyMode = 'none' | 'object' | 'string' | 'raw';

/** One REST operation. */
export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The swagger path template, e.g. /api/v1/applications/{name}/sync. */
  path: string;
  operationId: string;
  auth?: AuthMode;
  body?: BodyMode;
  /** Go type named in body decoding errors. */
  bodyType?: string;
  handler(ctx: RouteContext): unknown;
}

interface CompiledRoute {
  def: RouteDef;
  segments: Array<{ literal: string } | { param: string }>;
  literalCount: number;
}

/** The outcome of matching a request path. */
export type RouteMatch =
  | { kind: 'found'; route: RouteDef; params: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

/** Decodes one path segment; malformed escapes are kept as they are. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A compiled set of routes. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  constructor(defs: RouteDef[]) {
    for (const def of defs) {
      const segments = def.path
        .split('/')
        .filter((s) => s !== '')
        .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s }));
      this.routes.push({ def, segments, literalCount: segments.filter((s) => 'literal' in s).length });
    }
    // Literal segments win over parameters (e.g. /applications/manifestsWithFiles vs /applications/{name}).
    this.routes.sort((a, b) => b.literalCount - a.literalCount);
  }

  /** Every route definition, in registration order of specificity. */
  list(): RouteDef[] {
    return this.routes.map((r) => r.def);
  }

  /** Matches a raw path: split on "/" first, then decode each segment. */
  match(method: string, rawPath: string): RouteMatch {
    // A trailing slash leaves an empty last segment that no pattern matches (404), as in grpc-gateway.
    const parts = rawPath.split('/').slice(1);
    let methodMismatch = false;
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i];
        const part = parts[i] ?? '';
        if ('literal' in seg) {
          if (seg.literal !== part) {
            ok = false;
            break;
          }
        } else {
          if (part === '') {
            ok = false;
            break;
          }
          params[seg.param] = decodeSegment(part);
        }
      }
      if (!ok) continue;
      if (route.def.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { kind: 'found', route: route.def, params };
    }
    return methodMismatch ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }
}
