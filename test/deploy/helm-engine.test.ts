/**
 * Cross-check of the TypeScript renderer against Go's own text/template with Sprig, set up as Helm's engine does
 * (helm-engine/main.go). Runs where Go and Debian's Sprig sources are installed
 * (`apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev`); skipped elsewhere,
 * where helm-chart.test.ts still renders and validates the chart with the TypeScript renderer alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartData, parseManifests, renderChart } from './go-template.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHART = path.join(ROOT, 'deploy/helm/argocd-mcp-gateway');
const GOPATH = '/usr/share/gocode';
const hasGo = (() => {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return existsSync(path.join(GOPATH, 'src/github.com/Masterminds/sprig')) && existsSync(path.join(GOPATH, 'src/gopkg.in/yaml.v2'));
  } catch {
    return false;
  }
})();

let engine: string | undefined;
function goRender(values: Record<string, unknown>): { files?: Record<string, string>; error?: string } {
  if (!engine) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'helm-engine-'));
    engine = path.join(dir, 'helm-engine');
    execFileSync('go', ['build', '-o', engine, '.'], {
      cwd: path.join(import.meta.dirname, 'helm-engine'),
      // A stable build cache: a rebuild after the first takes a fraction of a second.
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: path.join(os.tmpdir(), 'argocd-mcp-helm-engine-gocache'), GOFLAGS: '' },
    });
  }
  const data = JSON.stringify(chartData({ chartDir: CHART, values, release: { name: 'gw', namespace: 'tools' } }));
  return JSON.parse(execFileSync(engine, [CHART], { input: data, encoding: 'utf8' })) as { files?: Record<string, string>; error?: string };
}

const REQUIRED = {
  argocd: { url: 'https://argocd-server.argocd.svc', auth: { existingSecret: 'argocd-token' } },
  inboundAuth: { apiKeys: { existingSecret: 'mcp-api-keys' } },
};
const CASES: Array<[string, Record<string, unknown>]> = [
  ['the required values', REQUIRED],
  [
    'every option',
    {
      argocd: { url: 'https://a.example.com', caSecret: 'ca', insecure: true, auth: { existingSecret: 'login', username: 'bot' }, headers: { 'X-A': '${A}' } },
      config: { readOnly: false, allow: ['applications'], deny: ['application_delete*'], mode: 'dynamic' },
      inboundAuth: { oauth: { issuer: 'https://login.example.com', audience: 'mcp', jwksUri: 'https://login.example.com/keys' }, publicUrl: 'https://mcp.example.com/mcp' },
      redis: { url: 'redis://redis:6379/0' },
      stateless: true,
      autoscaling: { enabled: true },
      ingress: { enabled: true, className: 'nginx', annotations: { a: 'b' }, tls: [{ secretName: 't', hosts: ['mcp.example.com'] }] },
      metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } },
      serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } },
      extraEnv: [{ name: 'A', value: 'x' }],
      extraSecretMounts: [{ name: 'e', secretName: 's', mountPath: '/e' }],
      imagePullSecrets: [{ name: 'pull' }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'k', operator: 'Exists' }],
      affinity: { podAntiAffinity: {} },
      podLabels: { team: 'platform' },
      fullnameOverride: 'mcp',
    },
  ],
  ['instances and no service account', { inboundAuth: { allowUnauthenticated: true }, allowedHosts: ['mcp.example.com', 'gw.tools.svc'], config: { instances: [{ name: 'a', url: 'https://a', token: '${A}' }] }, serviceAccount: { create: false }, nameOverride: 'gw-override' }],
];

describe.skipIf(!hasGo)('the chart rendered by Go text/template + Sprig (as Helm does) and by the TypeScript renderer', () => {
  it.each(CASES)('gives the same manifests for %s', (_, values) => {
    const go = goRender(values);
    expect(go.error).toBeUndefined();
    const ts = renderChart({ chartDir: CHART, values, release: { name: 'gw', namespace: 'tools' } });
    expect(Object.keys(go.files!).filter((f) => f !== 'NOTES.txt').sort()).toEqual([...ts.files.keys()].sort());
    for (const [file, text] of ts.files) {
      expect(parseManifests(file, text), file).toEqual(parseManifests(file, go.files![file]));
      expect(text, file).toBe(go.files![file]);
    }
    expect(ts.notes).toBe(go.files!['NOTES.txt']);
  });

  it.each([
    ['no Argo CD address', { inboundAuth: REQUIRED.inboundAuth }, 'argocd.url is required'],
    ['no inbound auth', { argocd: REQUIRED.argocd }, 'inbound auth is required'],
  ])('fails the same way with %s', (_, values, want) => {
    expect(goRender(values).error).toContain(want);
    expect(() => renderChart({ chartDir: CHART, values })).toThrow(want);
  });
});
