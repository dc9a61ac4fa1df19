/**
 * Prometheus metrics (prom-client) for the HTTP service, at GET /metrics. Tool calls come from the gateway's audit
 * records (the sink is wrapped, the gateway is not touched); upstream latency and status codes from a thin wrapper
 * around the Argo CD client; sessions, rate limiting and HTTP requests from the transport.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditSink } from './audit.ts';
import type { Upstream } from '../argocd/upstream.ts';

export interface GatewayMetrics {
  readonly registry: Registry;
  /** An audit sink that counts each record, then passes it on. */
  wrapAudit(sink: AuditSink | undefined): AuditSink;
  /** An upstream that times each Argo CD request and counts its status code. */
  wrapUpstream(upstream: Upstream): Upstream;
  rateLimited(): void;
  /** The number of live MCP sessions, read at scrape time. */
  sessions(count: () => number): void;
  httpRequest(route: string, status: number): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What a tool call leaves behind: a count and a duration, both by outcome. */
interface ToolMeters {
  calls: Counter<'tool' | 'outcome'>;
  duration: Histogram<'outcome'>;
}

/** What an Argo CD request leaves behind: its latency by method and its status code. */
interface UpstreamMeters {
  duration: Histogram<'method'>;
  status: Counter<'code'>;
}

/** What the HTTP transport reports: refusals by the rate limit and requests by route and code. */
interface HttpMeters {
  rateLimited: Counter;
  requests: Counter<'route' | 'code'>;
}

function createToolMeters(registry: Registry): ToolMeters {
  return {
    calls: new Counter({
      name: 'argocd_mcp_tool_calls_total',
      help: 'Tool calls by tool and outcome (ok, error, refused, invalid).',
      labelNames: ['tool', 'outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'argocd_mcp_tool_call_duration_seconds',
      help: 'Tool call duration, from the call arriving at the gateway to its result, by outcome.',
      labelNames: ['outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

function createUpstreamMeters(registry: Registry): UpstreamMeters {
  return {
    duration: new Histogram({
      name: 'argocd_mcp_upstream_request_duration_seconds',
      help: 'Argo CD request latency (to the response head for streams), by HTTP method.',
      labelNames: ['method'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    status: new Counter({
      name: 'argocd_mcp_upstream_responses_total',
      help: 'Argo CD responses by status code; "none" when no response came (unreachable, timeout, reset).',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
  };
}

function createHttpMeters(registry: Registry): HttpMeters {
  return {
    rateLimited: new Counter({
      name: 'argocd_mcp_rate_limited_total',
      help: 'HTTP requests refused with 429 by the per-client rate limit.',
      registers: [registry],
    }),
    requests: new Counter({
      name: 'argocd_mcp_http_requests_total',
      help: 'HTTP requests by route and status code.',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
    }),
  };
}

/** A gauge that asks for the live session count only when scraped, so no one has to push it. */
function registerSessionGauge(registry: Registry, count: () => number): void {
  new Gauge({
    name: 'argocd_mcp_active_sessions',
    help: 'Live MCP sessions (Mcp-Session-Id) on this process.',
    registers: [registry],
    collect() {
      this.set(count());
    },
  });
}

function meterAudit(sink: AuditSink | undefined, meters: ToolMeters): AuditSink {
  return {
    write(record) {
      meters.calls.inc({ tool: record.tool, outcome: record.outcome });
      meters.duration.observe({ outcome: record.outcome }, record.ms / 1000);
      sink?.write(record);
    },
  };
}

function meterUpstream(upstream: Upstream, meters: UpstreamMeters): Upstream {
  return {
    baseUrl: upstream.baseUrl,
    getJson: (path, o) => upstream.getJson(path, o),
    async send(args) {
      const end = meters.duration.startTimer({ method: args.tool.request.method });
      const answer = await upstream.send(args);
      end();
      // A cancelled call never reached an answer from Argo CD: not counted as a status.
      if (!(answer.kind === 'error' && answer.status === undefined && args.signal?.aborted)) {
        meters.status.inc({ code: 'status' in answer && answer.status !== undefined ? String(answer.status) : 'none' });
      }
      return answer;
    },
  };
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'argocd_mcp_' });
  const toolMeters = createToolMeters(registry);
  const upstreamMeters = createUpstreamMeters(registry);
  const httpMeters = createHttpMeters(registry);
  let sessionCount: () => number = () => 0;
  registerSessionGauge(registry, () => sessionCount());

  return {
    registry,
    wrapAudit: (sink) => meterAudit(sink, toolMeters),
    wrapUpstream: (upstream) => meterUpstream(upstream, upstreamMeters),
    rateLimited: () => httpMeters.rateLimited.inc(),
    sessions(count) {
      sessionCount = count;
    },
    httpRequest: (route, status) => httpMeters.requests.inc({ route, code: String(status) }),
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
