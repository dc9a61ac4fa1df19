/**
 * Username/password login: `POST /api/v1/session {username, password}` → `{token}` (Argo CD's SessionService
 * Create), renewed at ~80% of the token's lifetime (its JWT `exp`, `users.session.duration` on the server, 24 h by
 * default) and again after a 401. The password is read when a login needs it (a password file may rotate) and is
 * never logged or put in a message.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../../log.ts';
import { registerSecret } from '../../redact.ts';
import type { AuthHttp } from './auth-requests.ts';
import { answerSummary } from './auth-requests.ts';
import { createRenewingSource } from './renewing-source.ts';
import type { TokenSource } from './token-source.ts';

export interface SessionLoginOptions {
  baseUrl: string;
  username: string;
  /** The password itself, or a file holding it (re-read at each login). */
  password: { value: string } | { file: string };
  http: AuthHttp;
  logger: Logger;
  now?: () => number;
}

function readPassword(password: SessionLoginOptions['password']): string {
  if ('value' in password) return password.value;
  let text: string;
  try {
    text = readFileSync(password.file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the password file ${password.file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path and permissions`);
  }
  // A trailing newline is an editor's, not the password's.
  const value = text.replace(/\r?\n$/, '');
  if (!value) throw new Error(`the password file ${password.file} is empty`);
  return value;
}

/** A token source that logs in to Argo CD with a username and password. */
export function sessionLoginSource(options: SessionLoginOptions): TokenSource {
  const { username, http } = options;
  if ('value' in options.password) registerSecret(options.password.value);
  const url = `${options.baseUrl}/api/v1/session`;
  return createRenewingSource({
    describe: `session login as ${username}`,
    advice: `Argo CD refused the session token of ${username} and logging in again did not help. Check the username and password (ARGOCD_USERNAME, ARGOCD_PASSWORD or passwordFile) and that the account is enabled with the "login" capability (accounts.${username}: login in argocd-cm).`,
    logger: options.logger,
    now: options.now,
    async obtain() {
      const password = readPassword(options.password);
      registerSecret(password);
      const { status, body } = await http({ url, method: 'POST', json: { username, password } });
      if (status === 401 || status === 403) {
        throw new Error(`Argo CD refused the login of ${username} (${answerSummary(status, body)}); check the username and password`);
      }
      if (status === 404 || status === 405 || (status < 300 && typeof body === 'string')) {
        // argocd-server answers any path outside its API with the UI's index.html: a missing --rootpath looks like this.
        throw new Error(`${url} answered ${typeof body === 'string' ? 'with something other than JSON' : status}: is this argocd-server (and is its --rootpath in the address)?`);
      }
      if (status < 200 || status >= 300) throw new Error(`the login of ${username} failed (${answerSummary(status, body)})`);
      const token = (body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || !token) throw new Error(`the login of ${username} answered ${status} without a token`);
      return { token };
    },
  });
}
