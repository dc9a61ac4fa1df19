/**
 * The entry point of `serve`: MCP over the configured transport until the process is told to stop. Over stdio it
 * builds one gateway (app.ts); over HTTP the service wires its own gateways (src/compose/http-service.ts), loaded only then.
 */
import { announce, buildGateway } from './compose/build-gateway.ts';
import type { GatewayConfig } from './config/load-config.ts';
import { createMcpServer } from './mcp/server.ts';
import type { EarlyStdio } from './transports/early-stdio.ts';
import { serveStdio } from './transports/stdio.ts';

/** Serves MCP over the configured transport until the process is told to stop. */
export async function serve(config: GatewayConfig, early?: EarlyStdio): Promise<void> {
  if (config.transport === 'http') {
    // The HTTP service (sessions, auth, rate limit, metrics, graceful stop) wires its own gateways: src/compose/http-service.ts.
    const { runHttpService } = await import('./compose/http-service.ts');
    await runHttpService(config);
    return;
  }
  const parts = buildGateway(config);
  const { gateway, logger, version } = parts;
  announce(config, logger);
  if (config.transport === 'stdio') {
    logger.info({ argocd: config.argocdUrl, transport: 'stdio' }, 'serving MCP over stdio');
    await serveStdio(createMcpServer(gateway, version, config.mode), early);
    return;
  }
}
