/** The query step of shaping (src/shaping/queried.ts): what the query sees, and what becomes of its result. */
import { describe, expect, it } from 'vitest';
import { shapeAnswer } from '../../src/shaping/queried.ts';

const clusters = {
  metadata: { resourceVersion: '12' },
  items: [
    { name: 'prod', server: 'https://prod.example.com', config: { bearerToken: 'eyJhbGciOiJSUzI1NiJ9.secret-token-value', tlsClientConfig: { insecure: false } } },
    { name: 'edge', server: 'https://edge.example.com', config: { password: 'hunter2-long-password', username: 'admin' } },
  ],
};
const clusterList = { response: 'v1alpha1ClusterList', request: { list: true } };

describe('a query on an answer', () => {
  it('sees secrets masked: it cannot read around the redaction', () => {
    const out = shapeAnswer(clusterList, clusters, {}, 'items[].config');
    expect(out.ok).toBe(true);
    const text = JSON.stringify(out.ok && out.shaped.data);
    expect(text).not.toContain('secret-token-value');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('admin');
  });

  it('sees `fields` applied first (per item of a list), and its result is stripped of empty values unless raw', () => {
    const out = shapeAnswer(clusterList, clusters, { fields: ['items.name'] }, 'items');
    expect(out.ok && out.shaped.data).toEqual([{ name: 'prod' }, { name: 'edge' }]);
    const kept = shapeAnswer(clusterList, { items: [{ name: 'a', labels: {} }] }, { raw: true }, 'items');
    expect(kept.ok && kept.shaped.data).toEqual([{ name: 'a', labels: {} }]);
    const stripped = shapeAnswer(clusterList, { items: [{ name: 'a', labels: {} }] }, {}, 'items');
    expect(stripped.ok && stripped.shaped.data).toEqual([{ name: 'a' }]);
  });

  it('returns the query\'s error text when it fails on the answer', () => {
    const out = shapeAnswer(clusterList, clusters, {}, 'abs(items)');
    expect(out).toMatchObject({ ok: false, message: expect.stringMatching(/abs\(\)[\s\S]*\^[\s\S]*only the query failed/) });
  });

  it('without a query, shapes as before', () => {
    const out = shapeAnswer(clusterList, clusters, {}, undefined);
    expect(out.ok && (out.shaped.data as { total: number }).total).toBe(2);
  });
});
