/**
 * The generator against every Argo CD release we know (../shared/argocd-swagger/): each builds, has the operations
 * it should, names every tool validly and uniquely, and every full input schema compiles as the runtime compiles it.
 */
import { readFileSync } from 'node:fs';
import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { buildIr } from '../../codegen/generate.ts';
import { DEFINITIONS_ID } from '../../codegen/ir/build-ir.ts';
import { MAX_TOOL_NAME, TOOL_NAME_PATTERN } from '../../codegen/ir/naming.ts';
import { releasesPresent, specPath } from './release-specs.ts';

// ajv-draft-04 is CommonJS: under NodeNext its default import is the module, whose `default` is the class.
const Ajv = ((AjvDraft04 as unknown as { default?: typeof AjvDraft04 }).default ?? AjvDraft04) as unknown as typeof AjvDraft04.default;

/** Operation counts, read off each release's swagger.json (`paths` × methods). */
const RELEASES: Array<{ release: string; operations: number }> = [
  { release: 'v2.0.5', operations: 74 },
  { release: 'v2.4.28', operations: 75 },
  { release: 'v2.8.21', operations: 88 },
  { release: 'v2.10.20', operations: 88 },
  { release: 'v2.12.13', operations: 89 },
  { release: 'v2.13.9', operations: 90 },
  { release: 'v2.14.21', operations: 100 },
  { release: 'v3.0.23', operations: 100 },
  { release: 'v3.1.16', operations: 103 },
  { release: 'v3.2.12', operations: 104 },
  { release: 'v3.3.14', operations: 104 },
  { release: 'v3.4.7', operations: 106 },
  { release: 'v3.5.1', operations: 106 },
];

describe('every Argo CD release', () => {
  it('the spec directory holds exactly the releases listed here', () => {
    expect(releasesPresent()).toEqual(RELEASES.map((r) => r.release));
  });

  it.each(RELEASES)('$release builds: $operations operations, valid unique names, compilable schemas', async ({ release, operations }) => {
    const spec = specPath(release);
    const doc = JSON.parse(readFileSync(spec, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const inFile = Object.values(doc.paths).flatMap((ops) => Object.keys(ops)).filter((m) => /^(get|post|put|patch|delete)$/.test(m));
    expect(inFile, 'the operation count of the file itself').toHaveLength(operations);

    const ir = await buildIr({ spec, release });
    expect(ir.release).toBe(release);
    expect(ir.operations).toHaveLength(operations);

    const names = ir.operations.map((o) => o.toolName);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !TOOL_NAME_PATTERN.test(n))).toEqual([]);
    expect(names.filter((n) => n.length > MAX_TOOL_NAME)).toEqual([]);
    expect(new Set(ir.operations.map((o) => o.operationId)).size).toBe(operations);

    // As src/policy/validate.ts does: draft-04, strict off, the shared definitions registered under DEFINITIONS_ID.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    ajv.addSchema({ id: DEFINITIONS_ID, definitions: ir.definitions });
    const failures: string[] = [];
    for (const op of ir.operations) {
      try {
        ajv.compile(op.fullInputSchema);
      } catch (err) {
        failures.push(`${op.toolName}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
