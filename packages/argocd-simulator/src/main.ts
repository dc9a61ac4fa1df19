/**
 * Standalone simulator: `argocd-simulator` (or `npm start -w argocd-simulator --`) with [--port N] [--host H]
 * [--root-path /x] [--swagger FILE | --release vX.Y.Z [--swagger-dir DIR]] [--seed N] [--apps N] (alias --app-count)
 * [--sync-duration-ms N] [--pickup-delay-ms N|MIN-MAX|never] [--reconcile-delay-ms N|MIN-MAX|never].
 */
import { parseArgs } from 'node:util';
import { type ControllerDelay, startSimulator } from './index.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'root-path': { type: 'string' },
      swagger: { type: 'string' },
      release: { type: 'string' },
      'swagger-dir': { type: 'string' },
      seed: { type: 'string' },
      apps: { type: 'string' },
      'app-count': { type: 'string' },
      'sync-duration-ms': { type: 'string' },
      'pickup-delay-ms': { type: 'string' },
      'reconcile-delay-ms': { type: 'string' },
    },
    strict: true,
  });
  const int = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got "${v}"`);
    return n;
  };
  /** "250", "20-1000" or "never". */
  const delay = (v: string | undefined, flag: string): ControllerDelay | undefined => {
    if (v === undefined) return undefined;
    if (v === 'never') return 'never';
    const m = /^(\d+)(?:-(\d+))?$/.exec(v);
    if (!m) throw new Error(`--${flag} must be N, MIN-MAX (milliseconds) or never, got "${v}"`);
    return m[2] === undefined ? Number(m[1]) : { minMs: Number(m[1]), maxMs: Number(m[2]) };
  };
  /** --apps N, or its older name --app-count N (not both). */
  const appCount = (apps: string | undefined, legacy: string | undefined) => {
    if (apps !== undefined && legacy !== undefined) throw new Error('--apps and --app-count are the same setting: give one of them');
    return apps !== undefined ? int(apps, 'apps') : int(legacy, 'app-count');
  };
  const apps = appCount(values.apps, values['app-count']);
  const sim = await startSimulator({
    host: values.host,
    port: int(values.port, 'port'),
    rootPath: values['root-path'],
    swaggerFile: values.swagger,
    release: values.release,
    swaggerDir: values['swagger-dir'],
    seed: int(values.seed, 'seed'),
    appCount: apps,
    syncDurationMs: int(values['sync-duration-ms'], 'sync-duration-ms'),
    pickupDelayMs: delay(values['pickup-delay-ms'], 'pickup-delay-ms'),
    reconcileDelayMs: delay(values['reconcile-delay-ms'], 'reconcile-delay-ms'),
  });
  process.stderr.write(`Argo CD API simulator${values.release ? ` (impersonating Argo CD ${values.release})` : ''} listening on ${sim.url} (${apps ?? 50} applications)\nadmin token:    ${sim.tokens.admin}\nreadonly token: ${sim.tokens.readonly}\n`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
