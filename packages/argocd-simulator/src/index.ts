/** Embedded Argo CD API simulator: a real HTTP server on 127.0.0.1 that behaves like argocd-server's REST API. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ssoUserInfo } from './auth.ts';
import { SimContext } from './context.ts';
import { checkDelay } from './controller.ts';
import { attachController } from './operations.ts';
import { type RouteDef, Router } from './router.ts';
import { accountRoutes } from './routes/accounts.ts';
import { applicationLogRoutes } from './routes/application-logs.ts';
import { applicationOperationRoutes } from './routes/application-ops.ts';
import { applicationResourceRoutes } from './routes/application-resources.ts';
import { applicationRoutes } from './routes/applications.ts';
import { applicationSetRoutes } from './routes/applicationsets.ts';
import { certificateRoutes } from './routes/certificates.ts';
import { clusterRoutes } from './routes/clusters.ts';
import { projectRoutes } from './routes/projects.ts';
import { repositoryRoutes } from './routes/repositories.ts';
import { settingsRoutes } from './routes/settings.ts';
import { watchRoutes } from './routes/watch.ts';
import { createRequestListener } from './server.ts';
import { buildSwagger } from './swagger.ts';
import { loadRelease } from './release.ts';
import type { RecordedRequest, ResolvedOptions, Simulator, SimulatorOptions } from './types.ts';

export type { ControllerDelay, OperationOutcome, RecordedRequest, Simulator, SimulatorController, SimulatorOptions, SimulatorSsoOptions } from './types.ts';

/** Every implemented REST operation. */
export const ALL_ROUTES = [
  ...applicationRoutes,
  ...applicationOperationRoutes,
  ...applicationResourceRoutes,
  ...applicationLogRoutes,
  ...watchRoutes,
  ...applicationSetRoutes,
  ...projectRoutes,
  ...clusterRoutes,
  ...repositoryRoutes,
  ...certificateRoutes,
  ...accountRoutes,
  ...settingsRoutes,
];

/** The routes with SessionService.GetUserInfo answering for SSO sessions too (username, issuer and groups of the id token). */
function withSsoUserInfo(routes: RouteDef[]): RouteDef[] {
  return routes.map((r) =>
    r.operationId === 'SessionService_GetUserInfo' ? { ...r, handler: (ctx) => ssoUserInfo(ctx.sim.issuer, ctx.req.headers, ctx.caller) ?? r.handler(ctx) } : r,
  );
}

/** "/argocd/" → "/argocd"; "" and "/" → "". */
function normalizeRootPath(root: string | undefined): string {
  const trimmed = (root ?? '').trim().replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}

/** The most applications a simulator seeds (about 5 GB of heap at ~20 KB of JSON and ~30 KB of model each). */
export const MAX_APPS = 100_000;

function appCountOption(value: number | undefined): number {
  if (value === undefined) return 50;
  if (!Number.isInteger(value) || value < 0 || value > MAX_APPS) throw new TypeError(`simulator option appCount (--apps) must be a whole number from 0 to ${MAX_APPS}, got ${String(value)}`);
  return value;
}

function resolveOptions(opts: SimulatorOptions): ResolvedOptions {
  const num = (v: number | undefined, d: number, name: string, min = 0) => {
    if (v === undefined) return d;
    if (!Number.isFinite(v) || v < min) throw new TypeError(`simulator option ${name} must be a number >= ${min}, got ${String(v)}`);
    return v;
  };
  return {
    host: opts.host ?? '127.0.0.1',
    port: num(opts.port, 0, 'port'),
    rootPath: normalizeRootPath(opts.rootPath),
    swaggerFile: opts.swaggerFile,
    release: opts.release,
    version: opts.version ?? (opts.release ? `${opts.release}+sim` : 'v3.5.1+sim'),
    syncDurationMs: num(opts.syncDurationMs, 1500, 'syncDurationMs'),
    pickupDelayMs: opts.pickupDelayMs === undefined ? undefined : checkDelay(opts.pickupDelayMs, 'option pickupDelayMs'),
    reconcileDelayMs: opts.reconcileDelayMs === undefined ? undefined : checkDelay(opts.reconcileDelayMs, 'option reconcileDelayMs'),
    logIntervalMs: num(opts.logIntervalMs, 200, 'logIntervalMs', 1),
    seed: Math.floor(num(opts.seed, 42, 'seed', -Infinity)),
    appCount: appCountOption(opts.appCount),
    sso: opts.sso,
  };
}

/** Starts a simulator and resolves once it listens. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const options = resolveOptions(opts);
  if (opts.release && opts.swaggerFile) throw new TypeError('simulator options release and swaggerFile exclude each other: a release serves its own swagger.json');
  const impersonated = opts.release ? loadRelease(opts.release, opts.swaggerDir) : undefined;
  const swaggerJson = impersonated?.swaggerJson ?? (options.swaggerFile ? readFileSync(options.swaggerFile, 'utf8') : buildSwagger(ALL_ROUTES, options.version));
  const sim = new SimContext(options);
  attachController(sim);
  const routes = impersonated ? impersonated.routes(ALL_ROUTES) : ALL_ROUTES;
  const router = new Router(options.sso ? withSsoUserInfo(routes) : routes);
  const requests: RecordedRequest[] = [];
  const server = createServer(createRequestListener({ sim, router, requests, rootPath: options.rootPath, swaggerJson }));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  const controller = sim.controller.handle();
  return {
    url: `http://${host}:${addr.port}${options.rootPath}`,
    tokens: { ...sim.tokens },
    requests,
    failSync(appName: string, message?: string) {
      if (!sim.store.apps.has(appName)) throw new Error(`failSync: no application named "${appName}" in the simulator`);
      controller.setNextOutcome(appName, { phase: 'Failed', message });
    },
    controller,
    close() {
      closing ??= new Promise<void>((resolve) => {
        sim.shutdown();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
