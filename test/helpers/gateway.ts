/** A gateway wired to a given Argo CD URL, with everything allowed unless said otherwise. */
import { createLogger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import type { Gateway, GatewayOptions } from '../../src/gateway/gateway.ts';
import { createUpstream } from '../../src/argocd/upstream.ts';
import type { AllowlistConfig } from '../../src/config/load-config.ts';
import type { ConfirmFallback, ConfirmPolicy } from '../../src/policy/confirm/confirm.ts';
import type { ConfirmationTokens } from '../../src/policy/confirm/tokens.ts';
import type { ScopeConfig } from '../../src/policy/scope/scope.ts';
import type { Shaper } from '../../src/shaping/pool.ts';

/** Version adaptation is off unless asked for: unit tests count the requests a call makes. */
export function gatewayFor(
  url: string,
  options: {
    token?: string;
    allowlist?: Partial<AllowlistConfig>;
    timeoutMs?: number;
    adaptToServer?: boolean;
    maxResultTokens?: number;
    /** Default `never`: request-shape tests are not about confirmations (test/runtime/confirm.test.ts is). */
    confirm?: ConfirmPolicy;
    confirmFallback?: ConfirmFallback;
    confirmTokens?: ConfirmationTokens;
    instance?: string;
    scope?: ScopeConfig;
    shaper?: Shaper;
    /** Default `off`: request-shape tests count requests (test/runtime/gitops-checks.test.ts is about the checks). */
    gitopsChecks?: GatewayOptions['gitopsChecks'];
  } = {},
): Gateway {
  return createGateway({
    allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config', ...options.allowlist }),
    upstream: createUpstream({
      baseUrl: url,
      token: () => options.token ?? 'test-token',
      timeoutMs: options.timeoutMs ?? 5_000,
      userAgent: 'test',
    }),
    logger: createLogger('silent'),
    adaptToServer: options.adaptToServer ?? false,
    confirm: options.confirm ?? 'never',
    confirmFallback: options.confirmFallback,
    confirmTokens: options.confirmTokens,
    instance: options.instance,
    scope: options.scope,
    maxResultTokens: options.maxResultTokens,
    shaper: options.shaper,
    gitopsChecks: options.gitopsChecks ?? 'off',
  });
}

export function resultText(result: { content: unknown[] }): string {
  return (result.content[0] as { text: string }).text;
}
