import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from 'argocd-simulator';
import { call, readMessages } from './helpers.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ syncDurationMs: 200, logIntervalMs: 20 });
});
afterAll(() => sim.close());

const auth = () => ({ authorization: `Bearer ${sim.tokens.admin}` });

describe('pod logs', () => {
  it('writes the last tailLines lines per pod, then a last:true entry, and closes', async () => {
    const res = await fetch(`${sim.url}/api/v1/applications/payments-api/logs?tailLines=200&kind=Deployment&resourceName=payments-api&group=apps`, { headers: auth() });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    const pods = new Set(lines.slice(0, -1).map((l) => l.result.podName));
    expect(lines.length - 1).toBe(200 * pods.size);
    expect(lines[0].result).toMatchObject({ content: expect.any(String), timeStamp: expect.stringMatching(/Z$/), timeStampStr: expect.stringMatching(/Z$/), podName: expect.stringMatching(/^payments-api-/), last: false });
    expect(lines.at(-1).result).toMatchObject({ content: '', last: true });
  });

  it('has at least 500 lines per application and honours filter, matchCase and container', async () => {
    const all = await (await fetch(`${sim.url}/api/v1/applications/checkout-frontend/logs`, { headers: auth() })).text();
    expect(all.trim().split('\n').length).toBeGreaterThan(500);
    const filtered = (await (await fetch(`${sim.url}/api/v1/applications/checkout-frontend/logs?filter=GET%20%2Fhealthz`, { headers: auth() })).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(filtered.length).toBeGreaterThan(1);
    for (const l of filtered.slice(0, -1)) expect(l.result.content).toContain('GET /healthz');
    const upper = (await (await fetch(`${sim.url}/api/v1/applications/checkout-frontend/logs?filter=get%20%2Fhealthz&matchCase=true`, { headers: auth() })).text()).trim().split('\n');
    expect(upper).toHaveLength(1);
    const tree = (await call(sim, '/api/v1/applications/checkout-frontend/resource-tree')).body;
    const pod = tree.nodes.find((n: any) => n.kind === 'Pod').name;
    const wrong = (await (await fetch(`${sim.url}/api/v1/applications/checkout-frontend/pods/${pod}/logs?container=nope`, { headers: auth() })).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(wrong[0].result.content).toBe(`container nope is not valid for pod ${pod}`);
  });

  it('follows until the client disconnects, and the server stays healthy', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/applications/payments-api/logs?tailLines=2&follow=true&kind=Deployment&resourceName=payments-api&group=apps`, { headers: auth(), signal: controller.signal });
    const start = Date.now();
    const messages = await readMessages(res, (m) => m.length >= 12, 5000);
    expect(messages.length).toBeGreaterThanOrEqual(12);
    expect(messages.some((m) => m.result.last)).toBe(false);
    expect(Date.parse(messages.at(-1).result.timeStampStr)).toBeGreaterThanOrEqual(start - 1000);
    controller.abort();
    const ok = await call(sim, '/api/version');
    expect(ok.status).toBe(200);
  });

  it('answers errors before the stream as Argo error JSON', async () => {
    const res = await fetch(`${sim.url}/api/v1/applications/nope/logs`, { headers: auth() });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 7 });
  });
});

describe('application watch', () => {
  it('sends ADDED for matching apps, then MODIFIED when a sync progresses', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/stream/applications?projects=payments&fields=result.type,result.application.metadata.name,result.application.status.operationState.phase`, { headers: auth(), signal: controller.signal });
    expect(res.status).toBe(200);
    const paymentsCount = (await call(sim, '/api/v1/applications?projects=payments&fields=items.metadata.name')).body.items.length;
    let synced = false;
    const messages = await readMessages(res, (m) => {
      if (!synced && m.length >= paymentsCount) {
        synced = true;
        void call(sim, '/api/v1/applications/payments-gateway/sync', { method: 'POST', json: {} });
      }
      return m.some((x) => x.result.type === 'MODIFIED' && x.result.application.status?.operationState?.phase === 'Succeeded');
    });
    controller.abort();
    const added = messages.filter((m) => m.result.type === 'ADDED');
    expect(added).toHaveLength(paymentsCount);
    expect(added[0].result.application).toEqual({ metadata: { name: expect.any(String) }, status: expect.any(Object) });
    const modified = messages.filter((m) => m.result.type === 'MODIFIED');
    expect(modified.every((m) => m.result.application.metadata.name === 'payments-gateway')).toBe(true);
    // SetAppOperation clears operationState first; the controller then reports Running and finally Succeeded.
    const phases = modified.map((m) => m.result.application.status?.operationState?.phase);
    expect(phases[0]).toBeUndefined();
    expect(phases).toContain('Running');
    expect(phases.indexOf('Running')).toBeLessThan(phases.indexOf('Succeeded'));
  });

  it('speaks SSE when asked for text/event-stream', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/stream/applications?name=guestbook`, { headers: { ...auth(), accept: 'text/event-stream' }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const messages = await readMessages(res, (m) => m.length >= 1);
    controller.abort();
    expect(messages[0].result).toMatchObject({ type: 'ADDED', application: { metadata: { name: 'guestbook' } } });
  });

  it('streams the resource tree now and on change', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/stream/applications/cart-service/resource-tree`, { headers: auth(), signal: controller.signal });
    let triggered = false;
    const messages = await readMessages(res, (m) => {
      if (m.length === 1 && !triggered) {
        triggered = true;
        void call(sim, '/api/v1/applications/cart-service/resource?namespace=frontend&resourceName=cart-service&group=apps&kind=Deployment&version=v1', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
      }
      return m.length >= 2;
    });
    controller.abort();
    expect(messages[0].result.nodes.some((n: any) => n.kind === 'Deployment')).toBe(true);
    expect(messages[1].result.nodes.some((n: any) => n.kind === 'Deployment')).toBe(false);
  });

  it('watches application sets', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/stream/applicationsets`, { headers: auth(), signal: controller.signal });
    const messages = await readMessages(res, (m) => m.length >= 2);
    controller.abort();
    expect(messages.map((m) => m.result.applicationSet.metadata.name)).toEqual(['frontend-apps', 'platform-addons']);
  });
});

describe('close', () => {
  it('ends open streams promptly', async () => {
    const other = await startSimulator({ appCount: 3 });
    const res = await fetch(`${other.url}/api/v1/stream/applications`, { headers: { authorization: `Bearer ${other.tokens.admin}` } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const started = Date.now();
    await other.close();
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true }));
      if (chunk.done) break;
    }
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
