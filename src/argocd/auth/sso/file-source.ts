/**
 * The stdio gateway's token after `login --sso`: the id token in `sso.tokenFile`, refreshed with its refresh token
 * before it expires (and after a 401), the new tokens written back so the next start finds them. A login run again
 * meanwhile is picked up: the file is read again before each refresh.
 */
import type { Logger } from '../../../log.ts';
import { createRenewingSource } from '../renewing-source.ts';
import type { TokenSource } from '../token-source.ts';
import { jwtTimes } from '../token-times.ts';
import { createSsoClient } from './oidc.ts';
import type { SsoClient } from './oidc.ts';
import type { SsoSettings } from '../../../config/sso-settings.ts';
import { readTokenFile, writeTokenFile } from './token-file.ts';

const LOGIN = 'argocd-mcp-gateway login --sso';

export function ssoFileSource(options: { settings: SsoSettings; logger: Logger; client?: SsoClient; now?: () => number }): TokenSource {
  const { settings } = options;
  const client = options.client ?? createSsoClient(settings);
  const now = options.now ?? Date.now;
  let initial: string | undefined;
  try {
    initial = readTokenFile(settings.tokenFile)?.idToken;
  } catch {
    // Reported by obtain() when a token is needed.
  }
  let lastUsed = initial;
  return createRenewingSource({
    describe: `SSO sign-in at ${settings.issuer} (${settings.tokenFile})`,
    advice: `Argo CD refused the SSO token, also after refreshing it. Run \`${LOGIN}\` again (with the same --config).`,
    logger: options.logger,
    now,
    initial: initial ? { token: initial } : undefined,
    async obtain() {
      const saved = readTokenFile(settings.tokenFile);
      if (!saved) throw new Error(`not signed in: no ${settings.tokenFile}; run \`${LOGIN}\``);
      if (saved.issuer !== settings.issuer || saved.clientId !== settings.clientId) {
        throw new Error(`${settings.tokenFile} is from a sign-in at ${saved.issuer} (client ${saved.clientId}), not the configured sso; run \`${LOGIN}\``);
      }
      // A newer login than the token in use, still valid for a while: use it as it is.
      const exp = jwtTimes(saved.idToken)?.exp;
      if (saved.idToken !== lastUsed && exp !== undefined && exp * 1000 - now() > 60_000) {
        lastUsed = saved.idToken;
        return { token: saved.idToken };
      }
      if (!saved.refreshToken) throw new Error(`the saved SSO token has expired and there is no refresh token (add offline_access to sso.scopes); run \`${LOGIN}\``);
      const fresh = await client.refresh(saved.refreshToken);
      writeTokenFile(settings.tokenFile, fresh, { issuer: settings.issuer, clientId: settings.clientId });
      lastUsed = fresh.idToken;
      return { token: fresh.idToken };
    },
  });
}
