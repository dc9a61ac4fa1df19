/**
 * The few HTTP calls token sources make themselves (session login, Argo CD settings, an OIDC token endpoint), with
 * the same TLS settings, timeout and extra headers as the upstream client. Failures become Error messages that say
 * what to fix and carry no secret: request bodies are never echoed, answers are redacted.
 */
import { readFileSync } from 'node:fs';
import { describeTransportError } from '../errors.ts';
import { createHttpClient } from '../http-client.ts';
import type { HttpFetch, LiteResponse } from '../http-client.ts';
import { redactText } from '../../redact.ts';

export interface AuthHttpOptions {
  insecure?: boolean;
  caFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  timeoutMs: number;
  /** Extra upstream headers (a proxy in front of Argo CD needs them on the login too). */
  headers?: Record<string, string>;
  userAgent: string;
}

export type AuthHttp = (args: {
  url: string;
  method: 'GET' | 'POST';
  json?: unknown;
  form?: Record<string, string>;
}) => Promise<{ status: number; body: unknown }>;

/** An HTTP caller bound to TLS settings (made on first use, with the gateway's HTTP client). */
export function createAuthHttp(options: AuthHttpOptions): AuthHttp {
  let http: HttpFetch | undefined;
  return async ({ url, method, json, form }) => {
    http ??= createHttpClient({
      insecure: options.insecure,
      ca: options.caFile ? readFileSync(options.caFile, 'utf8') : undefined,
      cert: options.clientCertFile ? readFileSync(options.clientCertFile, 'utf8') : undefined,
      key: options.clientKeyFile ? readFileSync(options.clientKeyFile, 'utf8') : undefined,
    });
    const headers: Record<string, string> = { ...options.headers, accept: 'application/json', 'user-agent': options.userAgent };
    let body: string | undefined;
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    let res: LiteResponse;
    let text: string;
    try {
      res = await http(url, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs) });
      text = await res.text();
    } catch (err) {
      throw new Error(describeTransportError(err, new URL(url).origin, options.timeoutMs).split('\n')[0]);
    }
    let parsed: unknown = text;
    try {
      parsed = text.trim() ? JSON.parse(text) : {};
    } catch {
      // not JSON: keep the text (a proxy's HTML page, say); callers describe it
    }
    return { status: res.status, body: parsed };
  };
}

/** "HTTP 401: Invalid username or password" from an error answer; Argo CD and OAuth error bodies both understood. */
export function answerSummary(status: number, body: unknown): string {
  let message = '';
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    message = String(b.message ?? b.error_description ?? b.error ?? '');
  } else if (typeof body === 'string') {
    message = /<html/i.test(body) ? 'an HTML page (a proxy or the wrong address?)' : body.slice(0, 200);
  }
  return redactText(`HTTP ${status}${message ? `: ${message.trim()}` : ''}`);
}
