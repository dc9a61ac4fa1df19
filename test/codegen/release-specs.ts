/**
 * Where the codegen tests find Argo CD's swagger.json files: `../shared/argocd-swagger/` beside the repository
 * (never copied into it). A missing file fails the test that needs it, with a message saying where to put it.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SWAGGER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/argocd-swagger');

function missing(what: string): Error {
  return new Error(
    `${what} is missing: the codegen tests read Argo CD's swagger.json files from ${SWAGGER_DIR} ` +
      '(../shared/argocd-swagger/ beside the repository, one vX.Y.Z.json per release); put them there',
  );
}

/** The path of one release's swagger.json; throws a clear error when it is absent. */
export function specPath(release: string): string {
  const file = path.join(SWAGGER_DIR, `${release}.json`);
  if (!existsSync(file)) throw missing(file);
  return file;
}

/** The releases present, as `vX.Y.Z`, in version order; throws a clear error when the directory is absent. */
export function releasesPresent(): string[] {
  if (!existsSync(SWAGGER_DIR)) throw missing(`the directory ${SWAGGER_DIR}`);
  const version = (r: string) => r.slice(1).split('.').map(Number);
  return readdirSync(SWAGGER_DIR)
    .filter((f) => /^v\d+\.\d+\.\d+\.json$/.test(f))
    .map((f) => f.replace(/\.json$/, ''))
    .sort((a, b) => {
      const [x, y] = [version(a), version(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
}
