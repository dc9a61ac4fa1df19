/** One structured logger, bound to stderr: in stdio mode stdout belongs to the MCP protocol. */
import pino from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from './config/load-config.ts';
import { SECRET_KEYS, REDACTED } from './runtime/redact.ts';

export type { Logger };

/**
 * A pino logger writing JSON lines to fd 2, asynchronously: under load, lines written while a write is in flight go
 * out together, instead of one blocking system call per line; what is buffered is flushed when the process exits. Secret fields are masked at the top level and one level down; what
 * goes deeper (tool arguments in audit and debug records) is masked by redactValue before it is logged, because
 * pino's wildcard redaction on every line costs more than the rest of a tool call's logging.
 */
export function createLogger(level: LogLevel = 'info'): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);
  return pino(
    { level, base: { name: 'argocd-mcp-gateway' }, redact: { paths, censor: REDACTED } },
    pino.destination({ fd: 2, sync: false }),
  );
}
