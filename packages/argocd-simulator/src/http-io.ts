/** Small HTTP helpers over node:http: query parsing, body reading, JSON answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errorBody, errors } from './errors.ts';

/** Decodes a query component like Go's url.QueryUnescape (`+` is a space). */
function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Repeated-key query parameters, parsed from the raw query string. */
export class QueryParams {
  private readonly values = new Map<string, string[]>();

  constructor(raw: string) {
    for (const part of raw.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
      const list = this.values.get(key) ?? [];
      list.push(value);
      this.values.set(key, list);
    }
  }

  /** The first value, or undefined. */
  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  /** The first non-empty value, or "". */
  str(name: string): string {
    return this.values.get(name)?.[0] ?? '';
  }

  /** Every value of a repeated parameter (comma-separated values are not split, as in grpc-gateway). */
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The parameters whose name passes `keep` (the others as if never sent). */
  only(keep: (name: string) => boolean): QueryParams {
    const kept = new QueryParams('');
    for (const [k, v] of this.values) if (keep(k)) kept.values.set(k, v);
    return kept;
  }

  /** A boolean parameter; a malformed value is a 400 like grpc-gateway's. */
  bool(name: string): boolean | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const t = v.trim();
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(t)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(t)) return false;
    throw errors.invalid(`type mismatch, parameter: ${name}, error: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }

  /** An int64 parameter; a malformed value is a 400 like grpc-gateway's. */
  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!/^[+-]?\d+$/.test(v.trim())) {
      throw errors.invalid(`type mismatch, parameter: ${name}, error: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    }
    return Number.parseInt(v, 10);
  }
}

/** Reads the whole request body as UTF-8 (capped to keep bad clients from exhausting memory). */
export function readBody(req: IncomingMessage, limit = 32 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ApiError(8, `grpc: received message larger than max (${size} vs. ${limit})`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A JSON answer already serialized in parts (the list of a large fleet): written part by part, so a 200 MB list is
 * never copied into one string and one buffer.
 */
export class JsonParts {
  constructor(readonly parts: string[]) {}
}

/** Writes a JSON answer (already-serialized strings and parts are sent as they are). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  if (body instanceof JsonParts) {
    const length = body.parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': length, 'Grpc-Metadata-Content-Type': 'application/grpc' });
    for (const part of body.parts) res.write(part);
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Grpc-Metadata-Content-Type': 'application/grpc',
  });
  res.end(text);
}

/** Writes a plain-text answer as Go's http.Error does (with a trailing newline). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = `${text}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Writes a gRPC-shaped error. */
export function sendApiError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.httpStatus, errorBody(err));
}
