/** Shared helpers for simulator tests: JSON calls and NDJSON stream reading over real HTTP. */
import type { Simulator } from 'argocd-simulator';

/** A JSON-ish answer. */
export interface Answer<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** Calls the simulator with the admin token (unless headers override it) and parses JSON when possible. */
export async function call<T = any>(sim: Simulator, path: string, init: RequestInit & { token?: string | null; json?: unknown } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? sim.tokens.admin : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`${sim.url}${path}`, { ...init, body, headers: { ...headers, ...((init.headers ?? {}) as Record<string, string>) } });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text answers stay strings
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** Reads NDJSON (or SSE `data:`) messages from a streaming answer until `until` says stop or the timeout hits. */
export async function readMessages(res: Response, until: (messages: any[]) => boolean, timeoutMs = 5000): Promise<any[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const messages: any[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(messages)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms with ${messages.length} messages`);
      const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms with ${messages.length} messages`)), remaining))]);
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let idx: number;
      while ((idx = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, idx).trim();
        buffer = buffer.slice(idx + 1);
        if (!line) continue;
        messages.push(JSON.parse(line.startsWith('data: ') ? line.slice(6) : line));
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return messages;
}

/** Polls fn until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 5000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
