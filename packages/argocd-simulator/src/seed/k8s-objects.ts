/** The resources each kind of application (web, worker, cron, site, addon, config, guestbook) declares. */
import type { AppProfile } from './catalog.ts';
import type { JsonObject } from '../types.ts';
import { appConfig, Builder, type BuildInput, configMap, container, externalSecret, hpa, ingress, networkPolicy, pdb, podSpec, type ResourceDraft, service, serviceAccount, serviceMonitor, workloadDeployment } from './k8s-builder.ts';

function buildWeb(b: Builder): void {
  const i = b.input;
  const name = i.appName;
  serviceAccount(b, name);
  configMap(b, `${name}-config`, appConfig(i, name));
  externalSecret(b, name);
  service(b, name, 8080);
  workloadDeployment(b, name, i.image, 8080, i.replicas);
  hpa(b, name, 'Deployment', i.replicas, i.replicas * 4);
  pdb(b, name);
  serviceMonitor(b, name);
  networkPolicy(b, name);
  if (i.host) ingress(b, name, i.host);
}

function buildWorker(b: Builder): void {
  const i = b.input;
  const name = i.appName;
  serviceAccount(b, name);
  configMap(b, `${name}-config`, appConfig(i, name));
  externalSecret(b, name);
  workloadDeployment(b, name, i.image, 8080, i.replicas, { probes: true });
  pdb(b, name);
  b.add('keda.sh', 'v1alpha1', 'ScaledObject', name, {
    spec: {
      cooldownPeriod: 300,
      maxReplicaCount: i.replicas * 5,
      minReplicaCount: i.replicas,
      scaleTargetRef: { name },
      triggers: [{ metadata: { bootstrapServers: 'kafka-0.kafka-headless.kafka.svc:9092', consumerGroup: name, lagThreshold: '500', topic: `${i.template.team}.events` }, type: 'kafka' }],
    },
  }, { component: name, hasHealth: true });
  b.add('monitoring.coreos.com', 'v1', 'PrometheusRule', name, {
    spec: {
      groups: [{
        name: `${name}.rules`,
        rules: [
          { alert: 'WorkerQueueLagHigh', annotations: { summary: `${name} consumer lag is high` }, expr: `sum(kafka_consumergroup_lag{consumergroup="${name}"}) > 5000`, for: '10m', labels: { severity: 'warning' } },
          { alert: 'WorkerErrorsHigh', annotations: { summary: `${name} error rate above 5%` }, expr: `sum(rate(jobs_failed_total{job="${name}"}[5m])) / sum(rate(jobs_total{job="${name}"}[5m])) > 0.05`, for: '5m', labels: { severity: 'critical' } },
        ],
      }],
    },
  }, { component: name });
  serviceMonitor(b, name);
}

function buildCron(b: Builder): void {
  const i = b.input;
  const name = i.appName;
  serviceAccount(b, name);
  configMap(b, `${name}-config`, appConfig(i, name));
  externalSecret(b, name);
  b.add('rbac.authorization.k8s.io', 'v1', 'Role', name, { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'update'] }, { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }] }, { component: name });
  b.add('rbac.authorization.k8s.io', 'v1', 'RoleBinding', name, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace: i.namespace }] }, { component: name });
  b.add('batch', 'v1', 'CronJob', name, {
    spec: {
      concurrencyPolicy: 'Forbid',
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          template: {
            metadata: { labels: { 'app.kubernetes.io/instance': i.appName, 'app.kubernetes.io/name': name } },
            spec: { ...podSpec(i, name, [container(i, name, i.image, 8080, { probes: false })]), restartPolicy: 'OnFailure' },
          },
        },
      },
      schedule: i.rng.pick(['*/15 * * * *', '0 * * * *', '30 2 * * *', '0 */6 * * *']),
      successfulJobsHistoryLimit: 3,
      suspend: false,
      timeZone: 'Etc/UTC',
    },
  }, { component: name, hasHealth: true });
}

function buildSite(b: Builder): void {
  const i = b.input;
  const name = i.appName;
  serviceAccount(b, name);
  configMap(b, `${name}-config`, {
    'default.conf': [
      'server {',
      '  listen 8080;',
      '  root /usr/share/nginx/html;',
      '  location / { try_files $uri $uri/ /index.html; }',
      '  location /assets/ { expires 1y; add_header Cache-Control "public, immutable"; }',
      '  location = /healthz { access_log off; return 200 "ok"; }',
      '  gzip on; gzip_types text/css application/javascript application/json image/svg+xml;',
      '}',
      '',
    ].join('\n'),
    'env.js': `window.__ENV__ = {"apiBase":"https://api.acme.io","sentryEnv":"production","release":"${i.version}"};\n`,
  });
  service(b, name, 8080);
  workloadDeployment(b, name, i.image, 8080, i.replicas);
  hpa(b, name, 'Deployment', i.replicas, i.replicas * 3);
  pdb(b, name);
  if (i.host) {
    ingress(b, name, i.host);
    b.add('cert-manager.io', 'v1', 'Certificate', `${name}-tls`, { spec: { dnsNames: [i.host], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' }, secretName: `${name}-tls` } }, { component: name, hasHealth: true });
  }
}

function buildAddon(b: Builder): void {
  const i = b.input;
  const chart = i.template.chart;
  const base = chart?.name ?? i.appName;
  const images = chart?.images ?? [i.image];
  b.add('', 'v1', 'ServiceAccount', base, { automountServiceAccountToken: true }, { component: base });
  b.add('rbac.authorization.k8s.io', 'v1', 'ClusterRole', base, { rules: [{ apiGroups: [''], resources: ['configmaps', 'endpoints', 'nodes', 'pods', 'secrets', 'namespaces'], verbs: ['list', 'watch'] }, { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'watch'] }] }, { component: base });
  b.add('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', base, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: base }, subjects: [{ kind: 'ServiceAccount', name: base, namespace: i.namespace }] }, { component: base });
  b.add('rbac.authorization.k8s.io', 'v1', 'Role', base, { rules: [{ apiGroups: [''], resources: ['configmaps', 'pods', 'secrets'], verbs: ['get'] }, { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] }] }, { component: base });
  b.add('rbac.authorization.k8s.io', 'v1', 'RoleBinding', base, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: base }, subjects: [{ kind: 'ServiceAccount', name: base, namespace: i.namespace }] }, { component: base });
  b.add('', 'v1', 'ConfigMap', `${base}-config`, { data: { 'log-level': 'info', 'metrics-port': '10254', 'leader-election': 'true' } }, { component: base });
  images.forEach((image, idx) => {
    const comp = idx === 0 ? `${base}-controller` : `${base}-${image.split('/').pop()?.split(':')[0]?.replace(/^.*?-/, '') ?? idx}`;
    b.add('', 'v1', 'Service', comp, { spec: { ports: [{ name: 'http-metrics', port: 10254, protocol: 'TCP', targetPort: 'metrics' }], selector: { 'app.kubernetes.io/component': comp, 'app.kubernetes.io/instance': i.appName }, type: idx === 0 && base === 'ingress-nginx' ? 'LoadBalancer' : 'ClusterIP' } }, { component: comp, hasHealth: true });
    const kind = base === 'kube-prometheus-stack' && image.includes('node-exporter') ? 'DaemonSet' : 'Deployment';
    const spec: JsonObject = {
      selector: { matchLabels: { 'app.kubernetes.io/component': comp, 'app.kubernetes.io/instance': i.appName } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/component': comp, 'app.kubernetes.io/instance': i.appName, 'app.kubernetes.io/name': base } },
        spec: podSpec(i, base, [container(i, comp, image, 8080)]),
      },
    };
    if (kind === 'Deployment') {
      spec.replicas = idx === 0 ? i.replicas : 1;
      spec.revisionHistoryLimit = 10;
      spec.strategy = { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' };
    } else {
      spec.updateStrategy = { rollingUpdate: { maxUnavailable: 1 }, type: 'RollingUpdate' };
    }
    b.add('apps', 'v1', kind, comp, { spec }, { component: comp, hasHealth: true });
  });
  if (base === 'ingress-nginx') {
    b.add('networking.k8s.io', 'v1', 'IngressClass', 'nginx', { spec: { controller: 'k8s.io/ingress-nginx' } }, { component: 'controller', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } });
    b.add('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', `${base}-admission`, { webhooks: [{ admissionReviewVersions: ['v1'], clientConfig: { service: { name: `${base}-controller-admission`, namespace: i.namespace, path: '/networking/v1/ingresses' } }, failurePolicy: 'Fail', matchPolicy: 'Equivalent', name: 'validate.nginx.ingress.kubernetes.io', rules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] }], sideEffects: 'None' }] }, { component: 'admission-webhook' });
  } else {
    const group = base === 'cert-manager' ? 'cert-manager.io' : base === 'keda' ? 'keda.sh' : base.includes('prometheus') ? 'monitoring.coreos.com' : `${base}.grafana.com`;
    for (const plural of base === 'cert-manager' ? ['certificates', 'issuers', 'clusterissuers'] : ['configs']) {
      const kindName = plural.charAt(0).toUpperCase() + plural.slice(1, -1);
      b.add('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', `${plural}.${group}`, {
        spec: { group, names: { kind: kindName, listKind: `${kindName}List`, plural, singular: plural.slice(0, -1) }, scope: plural.startsWith('cluster') ? 'Cluster' : 'Namespaced', versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, served: true, storage: true, subresources: { status: {} } }] },
      }, { component: 'crds', annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' } });
    }
  }
  b.add('monitoring.coreos.com', 'v1', 'ServiceMonitor', base, { spec: { endpoints: [{ interval: '30s', port: 'http-metrics' }], selector: { matchLabels: { 'app.kubernetes.io/instance': i.appName } } } }, { component: base });
  b.add('policy', 'v1', 'PodDisruptionBudget', base, { spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/instance': i.appName } } } }, { component: base, hasHealth: true });
}

function buildConfig(b: Builder): void {
  const i = b.input;
  const teams = ['payments', 'billing', 'frontend', 'marketing', 'monitoring'];
  if (i.appName.includes('namespaces')) {
    for (const t of teams) b.add('', 'v1', 'Namespace', t, { spec: { finalizers: ['kubernetes'] } }, { component: 'namespaces', hasHealth: true });
    b.add('scheduling.k8s.io', 'v1', 'PriorityClass', 'business-critical', { value: 100000, globalDefault: false, description: 'Customer-facing workloads' }, { component: 'namespaces' });
    b.add('', 'v1', 'ResourceQuota', 'default-quota', { spec: { hard: { 'requests.cpu': '40', 'requests.memory': '80Gi', pods: '200' } } }, { component: 'namespaces', namespace: 'payments' });
    return;
  }
  if (i.appName.includes('kyverno')) {
    for (const policy of ['require-labels', 'disallow-latest-tag', 'require-probes', 'restrict-image-registries', 'require-run-as-nonroot']) {
      b.add('kyverno.io', 'v1', 'ClusterPolicy', policy, { spec: { background: true, rules: [{ match: { any: [{ resources: { kinds: ['Pod'] } }] }, name: policy, validate: { message: `${policy} violated`, pattern: { spec: { containers: [{ name: '*' }] } } } }], validationFailureAction: 'Enforce' } }, { component: 'policies', hasHealth: true });
    }
    return;
  }
  for (const t of teams) {
    if (i.appName.includes('rbac')) {
      b.add('rbac.authorization.k8s.io', 'v1', 'RoleBinding', `${t}-developers`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `acme:${t}-developers` }] }, { component: 'rbac', namespace: t });
    } else {
      b.add('networking.k8s.io', 'v1', 'NetworkPolicy', 'default-deny-ingress', { spec: { podSelector: {}, policyTypes: ['Ingress'] } }, { component: 'network-policies', namespace: t });
    }
  }
  b.add('rbac.authorization.k8s.io', 'v1', 'ClusterRole', `acme-${i.appName.replace('platform-', '')}-viewer`, { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }] }, { component: 'rbac' });
}

function buildGuestbook(b: Builder): void {
  const i = b.input;
  const name = 'guestbook-ui';
  serviceAccount(b, name);
  configMap(b, `${name}-config`, { GUESTBOOK_TITLE: 'Guestbook', REDIS_HOST: 'redis-master' });
  b.add('', 'v1', 'Service', name, { spec: { ports: [{ port: 80, targetPort: 80 }], selector: { app: name } } }, { component: name, hasHealth: true });
  b.add('apps', 'v1', 'Deployment', name, {
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ image: i.image, name, ports: [{ containerPort: 80 }] }] } },
    },
  }, { component: name, hasHealth: true });
  if (i.host) ingress(b, name, i.host);
}

const BUILDERS: Record<AppProfile, (b: Builder) => void> = {
  web: buildWeb,
  worker: buildWorker,
  cron: buildCron,
  site: buildSite,
  addon: buildAddon,
  config: buildConfig,
  guestbook: buildGuestbook,
};

/** Every resource an application declares, in a stable order. */
export function buildDrafts(input: BuildInput): ResourceDraft[] {
  const b = new Builder(input);
  BUILDERS[input.template.profile](b);
  // Keep charts with many components within 15 resources, dropping namespaced RBAC first.
  if (b.drafts.length > 15) return b.drafts.filter((d) => d.kind !== 'Role' && d.kind !== 'RoleBinding').slice(0, 15);
  return b.drafts;
}
