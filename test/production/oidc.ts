/**
 * A real OAuth 2.1 / OpenID provider for the inbound-auth tests: `oidc-provider` on 127.0.0.1 issuing JWT access
 * tokens (RFC 9068) through the client credentials grant with resource indicators (RFC 8707), as an MCP client's
 * authorization server would. Its JWKS and discovery document are served by the provider itself.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface OidcClient {
  id: string;
  secret: string;
  /** Scopes the client may ask for. */
  scope: string;
  /** Access token lifetime in seconds (default 300). */
  ttl?: number;
}

export interface OidcProvider {
  issuer: string;
  /** A client credentials access token for `resource`, with the scopes asked (empty: none). */
  token(client: string, options: { scope?: string; resource: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcProvider(clients: OidcClient[]): Promise<OidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' };
  const allScopes = [...new Set(clients.flatMap((c) => c.scope.split(' ')))];
  const byId = new Map(clients.map((c) => [c.id, c]));

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.id,
      client_secret: c.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: c.scope,
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-only-cookie-key'] },
    scopes: allScopes,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string, client: { clientId: string }) => ({
          scope: allScopes.join(' '),
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: byId.get(client.clientId)?.ttl ?? 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  // Plain http on loopback is fine for a test issuer.
  provider.proxy = false;
  server.on('request', provider.callback());

  return {
    issuer,
    async token(clientId, { scope, resource }) {
      const client = byId.get(clientId);
      if (!client) throw new Error(`no client ${clientId}`);
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
      if (scope) body.set('scope', scope);
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!json.access_token) throw new Error(`token request failed: ${json.error}: ${json.error_description}`);
      return json.access_token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
