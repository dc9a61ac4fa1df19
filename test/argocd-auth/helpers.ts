/** Shared by the authentication tests: a logger that keeps its lines, and a gateway over a given upstream. */
import pino from 'pino';
import type { Logger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import type { Gateway } from '../../src/gateway/gateway.ts';
import type { Upstream } from '../../src/argocd/upstream.ts';
import { createAuthenticatedUpstream } from '../../src/argocd/auth/authenticated-upstream.ts';
import type { ArgocdAuthSettings } from '../../src/config/auth-settings.ts';

export function memoryLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join('') };
}

export function gatewayOver(upstream: Upstream, logger: Logger): Gateway {
  return createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
    upstream,
    logger,
    adaptToServer: false,
  });
}

/** A gateway authenticated as `auth` says, against `url`, logging into memory. */
export function authGateway(url: string, auth: ArgocdAuthSettings, timeoutMs = 5_000) {
  const log = memoryLogger();
  const { upstream, tokenSource } = createAuthenticatedUpstream({ baseUrl: url, auth, timeoutMs, userAgent: 'test', logger: log.logger });
  return { gateway: gatewayOver(upstream, log.logger), tokenSource, logs: log.text };
}

export function text(result: { content: unknown[] }): string {
  return (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
}
