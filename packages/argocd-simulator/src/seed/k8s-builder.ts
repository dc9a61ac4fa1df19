/** The Kubernetes manifests an application declares: the builder that labels and tracks them, and one helper per kind. */
import type { Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import type { AppTemplate } from './catalog.ts';

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

/** Collects an application's resources, each labelled and carrying Argo CD's tracking id. */
export class Builder {
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

export function envFor(input: BuildInput, component: string, port: number): JsonObject[] {
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

export function container(input: BuildInput, name: string, image: string, port: number, opts: { probes?: boolean; cpu?: string; memory?: string } = {}): JsonObject {
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

export function podSpec(input: BuildInput, name: string, containers: JsonObject[], extra: JsonObject = {}): JsonObject {
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

export function workloadDeployment(b: Builder, name: string, image: string, port: number, replicas: number, opts: { probes?: boolean } = {}): void {
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

export function configMap(b: Builder, name: string, data: Record<string, string>): void {
  b.add('', 'v1', 'ConfigMap', name, { data });
}

export function service(b: Builder, name: string, port: number): void {
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

export function serviceAccount(b: Builder, name: string): void {
  b.add('', 'v1', 'ServiceAccount', name, { automountServiceAccountToken: false }, { component: name, annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${b.input.namespace}-${name}` } });
}

export function ingress(b: Builder, name: string, host: string): void {
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

export function hpa(b: Builder, name: string, kind: string, min: number, max: number): void {
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

export function pdb(b: Builder, name: string): void {
  b.add('policy', 'v1', 'PodDisruptionBudget', name, {
    spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/instance': b.input.appName, 'app.kubernetes.io/name': name } } },
  }, { component: name, hasHealth: true });
}

export function externalSecret(b: Builder, name: string): void {
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

export function serviceMonitor(b: Builder, name: string): void {
  b.add('monitoring.coreos.com', 'v1', 'ServiceMonitor', name, {
    spec: {
      endpoints: [{ interval: '30s', path: '/metrics', port: 'metrics', scrapeTimeout: '10s' }],
      namespaceSelector: { matchNames: [b.input.namespace] },
      selector: { matchLabels: { 'app.kubernetes.io/instance': b.input.appName, 'app.kubernetes.io/name': name } },
    },
  }, { component: name });
}

export function networkPolicy(b: Builder, name: string): void {
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

export function appConfig(input: BuildInput, name: string): Record<string, string> {
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
