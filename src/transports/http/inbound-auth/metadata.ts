/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint, as the MCP authorization spec requires:
 * served at `/.well-known/oauth-protected-resource/mcp` (the path-suffixed form, §3.1) and at
 * `/.well-known/oauth-protected-resource`, and named in every 401's `WWW-Authenticate`.
 */
import { SCOPES_SUPPORTED } from '../../../credentials/scopes.ts';

export const PRM_PATH = '/.well-known/oauth-protected-resource';

/** The resource identifier: the configured public URL of /mcp, or the one the (validated) Host header names. */
export function resourceUrl(publicUrl: string | undefined, hostHeader: string | undefined, fallbackHost: string): string {
  if (publicUrl) return publicUrl;
  return `http://${hostHeader || fallbackHost}/mcp`;
}

/** `https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`. */
export function metadataUrlFor(resource: string): string {
  const u = new URL(resource);
  return `${u.origin}${PRM_PATH}${u.pathname === '/' ? '' : u.pathname}`;
}

/** True for the paths the metadata is served at, given the resource's own path. */
export function isMetadataPath(pathname: string, resource: string): boolean {
  const own = new URL(resource).pathname;
  return pathname === PRM_PATH || pathname === `${PRM_PATH}${own}` || pathname === `${PRM_PATH}/mcp`;
}

export function protectedResourceMetadata(resource: string, issuer: string): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [issuer],
    scopes_supported: SCOPES_SUPPORTED,
    bearer_methods_supported: ['header'],
    resource_name: 'Argo CD MCP gateway',
  };
}
