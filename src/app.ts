/** Wires configuration into a running gateway: logger, allowlist, upstream client, MCP server, transport. */
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from './config/load-config.ts';
import { createLogger } from './log.ts';
import type { Logger } from './log.ts';
import { createMcpServer } from './mcp-server.ts';
import { packageVersion } from './package-root.ts';
import { compileAllowlist } from './runtime/allowlist.ts';
import { createAuditSink } from './runtime/audit.ts';
import { createGateway } from './runtime/gateway.ts';
import type { Gateway } from './runtime/gateway.ts';
import { registerSecret } from './runtime/redact.ts';
import { createUpstream } from './runtime/upstream.ts';
import { serveHttp } from './transports/http.ts';
import type { HttpHandle } from './transports/http.ts';
import { serveStdio } from './transports/stdio.ts';

export interface GatewayParts {
  gateway: Gateway;
  logger: Logger;
  version: string;
}

/** The token source: a token file is re-read when it changes (mounted Kubernetes secrets rotate). */
function tokenProvider(config: GatewayConfig): () => string | undefined {
  if (!config.tokenFile) return () => config.token;
  const file = config.tokenFile;
  let current = config.token;
  let checked = Date.now();
  return () => {
    if (Date.now() - checked > 5_000) {
      checked = Date.now();
      try {
        const next = readFileSync(file, 'utf8').trim();
        if (next && next !== current) {
          current = next;
          registerSecret(next);
        }
      } catch {
        // Keep the last good token; the next read may succeed (secret volumes are swapped atomically).
      }
    }
    return current;
  };
}

/** Builds the transport-independent gateway from a validated configuration. */
export function buildGateway(config: GatewayConfig, logger = createLogger(config.logLevel)): GatewayParts {
  registerSecret(config.token);
  const version = packageVersion();
  const allowlist = compileAllowlist(config.allowlist);
  const upstream = config.argocdUrl
    ? createUpstream({
        baseUrl: config.argocdUrl,
        token: tokenProvider(config),
        insecure: config.insecure,
        caFile: config.caFile,
        timeoutMs: config.timeoutMs,
        userAgent: `argocd-mcp-gateway/${version}`,
      })
    : undefined;
  const gateway = createGateway({
    allowlist,
    upstream,
    logger,
    toolsets: config.toolsets,
    maxResultTokens: config.maxResultTokens,
    rawResults: config.rawResults,
    adaptToServer: config.adaptToServer,
    audit: createAuditSink({ file: config.auditFile, logger }),
    scope: config.scope,
    confirm: config.confirm,
  });
  return { gateway, logger, version };
}

/** Start-up notes an operator should see on stderr. */
export function announce(config: GatewayConfig, logger: Logger): void {
  if (config.allowlist.source === 'default') {
    logger.warn('no allowlist configured: the gateway is read-only (only GET tools); write an allowlist file with readOnly: false to allow writes');
  }
  if (config.insecure) logger.warn('TLS verification of Argo CD is off (insecure: true); use caFile for a private CA instead');
}

/** Serves MCP over the configured transport until the process is told to stop. */
export async function serve(config: GatewayConfig): Promise<void> {
  const parts = buildGateway(config);
  const { gateway, logger, version } = parts;
  announce(config, logger);
  if (config.transport === 'stdio') {
    logger.info({ argocd: config.argocdUrl, transport: 'stdio' }, 'serving MCP over stdio');
    await serveStdio(createMcpServer(gateway, version, config.mode));
    return;
  }
  const handle: HttpHandle = await serveHttp({
    host: config.host,
    port: config.port,
    createServer: () => createMcpServer(gateway, version, config.mode),
    logger,
  });
  logger.info({ argocd: config.argocdUrl, url: handle.url }, 'serving MCP over Streamable HTTP');
  await new Promise<void>((resolve) => {
    const stop = () => {
      logger.info('shutting down');
      handle.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
