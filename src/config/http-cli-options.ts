/** The HTTP service's flags (each has an ARGOCD_MCP_* twin; README's settings table lists them). */
import type { Command } from 'commander';

export function withHttpOptions(cmd: Command): Command {
  return cmd
    .option('--stateless', 'no sessions: every request is served on its own, by any replica (env ARGOCD_MCP_STATELESS)')
    .option('--session-idle-timeout <duration>', 'close sessions idle this long: 30m, 900s (env ARGOCD_MCP_SESSION_IDLE_TIMEOUT; default 30m)')
    .option('--max-body-bytes <size>', 'largest request body: 1048576, 512k, 4m (env ARGOCD_MCP_MAX_BODY_BYTES; default 4m)')
    .option('--allowed-hosts <hosts>', 'Host header values to accept, comma-separated (env ARGOCD_MCP_ALLOWED_HOSTS)')
    .option('--allowed-origins <origins>', 'browser origins to accept, comma-separated, e.g. https://chat.example.com (env ARGOCD_MCP_ALLOWED_ORIGINS)')
    .option('--allow-unauthenticated', 'serve a non-loopback address without inbound auth (env ARGOCD_MCP_ALLOW_UNAUTHENTICATED)')
    .option('--rate-limit <rate>', 'requests per client: 10/s, 600/m, or off (env ARGOCD_MCP_RATE_LIMIT; default 20/s)')
    .option('--rate-limit-burst <n>', 'requests a client may make at once (env ARGOCD_MCP_RATE_LIMIT_BURST; default 100)')
    .option('--metrics-port <port>', 'serve /metrics, /healthz and /readyz on this port only, apart from MCP (env ARGOCD_MCP_METRICS_PORT)')
    .option('--max-sessions <n>', 'open sessions the gateway holds at most (env ARGOCD_MCP_MAX_SESSIONS; default 1000)')
    .option('--max-sessions-per-client <n>', 'open sessions one authenticated client may hold (env ARGOCD_MCP_MAX_SESSIONS_PER_CLIENT; default 100)')
    .option('--shutdown-timeout <duration>', 'on SIGTERM, how long in-flight calls may finish (env ARGOCD_MCP_SHUTDOWN_TIMEOUT; default 20s)')
    .option('--redis <url>', 'Redis for rate limits and resumable streams shared by replicas: redis://host:6379/0 (env ARGOCD_MCP_REDIS)')
    .option('--public-url <url>', 'the URL clients use for /mcp, e.g. https://mcp.example.com/mcp (env ARGOCD_MCP_PUBLIC_URL)')
    .option('--auth-issuer <url>', 'accept OAuth/OIDC JWT access tokens from this issuer (env ARGOCD_MCP_AUTH_ISSUER)')
    .option('--auth-audience <aud>', 'the audience tokens must carry (env ARGOCD_MCP_AUTH_AUDIENCE; default the public URL)')
    .option('--auth-jwks-uri <url>', "the issuer's JWKS (env ARGOCD_MCP_AUTH_JWKS_URI; default discovered)")
    .option('--api-keys-file <file>', 'accept the API keys whose sha256 hashes this file lists (env ARGOCD_MCP_API_KEYS_FILE)')
    .option('--worker-threads <n>', 'threads that parse and shape large Argo CD answers, 0 for none (env ARGOCD_MCP_WORKER_THREADS; default 1 with 2+ cores)');
}
