/**
 * `argocd-mcp-gateway login --sso`: the authorization code flow with PKCE, as `argocd login --sso` runs it. A
 * server on the loopback redirect URI waits for the browser to come back, the code is exchanged, and the tokens are
 * written to `sso.tokenFile` for the stdio gateway, which refreshes them with the refresh token.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSsoClient, describeSsoError } from './oidc.ts';
import type { SsoClient, SsoTokens } from './oidc.ts';
import { signInPage } from './result-page.ts';
import { DEFAULT_LOGIN_REDIRECT } from '../../../config/sso-settings.ts';
import type { SsoSettings } from '../../../config/sso-settings.ts';
import { writeTokenFile } from './token-file.ts';

export interface LoginOptions {
  settings: SsoSettings;
  /** Where to say what to do (the URL to open); stderr in the CLI. */
  write: (text: string) => void;
  /** Try to open the URL in the user's browser (xdg-open / open / start). Default true. */
  openBrowser?: boolean;
  /** Give up after this long without the browser coming back (default 5 min). */
  timeoutMs?: number;
  /** The port to listen on instead of the redirect URI's (0 = any: tests, with a provider that accepts it). */
  port?: number;
  client?: SsoClient;
  /** Called with the authorization URL once the callback server listens (tests play the browser here). */
  onUrl?: (url: string) => void;
}


function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser here (a server, a container): the URL is printed anyway.
  }
}

export async function runSsoLogin(options: LoginOptions): Promise<SsoTokens> {
  const { settings, write } = options;
  const redirect = new URL(settings.redirectUri ?? DEFAULT_LOGIN_REDIRECT);
  if (redirect.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(redirect.hostname)) {
    throw new Error(`sso.redirectUri ${redirect.href} is not a loopback http URL; login --sso listens on this machine (e.g. ${DEFAULT_LOGIN_REDIRECT})`);
  }
  const client = options.client ?? createSsoClient(settings);
  const server = createServer();
  const host = redirect.hostname === 'localhost' ? '127.0.0.1' : redirect.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${redirect.port} (sso.redirectUri) is in use; close what uses it or register another redirect URI` : err.message)),
    );
    server.listen(options.port ?? Number(redirect.port || 80), host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (options.port === 0) redirect.port = String(port);
  // A browser may resolve localhost to ::1 first: answer there too, where this machine has IPv6.
  const servers = [server];
  if (redirect.hostname === 'localhost') {
    const v6 = createServer();
    await new Promise<void>((resolve) => {
      v6.once('error', () => resolve());
      v6.listen(port, '::1', () => {
        servers.push(v6);
        v6.on('request', (req, res) => server.emit('request', req, res));
        resolve();
      });
    });
  }
  try {
    const pending = await client.begin(redirect.href);
    const done = new Promise<SsoTokens>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from the browser within the time allowed; run login --sso again')), options.timeoutMs ?? 5 * 60_000);
      server.on('request', (req, res) => {
        const url = new URL(req.url ?? '/', redirect);
        if (url.pathname !== redirect.pathname) {
          res.writeHead(404).end();
          return;
        }
        const finish = (status: number, title: string, text: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(signInPage(title, text));
        if (url.searchParams.get('state') !== pending.state) {
          finish(400, 'Sign-in refused', 'This answer does not belong to the sign-in that is waiting (state mismatch). Start the login again.');
          return;
        }
        const error = url.searchParams.get('error');
        if (error) {
          clearTimeout(timer);
          finish(400, 'Sign-in failed', `${error}: ${url.searchParams.get('error_description') ?? ''}`);
          reject(new Error(`the identity provider refused the sign-in (${error}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''})`));
          return;
        }
        client.finish(url, pending).then(
          (tokens) => {
            clearTimeout(timer);
            finish(200, 'Signed in to Argo CD', 'argocd-mcp-gateway has your tokens. You can close this window.');
            resolve(tokens);
          },
          (err: unknown) => {
            clearTimeout(timer);
            finish(400, 'Sign-in failed', describeSsoError(err));
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      });
    });
    write(`Open this URL in a browser to sign in to Argo CD's identity provider (${settings.issuer}):\n\n  ${pending.url}\n`);
    if (options.openBrowser !== false) openInBrowser(pending.url);
    options.onUrl?.(pending.url);
    const tokens = await done;
    writeTokenFile(settings.tokenFile, tokens, { issuer: settings.issuer, clientId: settings.clientId });
    write(`Signed in as ${tokens.email ?? tokens.subject}; tokens saved to ${settings.tokenFile} (readable by you only).`);
    return tokens;
  } finally {
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
  }
}
