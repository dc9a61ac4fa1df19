/** Live copies of declared resources: what the API server adds (uid, resourceVersion, managedFields) and a status. */
import { isoSeconds } from '../clock.ts';
import type { Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';

/** Workload kinds that run pods. */
export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']);

/** Adds what the API server fills in (uid, resourceVersion, ...) and a status, producing the live object. */
export function materialize(target: JsonObject, meta: { uid: string; resourceVersion: string; createdAtMs: number; generation: number; status?: JsonObject; manager?: string }): JsonObject {
  const live = JSON.parse(JSON.stringify(target)) as JsonObject;
  const md = live.metadata as JsonObject;
  md.creationTimestamp = isoSeconds(meta.createdAtMs);
  md.generation = meta.generation;
  md.resourceVersion = meta.resourceVersion;
  md.uid = meta.uid;
  md.managedFields = [
    {
      apiVersion: target.apiVersion,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:argocd.argoproj.io/tracking-id': {} }, 'f:labels': { '.': {}, 'f:app.kubernetes.io/instance': {}, 'f:app.kubernetes.io/name': {} } }, ...(target.spec ? { 'f:spec': {} } : {}) },
      manager: meta.manager ?? 'argocd-controller',
      operation: 'Apply',
      time: isoSeconds(meta.createdAtMs),
    },
  ];
  if (target.kind === 'Service') {
    const spec = live.spec as JsonObject;
    const ip = `172.20.${(meta.createdAtMs / 1000) % 250 | 0}.${meta.resourceVersion.length * 17 % 250}`;
    Object.assign(spec, { clusterIP: ip, clusterIPs: [ip], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None' });
  }
  if (meta.status) live.status = meta.status;
  return live;
}

/** A plausible status block for a live object of the given kind and health. */
export function statusFor(kind: string, target: JsonObject, health: string, atMs: number, rng: Rng): JsonObject | undefined {
  const spec = (target.spec ?? {}) as JsonObject;
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const ts = isoSeconds(atMs);
  switch (kind) {
    case 'Deployment': {
      const ready = health === 'Healthy' ? replicas : health === 'Degraded' ? Math.max(0, replicas - 1) : Math.max(0, replicas - 1);
      return {
        availableReplicas: ready,
        conditions: [
          { lastTransitionTime: ts, lastUpdateTime: ts, message: ready >= replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.', reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', status: ready >= replicas ? 'True' : 'False', type: 'Available' },
          health === 'Degraded'
            ? { lastTransitionTime: ts, lastUpdateTime: ts, message: `ReplicaSet has timed out progressing.`, reason: 'ProgressDeadlineExceeded', status: 'False', type: 'Progressing' }
            : { lastTransitionTime: ts, lastUpdateTime: ts, message: health === 'Progressing' ? 'ReplicaSet is progressing.' : 'ReplicaSet has successfully progressed.', reason: health === 'Progressing' ? 'ReplicaSetUpdated' : 'NewReplicaSetAvailable', status: 'True', type: 'Progressing' },
        ],
        observedGeneration: rng.int(2, 40),
        readyReplicas: ready,
        replicas,
        updatedReplicas: health === 'Progressing' ? 1 : replicas,
        ...(ready < replicas ? { unavailableReplicas: replicas - ready } : {}),
      };
    }
    case 'DaemonSet':
      return { currentNumberScheduled: 3, desiredNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0, numberReady: 3, observedGeneration: rng.int(1, 12), updatedNumberScheduled: 3 };
    case 'Service':
      return { loadBalancer: spec.type === 'LoadBalancer' ? { ingress: [{ hostname: `a${rng.hex(31)}-${rng.int(100000000, 999999999)}.eu-west-1.elb.amazonaws.com` }] } : {} };
    case 'Ingress':
      return { loadBalancer: { ingress: [{ hostname: 'ingress-nginx-prod-9f1c2e.elb.eu-west-1.amazonaws.com' }] } };
    case 'HorizontalPodAutoscaler': {
      const min = (spec.minReplicas as number) ?? 1;
      return { conditions: [{ lastTransitionTime: ts, message: 'recommended size matches current size', reason: 'ReadyForNewScale', status: 'True', type: 'AbleToScale' }, { lastTransitionTime: ts, message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)', reason: 'ValidMetricFound', status: 'True', type: 'ScalingActive' }], currentMetrics: [{ resource: { current: { averageUtilization: rng.int(12, 65), averageValue: `${rng.int(20, 400)}m` }, name: 'cpu' }, type: 'Resource' }], currentReplicas: min, desiredReplicas: min };
    }
    case 'PodDisruptionBudget':
      return { conditions: [{ lastTransitionTime: ts, message: '', observedGeneration: 1, reason: 'SufficientPods', status: 'True', type: 'DisruptionAllowed' }], currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1, expectedPods: 2, observedGeneration: 1 };
    case 'CronJob':
      return { lastScheduleTime: isoSeconds(atMs - 600_000), lastSuccessfulTime: isoSeconds(atMs - 540_000) };
    case 'Certificate':
      return { conditions: [{ lastTransitionTime: ts, message: 'Certificate is up to date and has not expired', observedGeneration: 1, reason: 'Ready', status: 'True', type: 'Ready' }], notAfter: isoSeconds(atMs + 60 * 86400_000), notBefore: isoSeconds(atMs - 30 * 86400_000), renewalTime: isoSeconds(atMs + 30 * 86400_000), revision: rng.int(1, 9) };
    case 'ExternalSecret':
      return { binding: { name: `${(target.metadata as JsonObject).name}` }, conditions: [{ lastTransitionTime: ts, message: 'secret synced', reason: 'SecretSynced', status: 'True', type: 'Ready' }], refreshTime: ts, syncedResourceVersion: `1-${rng.hex(32)}` };
    case 'ScaledObject':
      return { conditions: [{ message: 'ScaledObject is defined correctly and is ready for scaling', reason: 'ScaledObjectReady', status: 'True', type: 'Ready' }, { message: 'Scaling is not performed because triggers are not active', reason: 'ScalerNotActive', status: 'False', type: 'Active' }], externalMetricNames: ['s0-kafka-events'], originalReplicaCount: replicas, scaleTargetGVKR: { group: 'apps', kind: 'Deployment', resource: 'deployments', version: 'v1' }, scaleTargetKind: 'apps/v1.Deployment' };
    case 'Namespace':
      return { phase: 'Active' };
    case 'ClusterPolicy':
      return { conditions: [{ lastTransitionTime: ts, message: 'Ready', reason: 'Succeeded', status: 'True', type: 'Ready' }], ready: true };
    default:
      return undefined;
  }
}
