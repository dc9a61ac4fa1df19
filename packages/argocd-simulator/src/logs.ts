/** Realistic, deterministic container log lines for simulated pods. */
import { createRng, hashString, type Rng } from './prng.ts';
import type { AppModel, SimPod } from './seed/model.ts';

/** One log line with its timestamp. */
export interface LogLine {
  ms: number;
  /** Extra nanoseconds below the millisecond, for RFC3339Nano. */
  nanos: number;
  content: string;
  podName: string;
}

/** How many historical lines a healthy pod has. */
export const HISTORY_LINES = 600;

type Style = 'api' | 'worker' | 'cron' | 'nginx' | 'ingress' | 'klog' | 'guestbook';

function styleFor(model: AppModel, pod: SimPod): Style {
  if (model.profile === 'site') return 'nginx';
  if (model.profile === 'guestbook') return 'guestbook';
  if (model.profile === 'cron' || pod.owner.kind === 'Job') return 'cron';
  if (model.profile === 'worker') return 'worker';
  if (model.profile === 'addon') return pod.containers[0]?.image.includes('ingress-nginx') ? 'ingress' : 'klog';
  if (model.profile === 'config') return 'klog';
  return 'api';
}

const CLIENT_IPS = ['10.20.11.4', '10.20.12.87', '10.20.21.193', '10.20.31.12', '10.20.32.45'];
const PUBLIC_IPS = ['203.0.113.42', '198.51.100.7', '192.0.2.146', '203.0.113.9', '198.51.100.231', '192.0.2.18'];
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'kube-probe/1.31',
  'Go-http-client/2.0',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clf(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function klogTs(ms: number, micros: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(micros, 6)}`;
}

function resourceFor(appName: string): string {
  const base = appName.replace(/-(api|service|gateway|bff|worker|\d+)$/g, '').replace(/^payments-/, 'payment-');
  return `${base.replace(/s$/, '')}s`;
}

function apiLine(rng: Rng, ms: number, app: string): string {
  const res = resourceFor(app);
  const r = rng.next();
  const ts = new Date(ms).toISOString();
  const id = `${res.slice(0, 3)}_${rng.suffix(14)}`;
  if (r < 0.06) return JSON.stringify({ level: 'info', ts, logger: 'http', caller: 'server/health.go:41', msg: 'health check', path: rng.pick(['/healthz', '/readyz']), status: 200, duration_ms: Number((rng.next() * 0.8).toFixed(3)) });
  if (r < 0.1) return JSON.stringify({ level: 'warn', ts, logger: 'db', caller: 'store/postgres.go:212', msg: 'slow query', query: `SELECT id, status, amount_minor, currency, created_at FROM ${res.replace(/-/g, '_')} WHERE account_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 50`, duration_ms: rng.int(500, 2400), rows: rng.int(0, 50) });
  if (r < 0.125) return JSON.stringify({ level: 'error', ts, logger: 'client', caller: 'upstream/client.go:133', msg: 'upstream request failed', upstream: rng.pick(['ledger', 'fraud-scoring', 'currency-rates', 'identity']), error: rng.pick(['context deadline exceeded', 'dial tcp 172.20.14.9:8080: connect: connection refused', 'unexpected status 503 Service Unavailable']), attempt: rng.int(1, 3), request_id: rng.uuid() });
  if (r < 0.14) return JSON.stringify({ level: 'info', ts, logger: 'kafka', caller: 'events/publisher.go:77', msg: 'event published', topic: `${res}.events`, partition: rng.int(0, 11), offset: rng.int(1_000_000, 9_999_999), key: id });
  const method = rng.pick(['GET', 'GET', 'GET', 'POST', 'POST', 'PATCH', 'DELETE']);
  const status = method === 'POST' ? rng.pick([201, 201, 201, 400, 409, 422]) : rng.pick([200, 200, 200, 200, 200, 304, 404, 401]);
  const path = method === 'GET' && rng.chance(0.4) ? `/v1/${res}?limit=${rng.pick([20, 50, 100])}&cursor=${rng.hex(12)}` : method === 'POST' ? `/v1/${res}` : `/v1/${res}/${id}`;
  return JSON.stringify({ level: status >= 500 ? 'error' : 'info', ts, logger: 'http', caller: 'server/middleware.go:87', msg: 'request completed', method, path, status, duration_ms: Number((rng.next() * (status === 201 ? 180 : 45) + 1).toFixed(2)), bytes: rng.int(90, 24_000), request_id: rng.uuid(), trace_id: rng.hex(32), remote_addr: `${rng.pick(CLIENT_IPS)}:${rng.int(30000, 60999)}`, user_agent: rng.pick(AGENTS.slice(4)) });
}

function workerLine(rng: Rng, ms: number, app: string): string {
  const ts = new Date(ms).toISOString();
  const topic = `${resourceFor(app).replace(/s$/, '')}.events`;
  const r = rng.next();
  if (r < 0.05) return `time="${ts}" level=warning msg="retrying message" topic=${topic} partition=${rng.int(0, 11)} offset=${rng.int(1_000_000, 9_999_999)} attempt=${rng.int(2, 5)} error="lock wait timeout exceeded"`;
  if (r < 0.07) return `time="${ts}" level=error msg="message moved to dead-letter queue" topic=${topic} dlq=${topic}.dlq key=${rng.suffix(12)} error="validation failed: amount_minor must be positive"`;
  if (r < 0.1) return `time="${ts}" level=info msg="consumer group rebalanced" group=${app} assigned="[${rng.int(0, 5)} ${rng.int(6, 11)}]" generation=${rng.int(10, 400)}`;
  if (r < 0.14) return `time="${ts}" level=info msg="batch committed" topic=${topic} messages=${rng.int(20, 500)} lag=${rng.int(0, 1200)} duration=${rng.int(15, 900)}ms`;
  return `time="${ts}" level=info msg="processed message" topic=${topic} partition=${rng.int(0, 11)} offset=${rng.int(1_000_000, 9_999_999)} key=${rng.suffix(12)} duration=${rng.int(2, 250)}ms`;
}

function cronLine(rng: Rng, ms: number, app: string, i: number): string {
  const ts = new Date(ms).toISOString();
  const phase = i % 60;
  if (phase === 0) return `${ts} INFO  [${app}] starting run id=${rng.uuid()} schedule="${rng.pick(['*/15 * * * *', '0 * * * *'])}"`;
  if (phase === 1) return `${ts} INFO  [${app}] acquired lease ${app}-lock (holder=${app}-${rng.int(29_000_000, 29_999_999)}-${rng.suffix(5)})`;
  if (phase === 59) return `${ts} INFO  [${app}] run finished processed=${rng.int(1000, 90000)} failed=${rng.int(0, 4)} duration=${(rng.next() * 300).toFixed(1)}s`;
  if (rng.chance(0.05)) return `${ts} WARN  [${app}] record skipped id=${rng.suffix(10)} reason="currency mismatch EUR/USD"`;
  return `${ts} INFO  [${app}] processed batch ${phase}/58 records=${rng.int(100, 2000)} elapsed=${rng.int(100, 9000)}ms`;
}

function nginxLine(rng: Rng, ms: number): string {
  const asset = rng.pick(['/', '/index.html', `/assets/index-${rng.hex(8)}.js`, `/assets/vendor-${rng.hex(8)}.js`, `/assets/index-${rng.hex(8)}.css`, '/favicon.ico', `/images/products/${rng.int(1000, 9999)}.webp`, '/healthz', '/env.js', '/manifest.webmanifest']);
  const status = asset === '/healthz' ? 200 : rng.pick([200, 200, 200, 200, 304, 304, 404]);
  const agent = asset === '/healthz' ? AGENTS[4] : rng.pick(AGENTS.slice(0, 4));
  const ip = asset === '/healthz' ? '10.20.1.1' : rng.pick(CLIENT_IPS);
  return `${ip} - - [${clf(ms)}] "GET ${asset} HTTP/1.1" ${status} ${status === 304 ? 0 : rng.int(120, 480_000)} "${asset === '/healthz' ? '-' : 'https://www.acme.io/'}" "${agent}" "${asset === '/healthz' ? '-' : rng.pick(PUBLIC_IPS)}"`;
}

function ingressLine(rng: Rng, ms: number): string {
  if (rng.chance(0.04)) return `I${klogTs(ms, rng.int(0, 999_999))}       7 controller.go:${rng.pick([193, 214, 223])}] ${rng.pick(['"Configuration changes detected, backend reload required"', '"Backend successfully reloaded"', '"Initial sync, sleeping for 1 second"'])}`;
  if (rng.chance(0.03)) return `W${klogTs(ms, rng.int(0, 999_999))}       7 controller.go:1216] Service "frontend/${rng.pick(['search-ui', 'storefront-web'])}" does not have any active Endpoint.`;
  const host = rng.pick(['api.acme.io', 'www.acme.io', 'checkout.acme.io', 'search.acme.io', 'grafana.acme.io']);
  const method = rng.pick(['GET', 'GET', 'GET', 'POST']);
  const path = rng.pick(['/v1/payments', '/v1/orders?limit=20', '/', `/product/${rng.int(1000, 9999)}`, '/api/cart', '/checkout/confirm', '/api/search?q=shoes']);
  const status = rng.pick([200, 200, 200, 200, 201, 301, 304, 404, 499, 502]);
  const upstream = `${rng.pick(['payments', 'frontend'])}-${rng.pick(['payments-api', 'storefront-web', 'checkout-frontend', 'search-ui'])}-80`;
  const rt = (rng.next() * 0.4).toFixed(3);
  return `${rng.pick(PUBLIC_IPS)} - - [${clf(ms)}] "${method} ${path} HTTP/2.0" ${status} ${rng.int(0, 90_000)} "https://${host}/" "${rng.pick(AGENTS.slice(0, 4))}" ${rng.int(40, 900)} ${rt} [${upstream}] [] 10.20.${rng.int(10, 39)}.${rng.int(2, 250)}:8080 ${rng.int(0, 90_000)} ${rt} ${status} ${rng.hex(32)}`;
}

function klogLine(rng: Rng, ms: number, app: string): string {
  const lvl = rng.chance(0.06) ? 'W' : rng.chance(0.02) ? 'E' : 'I';
  const file = rng.pick(['reflector.go:368', 'controller.go:219', 'leaderelection.go:268', 'shared_informer.go:320', 'reconciler.go:154', 'metrics.go:88']);
  const msg = lvl === 'E'
    ? `"Reconciler error" err="Operation cannot be fulfilled on ${rng.pick(['certificates.cert-manager.io', 'scaledobjects.keda.sh', 'configmaps'])} \\"${app}\\": the object has been modified; please apply your changes to the latest version and try again"`
    : lvl === 'W'
      ? `"Watch close - *v1.PartialObjectMetadata total ${rng.int(10, 400)} items received"`
      : rng.pick([`"Caches populated" type="*v1.Secret" reflector="k8s.io/client-go/informers/factory.go:160"`, `"successfully renewed lease" lease="${app}/${app}-leader"`, `"Reconciling" controller="${app}" namespace="${rng.pick(['payments', 'frontend', 'monitoring'])}" name="${rng.suffix(8)}" reconcileID="${rng.uuid()}"`, `"Sync loop done" duration="${rng.int(2, 900)}ms"`]);
  return `${lvl}${klogTs(ms, rng.int(0, 999_999))}       1 ${file}] ${msg}`;
}

function guestbookLine(rng: Rng, ms: number): string {
  return `${rng.pick(CLIENT_IPS)} - - [${clf(ms)}] "${rng.pick(['GET / HTTP/1.1', 'GET /lrange/guestbook HTTP/1.1', 'GET /rpush/guestbook/hello HTTP/1.1', 'GET /healthz HTTP/1.1'])}" 200 ${rng.int(12, 1900)}`;
}

function lineFor(style: Style, rng: Rng, ms: number, app: string, i: number): string {
  switch (style) {
    case 'api':
      return apiLine(rng, ms, app);
    case 'worker':
      return workerLine(rng, ms, app);
    case 'cron':
      return cronLine(rng, ms, app, i);
    case 'nginx':
      return nginxLine(rng, ms);
    case 'ingress':
      return ingressLine(rng, ms);
    case 'guestbook':
      return guestbookLine(rng, ms);
    default:
      return klogLine(rng, ms, app);
  }
}

function crashLines(rng: Rng, startMs: number, app: string, container: string): string[] {
  const ts = (k: number) => new Date(startMs + k * 37).toISOString();
  return [
    JSON.stringify({ level: 'info', ts: ts(0), caller: 'cmd/main.go:58', msg: `starting ${app}`, version: 'v1.0', commit: rng.hex(12) }),
    JSON.stringify({ level: 'info', ts: ts(1), caller: 'config/load.go:31', msg: 'configuration loaded', file: '/etc/app/app.yaml' }),
    JSON.stringify({ level: 'info', ts: ts(2), caller: 'store/postgres.go:64', msg: 'connecting to database', host: 'payments-db.payments.svc.cluster.local:5432' }),
    JSON.stringify({ level: 'error', ts: ts(3), caller: 'store/postgres.go:71', msg: 'failed to run migrations', error: 'pq: column "settlement_batch_id" of relation "payouts" does not exist' }),
    'panic: runtime error: invalid memory address or nil pointer dereference',
    '[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x1a2b3c4]',
    '',
    'goroutine 1 [running]:',
    `github.com/acme/${app}/internal/store.(*Postgres).Migrate(0x0, {0x2c1f0e8, 0xc0000a6000})`,
    `\t/src/internal/store/postgres.go:88 +0x64`,
    `main.run({0x2c1f0e8, 0xc0000a6000}, 0xc000190000)`,
    `\t/src/cmd/${container}/main.go:112 +0x3a5`,
    'main.main()',
    `\t/src/cmd/${container}/main.go:47 +0x85`,
  ];
}

const cache = new WeakMap<SimPod, Map<string, LogLine[]>>();

/** Historical log lines of a pod's container, oldest first, ending at anchorMs. Errors become a single line, as Argo CD shows them. */
export function podLogHistory(model: AppModel, pod: SimPod, opts: { container: string; previous: boolean; appName: string; anchorMs: number }): LogLine[] {
  const key = `${opts.container}|${opts.previous}|${opts.anchorMs}`;
  let perPod = cache.get(pod);
  if (!perPod) {
    perPod = new Map();
    cache.set(pod, perPod);
  }
  const hit = perPod.get(key);
  if (hit) return hit;
  const container = opts.container || (pod.containers[0]?.name ?? '');
  const rng = createRng(hashString(`${model.logSeed}:${pod.name}:${container}:${opts.previous}`));
  const one = (content: string): LogLine[] => [{ ms: opts.anchorMs, nanos: 0, content, podName: pod.name }];
  let lines: LogLine[];
  if (!pod.containers.some((c) => c.name === container)) {
    lines = one(`container ${container} is not valid for pod ${pod.name}`);
  } else if (opts.previous && pod.restarts === 0) {
    lines = one(`previous terminated container "${container}" in pod "${pod.name}" not found`);
  } else if (pod.reason === 'ContainerCreating') {
    lines = one(`container "${container}" in pod "${pod.name}" is waiting to start: ContainerCreating`);
  } else if (pod.reason === 'CrashLoopBackOff' || opts.previous) {
    const start = opts.anchorMs - rng.int(20, 280) * 1000;
    lines = crashLines(rng, start, opts.appName, container).map((content, i) => ({ ms: start + i * 37, nanos: rng.int(0, 999_999), content, podName: pod.name }));
  } else {
    const style = styleFor(model, pod);
    const count = pod.owner.kind === 'Job' ? 60 : HISTORY_LINES;
    const end = pod.owner.kind === 'Job' ? Math.min(opts.anchorMs, pod.createdAtMs + 90_000) : opts.anchorMs;
    const times: number[] = [];
    let t = end;
    for (let i = 0; i < count; i++) {
      times.push(t);
      t -= rng.int(20, 3000);
    }
    times.reverse();
    lines = times.map((ms, i) => ({ ms, nanos: rng.int(0, 999_999), content: lineFor(style, rng, ms, opts.appName, i), podName: pod.name }));
  }
  perPod.set(key, lines);
  return lines;
}

/** A generator of fresh lines for follow=true, continuing the pod's style. */
export function podLogFollower(model: AppModel, pod: SimPod, opts: { container: string; appName: string }): (nowMs: number, i: number) => LogLine | undefined {
  const container = opts.container || (pod.containers[0]?.name ?? '');
  if (!pod.containers.some((c) => c.name === container) || pod.reason !== 'Running') return () => undefined;
  const rng = createRng(hashString(`${model.logSeed}:${pod.name}:${container}:follow`));
  const style = styleFor(model, pod);
  return (nowMs, i) => ({ ms: nowMs, nanos: rng.int(0, 999_999), content: lineFor(style, rng, nowMs, opts.appName, i), podName: pod.name });
}
