/** The README's compatibility table is what scripts/compatibility.ts derives from the release swagger files now. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compatibilityRows, compatibilityTable, README_END, README_START } from '../../scripts/compatibility.ts';
import { WORKFLOWS } from '../../src/workflows/index.ts';
import { releasesPresent, SWAGGER_DIR } from './release-specs.ts';

describe('the README compatibility table', () => {
  it('has one row per release in ../shared/argocd-swagger and is up to date (fix: npx tsx scripts/compatibility.ts --write)', () => {
    const rows = compatibilityRows(SWAGGER_DIR);
    expect(rows.map((r) => r.release)).toEqual(releasesPresent());
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf(README_START), readme.indexOf(README_END) + README_END.length);
    expect(section, 'README.md is stale: run `npx tsx scripts/compatibility.ts --write`').toBe(compatibilityTable(rows));
  });

  it('keeps every workflow on every release, with ServerSideDiff only from 3.2 on', () => {
    for (const row of compatibilityRows(SWAGGER_DIR)) {
      expect(row.workflows, row.release).toHaveLength(WORKFLOWS.length);
      expect(row.operationTools.includes('application_server_side_diff'), row.release).toBe(/^v3\.([2-9]|\d\d)\./.test(row.release));
    }
  });
});
