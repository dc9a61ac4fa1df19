/**
 * Recent tool calls for the console's Activity screen: a ring buffer fed by the gateway's audit hook (one record
 * per call) and completed with the size of the result the agent got. Arguments are redacted before they are kept.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuditRecord, AuditSink } from '../gateway/audit.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { redactValue } from '../redact.ts';

export interface ActivityEntry {
  id: number;
  time: string;
  who?: string;
  tool: string;
  operation?: string;
  method?: string;
  target?: string;
  /** Argo CD's HTTP status, when the call reached it. */
  status?: number;
  outcome: AuditRecord['outcome'] | 'running';
  ms?: number;
  /** Bytes of the result's text content, as the agent receives it. */
  resultBytes?: number;
  args?: unknown;
  /** The first line of an error result. */
  message?: string;
}

export interface ActivityLog {
  /** The audit sink to give the gateway. */
  sink: AuditSink;
  /** Wraps a gateway so results are measured and matched to their audit record. */
  observe(gateway: Gateway): Gateway;
  /** Newest last. */
  recent(): ActivityEntry[];
  /** Called with each new or completed entry; returns the unsubscribe function. */
  subscribe(listener: (entry: ActivityEntry) => void): () => void;
}

/** A ring buffer of the last `capacity` calls. */
export function createActivityLog(capacity = 200): ActivityLog {
  const entries: ActivityEntry[] = [];
  const listeners = new Set<(entry: ActivityEntry) => void>();
  // The audit record is written inside callTool; this carries the call's entry to it without touching the core.
  const current = new AsyncLocalStorage<ActivityEntry>();
  let nextId = 1;

  const emit = (entry: ActivityEntry) => {
    for (const l of listeners) l(entry);
  };
  const push = (entry: ActivityEntry) => {
    entries.push(entry);
    if (entries.length > capacity) entries.splice(0, entries.length - capacity);
    emit(entry);
  };

  const sink: AuditSink = {
    write(record) {
      const entry = current.getStore();
      const fields = {
        time: record.time,
        who: record.who,
        tool: record.tool,
        operation: record.operation,
        method: record.method,
        target: record.target,
        status: record.status,
        outcome: record.outcome,
        ms: record.ms,
        args: redactValue(record.args),
      };
      if (entry) Object.assign(entry, fields);
      else push({ id: nextId++, ...fields });
    },
  };

  return {
    sink,
    recent: () => [...entries],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    observe(gateway) {
      return {
        ...gateway,
        async callTool(name, args, ctx) {
          const started = Date.now();
          const entry: ActivityEntry = { id: nextId++, time: new Date(started).toISOString(), tool: name, outcome: 'running', who: ctx?.who };
          push(entry);
          let result: CallToolResult;
          try {
            result = await current.run(entry, () => gateway.callTool(name, args, ctx));
          } catch (err) {
            Object.assign(entry, { outcome: 'error', ms: Date.now() - started, message: (err as Error).message });
            emit(entry);
            throw err;
          }
          const text = result.content.map((c) => (c.type === 'text' ? c.text : JSON.stringify(c))).join('\n');
          entry.resultBytes = Buffer.byteLength(text);
          entry.ms ??= Date.now() - started;
          // Calls refused before the audit hook (unknown tool, bad argument shape) still show what happened.
          if (entry.outcome === 'running') entry.outcome = result.isError ? 'error' : 'ok';
          if (result.isError) entry.message = text.split('\n')[0].slice(0, 300);
          emit(entry);
          return result;
        },
      };
    },
  };
}
