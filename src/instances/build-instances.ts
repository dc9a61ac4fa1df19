/** From `instances:` to one Gateway: an authenticated upstream and an allowlist per instance, combined by name. */
import { createAuthenticatedUpstream } from '../argocd-auth/authenticated-upstream.ts';
import type { Logger } from '../log.ts';
import { compileAllowlist } from '../runtime/allowlist.ts';
import type { Allowlist } from '../runtime/allowlist.ts';
import type { AuditRecord, AuditSink } from '../runtime/audit.ts';
import type { Gateway } from '../runtime/gateway.ts';
import type { Upstream } from '../runtime/upstream.ts';
import type { InstanceConfig } from './instance-config.ts';
import { createInstancesGateway } from './instances-gateway.ts';

/** What differs between the gateways of two instances; everything else comes from the top-level settings. */
export interface InstanceParts {
  allowlist: Allowlist;
  upstream?: Upstream;
  audit: AuditSink;
  logger: Logger;
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
  /** Builds one instance's gateway with the shared settings (toolsets, result cap, scope, …). */
  gatewayFor: (parts: InstanceParts) => Gateway;
  /** Wraps each instance's upstream (the HTTP service's metrics). */
  wrapUpstream?: (upstream: Upstream) => Upstream;
}): Gateway {
  return createInstancesGateway(
    args.instances.map((instance) => {
      const logger = args.logger.child({ instance: instance.name });
      const { upstream: created } = createAuthenticatedUpstream({
        baseUrl: instance.argocdUrl,
        auth: instance.auth,
        insecure: instance.insecure,
        caFile: instance.caFile,
        timeoutMs: instance.timeoutMs,
        userAgent: args.userAgent,
        logger,
      });
      const upstream = args.wrapUpstream ? args.wrapUpstream(created) : created;
      return {
        name: instance.name,
        description: instance.description,
        gateway: args.gatewayFor({ allowlist: compileAllowlist(instance.allowlist), upstream, audit: tagAudit(args.audit, instance.name), logger }),
      };
    }),
  );
}
