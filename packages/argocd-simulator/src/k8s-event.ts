/** A Kubernetes Event as argocd-server lists them (`.../events` of applications, application sets and projects). */
import { isoSeconds } from './clock.ts';
import { createRng, hashString } from './prng.ts';
import type { Rng } from './prng.ts';
import type { JsonObject } from './types.ts';

export interface K8sEventOptions {
  type?: string;
  count?: number;
  component?: string;
  host?: string;
  /** When the event was first seen (default: atMs). */
  firstMs?: number;
  /** Where names and ids come from (default: a generator seeded by the object, reason and time, so lists are stable). */
  rng?: Rng;
  /** The event's resourceVersion (default: drawn from rng). */
  resourceVersion?: string;
}

export function k8sEvent(ns: unknown, involved: JsonObject, reason: string, message: string, atMs: number, opts: K8sEventOptions = {}): JsonObject {
  const rng = opts.rng ?? createRng(hashString(`${String(involved.name)}:${reason}:${atMs}`));
  const name = `${String(involved.name)}.${rng.hex(16)}`;
  const uid = rng.uuid();
  const resourceVersion = opts.resourceVersion ?? String(rng.int(10_000_000, 99_999_999));
  return {
    metadata: { name, namespace: ns, uid, resourceVersion, creationTimestamp: isoSeconds(opts.firstMs ?? atMs) },
    involvedObject: involved,
    reason,
    message,
    source: { component: opts.component ?? 'argocd-application-controller', ...(opts.host ? { host: opts.host } : {}) },
    firstTimestamp: isoSeconds(opts.firstMs ?? atMs),
    lastTimestamp: isoSeconds(atMs),
    count: opts.count ?? 1,
    type: opts.type ?? 'Normal',
    eventTime: null,
    reportingComponent: '',
    reportingInstance: '',
  };
}
