/**
 * What the gateway has to tell about the Argo CD it is connected to (the version it found and the tools that hides,
 * or that the version could not be read), for whoever listens: the MCP sessions pass them on to their clients as
 * log messages (src/mcp/logging.ts). The latest few are kept, so that a session that starts later hears them too.
 */

/** MCP's logging levels (RFC 5424 severities), the ones the gateway uses. */
export type NoticeLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

export interface Notice {
  level: NoticeLevel;
  message: string;
  data?: Record<string, unknown>;
}

export interface NoticeBoard {
  publish(notice: Notice): void;
  /** Calls `listener` with each new notice; returns the unsubscribe function. */
  subscribe(listener: (notice: Notice) => void): () => void;
  /** The latest notices, oldest first. */
  recent(): Notice[];
}

export function createNoticeBoard(keep = 10): NoticeBoard {
  const recent: Notice[] = [];
  const listeners = new Set<(notice: Notice) => void>();
  return {
    publish(notice) {
      recent.push(notice);
      if (recent.length > keep) recent.shift();
      for (const listener of listeners) listener(notice);
    },
    recent: () => [...recent],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
