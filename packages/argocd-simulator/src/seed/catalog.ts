/** Fixed names and URLs the seed data is built from. */

/** The two clusters every simulator knows. */
export const CLUSTERS = {
  inCluster: { name: 'in-cluster', server: 'https://kubernetes.default.svc' },
  production: { name: 'production', server: 'https://prod.k8s.example.com' },
} as const;

/** Git repositories. */
export const GIT_REPOS = {
  apps: 'https://github.com/acme/apps',
  payments: 'https://github.com/acme/payments-deploy',
  frontend: 'https://github.com/acme/frontend-deploy',
  platform: 'git@github.com:acme/platform-gitops.git',
  examples: 'https://github.com/argoproj/argocd-example-apps.git',
} as const;

/** Helm repositories (name → URL). */
export const HELM_REPOS = {
  'ingress-nginx': 'https://kubernetes.github.io/ingress-nginx',
  jetstack: 'https://charts.jetstack.io',
  'external-dns': 'https://kubernetes-sigs.github.io/external-dns',
  'prometheus-community': 'https://prometheus-community.github.io/helm-charts',
  grafana: 'https://grafana.github.io/helm-charts',
  kedacore: 'https://kedacore.github.io/charts',
} as const;

/** The Argo CD application namespace. */
export const ARGOCD_NS = 'argocd';

/** What kind of workload an application deploys; drives its resources and logs. */
export type AppProfile = 'web' | 'worker' | 'cron' | 'site' | 'addon' | 'config' | 'guestbook';

/** A catalogue entry for one application. */
export interface AppTemplate {
  name: string;
  profile: AppProfile;
  team: string;
  /** Helm chart (for addons): chart name, repo key and version history (oldest first). */
  chart?: { name: string; repo: keyof typeof HELM_REPOS; versions: string[]; images: string[] };
  /** Destination namespace. */
  namespace: string;
  /** Whether it is reachable through an Ingress. */
  public?: boolean;
}

const PAYMENTS: AppTemplate[] = [
  { name: 'payments-api', profile: 'web', team: 'payments', namespace: 'payments', public: true },
  { name: 'payments-worker', profile: 'worker', team: 'payments', namespace: 'payments' },
  { name: 'payments-gateway', profile: 'web', team: 'payments', namespace: 'payments', public: true },
  { name: 'payments-ledger', profile: 'web', team: 'payments', namespace: 'payments' },
  { name: 'payments-reconciler', profile: 'cron', team: 'payments', namespace: 'payments' },
  { name: 'payments-webhooks', profile: 'web', team: 'payments', namespace: 'payments', public: true },
  { name: 'payments-fraud-detector', profile: 'worker', team: 'risk', namespace: 'payments' },
  { name: 'payments-notifier', profile: 'worker', team: 'payments', namespace: 'payments' },
  { name: 'invoicing-api', profile: 'web', team: 'billing', namespace: 'billing', public: true },
  { name: 'billing-service', profile: 'web', team: 'billing', namespace: 'billing' },
  { name: 'refunds-service', profile: 'web', team: 'payments', namespace: 'payments' },
  { name: 'payouts-worker', profile: 'worker', team: 'payments', namespace: 'payments' },
  { name: 'currency-rates-sync', profile: 'cron', team: 'billing', namespace: 'billing' },
  { name: 'payments-admin', profile: 'web', team: 'payments', namespace: 'payments', public: true },
  { name: 'settlement-batch', profile: 'cron', team: 'payments', namespace: 'payments' },
  { name: 'ledger-exporter', profile: 'worker', team: 'billing', namespace: 'billing' },
  { name: 'chargeback-service', profile: 'web', team: 'risk', namespace: 'payments' },
  { name: 'payment-methods-api', profile: 'web', team: 'payments', namespace: 'payments' },
];

const PLATFORM: AppTemplate[] = [
  { name: 'platform-ingress-nginx', profile: 'addon', team: 'platform', namespace: 'ingress-nginx', chart: { name: 'ingress-nginx', repo: 'ingress-nginx', versions: ['4.10.1', '4.10.4', '4.11.1', '4.11.2', '4.11.3', '4.12.0'], images: ['registry.k8s.io/ingress-nginx/controller:v1.12.0'] } },
  { name: 'platform-cert-manager', profile: 'addon', team: 'platform', namespace: 'cert-manager', chart: { name: 'cert-manager', repo: 'jetstack', versions: ['v1.14.5', 'v1.15.1', 'v1.15.3', 'v1.16.1', 'v1.16.2', 'v1.16.3'], images: ['quay.io/jetstack/cert-manager-controller:v1.16.3', 'quay.io/jetstack/cert-manager-webhook:v1.16.3', 'quay.io/jetstack/cert-manager-cainjector:v1.16.3'] } },
  { name: 'platform-external-dns', profile: 'addon', team: 'platform', namespace: 'external-dns', chart: { name: 'external-dns', repo: 'external-dns', versions: ['1.14.3', '1.14.5', '1.15.0', '1.15.1', '1.15.2'], images: ['registry.k8s.io/external-dns/external-dns:v0.15.1'] } },
  { name: 'platform-kube-prometheus-stack', profile: 'addon', team: 'observability', namespace: 'monitoring', chart: { name: 'kube-prometheus-stack', repo: 'prometheus-community', versions: ['61.3.2', '62.7.0', '65.1.1', '66.3.1', '67.9.0', '68.3.0'], images: ['quay.io/prometheus-operator/prometheus-operator:v0.79.2', 'quay.io/prometheus/node-exporter:v1.8.2', 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0'] } },
  { name: 'platform-grafana', profile: 'addon', team: 'observability', namespace: 'monitoring', public: true, chart: { name: 'grafana', repo: 'grafana', versions: ['8.3.6', '8.4.9', '8.5.2', '8.6.4', '8.8.5'], images: ['docker.io/grafana/grafana:11.4.0', 'quay.io/kiwigrid/k8s-sidecar:1.28.0'] } },
  { name: 'platform-loki', profile: 'addon', team: 'observability', namespace: 'monitoring', chart: { name: 'loki', repo: 'grafana', versions: ['6.10.0', '6.16.0', '6.21.0', '6.24.0', '6.25.0'], images: ['docker.io/grafana/loki:3.3.2'] } },
  { name: 'platform-keda', profile: 'addon', team: 'platform', namespace: 'keda', chart: { name: 'keda', repo: 'kedacore', versions: ['2.14.2', '2.15.0', '2.15.1', '2.16.0', '2.16.1'], images: ['ghcr.io/kedacore/keda:2.16.1', 'ghcr.io/kedacore/keda-metrics-apiserver:2.16.1'] } },
  { name: 'platform-tempo', profile: 'addon', team: 'observability', namespace: 'monitoring', chart: { name: 'tempo', repo: 'grafana', versions: ['1.10.1', '1.10.3', '1.14.0', '1.16.0', '1.18.1'], images: ['docker.io/grafana/tempo:2.6.1'] } },
  { name: 'platform-namespaces', profile: 'config', team: 'platform', namespace: 'default' },
  { name: 'platform-network-policies', profile: 'config', team: 'security', namespace: 'default' },
  { name: 'platform-rbac', profile: 'config', team: 'platform', namespace: 'default' },
  { name: 'platform-otel-collector', profile: 'worker', team: 'observability', namespace: 'monitoring' },
  { name: 'platform-kyverno-policies', profile: 'config', team: 'security', namespace: 'kyverno' },
  { name: 'platform-velero-schedules', profile: 'cron', team: 'platform', namespace: 'velero' },
  { name: 'platform-cluster-autoscaler', profile: 'worker', team: 'platform', namespace: 'kube-system' },
  { name: 'platform-image-updater', profile: 'worker', team: 'platform', namespace: 'argocd' },
  { name: 'platform-descheduler', profile: 'cron', team: 'platform', namespace: 'kube-system' },
  { name: 'platform-node-problem-detector', profile: 'worker', team: 'platform', namespace: 'kube-system' },
];

const FRONTEND: AppTemplate[] = [
  { name: 'checkout-frontend', profile: 'site', team: 'web', namespace: 'frontend', public: true },
  { name: 'storefront-web', profile: 'site', team: 'web', namespace: 'frontend', public: true },
  { name: 'search-ui', profile: 'site', team: 'discovery', namespace: 'frontend', public: true },
  { name: 'storefront-bff', profile: 'web', team: 'web', namespace: 'frontend', public: true },
  { name: 'account-portal', profile: 'site', team: 'identity', namespace: 'frontend', public: true },
  { name: 'admin-dashboard', profile: 'site', team: 'web', namespace: 'frontend', public: true },
  { name: 'marketing-site', profile: 'site', team: 'growth', namespace: 'marketing', public: true },
  { name: 'mobile-bff', profile: 'web', team: 'mobile', namespace: 'frontend', public: true },
  { name: 'product-catalog-ui', profile: 'site', team: 'discovery', namespace: 'frontend', public: true },
  { name: 'cart-service', profile: 'web', team: 'web', namespace: 'frontend' },
  { name: 'recommendations-ui', profile: 'site', team: 'discovery', namespace: 'frontend', public: true },
  { name: 'image-resizer', profile: 'web', team: 'web', namespace: 'frontend', public: true },
  { name: 'web-analytics-collector', profile: 'worker', team: 'growth', namespace: 'marketing' },
  { name: 'sitemap-generator', profile: 'cron', team: 'growth', namespace: 'marketing' },
  { name: 'feature-flags-ui', profile: 'site', team: 'web', namespace: 'frontend', public: true },
  { name: 'reviews-widget', profile: 'site', team: 'discovery', namespace: 'frontend', public: true },
  { name: 'wishlist-service', profile: 'web', team: 'web', namespace: 'frontend' },
];

const DEFAULT: AppTemplate[] = [
  { name: 'guestbook', profile: 'guestbook', team: 'sandbox', namespace: 'guestbook', public: true },
  { name: 'helm-guestbook', profile: 'guestbook', team: 'sandbox', namespace: 'helm-guestbook', public: true },
  { name: 'kustomize-guestbook', profile: 'guestbook', team: 'sandbox', namespace: 'kustomize-guestbook', public: true },
];

/** The application catalogue per project, in allocation order. */
export const APP_POOLS: Record<string, AppTemplate[]> = {
  payments: PAYMENTS,
  platform: PLATFORM,
  frontend: FRONTEND,
  default: DEFAULT,
};

/** Seeded projects (besides `default`). */
export const TEAM_PROJECTS = ['payments', 'platform', 'frontend'] as const;

/** Picks the project of the i-th application: round-robin over the team projects, every 17th goes to default. */
export function projectForIndex(i: number): string {
  const slot = i % 17;
  if (slot === 16) return 'default';
  return TEAM_PROJECTS[slot % 3] as string;
}

/** Cluster nodes (three per cluster). */
export const NODES: Record<string, string[]> = {
  [CLUSTERS.production.server]: ['ip-10-20-1-17.eu-west-1.compute.internal', 'ip-10-20-2-41.eu-west-1.compute.internal', 'ip-10-20-3-88.eu-west-1.compute.internal'],
  [CLUSTERS.inCluster.server]: ['argocd-control-plane-1', 'argocd-worker-1', 'argocd-worker-2'],
};
