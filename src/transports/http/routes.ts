/** The paths the HTTP transport serves, and the request id every answer carries. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isMetadataPath } from './inbound-auth/metadata.ts';

export type Route = 'mcp' | 'healthz' | 'readyz' | 'metrics' | 'oauth-metadata' | 'oauth-callback' | 'oauth-revoke' | 'other';

/** The routes the operations port (`metricsPort`) serves; everything else is for the MCP port. */
export const OPERATIONS_ROUTES: ReadonlySet<Route> = new Set<Route>(['metrics', 'healthz', 'readyz']);

const FIXED: Record<string, Route> = {
  '/mcp': 'mcp',
  '/healthz': 'healthz',
  '/readyz': 'readyz',
  '/metrics': 'metrics',
  '/oauth/callback': 'oauth-callback',
  '/oauth/revoke': 'oauth-revoke',
};

/** The route of a path; the OAuth metadata paths depend on the resource's own path (RFC 9728 §3.1). */
export function routeOf(pathname: string, resource: string | undefined): Route {
  const fixed = Object.hasOwn(FIXED, pathname) ? FIXED[pathname] : undefined;
  if (fixed) return fixed;
  if (pathname.startsWith('/.well-known/oauth-protected-resource') && isMetadataPath(pathname, resource ?? 'http://localhost/mcp')) return 'oauth-metadata';
  return 'other';
}

/** A request id from the caller (a proxy's X-Request-Id) when it is sane, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}
