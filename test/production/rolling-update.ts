/**
 * `npx tsx test/production/rolling-update.ts` (after `npm run build`): the figures of a rolling update of two
 * stateless replicas under load, on 127.0.0.1 only. A real redis-server and the Argo CD double; a small load balancer
 * in front that does what a Kubernetes Service does: it sends to ready endpoints round-robin, and drops a pod that
 * is terminating after a propagation delay (kube-proxy and ingress controllers learn it a moment late). Each replica
 * is replaced as a Deployment with maxSurge 1 / maxUnavailable 0 does: start the new one, wait until ready, then
 * terminate the old one (preStop sleep, then SIGTERM). Clients call without retries, so every call the update
 * breaks is counted. Run once with the chart's preStop and once without (ROLLING_PRESTOP_MS=0).
 *
 * ROLLING_SHUTDOWN_TIMEOUT (default 10s) below the streamed calls' 2 s shows what becomes of calls that outlast it.
 *
 * Bounded: ROLLING_CLIENTS (default 8) concurrent clients for the duration of the update, then it stops by itself.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from 'argocd-simulator';
import { startGateway, sleep } from './harness.ts';
import type { Gateway } from './harness.ts';
import { startRedis } from './redis.ts';

const clients = Math.min(32, Number(process.env.ROLLING_CLIENTS ?? 8));
const preStopMs = Number(process.env.ROLLING_PRESTOP_MS ?? 2_000);
const propagationMs = Number(process.env.ROLLING_PROPAGATION_MS ?? 1_000);
const log = (line: string) => process.stderr.write(`${line}\n`);

const [sim, redis] = await Promise.all([startSimulator({}), startRedis()]);
const env = { ARGOCD_BASE_URL: sim.url, ARGOCD_API_TOKEN: sim.tokens.admin, ARGOCD_MCP_REDIS: redis.url, ARGOCD_MCP_RATE_LIMIT: 'off', ARGOCD_MCP_SHUTDOWN_TIMEOUT: process.env.ROLLING_SHUTDOWN_TIMEOUT ?? '10s' };
const start = () => startGateway({ env, args: ['--stateless'] });

try {
  /** The endpoints the load balancer sends to. */
  let pool: Gateway[] = await Promise.all([start(), start()]);
  let turn = 0;
  const proxy = createServer((req, res) => {
    const target = pool[turn++ % pool.length];
    const upstream = request(`${target.origin}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      if (process.env.ROLLING_DEBUG) log(`${target.origin} ${up.statusCode}`);
      res.writeHead(up.statusCode ?? 502, up.headers);
      // A replica that goes away mid-answer cuts the client's response too, as a load balancer does.
      up.on('error', () => res.destroy());
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bad gateway: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;

  const outcomes = { answered: 0, streamedAnswered: 0, refused503: 0, badGateway: 0, errorAnswer: 0, other: 0 };
  const latencies: number[] = [];
  let running = true;
  const call = async (id: number) => {
    // One call in five is a stream (a watch of 2 s asking for progress); the others are quick.
    const streamed = id % 5 === 0;
    const params = streamed
      ? { name: 'application_watch', arguments: { maxItems: 1000, waitSeconds: 2 }, _meta: { progressToken: id } }
      : { name: 'version_get', arguments: {} };
    const t = performance.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
      });
      const text = await res.text();
      if (res.status === 503) outcomes.refused503++;
      else if (res.status === 502) outcomes.badGateway++;
      else if (res.status === 200 && text.includes('"result"')) {
        outcomes.answered++;
        if (streamed) outcomes.streamedAnswered++;
        latencies.push(performance.now() - t);
      } else if (res.status === 200 && text.includes('"error"')) outcomes.errorAnswer++;
      else outcomes.other++;
    } catch {
      outcomes.badGateway++;
    }
  };
  let next = 1;
  const workers = Array.from({ length: clients }, async () => {
    while (running) await call(next++);
  });

  /** Replaces `old` as a Deployment's rolling update does. */
  const replace = async (old: Gateway) => {
    const fresh = await start();
    // Ready (the readiness probe) before it gets traffic.
    for (;;) {
      const r = await fetch(`${fresh.origin}/readyz`).catch(() => undefined);
      if (r?.status === 200) break;
      await sleep(200);
    }
    pool = [...pool, fresh];
    // Terminating: the endpoint goes, but load balancers learn it `propagationMs` later; preStop runs meanwhile.
    setTimeout(() => (pool = pool.filter((g) => g !== old)), propagationMs);
    await sleep(preStopMs);
    old.child.kill('SIGTERM');
    const code = await old.exited;
    log(`replaced a replica (old one exited ${code})`);
  };

  await sleep(3_000);
  const updateStarted = Date.now();
  for (const old of [...pool]) await replace(old);
  await sleep(3_000);
  running = false;
  await Promise.all(workers);
  const sorted = [...latencies].sort((a, b) => a - b);
  const lost = outcomes.refused503 + outcomes.badGateway + outcomes.errorAnswer + outcomes.other;
  process.stdout.write(
    `${JSON.stringify({
      clients,
      preStopMs,
      propagationMs,
      shutdownTimeout: env.ARGOCD_MCP_SHUTDOWN_TIMEOUT,
      updateSeconds: Math.round((Date.now() - updateStarted) / 100) / 10,
      calls: next - 1,
      ...outcomes,
      lost,
      p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    })}\n`,
  );
  await Promise.all(pool.map((g) => g.stop('SIGKILL')));
  proxy.close();
} catch (err) {
  log(`failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  // No redis-server is left behind (the harness kills the gateways when the process exits).
  await Promise.all([sim.close(), redis.stop()]);
}
process.exit();
