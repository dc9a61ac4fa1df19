/** Builders for the Kubernetes manifests an application deploys (desired state) and their live copies. */
import { isoSeconds } from '../clock.ts';
import type { Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import type { AppProfile, AppTemplate } from './catalog.ts';

/** One resource as it is declared in Git (before the cluster adds status and server fields). */
export interface ResourceDraft {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  target: JsonObject;
  /** Kinds with a health assessment in Argo CD. */
  hasHealth: boolean;
  hook?: boolean;
}

/** What the builders need to know about the application. */
export interface BuildInput {
  template: AppTemplate;
  appName: string;
  namespace: string;
  /** Container image of the main workload, e.g. ghcr.io/acme/payments-api:v1.42.3. */
  image: string;
  version: string;
  replicas: number;
  rng: Rng;
  host?: string;
  chartLabel?: string;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ClusterPolicy', 'PriorityClass', 'ClusterIssuer']);

/** True for kinds that have no namespace. */
export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

function apiVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Argo CD's annotation tracking id: `<app>:<group>/<kind>:<namespace>/<name>`. */
export function trackingId(app: string, group: string, kind: string, namespace: string, name: string): string {
  return `${app}:${group}/${kind}:${namespace}/${name}`;
}

class Builder {
  readonly drafts: ResourceDraft[] = [];
  constructor(readonly input: BuildInput) {}

  labels(component: string): Record<string, string> {
    const i = this.input;
    const labels: Record<string, string> = {
      'app.kubernetes.io/name': component,
      'app.kubernetes.io/instance': i.appName,
      'app.kubernetes.io/part-of': i.template.team,
      'app.kubernetes.io/version': i.version,
    };
    if (i.chartLabel) {
      labels['app.kubernetes.io/managed-by'] = 'Helm';
      labels['helm.sh/chart'] = i.chartLabel;
    } else {
      labels['app.kubernetes.io/managed-by'] = 'argocd';
    }
    return labels;
  }

  add(group: string, version: string, kind: string, name: string, body: JsonObject, opts: { component?: string; hasHealth?: boolean; hook?: boolean; annotations?: Record<string, string>; namespace?: string } = {}): JsonObject {
    const namespace = isClusterScoped(kind) ? '' : (opts.namespace ?? this.input.namespace);
    const metadata: JsonObject = {
      annotations: { ...(opts.annotations ?? {}), 'argocd.argoproj.io/tracking-id': trackingId(this.input.appName, group, kind, namespace, name) },
      labels: this.labels(opts.component ?? this.input.appName),
      name,
    };
    if (namespace) metadata.namespace = namespace;
    const target: JsonObject = { apiVersion: apiVersion(group, version), kind, metadata, ...body };
    this.drafts.push({ group, version, kind, namespace, name, target, hasHealth: opts.hasHealth ?? false, hook: opts.hook });
    return target;
  }
}

function envFor(input: BuildInput, component: string, port: number): JsonObject[] {
  const { rng, template } = input;
  const env: JsonObject[] = [
    { name: 'PORT', value: String(port) },
    { name: 'LOG_LEVEL', value: rng.pick(['info', 'info', 'debug', 'warn']) },
    { name: 'LOG_FORMAT', value: 'json' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { divisor: '0', resource: 'limits.cpu' } } },
    { name: 'OTEL_SERVICE_NAME', value: component },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.monitoring.svc.cluster.local:4317' },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `service.namespace=${template.team},deployment.environment=production` },
  ];
  if (template.profile === 'web' || template.profile === 'worker' || template.profile === 'cron') {
    env.push(
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { key: 'database-url', name: `${component}-secrets` } } },
      { name: 'REDIS_URL', value: `redis://redis-master.${input.namespace}.svc.cluster.local:6379/0` },
      { name: 'KAFKA_BROKERS', value: 'kafka-0.kafka-headless.kafka.svc:9092,kafka-1.kafka-headless.kafka.svc:9092,kafka-2.kafka-headless.kafka.svc:9092' },
      { name: 'SENTRY_DSN', valueFrom: { secretKeyRef: { key: 'sentry-dsn', name: `${component}-secrets` } } },
      { name: 'FEATURE_FLAGS_URL', value: 'http://flagd.platform.svc.cluster.local:8013' },
      { name: 'HTTP_CLIENT_TIMEOUT', value: `${rng.int(2, 30)}s` },
    );
  }
  return env;
}

function container(input: BuildInput, name: string, image: string, port: number, opts: { probes?: boolean; cpu?: string; memory?: string } = {}): JsonObject {
  const c: JsonObject = {
    env: envFor(input, name, port),
    envFrom: [{ configMapRef: { name: `${name}-config` } }],
    image,
    imagePullPolicy: 'IfNotPresent',
    name,
    ports: [
      { containerPort: port, name: 'http', protocol: 'TCP' },
      { containerPort: 9090, name: 'metrics', protocol: 'TCP' },
    ],
    resources: {
      limits: { cpu: opts.cpu ?? '1', memory: opts.memory ?? '512Mi' },
      requests: { cpu: '100m', memory: opts.memory ?? '256Mi' },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
    },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/etc/app', name: 'config', readOnly: true },
    ],
  };
  if (opts.probes !== false) {
    c.livenessProbe = { failureThreshold: 3, httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 2 };
    c.readinessProbe = { failureThreshold: 3, httpGet: { path: '/readyz', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, successThreshold: 1, timeoutSeconds: 2 };
  }
  return c;
}

function podSpec(input: BuildInput, name: string, containers: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { podAffinityTerm: { labelSelector: { matchLabels: { 'app.kubernetes.io/instance': input.appName, 'app.kubernetes.io/name': name } }, topologyKey: 'kubernetes.io/hostname' }, weight: 100 },
        ],
      },
    },
    containers,
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: { fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    serviceAccountName: name,
    terminationGracePeriodSeconds: 30,
    topologySpreadConstraints: [{ labelSelector: { matchLabels: { 'app.kubernetes.io/name': name } }, maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
    volumes: [
      { emptyDir: {}, name: 'tmp' },
      { configMap: { defaultMode: 420, name: `${name}-config` }, name: 'config' },
    ],
    ...extra,
  };
}

function workloadDeployment(b: Builder, name: string, image: string, port: number, replicas: number, opts: { probes?: boolean } = {}): void {
  const i = b.input;
  b.add('apps', 'v1', 'Deployment', name, {
    spec: {
      progressDeadlineSeconds: 600,
      replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { 'app.kubernetes.io/instance': i.appName, 'app.kubernetes.io/name': name } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 }, type: 'RollingUpdate' },
      template: {
        metadata: {
          annotations: { 'prometheus.io/port': '9090', 'prometheus.io/scrape': 'true' },
          labels: { 'app.kubernetes.io/instance': i.appName, 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': i.version },
        },
        spec: podSpec(i, name, [container(i, name, image, port, opts)]),
      },
    },
  }, { component: name, hasHealth: true });
}

function configMap(b: Builder, name: string, data: Record<string, string>): void {
  b.add('', 'v1', 'ConfigMap', name, { data });
}

function service(b: Builder, name: string, port: number): void {
  b.add('', 'v1', 'Service', name, {
    spec: {
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
        { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 'metrics' },
      ],
      selector: { 'app.kubernetes.io/instance': b.input.appName, 'app.kubernetes.io/name': name },
      type: 'ClusterIP',
    },
  }, { component: name, hasHealth: true });
  void port;
}

function serviceAccount(b: Builder, name: string): void {
  b.add('', 'v1', 'ServiceAccount', name, { automountServiceAccountToken: false }, { component: name, annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${b.input.namespace}-${name}` } });
}

function ingress(b: Builder, name: string, host: string): void {
  b.add('networking.k8s.io', 'v1', 'Ingress', name, {
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host, http: { paths: [{ backend: { service: { name, port: { name: 'http' } } }, path: '/', pathType: 'Prefix' }] } }],
      tls: [{ hosts: [host], secretName: `${name}-tls` }],
    },
  }, {
    component: name,
    hasHealth: true,
    annotations: {
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'external-dns.alpha.kubernetes.io/hostname': host,
    },
  });
}

function hpa(b: Builder, name: string, kind: string, min: number, max: number): void {
  b.add('autoscaling', 'v2', 'HorizontalPodAutoscaler', name, {
    spec: {
      maxReplicas: max,
      metrics: [
        { resource: { name: 'cpu', target: { averageUtilization: 70, type: 'Utilization' } }, type: 'Resource' },
        { resource: { name: 'memory', target: { averageUtilization: 80, type: 'Utilization' } }, type: 'Resource' },
      ],
      minReplicas: min,
      scaleTargetRef: { apiVersion: 'apps/v1', kind, name },
    },
  }, { component: name, hasHealth: true });
}

function pdb(b: Builder, name: string): void {
  b.add('policy', 'v1', 'PodDisruptionBudget', name, {
    spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/instance': b.input.appName, 'app.kubernetes.io/name': name } } },
  }, { component: name, hasHealth: true });
}

function externalSecret(b: Builder, name: string): void {
  b.add('external-secrets.io', 'v1beta1', 'ExternalSecret', `${name}-secrets`, {
    spec: {
      data: [
        { remoteRef: { key: `prod/${b.input.template.team}/${name}`, property: 'database-url' }, secretKey: 'database-url' },
        { remoteRef: { key: `prod/${b.input.template.team}/${name}`, property: 'sentry-dsn' }, secretKey: 'sentry-dsn' },
        { remoteRef: { key: `prod/${b.input.template.team}/${name}`, property: 'api-signing-key' }, secretKey: 'api-signing-key' },
      ],
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
      target: { creationPolicy: 'Owner', name: `${name}-secrets` },
    },
  }, { component: name, hasHealth: true });
}

function serviceMonitor(b: Builder, name: string): void {
  b.add('monitoring.coreos.com', 'v1', 'ServiceMonitor', name, {
    spec: {
      endpoints: [{ interval: '30s', path: '/metrics', port: 'metrics', scrapeTimeout: '10s' }],
      namespaceSelector: { matchNames: [b.input.namespace] },
      selector: { matchLabels: { 'app.kubernetes.io/instance': b.input.appName, 'app.kubernetes.io/name': name } },
    },
  }, { component: name });
}

function networkPolicy(b: Builder, name: string): void {
  b.add('networking.k8s.io', 'v1', 'NetworkPolicy', name, {
    spec: {
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
      ],
      podSelector: { matchLabels: { 'app.kubernetes.io/name': name } },
      policyTypes: ['Ingress'],
    },
  }, { component: name });
}

function appConfig(input: BuildInput, name: string): Record<string, string> {
  const r = input.rng;
  return {
    'app.yaml': [
      `service: ${name}`,
      `environment: production`,
      `http:`,
      `  readTimeout: ${r.int(5, 30)}s`,
      `  writeTimeout: ${r.int(5, 30)}s`,
      `  maxHeaderBytes: 1048576`,
      `database:`,
      `  maxOpenConns: ${r.int(10, 100)}`,
      `  maxIdleConns: ${r.int(2, 20)}`,
      `  connMaxLifetime: 30m`,
      `cache:`,
      `  ttl: ${r.int(30, 900)}s`,
      `  size: ${r.int(1000, 50000)}`,
      `tracing:`,
      `  sampleRatio: ${r.pick(['0.01', '0.05', '0.1', '0.25'])}`,
      '',
    ].join('\n'),
    FEATURE_NEW_CHECKOUT: r.pick(['true', 'false']),
    FEATURE_RATE_LIMITS: 'true',
    RATE_LIMIT_RPS: String(r.int(50, 2000)),
    UPSTREAM_TIMEOUT_MS: String(r.int(500, 10000)),
  };
}

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
