/**
 * Shaping threads: real worker threads shape Argo CD's answers exactly as the main thread does, a thread that stops
 * costs no call, and a gateway with threads answers every call as one without them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../../src/log.ts';
import { rememberedJson, serializeMessage } from '../../src/shaping/raw-json.ts';
import { runShapeJob } from '../../src/shaping/job.ts';
import type { ShapeJob } from '../../src/shaping/job.ts';
import { createShaper } from '../../src/shaping/pool.ts';
import type { Shaper } from '../../src/shaping/pool.ts';
import { startSimulator } from 'argocd-simulator';
import type { Simulator } from 'argocd-simulator';
import { gatewayFor } from '../helpers/gateway.ts';

let sim: Simulator;
let shaper: Shaper;
let appText: string;
const silent = createLogger('silent');

beforeAll(async () => {
  sim = await startSimulator();
  shaper = createShaper({ threads: 2, logger: silent });
  const res = await fetch(`${sim.url}/api/v1/applications/guestbook`, { headers: { authorization: `Bearer ${sim.tokens.admin}` } });
  appText = await res.text();
});
afterAll(async () => {
  await shaper?.close();
  await sim?.close();
});

const appJob = (over: Partial<ShapeJob> = {}): ShapeJob => ({
  text: appText,
  tool: { response: 'v1alpha1Application', request: { list: false } },
  args: {},
  limit: 20_000,
  hint: 'Select parts with `fields`.',
  ...over,
});

/** A logger whose lines are kept. */
function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

/** A thread that stops as soon as it is given a job. */
const stopsOnJob = () => new Worker("require('node:worker_threads').parentPort.on('message', () => process.exit(3));", { eval: true });

describe('a shaping thread', () => {
  it('shapes an answer exactly as the main thread does', async () => {
    expect(appText.length).toBeGreaterThan(8192);
    for (const job of [appJob(), appJob({ args: { raw: true } }), appJob({ args: { fields: ['metadata.name', 'status.sync'] } }), appJob({ limit: 300 })]) {
      const there = await shaper.shape(job);
      const here = await runShapeJob(job);
      expect(there).toEqual(here);
      expect(there).toMatchObject({ kind: 'shaped' });
    }
    // A plain object's value is its text; anything else comes back as a value too.
    expect(await shaper.shape(appJob())).not.toHaveProperty('value');
    expect(await shaper.shape(appJob({ text: '[1,2]', tool: { request: {} } }))).toEqual({ kind: 'shaped', text: '[1,2]', notes: [], object: false, value: [1, 2] });
  });

  it('says when a body is not JSON, and reads an empty body as an empty message', async () => {
    expect(await shaper.shape(appJob({ text: `<html>${'x'.repeat(9000)}` }))).toEqual({ kind: 'not-json' });
    expect(await shaper.shape(appJob({ text: '  ' }))).toMatchObject({ kind: 'shaped', text: '{}', object: true });
  });

  it('takes many jobs at once across its threads, each answered with its own result', async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => appJob({ args: { fields: [i % 2 ? 'metadata.name' : 'spec.project'] } }));
    const outcomes = await Promise.all(jobs.map((job) => shaper.shape(job)));
    outcomes.forEach((outcome, i) => expect(outcome).toMatchObject({ text: i % 2 ? '{"metadata":{"name":"guestbook"}}' : '{"spec":{"project":"default"}}' }));
  });

  it('fails the jobs of a thread that stops, starts it again, and gives up after three stops in a minute', async () => {
    const { logger, lines } = recordingLogger();
    let started = 0;
    const failing = createShaper({ threads: 1, logger, start: () => (started++, stopsOnJob()) });
    try {
      for (let i = 0; i < 3; i++) await expect(failing.shape(appJob())).rejects.toThrow(/the shaping thread stopped \(exit code 3\)/);
      expect(started).toBe(3);
      await expect(failing.shape(appJob())).rejects.toThrow(/no shaping thread is running/);
      expect(lines.filter((l) => l.msg === 'a shaping thread stopped; starting it again')).toHaveLength(2);
      expect(lines.filter((l) => l.level === 50 && /shaped on the main thread from now on/.test(l.msg))).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });

  it('rejects the jobs still waiting when it is closed', async () => {
    const silentThread = () => new Worker("require('node:worker_threads').parentPort.on('message', () => {});", { eval: true });
    const closing = createShaper({ threads: 1, logger: silent, start: silentThread });
    const waiting = closing.shape(appJob());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await closing.close();
    await expect(waiting).rejects.toThrow(/the shaping thread stopped/);
    await expect(closing.shape(appJob())).rejects.toThrow(/no shaping thread is running/);
  });
});

describe('a gateway with shaping threads', () => {
  const calls: Array<[string, Record<string, unknown>]> = [
    ['application_get', { name: 'guestbook' }],
    ['application_get', { name: 'guestbook', raw: true }],
    ['application_get', { name: 'guestbook', fields: ['metadata.name'] }],
    ['application_list', {}],
    ['application_list', { limit: 3, offset: 2 }],
    ['application_resource_tree', { applicationName: 'guestbook' }],
    ['application_get', { name: 'no-such-app' }],
    ['project_list', {}],
  ];
  // A cut list's cursor names a random snapshot id (src/shaping/snapshots.ts): the same page on two gateways differs only there.
  const sameSnapshot = (text: string) => text.replace(/[A-Za-z0-9_-]{12}(\.[0-9a-z]{1,8})(?=\\?")/g, 'SNAPSHOT$1');
  const serialized = (result: unknown) => sameSnapshot(serializeMessage({ jsonrpc: '2.0', id: 1, result } as unknown as JSONRPCMessage));

  it('answers every call as a gateway without them, to the byte', async () => {
    const here = gatewayFor(sim.url, { token: sim.tokens.admin });
    const there = gatewayFor(sim.url, { token: sim.tokens.admin, shaper });
    for (const limit of [undefined, 2_000]) {
      const [a, b] = limit ? [gatewayFor(sim.url, { token: sim.tokens.admin, maxResultTokens: limit }), gatewayFor(sim.url, { token: sim.tokens.admin, shaper, maxResultTokens: limit })] : [here, there];
      for (const [name, args] of calls) {
        const expected = await a.callTool(name, args);
        const got = await b.callTool(name, args);
        expect(serialized(got), `${name} ${JSON.stringify(args)} cap ${limit}`).toBe(serialized(expected));
        expect(sameSnapshot(JSON.stringify(got))).toBe(sameSnapshot(JSON.stringify(expected)));
      }
    }
  });

  it('shapes large answers on a thread, whose result is written from its text', async () => {
    let jobs = 0;
    const counting: Shaper = { ...shaper, shape: (job) => (jobs++, shaper.shape(job)) };
    const gateway = gatewayFor(sim.url, { token: sim.tokens.admin, shaper: counting });
    const big = await gateway.callTool('application_get', { name: 'guestbook' });
    expect(jobs).toBe(1);
    expect(rememberedJson(big.structuredContent!)).toBe((big.content[0] as { text: string }).text);
    // A small answer is shaped where it arrives.
    const small = await gateway.callTool('version_get', {});
    expect(small.isError).toBeFalsy();
    expect(jobs).toBe(1);
  });

  it('keeps answers a scope filters on the main thread', async () => {
    let jobs = 0;
    const counting: Shaper = { ...shaper, shape: (job) => (jobs++, shaper.shape(job)) };
    const scoped = gatewayFor(sim.url, { token: sim.tokens.admin, shaper: counting, scope: { projects: ['default'] } });
    const plain = gatewayFor(sim.url, { token: sim.tokens.admin, scope: { projects: ['default'] } });
    expect(JSON.stringify(await scoped.callTool('application_list', {}))).toBe(JSON.stringify(await plain.callTool('application_list', {})));
    expect(jobs).toBe(0);
  });

  it('shapes on the main thread when its threads cannot, and the call gets its result', async () => {
    const failing = createShaper({ threads: 1, logger: silent, start: stopsOnJob });
    try {
      const expected = await gatewayFor(sim.url, { token: sim.tokens.admin }).callTool('application_get', { name: 'guestbook' });
      const got = await gatewayFor(sim.url, { token: sim.tokens.admin, shaper: failing }).callTool('application_get', { name: 'guestbook' });
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    } finally {
      await failing.close();
    }
  });

  it('describes a large answer that is not JSON as it does without threads', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`not json ${'x'.repeat(10_000)}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const expected = await gatewayFor(url).callTool('application_get', { name: 'guestbook' });
      const got = await gatewayFor(url, { shaper }).callTool('application_get', { name: 'guestbook' });
      expect(got).toEqual(expected);
      expect(got.isError).toBe(true);
      expect((got.content[0] as { text: string }).text).toMatch(/not JSON|JSON/);
    } finally {
      server.close();
    }
  });
});
