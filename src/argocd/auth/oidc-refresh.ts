/**
 * SSO logins of the argocd CLI (`argocd login --sso`) leave an OIDC id token and a refresh token in its config. When
 * the id token is due, redeem the refresh token as the CLI does (pkg/apiclient `redeemRefreshToken`): read the SSO
 * settings from `GET /api/v1/settings` (oidcConfig.issuer and cliClientID, or Dex at `{url}/api/dex` with client
 * `argo-cd-cli`), find the issuer's token endpoint by OIDC discovery, and post `grant_type=refresh_token`. The new
 * tokens are kept in memory only; the CLI's file is not written (the gateway may run on a read-only filesystem).
 */
import type { Logger } from '../../log.ts';
import { registerSecret } from '../../redact.ts';
import type { AuthHttp } from './auth-requests.ts';
import { answerSummary } from './auth-requests.ts';
import { createRenewingSource } from './renewing-source.ts';
import type { TokenSource } from './token-source.ts';

/** argo-cd common.ArgoCDCLIClientAppID, the CLI's client id at the bundled Dex. */
const DEX_CLI_CLIENT_ID = 'argo-cd-cli';

export interface OidcRefreshOptions {
  baseUrl: string;
  contextName: string;
  token?: string;
  refreshToken: string;
  http: AuthHttp;
  logger: Logger;
  now?: () => number;
}

interface SsoSettings {
  url?: string;
  oidcConfig?: { issuer?: string; clientID?: string; cliClientID?: string };
  dexConfig?: { connectors?: unknown[] };
}

/** Issuer and client id the CLI would use (apiclient OIDCConfig). */
export function ssoClient(settings: SsoSettings, baseUrl: string): { issuer: string; clientId: string } {
  const oidc = settings.oidcConfig;
  if (oidc?.issuer) return { issuer: oidc.issuer, clientId: oidc.cliClientID || oidc.clientID || '' };
  if (settings.dexConfig?.connectors?.length) return { issuer: `${settings.url || baseUrl}/api/dex`, clientId: DEX_CLI_CLIENT_ID };
  throw new Error(`${baseUrl} is not configured with SSO (no oidcConfig or dex connectors in /api/v1/settings), so the refresh token cannot be used; run \`argocd login\` again`);
}

/** A token source for an SSO context of the argocd CLI: its id token, refreshed with its refresh token. */
export function oidcRefreshSource(options: OidcRefreshOptions): TokenSource {
  const { http, baseUrl } = options;
  let refreshToken = options.refreshToken;
  registerSecret(refreshToken);
  return createRenewingSource({
    describe: `the SSO login of argocd CLI context "${options.contextName}" (refreshed with its refresh token)`,
    advice: `Argo CD refused the SSO token of argocd CLI context "${options.contextName}", also after refreshing it. Run \`argocd login --sso\` for that context again.`,
    logger: options.logger,
    now: options.now,
    initial: options.token ? { token: options.token } : undefined,
    async obtain() {
      const settings = await http({ url: `${baseUrl}/api/v1/settings`, method: 'GET' });
      if (settings.status !== 200) throw new Error(`cannot read ${baseUrl}/api/v1/settings to refresh the SSO token (${answerSummary(settings.status, settings.body)})`);
      const { issuer, clientId } = ssoClient(settings.body as SsoSettings, baseUrl);
      const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const discovery = await http({ url: discoveryUrl, method: 'GET' });
      const tokenEndpoint = (discovery.body as { token_endpoint?: unknown } | undefined)?.token_endpoint;
      if (discovery.status !== 200 || typeof tokenEndpoint !== 'string') {
        throw new Error(`OIDC discovery at ${discoveryUrl} gave no token_endpoint (${answerSummary(discovery.status, discovery.body)})`);
      }
      const answer = await http({
        url: tokenEndpoint,
        method: 'POST',
        form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId },
      });
      if (answer.status !== 200) {
        throw new Error(`the identity provider refused the refresh token of context "${options.contextName}" (${answerSummary(answer.status, answer.body)}); run \`argocd login --sso\` again`);
      }
      const body = answer.body as { id_token?: unknown; refresh_token?: unknown };
      if (typeof body.id_token !== 'string' || !body.id_token) throw new Error('the identity provider answered without an id_token');
      // The provider may rotate the refresh token; an empty one means "keep using the old one" (as the CLI does).
      if (typeof body.refresh_token === 'string' && body.refresh_token) {
        refreshToken = body.refresh_token;
        registerSecret(refreshToken);
      }
      return { token: body.id_token };
    },
  });
}
