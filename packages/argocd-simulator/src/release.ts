/**
 * Impersonating one Argo CD release: its swagger.json, its version, and only its operations.
 *
 * What argocd-server answers for a route its release lacks: it serves /api/ through grpc-gateway v1
 * (argo-cd server/server.go `newHTTPServer`: `runtime.NewServeMux(gwMuxOpts, gwCookieOpts)`, no proto error
 * handler; go.mod pins github.com/grpc-ecosystem/grpc-gateway v1.16.0). grpc-gateway v1's `ServeMux.ServeHTTP`
 * (runtime/mux.go) then answers a path no pattern matches with `OtherErrorHandler(w, r, "Not Found", 404)`, i.e.
 * net/http's `http.Error`: a plain-text 404 "Not Found", and a path that matches under another method with a
 * plain-text 405 "Method Not Allowed" (grpc-gateway v2 answers JSON 404 / 501 instead, but no release uses it).
 * The simulator's router already answers so (server.ts), so a missing route is simply not registered.
 *
 * Unknown query parameters are dropped: grpc-gateway v1's `runtime.PopulateQueryParameters` skips a name the
 * request message has no field for, so an older server answers as if the parameter had not been sent.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RouteDef } from './router.ts';

/** Where the swagger files of Argo CD releases are kept beside a checkout of this repository. */
const SWAGGER_DIR_NAME = path.join('shared', 'argocd-swagger');

/**
 * Where release swagger files are looked up when no directory is given: ARGOCD_SWAGGER_DIR, else the nearest
 * `shared/argocd-swagger` beside one of this file's parent directories (beside the repository's clone, as CI has it).
 */
export function defaultSwaggerDir(): string {
  if (process.env.ARGOCD_SWAGGER_DIR) return process.env.ARGOCD_SWAGGER_DIR;
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, SWAGGER_DIR_NAME);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(here, '../../../..', SWAGGER_DIR_NAME);
  }
}

/** operationId → the names of its query parameters, for every operation of a Swagger 2.0 document. */
export function queryParamsByOperation(doc: unknown): Map<string, Set<string>> {
  type Op = { operationId?: string; parameters?: Array<{ in?: string; name?: string }> };
  const out = new Map<string, Set<string>>();
  const paths = ((doc as { paths?: Record<string, Record<string, Op>> } | null)?.paths ?? {});
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item ?? {})) {
      if (!op?.operationId) continue;
      out.set(op.operationId, new Set((op.parameters ?? []).filter((p) => p.in === 'query' && p.name).map((p) => p.name as string)));
    }
  }
  return out;
}

export interface ReleaseImpersonation {
  release: string;
  swaggerFile: string;
  swaggerJson: string;
  /** The routes this release serves, with query parameters it does not know dropped. */
  routes(all: RouteDef[]): RouteDef[];
}

/** The releases a directory holds (`vX.Y.Z.json`), in version order. */
export function releasesIn(dir: string): string[] {
  const parts = (r: string) => r.slice(1).split('.').map(Number);
  return readdirSync(dir)
    .filter((f) => /^v\d+\.\d+\.\d+\.json$/.test(f))
    .map((f) => f.slice(0, -'.json'.length))
    .sort((a, b) => {
      const [x, y] = [parts(a), parts(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
}

/** Reads a release's swagger.json; a missing one is an error naming the directory and what it holds. */
export function loadRelease(release: string, dir = defaultSwaggerDir()): ReleaseImpersonation {
  const file = path.join(dir, `${release}.json`);
  if (!/^v\d+\.\d+\.\d+$/.test(release) || !existsSync(file)) {
    const known = existsSync(dir) ? releasesIn(dir) : [];
    throw new TypeError(
      `simulator option release: no swagger.json for "${release}" in ${dir} (` +
        (known.length ? `it holds ${known.join(', ')}` : 'the directory is missing or empty') +
        '); give a release as vX.Y.Z, or point swaggerDir / --swagger-dir / ARGOCD_SWAGGER_DIR at the directory',
    );
  }
  const swaggerJson = readFileSync(file, 'utf8');
  const doc = JSON.parse(swaggerJson) as unknown;
  const params = queryParamsByOperation(doc);
  return {
    release,
    swaggerFile: file,
    swaggerJson,
    routes: (all) =>
      all
        .filter((r) => params.has(r.operationId))
        .map((r) => {
          const known = params.get(r.operationId) ?? new Set<string>();
          // `fields` is argocd-server's own projection, outside the swagger (see spec/patches.yaml serverFields).
          const keep = (name: string) => name === 'fields' || known.has(name);
          return { ...r, handler: (ctx) => r.handler({ ...ctx, query: ctx.query.only(keep) }) };
        }),
  };
}
