/**
 * The Helm chart, rendered by the real helm (v4, from scripts/fetch-helm.sh; see helm.ts): `helm lint --strict` and
 * `helm template` for each values case, then checked as Kubernetes would: each manifest validates against the
 * Kubernetes API schemas of its kind (kubernetes-models: the OpenAPI schemas of Kubernetes 1.27 compiled to
 * validators; the Prometheus Operator's for ServiceMonitor). What the gateway reads (its config file, flags and
 * environment variables) is checked against the gateway itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load-config.ts';
import { TemplateError, hasHelm, lintChart, renderChart, renderNotes } from './helm.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHART = path.join(ROOT, 'deploy/helm/argocd-mcp-gateway');
const require = createRequire(import.meta.url);

/** Kind → the kubernetes-models class that validates it. */
const MODELS: Record<string, string> = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
};

function validateManifest(doc: Record<string, unknown>): void {
  const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  const module = MODELS[key];
  if (!module) throw new Error(`no schema for ${key}`);
  const kind = String(doc.kind);
  const Model = (require(module) as Record<string, new (data: unknown) => { validate(): void }>)[kind];
  new Model(doc).validate();
}

/** The minimum a release needs: where Argo CD is, its credentials, and who may call the gateway. */
const REQUIRED = {
  argocd: { url: 'https://argocd-server.argocd.svc', auth: { existingSecret: 'argocd-token' } },
  inboundAuth: { apiKeys: { existingSecret: 'mcp-api-keys' } },
};

const ALL_ON = {
  ...REQUIRED,
  argocd: {
    url: 'https://argocd.example.com/argocd',
    insecure: false,
    caSecret: 'argocd-ca',
    auth: { existingSecret: 'argocd-login', username: 'mcp-bot', passwordKey: 'pw' },
    headers: { 'CF-Access-Client-Id': 'abc.access', 'CF-Access-Client-Secret': '${CF_SECRET}' },
  },
  config: { readOnly: false, allow: ['applications', 'GET *'], deny: ['application_delete*'], toolsets: ['default'], mode: 'dynamic' },
  inboundAuth: { apiKeys: { existingSecret: '' }, oauth: { issuer: 'https://login.example.com', audience: 'argocd-mcp' }, publicUrl: 'https://mcp.example.com/mcp' },
  redis: { existingSecret: 'redis-url' },
  autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6 },
  ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'mcp.example.com', paths: [{ path: '/mcp', pathType: 'Prefix' }] }], tls: [{ secretName: 'mcp-tls', hosts: ['mcp.example.com'] }] },
  pdb: { enabled: true },
  networkPolicy: {
    create: true,
    ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
    metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
  },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
  metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
  extraEnv: [{ name: 'CF_SECRET', valueFrom: { secretKeyRef: { name: 'cf-access', key: 'secret' } } }],
  extraSecretMounts: [{ name: 'extra-tokens', secretName: 'instance-tokens', mountPath: '/etc/argocd-mcp/instances' }],
  podAnnotations: { 'example.com/team': 'platform' },
};

type Doc = Record<string, any>;
const byKind = (docs: Array<{ doc: Doc }>, kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const container = (docs: Array<{ doc: Doc }>) => byKind(docs, 'Deployment')[0].spec.template.spec.containers[0];
const envOf = (c: Doc) => Object.fromEntries((c.env as Doc[]).map((e) => [e.name, e.value ?? e.valueFrom]));

describe.skipIf(!hasHelm && !process.env.CI)('the Helm chart (run scripts/fetch-helm.sh for helm)', () => {
  it.each([
    ['the required values', REQUIRED],
    ['every option on', ALL_ON],
    ['several instances', { inboundAuth: REQUIRED.inboundAuth, config: { instances: [{ name: 'prod', url: 'https://prod.example.com', tokenFile: '/etc/argocd-mcp/instances/prod' }] } }],
  ])('passes helm lint --strict with %s', (_, values) => {
    expect(lintChart({ chartDir: CHART, values })).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders the defaults plus the required values into valid ConfigMap, Deployment, Service and ServiceAccount', () => {
    const { manifests } = renderChart({ chartDir: CHART, values: REQUIRED, release: { name: 'mcp', namespace: 'argocd' } });
    expect(manifests.map((m) => `${m.doc.kind}/${(m.doc.metadata as Doc).name}`).sort()).toEqual([
      'ConfigMap/mcp-argocd-mcp-gateway',
      'Deployment/mcp-argocd-mcp-gateway',
      'Service/mcp-argocd-mcp-gateway',
      'ServiceAccount/mcp-argocd-mcp-gateway',
    ]);
    for (const m of manifests) expect(() => validateManifest(m.doc), `${m.file}`).not.toThrow();
  });

  it('with every option on, renders HPA, Ingress and ServiceMonitor too, all valid and pointing at each other', () => {
    const { manifests } = renderChart({ chartDir: CHART, values: ALL_ON, release: { name: 'gw' } });
    const notes = renderNotes({ chartDir: CHART, values: ALL_ON, release: { name: 'gw' } });
    expect(new Set(manifests.map((m) => m.doc.kind))).toEqual(
      new Set(['ConfigMap', 'Deployment', 'Service', 'ServiceAccount', 'HorizontalPodAutoscaler', 'Ingress', 'ServiceMonitor', 'PodDisruptionBudget', 'NetworkPolicy']),
    );
    for (const m of manifests) expect(() => validateManifest(m.doc), `${m.file}`).not.toThrow();
    const name = 'gw-argocd-mcp-gateway';
    const deployment = byKind(manifests, 'Deployment')[0];
    expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns the replica count
    expect(byKind(manifests, 'HorizontalPodAutoscaler')[0].spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    expect(byKind(manifests, 'Ingress')[0].spec.rules[0].http.paths[0].backend.service).toEqual({ name, port: { name: 'http' } });
    const service = byKind(manifests, 'Service')[0];
    const monitor = byKind(manifests, 'ServiceMonitor')[0];
    expect(monitor.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(monitor.metadata.labels.release).toBe('prometheus');
    // Metrics and probes have a port of their own: the MCP port (and the Ingress in front of it) never publishes them.
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    expect(service.spec.ports.map((p: Doc) => [p.name, p.port, p.targetPort])).toEqual([['http', 8080, 'http'], ['metrics', 9090, 'metrics']]);
    const gateway = deployment.spec.template.spec.containers[0];
    expect(gateway.ports.map((p: Doc) => [p.name, p.containerPort])).toEqual([['http', 8080], ['metrics', 9090]]);
    expect(gateway.args.slice(gateway.args.indexOf('--metrics-port'), gateway.args.indexOf('--metrics-port') + 2)).toEqual(['--metrics-port', '9090']);
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(deployment.spec.template.metadata.annotations['example.com/team']).toBe('platform');
    expect(notes).toContain('https://mcp.example.com/mcp');
    // argo-helm's conventions: a PDB, a NetworkPolicy and spread constraints that select this release's pods.
    expect(byKind(manifests, 'PodDisruptionBudget')[0].spec).toEqual({ minAvailable: 1, selector: { matchLabels: service.spec.selector } });
    const policy = byKind(manifests, 'NetworkPolicy')[0].spec;
    expect(policy.podSelector.matchLabels).toEqual(service.spec.selector);
    expect(policy.ingress).toEqual([
      { ports: [{ port: 'http', protocol: 'TCP' }], from: ALL_ON.networkPolicy.ingressFrom },
      { ports: [{ port: 'metrics', protocol: 'TCP' }], from: ALL_ON.networkPolicy.metricsFrom },
    ]);
    expect(deployment.spec.template.spec.topologySpreadConstraints).toEqual([
      { ...ALL_ON.topologySpreadConstraints[0], labelSelector: { matchLabels: service.spec.selector } },
    ]);
  });

  it('the default Ingress routes /mcp and the OAuth paths, and never /metrics or the probes', () => {
    const { manifests } = renderChart({ chartDir: CHART, values: { ...REQUIRED, ingress: { enabled: true } } });
    const paths = (byKind(manifests, 'Ingress')[0].spec.rules[0].http.paths as Doc[]).map((p) => p.path as string);
    expect(paths).toEqual(['/mcp', '/.well-known/oauth-protected-resource', '/oauth']);
    for (const internal of ['/metrics', '/readyz', '/healthz']) expect(paths.some((p) => internal.startsWith(p)), internal).toBe(false);
  });

  it('runs the gateway hardened: non-root, read-only root filesystem, no capabilities, /tmp the only writable place', () => {
    const { manifests } = renderChart({ chartDir: CHART, values: REQUIRED });
    const pod = byKind(manifests, 'Deployment')[0].spec.template.spec;
    const c = container(manifests);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    const writable = (c.volumeMounts as Doc[]).filter((m) => !m.readOnly);
    expect(writable.map((m) => m.mountPath)).toEqual(['/tmp']);
    expect(pod.volumes.find((v: Doc) => v.name === 'tmp').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '16Mi' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(c.resources.requests).toEqual({ cpu: '50m', memory: '128Mi' });
  });

  it('mounts the Argo CD credentials as files: a token file, or a password file for a session login', () => {
    const tokenRelease = renderChart({ chartDir: CHART, values: REQUIRED }).manifests;
    expect(envOf(container(tokenRelease))).toMatchObject({ ARGOCD_BASE_URL: 'https://argocd-server.argocd.svc', ARGOCD_TOKEN_FILE: '/etc/argocd-mcp/argocd/token' });
    const volume = (docs: typeof tokenRelease) => byKind(docs, 'Deployment')[0].spec.template.spec.volumes.find((v: Doc) => v.name === 'argocd-credentials');
    expect(volume(tokenRelease).secret).toEqual({ secretName: 'argocd-token', items: [{ key: 'token', path: 'token' }] });

    const loginRelease = renderChart({ chartDir: CHART, values: ALL_ON }).manifests;
    const env = envOf(container(loginRelease));
    expect(env).toMatchObject({ ARGOCD_USERNAME: 'mcp-bot', ARGOCD_PASSWORD_FILE: '/etc/argocd-mcp/argocd/password', ARGOCD_CA_FILE: '/etc/argocd-mcp/ca/ca.crt' });
    expect(env.ARGOCD_TOKEN_FILE).toBeUndefined();
    expect(env.ARGOCD_MCP_REDIS).toEqual({ secretKeyRef: { name: 'redis-url', key: 'url' } });
    expect(env.CF_SECRET).toEqual({ secretKeyRef: { name: 'cf-access', key: 'secret' } });
    expect(volume(loginRelease).secret).toEqual({ secretName: 'argocd-login', items: [{ key: 'pw', path: 'password' }] });
  });

  it('gives the gateway a config file it accepts, with the allowlist and the Argo CD headers', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chart-config-'));
    for (const values of [REQUIRED, ALL_ON] as Array<Record<string, unknown>>) {
      const { manifests } = renderChart({ chartDir: CHART, values });
      const configYaml = byKind(manifests, 'ConfigMap')[0].data['config.yaml'] as string;
      const file = path.join(dir, `config-${Math.random()}.yaml`);
      writeFileSync(file, configYaml);
      const env = { ARGOCD_BASE_URL: 'https://argocd.example.com', ARGOCD_API_TOKEN: 'token-123456', CF_SECRET: 'cf-secret-1' };
      const config = loadConfig({ flags: { config: file }, env });
      expect(config.allowlist).toMatchObject({ readOnly: values.config ? false : true, source: 'config' });
      if (values === ALL_ON) expect(config.auth?.headers).toEqual({ 'cf-access-client-id': 'abc.access', 'cf-access-client-secret': 'cf-secret-1' });
    }
    // A changed config changes the checksum annotation, so the pods roll.
    const sum = (values: Record<string, unknown>) => byKind(renderChart({ chartDir: CHART, values }).manifests, 'Deployment')[0].spec.template.metadata.annotations['checksum/config'];
    expect(sum(REQUIRED)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum({ ...REQUIRED, config: { readOnly: false } })).not.toBe(sum(REQUIRED));
  });

  it('passes only flags the CLI has and environment variables the gateway reads', () => {
    const help = execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'serve', '--help'], { encoding: 'utf8' });
    const { manifests } = renderChart({ chartDir: CHART, values: { ...ALL_ON, stateless: true, inboundAuth: { ...ALL_ON.inboundAuth, allowUnauthenticated: true }, redis: { url: 'redis://redis:6379/0' } } });
    const c = container(manifests);
    expect(c.args[0]).toBe('serve');
    for (const flag of (c.args as string[]).filter((a) => a.startsWith('--'))) expect(help).toContain(`${flag} `);
    const sources = readSources(path.join(ROOT, 'src'));
    const ours = Object.keys(envOf(c)).filter((n) => n.startsWith('ARGOCD_'));
    expect(ours.length).toBeGreaterThan(10);
    for (const name of ours) expect(sources, name).toContain(name);
  });

  it('stops a pod the way a rolling update needs: preStop first, shutdownTimeout passed on, and a grace period that outlasts both', () => {
    const check = (values: Record<string, unknown>) => {
      const { manifests } = renderChart({ chartDir: CHART, values: { ...REQUIRED, ...values } });
      const pod = byKind(manifests, 'Deployment')[0].spec.template.spec;
      const c = container(manifests);
      const sleep = Number(c.lifecycle.preStop.exec.command[1]);
      const timeout = Number(/^(\d+)s$/.exec(envOf(c).ARGOCD_MCP_SHUTDOWN_TIMEOUT)![1]);
      expect(c.lifecycle.preStop.exec.command[0]).toBe('sleep');
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleep + timeout + 5);
      return { sleep, timeout };
    };
    expect(check({})).toEqual({ sleep: 5, timeout: 20 });
    expect(check({ preStopSleepSeconds: 10, shutdownTimeoutSeconds: 60, terminationGracePeriodSeconds: 80 })).toEqual({ sleep: 10, timeout: 60 });
    const { manifests } = renderChart({ chartDir: CHART, values: { ...REQUIRED, preStopSleepSeconds: 0 } });
    expect(container(manifests).lifecycle).toBeUndefined();
  });

  it('needs allowedHosts to serve without inbound auth, and passes them to the gateway', () => {
    const open = { ...REQUIRED, inboundAuth: { allowUnauthenticated: true } };
    expect(() => renderChart({ chartDir: CHART, values: open })).toThrow(/inboundAuth\.allowUnauthenticated needs allowedHosts/);
    const { manifests } = renderChart({ chartDir: CHART, values: { ...open, allowedHosts: ['mcp.example.com', 'gw.tools.svc'] } });
    expect(envOf(container(manifests)).ARGOCD_MCP_ALLOWED_HOSTS).toBe('mcp.example.com,gw.tools.svc');
  });

  it('renders several Argo CD instances from config.instances without argocd.url', () => {
    const values = {
      inboundAuth: REQUIRED.inboundAuth,
      config: { instances: [{ name: 'prod', url: 'https://prod.example.com', tokenFile: '/etc/argocd-mcp/instances/prod' }] },
      extraSecretMounts: [{ name: 'instance-tokens', secretName: 'instance-tokens', mountPath: '/etc/argocd-mcp/instances' }],
    };
    const { manifests } = renderChart({ chartDir: CHART, values });
    for (const m of manifests) validateManifest(m.doc);
    const env = envOf(container(manifests));
    expect(env.ARGOCD_BASE_URL).toBeUndefined();
    expect(env.ARGOCD_TOKEN_FILE).toBeUndefined();
  });

  it.each([
    ['no Argo CD address', { inboundAuth: REQUIRED.inboundAuth }, 'argocd.url is required'],
    ['no credentials Secret', { ...REQUIRED, argocd: { url: 'https://a.example.com' } }, 'argocd.auth.existingSecret is required'],
    ['no inbound auth', { argocd: REQUIRED.argocd }, 'inbound auth is required to serve beyond loopback'],
    ['headers set twice', { ...REQUIRED, argocd: { ...REQUIRED.argocd, headers: { a: 'b' } }, config: { headers: { a: 'c' } } }, 'not both'],
  ])('stops with a message naming the value to set when there is %s', (_, values, want) => {
    expect(() => renderChart({ chartDir: CHART, values })).toThrow(TemplateError);
    expect(() => renderChart({ chartDir: CHART, values })).toThrow(want);
  });
});

function readSources(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name), 'utf8'))
    .join('\n');
}

describe('the chart README', () => {
  it('has a row in its values table for every value of values.yaml', () => {
    const values = parseYaml(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const leaves = (o: unknown, prefix: string): string[] =>
      o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length && prefix !== 'config'
        ? Object.entries(o).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
        : [prefix];
    const readme = readFileSync(path.join(CHART, 'README.md'), 'utf8');
    const rows = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const missing = leaves(values, '').filter((k) => !rows.has(k));
    expect(missing, 'add these to deploy/helm/argocd-mcp-gateway/README.md').toEqual([]);
  });

  it('Chart.yaml claims no home, source or maintainer that is not the project\'s own', () => {
    const chart = parseYaml(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(chart)).not.toMatch(/argoproj\/argo-cd/);
    expect(chart.description).toMatch(/not a chart of the Argo project/);
    expect((chart.annotations as Record<string, string>)['artifacthub.io/license']).toBe('Apache-2.0');
  });
});
