/**
 * DNS-rebinding and cross-origin guard for the MCP endpoint (MCP transports spec: servers MUST validate Origin).
 * Bound to loopback: Host and any Origin must name a loopback address (or a configured host/origin). Bound to
 * another address: Host must be one of `allowedHosts` when that is set, and a browser's Origin must be one of
 * `allowedOrigins`, or else the same origin as the Host it talks to.
 */
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../../config/http-settings.ts';

export interface OriginGuardOptions {
  bindHost: string;
  allowedHosts: string[];
  allowedOrigins: string[];
}

/** `Host: 127.0.0.1:3000` → `127.0.0.1`; `[::1]:3000` → `[::1]`. */
function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

const loopback = (hostname: string) => isLoopbackHost(hostname) || isLoopbackHost(hostname.replace(/^\[|\]$/g, ''));

/** Returns why the request is refused, or undefined when it may proceed. */
export function createOriginGuard(options: OriginGuardOptions): (req: IncomingMessage) => string | undefined {
  const loopbackBind = isLoopbackHost(options.bindHost);
  const hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const origins = new Set(options.allowedOrigins);
  const hostAllowed = (host: string) => hosts.has(host.toLowerCase()) || hosts.has(hostnameOf(host));

  return (req) => {
    const host = req.headers.host ?? '';
    if (hosts.size) {
      if (!hostAllowed(host) && !(loopbackBind && loopback(hostnameOf(host)))) return `Host "${host}" is not in allowedHosts`;
    } else if (loopbackBind && !loopback(hostnameOf(host))) {
      return `Host "${host}" is not a loopback address (DNS rebinding protection); set allowedHosts to serve other names`;
    }
    const origin = req.headers.origin;
    if (!origin) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return `Origin "${origin}" is not a valid origin`;
    }
    if (origins.has(parsed.origin)) return undefined;
    if (loopbackBind) return loopback(parsed.hostname) ? undefined : `Origin "${origin}" is not allowed; add it to allowedOrigins`;
    if (!origins.size && parsed.host.toLowerCase() === host.toLowerCase()) return undefined;
    return `Origin "${origin}" is not allowed; add it to allowedOrigins`;
  };
}
