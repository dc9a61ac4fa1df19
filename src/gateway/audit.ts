/**
 * Audit records: one JSON line per tool call (who, tool, operation, target, Argo CD status, outcome, duration,
 * arguments with secrets redacted), to a JSON-lines file or to stderr through the logger.
 */
import { appendFileSync } from 'node:fs';
import type { Logger } from '../log.ts';
import { redactValue } from '../redact.ts';

export interface AuditRecord {
  time: string;
  /** The MCP client or authenticated subject, when known. */
  who?: string;
  tool: string;
  operation: string;
  method: string;
  /** The object acted on, e.g. `applications/payments-api`. */
  target?: string;
  status?: number;
  outcome: 'ok' | 'error' | 'refused' | 'invalid';
  ms: number;
  args: unknown;
  requestId?: string;
}

export interface AuditSink {
  write(record: AuditRecord): void;
}

/** Where audit records go: a file (JSON lines, appended synchronously so nothing is lost on a crash) or the logger. */
export function createAuditSink(options: { file?: string; logger: Logger; writesOnly?: boolean }): AuditSink {
  return {
    write(record) {
      if (options.writesOnly && record.method === 'GET') return;
      const safe = { ...record, args: redactValue(record.args) };
      if (options.file) appendFileSync(options.file, `${JSON.stringify(safe)}\n`);
      else options.logger.info({ audit: safe }, 'audit');
    },
  };
}

/** `applications/payments-api` from a tool's path and arguments: the first named object in the path. */
export function auditTarget(path: string, pathValues: Record<string, string>): string | undefined {
  const m = /^\/api\/v1\/([a-z-]+)\/\{([^}]+)\}/.exec(path);
  if (!m) return undefined;
  const value = pathValues[m[2]];
  return value === undefined ? undefined : `${m[1]}/${value}`;
}
