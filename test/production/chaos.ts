/**
 * A misbehaving Argo CD for fault tests: a proxy on 127.0.0.1 in front of the simulator that, per mode, passes
 * requests through, never answers, resets the connection, answers 500 or HTML, stalls a stream after its first
 * line, or refuses the token (401, as for an expired one).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChaosMode = 'pass' | 'hang' | 'reset' | 'error-500' | 'html' | 'stall-stream' | 'expired-token';

export interface Chaos {
  url: string;
  mode: ChaosMode;
  close(): Promise<void>;
}

export async function startChaos(target: string): Promise<Chaos> {
  const upstream = new URL(target);
  const state: { mode: ChaosMode } = { mode: 'pass' };
  const server = createServer((req, res) => {
    switch (state.mode) {
      case 'hang':
        return; // never answers; the gateway's timeout must
      case 'reset':
        req.socket.destroy();
        return;
      case 'error-500':
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'boom', code: 2, message: 'internal error' }));
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in with your corporate SSO</body></html>');
        return;
      case 'expired-token':
        res.writeHead(401, { 'content-type': 'application/json' }).end(
          JSON.stringify({ error: 'invalid session: token has invalid claims: token is expired', code: 16, message: 'invalid session: token has invalid claims: token is expired' }),
        );
        return;
      case 'stall-stream':
        if (req.url?.includes('/stream/')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(`${JSON.stringify({ result: { type: 'ADDED', application: { metadata: { name: 'stalled-app' } } } })}\n`);
          return; // and then nothing, with the connection open
        }
        break;
      default:
        break;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: ChaosMode) {
      state.mode = m;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
