/** One structured logger, bound to stderr: in stdio mode stdout belongs to the MCP protocol. */
import pino from 'pino';
import type { LevelWithSilent, Logger } from 'pino';
import { REDACTED, isSecretKey } from './redact.ts';

export type { Logger };

/**
 * A pino logger writing JSON lines to fd 2, asynchronously: under load, lines written while a write is in flight go
 * out together, instead of one blocking system call per line; what is buffered is flushed when the process exits.
 * Secret fields are masked at the top level and one level down (maskSecrets); what goes deeper (tool arguments in
 * audit and debug records) is masked by redactValue before it is logged.
 */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino(
    { level, base: { name: 'argocd-mcp-gateway' }, formatters: { log: maskSecrets, bindings: maskSecrets } },
    pino.destination({ fd: 2, sync: false }),
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object with its secret fields masked, itself when it has none (the caller's object is never changed). */
function maskLevel(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    const value = obj[key];
    let masked = value;
    if (isSecretKey(key)) {
      if (value !== undefined) masked = REDACTED;
    } else if (depth > 0 && isRecord(value)) {
      masked = maskLevel(value, depth - 1);
    }
    if (masked === value) continue;
    // An Error keeps what pino's serializer shows of it (its message and stack are not own enumerable fields).
    out ??= obj instanceof Error ? { type: obj.name, ...obj, message: obj.message, stack: obj.stack } : { ...obj };
    out[key] = masked;
  }
  return out ?? obj;
}

/**
 * The fields of a log line (and a child logger's bindings) with secrets masked, at the top level and one level down
 * (`{ password }`, `{ headers: { authorization } }`): one pass over the keys, a copy only when something is masked.
 */
export function maskSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  return maskLevel(obj, 1);
}
