/** Wires configuration into a running gateway: logger, allowlist, upstream client, MCP server, transport. */
import type { GatewayConfig } from '../config/load-config.ts';
import { createLogger } from '../log.ts';
import type { Logger } from '../log.ts';
import { packageVersion } from '../package-root.ts';
import { compileAllowlist } from '../policy/allowlist.ts';
import { createAuditSink } from '../gateway/audit.ts';
import type { AuditSink } from '../gateway/audit.ts';
import { createGateway } from '../gateway/gateway.ts';
import type { ConfirmationTokens } from '../policy/confirm/tokens.ts';
import type { Shaper } from '../shaping/pool.ts';
import type { SignInBroker } from '../argocd/auth/sso/broker.ts';
import { WORKFLOWS } from '../workflows/index.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { registerSecret } from '../redact.ts';
import { createAuthenticatedUpstream } from '../argocd/auth/authenticated-upstream.ts';
import { buildInstancesGateway } from './build-instances.ts';
import type { InstanceParts } from './build-instances.ts';
import type { Upstream } from '../argocd/upstream.ts';

export interface GatewayParts {
  gateway: Gateway;
  logger: Logger;
  version: string;
  /** The Argo CD client the gateway uses (as wrapped by `extra.wrapUpstream`); absent without an Argo CD URL. */
  upstream?: Upstream;
}

function teeAudit(first: AuditSink, second?: AuditSink): AuditSink {
  if (!second) return first;
  return {
    write(record) {
      first.write(record);
      second.write(record);
    },
  };
}

/**
 * Builds the transport-independent gateway from a validated configuration. `extra.audit` also receives every audit
 * record (the console's activity view), besides the file or log.
 */
export function buildGateway(
  config: GatewayConfig,
  logger = createLogger(config.logLevel),
  extra: { audit?: AuditSink; wrapUpstream?: (upstream: Upstream) => Upstream; shaper?: Shaper; signIn?: SignInBroker; confirmTokens?: ConfirmationTokens } = {},
): GatewayParts {
  registerSecret(config.token);
  const version = packageVersion();
  const allowlist = compileAllowlist(config.allowlist);
  const userAgent = `argocd-mcp-gateway/${version}`;
  // The token, token file, session login, token command or argocd CLI context (src/argocd/auth).
  const created = config.argocdUrl
    ? createAuthenticatedUpstream({
        baseUrl: config.argocdUrl,
        auth: { ...config.auth, token: config.token, tokenFile: config.tokenFile },
        insecure: config.insecure,
        caFile: config.caFile,
        clientCertFile: config.clientCert?.certFile,
        clientKeyFile: config.clientCert?.keyFile,
        timeoutMs: config.timeoutMs,
        maxResponseBytes: config.maxResponseBytes,
        userAgent,
        logger,
        signIn: extra.signIn,
      }).upstream
    : undefined;
  // The HTTP service times and counts Argo CD requests for /metrics through this wrapper.
  const upstream = created && extra.wrapUpstream ? extra.wrapUpstream(created) : created;
  const audit = teeAudit(createAuditSink({ file: config.auditFile, logger }), extra.audit);
  const gatewayOver = (parts: InstanceParts): Gateway =>
    createGateway({
      ...parts,
      toolsets: config.toolsets,
      maxResultTokens: config.maxResultTokens,
      rawResults: config.rawResults,
      adaptToServer: config.adaptToServer,
      scope: config.scope,
      confirm: config.confirm,
      gitopsChecks: config.gitopsChecks,
      confirmFallback: config.confirmFallback,
      confirmTokens: extra.confirmTokens,
      composites: WORKFLOWS,
      shaper: extra.shaper,
      signIn: extra.signIn,
    });
  // Several Argo CDs: one gateway each, behind one that routes by the `instance` argument (src/gateway/instances.ts).
  if (config.instances) {
    const built = buildInstancesGateway({ instances: config.instances, logger, audit, userAgent, maxResponseBytes: config.maxResponseBytes, gatewayOver, wrapUpstream: extra.wrapUpstream, signIn: extra.signIn, fanOut: { concurrency: config.instanceConcurrency, maxResultTokens: config.maxResultTokens } });
    return { ...built, logger, version };
  }
  const gateway = gatewayOver({ allowlist, upstream, audit, logger });
  return { gateway, logger, version, upstream };
}

/** Start-up notes an operator should see on stderr. */
export function announce(config: GatewayConfig, logger: Logger): void {
  if (config.allowlist.source === 'default') {
    logger.warn('no allowlist configured: the gateway is read-only (only GET tools); write an allowlist file with readOnly: false to allow writes');
  }
  if (config.insecure) logger.warn('TLS verification of Argo CD is off (insecure: true); use caFile for a private CA instead');
  if (config.auth?.context) logger.info({ argocdContext: config.auth.context.name, file: config.auth.context.file }, 'using the argocd CLI context');
  for (const i of config.instances ?? []) {
    logger.info({ instance: i.name, argocd: i.argocdUrl, readOnly: i.allowlist.readOnly }, 'serving Argo CD instance');
    if (i.insecure) logger.warn({ instance: i.name }, 'TLS verification of this Argo CD is off (insecure: true); use caFile for a private CA instead');
  }
}
