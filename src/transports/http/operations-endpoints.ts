/**
 * The endpoints for operators, not for MCP clients: `/healthz` (alive), `/readyz` (Argo CD reachable and the token
 * accepted; 503 while draining), `/metrics` (Prometheus). With `metricsPort` they are served on a port of their own
 * (see ./server.ts), so the MCP port and an Ingress in front of it never publish them.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, sendText } from './replies.ts';
import type { TransportContext } from './transport-context.ts';

export function serveHealthz(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

export async function serveReadyz(ctx: TransportContext, res: ServerResponse): Promise<void> {
  if (ctx.isDraining()) {
    sendJson(res, 503, { ready: false, reason: 'shutting down' });
    return;
  }
  const { readiness, redisHealth } = ctx.options;
  if (!readiness) {
    sendJson(res, 200, { ready: true });
    return;
  }
  const state = await readiness.check();
  // Redis away is a degraded service, not an unready one: every replica shares it, and failing them all would
  // turn an outage of the shared store into an outage of the gateway.
  const redis = redisHealth?.state();
  sendJson(res, state.ready ? 200 : 503, redis ? { ...state, redis: redis.ok ? 'ok' : redis.reason, ...(redis.ok ? {} : { degraded: true }) } : state);
}

export async function serveMetrics(ctx: TransportContext, res: ServerResponse): Promise<void> {
  const { metrics } = ctx.options;
  if (!metrics) {
    sendText(res, 404, 'metrics are not enabled');
    return;
  }
  const { contentType, body } = await metrics.scrape();
  res.writeHead(200, { 'content-type': contentType }).end(body);
}
