/** Builds dist/cli.js once, so end-to-end tests run the same bundle users run; says up front what is missing. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  const specs = path.resolve(root, '../shared/argocd-swagger');
  if (!existsSync(specs)) {
    process.stderr.write(
      `note: ${specs} is absent, so the codegen tests that read Argo CD's swagger.json files will fail: put one ` +
        'vX.Y.Z.json per release there (beside the clone, as CI has it), e.g. from an argocd-server at /swagger.json\n',
    );
  }
}
