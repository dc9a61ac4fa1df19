/** Reads a POST body as JSON, within the `maxBodyBytes` setting (413 past it, without reading the rest). */
import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: unknown } | { ok: false; status: 400 | 413; message: string; code: number };

/** The body parsed as JSON; a declared or actual size over `limit` bytes is refused as soon as it is known. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const tooLarge: BodyResult = { ok: false, status: 413, message: `Payload Too Large: the request body is over ${limit} bytes (maxBodyBytes)`, code: -32000 };
  if (Number(req.headers['content-length'] ?? 0) > limit) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return tooLarge;
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: the body is not JSON', code: -32700 };
  }
}
