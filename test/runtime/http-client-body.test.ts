import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiteResponse, createHttpClient } from '../../src/argocd/http-client.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A server on 127.0.0.1 that writes the given pieces one by one, each flushed before the next. */
async function serveInPieces(pieces: Buffer[]): Promise<string> {
  server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (const piece of pieces) await new Promise<void>((r) => res.write(piece, () => r()));
    res.end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('upstream HTTP client: reading a body', () => {
  it('decodes a character whose UTF-8 bytes arrive in two chunks', async () => {
    const body = Buffer.from('{"name":"café-名前"}');
    const at = body.indexOf(Buffer.from('名')) + 1;
    // The chunks as the socket gives them (a server's writes may be coalesced on loopback, so none is used here).
    const message = { statusCode: 200, statusMessage: 'OK', headers: {} } as IncomingMessage;
    const res = new LiteResponse(message, Readable.from([body.subarray(0, at), body.subarray(at)]), 'http://127.0.0.1/');
    expect(await res.json()).toEqual({ name: 'café-名前' });
  });

  it('still abandons an answer past maxBodyBytes as it passes the limit', async () => {
    const base = await serveInPieces([Buffer.from(`["${'x'.repeat(600)}`), Buffer.from(`${'y'.repeat(600)}"]`)]);
    const res = await createHttpClient({ maxBodyBytes: 1000 })(`${base}/`);
    await expect(res.text()).rejects.toMatchObject({ cause: { code: 'ERR_RESPONSE_TOO_LARGE' } });
  });
});
