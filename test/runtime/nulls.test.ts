/**
 * A null for an optional argument is an absent argument, as an OpenAI strict-mode model sends it: seen from the wire
 * (the request Argo CD receives, via nock) and from the result the agent gets, for operation and workflow tools.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { compileAllowlist } from '../../src/policy/allowlist.ts';
import { createGateway } from '../../src/gateway/gateway.ts';
import { withoutNulls } from '../../src/policy/nulls.ts';
import { createUpstream } from '../../src/argocd/upstream.ts';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import { ARGOCD, fakeArgocd, useNock } from '../fixtures/fake-argocd.ts';
import { gatewayFor, resultText } from '../helpers/gateway.ts';

useNock();

const APP = {
  metadata: { name: 'guestbook', namespace: 'argocd' },
  spec: { project: 'default', source: { repoURL: 'https://git.example/guestbook.git', path: 'guestbook' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' } },
};

describe('null arguments', () => {
  it('an optional query argument sent as null is not sent to Argo CD', async () => {
    const argo = fakeArgocd(() => ({ body: APP }));
    const result = await gatewayFor(ARGOCD).callTool('application_get', { name: 'guestbook', appNamespace: null, project: null, refresh: null, fields: null });
    expect(result.isError).toBeFalsy();
    expect(argo.requests).toHaveLength(1);
    expect(argo.requests[0].path).toBe('/api/v1/applications/guestbook');
    const query = new URLSearchParams(argo.requests[0].query);
    for (const absent of ['appNamespace', 'project', 'refresh']) expect(query.has(absent), absent).toBe(false);
  });

  it('nulls inside a body object are dropped where the spec names the field, kept inside free-form values', async () => {
    const argo = fakeArgocd(() => ({ body: APP }));
    const application = {
      metadata: { name: 'guestbook', namespace: null, labels: null },
      spec: {
        ...APP.spec,
        syncPolicy: null,
        source: { ...APP.spec.source, chart: null, helm: { valueFiles: null, valuesObject: { replicas: null, image: { tag: 'v2' } } } },
      },
    };
    const result = await gatewayFor(ARGOCD).callTool('application_create', { application, upsert: null, validate: null });
    expect(result.isError, resultText(result)).toBeFalsy();
    const sent = JSON.parse(argo.requests[0].body);
    expect(sent.metadata).toEqual({ name: 'guestbook' });
    expect(sent.spec).not.toHaveProperty('syncPolicy');
    expect(sent.spec.source).not.toHaveProperty('chart');
    // Helm values are Helm's: a null there removes a chart default, so it goes to Argo CD as given.
    expect(sent.spec.source.helm).toEqual({ valuesObject: { replicas: null, image: { tag: 'v2' } } });
    expect(new URLSearchParams(argo.requests[0].query).has('upsert')).toBe(false);
  });

  it('a required argument sent as null is reported missing, and nothing is sent', async () => {
    const argo = fakeArgocd(() => ({ body: APP }));
    const result = await gatewayFor(ARGOCD).callTool('application_get', { name: null });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toContain('missing required argument `name`');
    expect(argo.requests).toHaveLength(0);
  });

  it('a workflow tool takes nulls for its optional arguments', async () => {
    fakeArgocd(() => ({ body: { items: [APP, { ...APP, metadata: { name: 'payments', namespace: 'argocd' } }] } }));
    const gateway = createGateway({
      allowlist: compileAllowlist({ readOnly: false, allow: ['*'], deny: [], source: 'config' }),
      upstream: createUpstream({ baseUrl: ARGOCD, token: () => 'test-token', timeoutMs: 5_000, userAgent: 'test' }),
      logger: createLogger('silent'),
      adaptToServer: false,
      composites: WORKFLOWS,
    });
    const result = await gateway.callTool('find_app', { query: 'guest', repo: null, path: null, cluster: null, namespace: null, project: null, limit: null });
    expect(result.isError, resultText(result)).toBeFalsy();
    expect((result.structuredContent as { applications: Array<{ name: string }> }).applications.map((a) => a.name)).toEqual(['guestbook']);
  });

  it('reach into arrays of objects', () => {
    const schema = { type: 'object', properties: { resources: { type: 'array', items: { type: 'object', properties: { group: { type: 'string' }, kind: { type: 'string' } } } } } };
    expect(withoutNulls({ resources: [{ group: null, kind: 'Deployment' }] }, schema)).toEqual({ resources: [{ kind: 'Deployment' }] });
  });
});
