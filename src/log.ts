/** One structured logger, bound to stderr: in stdio mode stdout belongs to the MCP protocol. */
import pino from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from './config/load-config.ts';
import { SECRET_KEYS, REDACTED } from './runtime/redact.ts';

export type { Logger };

/** A pino logger writing JSON lines to fd 2, with secret fields masked wherever they sit. */
export function createLogger(level: LogLevel = 'info'): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `args.*.${k}`]);
  return pino(
    { level, base: { name: 'argocd-mcp-gateway' }, redact: { paths, censor: REDACTED } },
    pino.destination({ fd: 2, sync: true }),
  );
}
