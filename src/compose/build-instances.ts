/** From `instances:` to one Gateway: an authenticated upstream and an allowlist per instance, combined by name. */
import { createAuthenticatedUpstream } from '../argocd/auth/authenticated-upstream.ts';
import type { SignInBroker } from '../argocd/auth/sso/broker.ts';
import type { Logger } from '../log.ts';
import { compileAllowlist } from '../policy/allowlist.ts';
import type { Allowlist } from '../policy/allowlist.ts';
import type { AuditRecord, AuditSink } from '../gateway/audit.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { Upstream } from '../argocd/upstream.ts';
import type { InstanceConfig } from '../config/instances.ts';
import { createInstancesGateway } from '../gateway/instances.ts';
import type { InstancesOptions } from '../gateway/instances.ts';

/** What differs between the gateways of two instances; everything else comes from the top-level settings. */
export interface InstanceParts {
  allowlist: Allowlist;
  upstream?: Upstream;
  audit: AuditSink;
  logger: Logger;
  /** The instance's name: confirmation questions and tokens name it. */
  instance?: string;
}

/** Audit records of an instance carry its name, so one audit file tells the instances apart. */
function tagAudit(audit: AuditSink, instance: string): AuditSink {
  return { write: (record) => audit.write({ ...record, instance } as AuditRecord) };
}

export function buildInstancesGateway(args: {
  instances: InstanceConfig[];
  logger: Logger;
  audit: AuditSink;
  userAgent: string;
  /** The largest Argo CD answer read whole (maxResponseBytes). */
  maxResponseBytes?: number;
  /** Builds one instance's gateway with the shared settings (toolsets, result cap, scope, …). */
  gatewayOver: (parts: InstanceParts) => Gateway;
  /** Wraps each instance's upstream (the HTTP service's metrics). */
  wrapUpstream?: (upstream: Upstream) => Upstream;
  /** Per-user sign-in: calls carry their user's own token, renewed by this broker when refused. */
  signIn?: SignInBroker;
  /** A fanned-out read (`instance: "*"`): instances asked at once, and the cap of the merged answer. */
  fanOut?: InstancesOptions;
}): { gateway: Gateway; upstream: Upstream } {
  const upstreams: Array<{ name: string; upstream: Upstream }> = [];
  const gateway = createInstancesGateway(
    args.instances.map((instance) => {
      const logger = args.logger.child({ instance: instance.name });
      const { upstream: created } = createAuthenticatedUpstream({
        baseUrl: instance.argocdUrl,
        auth: instance.auth,
        insecure: instance.insecure,
        caFile: instance.caFile,
        timeoutMs: instance.timeoutMs,
        maxResponseBytes: args.maxResponseBytes,
        userAgent: args.userAgent,
        logger,
        signIn: args.signIn,
      });
      const upstream = args.wrapUpstream ? args.wrapUpstream(created) : created;
      upstreams.push({ name: instance.name, upstream });
      return {
        name: instance.name,
        description: instance.description,
        gateway: args.gatewayOver({ allowlist: compileAllowlist(instance.allowlist), upstream, audit: tagAudit(args.audit, instance.name), logger, instance: instance.name }),
      };
    }),
    args.fanOut,
  );
  return { gateway, upstream: readinessUpstream(upstreams) };
}

/**
 * An Upstream for the HTTP service's readiness probe (`/readyz`): ready while at least one instance answers and
 * accepts its credentials, so one Argo CD being down does not take the gateway away from the others. Its `send`
 * is never used: tool calls go through the instances' own gateways.
 */
export function readinessUpstream(upstreams: Array<{ name: string; upstream: Upstream }>): Upstream {
  return {
    baseUrl: upstreams.map((u) => u.upstream.baseUrl).join(' '),
    async getJson(path, o) {
      const answers = await Promise.all(upstreams.map(async (u) => ({ name: u.name, answer: await u.upstream.getJson(path, o) })));
      const ok = answers.filter((a) => a.answer.ok).map((a) => a.answer as { ok: true; data: unknown });
      if (!ok.length) return { ok: false, text: answers.map((a) => `${a.name}: ${(a.answer as { text: string }).text}`).join('; ') };
      return ok.find((a) => (a.data as { loggedIn?: boolean } | undefined)?.loggedIn === true) ?? ok[0];
    },
    async send() {
      return { kind: 'error', text: 'several Argo CD instances are configured: call a tool with `instance`' };
    },
  };
}
