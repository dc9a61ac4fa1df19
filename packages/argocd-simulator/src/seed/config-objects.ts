/** Seeded configuration objects: projects, clusters, repositories, credentials, certificates, GPG keys, accounts, settings. */
import { EPOCH_MS, isoSeconds } from '../clock.ts';
import type { Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import { ARGOCD_NS, CLUSTERS, GIT_REPOS, HELM_REPOS } from './catalog.ts';

const DAY = 86_400_000;

/** Metadata of an object stored in the argocd namespace (uid, resourceVersion, generation, creation time). */
export function objectMeta(rng: Rng, name: string, extra: JsonObject = {}): JsonObject {
  return {
    name,
    namespace: ARGOCD_NS,
    uid: rng.uuid(),
    resourceVersion: String(rng.int(100_000, 9_999_999)),
    generation: rng.int(1, 40),
    creationTimestamp: isoSeconds(EPOCH_MS - rng.int(90, 700) * DAY),
    ...extra,
  };
}

/** AppProjects: default plus the three team projects. */
export function buildProjects(rng: Rng): JsonObject[] {
  const tokenIat = (days: number) => Math.floor((EPOCH_MS - days * DAY) / 1000);
  const team = (name: string, description: string, repos: string[], namespaces: string[], extra: JsonObject): JsonObject => {
    const roles = (extra.roles ?? []) as JsonObject[];
    const jwtTokensByRole: JsonObject = {};
    for (const role of roles) if (Array.isArray(role.jwtTokens) && role.jwtTokens.length) jwtTokensByRole[String(role.name)] = { items: role.jwtTokens };
    return {
      metadata: objectMeta(rng, name, { finalizers: ['resources-finalizer.argocd.argoproj.io'], labels: { 'acme.io/team': name } }),
      spec: {
        sourceRepos: repos,
        destinations: namespaces.flatMap((ns) => [{ server: CLUSTERS.production.server, namespace: ns, name: CLUSTERS.production.name }, { server: CLUSTERS.inCluster.server, namespace: ns, name: CLUSTERS.inCluster.name }]),
        description,
        ...extra,
        orphanedResources: { warn: true, ignore: [{ group: '', kind: 'ConfigMap', name: 'kube-root-ca.crt' }] },
      },
      status: Object.keys(jwtTokensByRole).length ? { jwtTokensByRole } : {},
    };
  };
  return [
    {
      metadata: objectMeta(rng, 'default'),
      spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
      status: {},
    },
    team('payments', 'Payments, billing and risk services (PCI scope)', [GIT_REPOS.payments, GIT_REPOS.apps], ['payments', 'payments-staging', 'billing', 'billing-staging'], {
      namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }, { group: '', kind: 'LimitRange' }],
      roles: [
        { name: 'ci-deployer', description: 'Used by the payments CI pipeline to sync applications', policies: ['p, proj:payments:ci-deployer, applications, get, payments/*, allow', 'p, proj:payments:ci-deployer, applications, sync, payments/*, allow'], jwtTokens: [{ iat: tokenIat(120), id: 'github-actions' }, { iat: tokenIat(30), exp: tokenIat(-335), id: 'release-bot' }] },
        { name: 'read-only', description: 'Read-only access for the payments on-call rotation', policies: ['p, proj:payments:read-only, applications, get, payments/*, allow'], groups: ['acme:payments-oncall'] },
      ],
      // Windows whose state does not depend on the hour the tests run (a time-of-day window would make every test
      // that syncs a payments app pass by day and fail by night): a change freeze on settlement that still allows
      // manual syncs, and an allow window that is always open. Tests that need a closed window set one (project_update).
      syncWindows: [
        { kind: 'deny', schedule: '* * * * *', duration: '1h', applications: ['settlement-*'], manualSync: true },
        { kind: 'allow', schedule: '* * * * *', duration: '1h', applications: ['*'], namespaces: ['payments', 'billing'], manualSync: true },
      ],
      signatureKeys: [{ keyID: '4A3E6F1B9C2D8E7F' }],
      sourceNamespaces: [ARGOCD_NS],
    }),
    team('platform', 'Cluster add-ons, policies and observability', [GIT_REPOS.platform, ...Object.values(HELM_REPOS)], ['*'], {
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      roles: [{ name: 'platform-admin', description: 'Platform team admins', policies: ['p, proj:platform:platform-admin, applications, *, platform/*, allow'], groups: ['acme:platform'] }],
      syncWindows: [{ kind: 'allow', schedule: '* * * * *', duration: '1h', applications: ['*'], manualSync: true }],
    }),
    team('frontend', 'Customer-facing web frontends and BFFs', [GIT_REPOS.frontend, GIT_REPOS.apps], ['frontend', 'frontend-staging', 'marketing', 'marketing-staging'], {
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      roles: [{ name: 'preview-bot', description: 'Creates preview environments', policies: ['p, proj:frontend:preview-bot, applications, create, frontend/*, allow', 'p, proj:frontend:preview-bot, applications, delete, frontend/*, allow', 'p, proj:frontend:preview-bot, applications, get, frontend/*, allow'], jwtTokens: [{ iat: tokenIat(60), id: 'previews' }] }],
    }),
  ];
}

/** Clusters as stored (with secrets; the API strips them). */
export function buildClusters(rng: Rng): JsonObject[] {
  const attempted = isoSeconds(EPOCH_MS - rng.int(10, 300) * 1000);
  const info = (apps: number, resources: number): JsonObject => ({
    connectionState: { status: 'Successful', message: '', attemptedAt: attempted },
    serverVersion: '1.31',
    cacheInfo: { resourcesCount: resources, apisCount: rng.int(140, 220), lastCacheSyncTime: isoSeconds(EPOCH_MS - rng.int(60, 3600) * 1000) },
    applicationsCount: apps,
    apiVersions: ['admissionregistration.k8s.io/v1', 'apps/v1', 'autoscaling/v2', 'batch/v1', 'cert-manager.io/v1', 'discovery.k8s.io/v1', 'external-secrets.io/v1beta1', 'keda.sh/v1alpha1', 'monitoring.coreos.com/v1', 'networking.k8s.io/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'v1'],
  });
  return [
    {
      server: CLUSTERS.inCluster.server,
      name: CLUSTERS.inCluster.name,
      config: { tlsClientConfig: { insecure: false } },
      info: info(0, rng.int(900, 2000)),
    },
    {
      server: CLUSTERS.production.server,
      name: CLUSTERS.production.name,
      config: {
        bearerToken: `eyJhbGciOiJSUzI1NiIsImtpZCI6Ii${rng.hex(40)}`,
        tlsClientConfig: { insecure: false, caData: Buffer.from(`-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgII${rng.hex(48)}\n-----END CERTIFICATE-----\n`).toString('base64') },
      },
      info: info(0, rng.int(6000, 12000)),
      labels: { env: 'production', region: 'eu-west-1', 'argocd.argoproj.io/auto-label-cluster-info': 'true' },
      annotations: { 'acme.io/owner': 'platform', 'acme.io/eks-cluster-arn': 'arn:aws:eks:eu-west-1:123456789012:cluster/prod-euw1' },
    },
  ];
}

/** Repositories as stored (secrets included; the API strips them). */
export function buildRepositories(rng: Rng): { repos: JsonObject[]; writeRepos: JsonObject[] } {
  const ok = () => ({ status: 'Successful', message: '', attemptedAt: isoSeconds(EPOCH_MS - rng.int(5, 600) * 1000) });
  const repos: JsonObject[] = [
    { repo: GIT_REPOS.apps, type: 'git', name: 'acme-apps', username: 'argocd-bot', password: `ghp_${rng.hex(36)}`, connectionState: ok() },
    { repo: GIT_REPOS.payments, type: 'git', name: 'payments-deploy', project: 'payments', inheritedCreds: true, connectionState: ok() },
    { repo: GIT_REPOS.frontend, type: 'git', name: 'frontend-deploy', githubAppID: 412345, githubAppInstallationID: 51234567, githubAppPrivateKey: `-----BEGIN RSA PRIVATE KEY-----\n${rng.hex(64)}\n-----END RSA PRIVATE KEY-----\n`, connectionState: ok() },
    { repo: GIT_REPOS.platform, type: 'git', name: 'platform-gitops', sshPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${rng.hex(64)}\n-----END OPENSSH PRIVATE KEY-----\n`, connectionState: ok() },
    { repo: GIT_REPOS.examples, type: 'git', name: 'argocd-example-apps', connectionState: ok() },
    ...Object.entries(HELM_REPOS).map(([name, url]) => ({ repo: url, type: 'helm', name, connectionState: ok() })),
    { repo: 'ghcr.io/acme/charts', type: 'helm', name: 'acme-oci-charts', enableOCI: true, username: 'acme-bot', password: `ghp_${rng.hex(36)}`, connectionState: ok() },
  ];
  const writeRepos: JsonObject[] = [{ repo: 'https://github.com/acme/apps-hydrated', type: 'git', name: 'apps-hydrated', username: 'argocd-hydrator', password: `ghp_${rng.hex(36)}`, connectionState: ok() }];
  return { repos, writeRepos };
}

/** Credential templates (repocreds and write-repocreds). */
export function buildRepoCreds(rng: Rng): { creds: JsonObject[]; writeCreds: JsonObject[] } {
  return {
    creds: [
      { url: 'https://github.com/acme', username: 'argocd-bot', password: `ghp_${rng.hex(36)}`, type: 'git' },
      { url: 'git@github.com:acme', sshPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${rng.hex(64)}\n-----END OPENSSH PRIVATE KEY-----\n`, type: 'git' },
      { url: 'ghcr.io/acme', username: 'acme-bot', password: `ghp_${rng.hex(36)}`, type: 'helm', enableOCI: true },
    ],
    writeCreds: [{ url: 'https://github.com/acme', username: 'argocd-hydrator', password: `ghp_${rng.hex(36)}`, type: 'git' }],
  };
}

/** Known SSH host keys and TLS certificates. */
export function buildCertificates(rng: Rng): JsonObject[] {
  const ssh = (serverName: string, subType: string, key: string, info: string) => ({ serverName, certType: 'ssh', certSubType: subType, certData: Buffer.from(key).toString('base64'), certInfo: info });
  return [
    ssh('github.com', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU'),
    ssh('github.com', 'ecdsa-sha2-nistp256', 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=', 'SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM'),
    ssh('github.com', 'ssh-rsa', `AAAAB3NzaC1yc2EAAAADAQABAAABgQ${Buffer.from(rng.hex(280)).toString('base64').slice(0, 360)}`, 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s'),
    ssh('gitlab.com', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf', 'SHA256:eUXGGm1YGsMAS7vkcx6JOJdOGHPem5gQp4taiCfCLB8'),
    ssh('bitbucket.org', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIIazEu89wgQZ4bqs3d63QSMzYVa0MuJ2e2gKTKqu+UUO', 'SHA256:ybgmFkzwOSotHTHLJgHO0QN8L0xErw6vd0VhFA9m3SM'),
    { serverName: 'git.acme.internal', certType: 'https', certSubType: '', certData: Buffer.from(`-----BEGIN CERTIFICATE-----\nMIIFazCCA1OgAwIBAgIU${rng.hex(60)}\n-----END CERTIFICATE-----\n`).toString('base64'), certInfo: 'SHA256:' + Buffer.from(rng.hex(32), 'hex').toString('base64').replace(/=+$/, '') },
  ];
}

/** Trusted GnuPG public keys. */
export function buildGpgKeys(rng: Rng): JsonObject[] {
  const block = (label: string) => `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBF${Buffer.from(`${label}:${rng.hex(120)}`).toString('base64')}\n=${rng.hex(4)}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
  return [
    { keyID: 'B5690EEEBB952194', fingerprint: '968479A1AFF927E37D1A566BB5690EEEBB952194', owner: 'GitHub <noreply@github.com>', trust: 'ultimate', subType: 'ed25519', keyData: block('github') },
    { keyID: '4A3E6F1B9C2D8E7F', fingerprint: 'D1E4C0B7A5F23E9C81B6F0A24A3E6F1B9C2D8E7F', owner: 'Acme Release Signing <release@acme.io>', trust: 'ultimate', subType: 'rsa4096', keyData: block('acme-release') },
    { keyID: '7C1D2E3F4A5B6C7D', fingerprint: '0F9E8D7C6B5A49382716F5E47C1D2E3F4A5B6C7D', owner: 'Platform Bot <platform-bot@acme.io>', trust: 'ultimate', subType: 'rsa3072', keyData: block('platform-bot') },
  ];
}

/** Local accounts (settings.Account) with their API tokens. */
export function buildAccounts(): JsonObject[] {
  return [
    { name: 'admin', enabled: true, capabilities: ['login'] },
    { name: 'readonly', enabled: true, capabilities: ['apiKey'], tokens: [{ id: 'readonly-sim-token', issuedAt: 1_700_000_000 }] },
    { name: 'ci', enabled: true, capabilities: ['apiKey', 'login'], tokens: [{ id: 'github-actions', issuedAt: Math.floor((EPOCH_MS - 200 * DAY) / 1000), expiresAt: Math.floor((EPOCH_MS + 165 * DAY) / 1000) }] },
  ];
}

/** argocd-cm derived settings. */
export function buildSettings(): JsonObject {
  return {
    url: 'https://argocd.acme.io',
    additionalUrls: ['https://argocd.internal.acme.io'],
    dexConfig: { connectors: [{ name: 'GitHub', type: 'github' }] },
    appLabelKey: 'app.kubernetes.io/instance',
    resourceOverrides: {
      'apps/Deployment': { ignoreDifferences: '{"jsonPointers":["/spec/replicas"]}', ignoreResourceUpdates: '{"jsonPointers":["/status"]}' },
      'admissionregistration.k8s.io/MutatingWebhookConfiguration': { ignoreDifferences: '{"jsonPointers":["/webhooks/0/clientConfig/caBundle"]}' },
    },
    statusBadgeEnabled: true,
    statusBadgeRootUrl: 'https://argocd.acme.io/',
    googleAnalytics: { trackingID: '', anonymizeUsers: true },
    kustomizeOptions: { buildOptions: '--enable-helm --load-restrictor LoadRestrictionsNone' },
    help: { chatUrl: 'https://acme.slack.com/archives/C0PLATFORM', chatText: 'Chat in #platform-help', binaryUrls: { 'darwin-arm64': 'https://argocd.acme.io/download/argocd-darwin-arm64', 'linux-amd64': 'https://argocd.acme.io/download/argocd-linux-amd64' } },
    userLoginsDisabled: false,
    uiBannerContent: 'Production change freeze: Fri 22:00 – Mon 06:00 CET for payments',
    uiBannerURL: 'https://wiki.acme.io/platform/change-freeze',
    uiBannerPermanent: false,
    uiBannerPosition: 'top',
    passwordPattern: '^.{8,32}$',
    trackingMethod: 'annotation',
    execEnabled: false,
    appsInAnyNamespaceEnabled: false,
    impersonationEnabled: false,
    installationID: 'acme-prod-euw1',
    hydratorEnabled: true,
    syncWithReplaceAllowed: true,
    controllerNamespace: ARGOCD_NS,
    kustomizeVersions: ['v5.4.3'],
  };
}

/** Settings fields an anonymous caller may see (SettingsService.Get without a session). */
export const ANONYMOUS_SETTINGS_KEYS = ['url', 'additionalUrls', 'dexConfig', 'appLabelKey', 'statusBadgeEnabled', 'statusBadgeRootUrl', 'googleAnalytics', 'kustomizeOptions', 'help', 'userLoginsDisabled', 'kustomizeVersions', 'uiCssURL', 'trackingMethod', 'installationID', 'execEnabled', 'appsInAnyNamespaceEnabled', 'impersonationEnabled', 'hydratorEnabled', 'syncWithReplaceAllowed'];

/** Config management plugins (sidecars). */
export const PLUGINS = [{ name: 'argocd-vault-plugin' }, { name: 'argocd-vault-plugin-helm' }, { name: 'kustomize-envsubst' }];

/** argocd-notifications-cm services, templates and triggers. */
export const NOTIFICATIONS = {
  services: ['github', 'opsgenie', 'slack', 'webhook.deploy-tracker'],
  templates: ['app-created', 'app-deleted', 'app-deployed', 'app-health-degraded', 'app-sync-failed', 'app-sync-running', 'app-sync-status-unknown', 'app-sync-succeeded'],
  triggers: ['on-created', 'on-deleted', 'on-deployed', 'on-health-degraded', 'on-sync-failed', 'on-sync-running', 'on-sync-status-unknown', 'on-sync-succeeded'],
};
