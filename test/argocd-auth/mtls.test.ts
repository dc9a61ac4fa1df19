/**
 * Mutual TLS to Argo CD: the gateway presents a client certificate (`clientCertFile`/`clientKeyFile`, the argocd
 * CLI's --client-crt/--client-crt-key) to an https front of the simulator on 127.0.0.1 that requires one.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/compose/build-gateway.ts';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/log.ts';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';

const TLS = path.join(import.meta.dirname, '../fixtures/tls');
const file = (name: string) => path.join(TLS, name);

let sim: Simulator;
let front: https.Server;
let frontUrl: string;
const presented: Array<string | undefined> = [];

beforeAll(async () => {
  sim = await startSimulator();
  const target = new URL(sim.url);
  // An https front that accepts only clients with a certificate from the test client CA, and forwards to the simulator.
  front = https.createServer(
    { key: readFileSync(file('server.key')), cert: readFileSync(file('server.crt')), ca: readFileSync(file('client-ca.crt')), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const cn = (req.socket as import('node:tls').TLSSocket).getPeerCertificate()?.subject?.CN;
      presented.push(Array.isArray(cn) ? cn.join(',') : cn);
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  front?.closeAllConnections();
  await new Promise((resolve) => front?.close(resolve));
  await sim?.close();
});

const env = () => ({ ARGOCD_BASE_URL: frontUrl, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_CA_FILE: file('server.crt'), ARGOCD_MCP_ADAPT_TO_SERVER: 'false' });

describe('client certificates (mutual TLS)', () => {
  it('presents the certificate, and Argo CD behind mutual TLS answers', async () => {
    const config = loadConfig({ flags: { clientCrt: file('client.crt'), clientCrtKey: file('client.key') }, env: env() });
    expect(config.clientCert).toEqual({ certFile: file('client.crt'), keyFile: file('client.key') });
    const { gateway } = buildGateway(config, createLogger('silent'));
    const result = await gateway.callTool('application_get', { name: 'guestbook' });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(presented).toContain('argocd-mcp-gateway');
  });

  it('without one, says the TLS connection failed', async () => {
    const { gateway } = buildGateway(loadConfig({ flags: {}, env: env() }), createLogger('silent'));
    const result = await gateway.callTool('application_get', { name: 'guestbook' });
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toMatch(/Could not reach Argo CD|TLS|socket|reset/i);
  });

  it('needs both files, readable, the key matching the certificate', () => {
    const problems = (flags: Record<string, string>, extraEnv: Record<string, string> = {}) => {
      try {
        loadConfig({ flags, env: { ...env(), ...extraEnv } });
      } catch (err) {
        if (err instanceof ConfigError) return err.issues.map((i) => `${i.setting}: ${i.message}`).join('\n');
        throw err;
      }
      return '';
    };
    expect(problems({ clientCrt: file('client.crt') })).toMatch(/^--client-crt: a client certificate needs both files: set the key \(--client-crt-key/);
    expect(problems({}, { ARGOCD_CLIENT_KEY_FILE: file('client.key') })).toMatch(/^ARGOCD_CLIENT_KEY_FILE: .*set the certificate \(--client-crt/);
    expect(problems({ clientCrt: file('client.crt'), clientCrtKey: file('server.key') })).toMatch(/--client-crt-key: .*server\.key is not the private key of the certificate in .*client\.crt/);
    expect(problems({ clientCrt: file('missing.crt'), clientCrtKey: file('client.key') })).toMatch(/--client-crt: cannot read .*missing\.crt \(ENOENT\)/);
    expect(problems({ clientCrt: file('README.md'), clientCrtKey: file('client.key') })).toMatch(/must be a PEM certificate and its PEM private key/);
  });
});
