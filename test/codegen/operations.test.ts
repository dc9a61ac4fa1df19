/**
 * generated/operations.gen.ts is the typed view of the catalogue: each tool's method and path, checked at compile
 * time to be a path of the generated openapi-typescript `paths` (its `satisfies`). The runtime dispatches from
 * tools.gen.json; both come from one generation, and this holds them to the same operations.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARGOCD_RELEASE, OPERATIONS } from '../../generated/operations.gen.ts';
import type { paths } from '../../generated/openapi.gen.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const catalogue = JSON.parse(readFileSync(path.join(ROOT, 'generated/tools.gen.json'), 'utf8')) as {
  release: string;
  tools: Array<{ name: string; request: { method: string; path: string }; _meta: Record<string, unknown> }>;
};

describe('the typed operations and the runtime catalogue', () => {
  it('name the same release and the same tools', () => {
    expect(ARGOCD_RELEASE).toBe(catalogue.release);
    expect(Object.keys(OPERATIONS).sort()).toEqual(catalogue.tools.map((t) => t.name).sort());
  });

  it('dispatch each tool to the same method and path', () => {
    for (const tool of catalogue.tools) {
      const op = OPERATIONS[tool.name as keyof typeof OPERATIONS];
      expect({ method: op.method, path: op.path, operationId: op.operationId }, tool.name).toEqual({
        method: tool.request.method,
        path: tool.request.path,
        operationId: tool._meta['argocd/operationId'],
      });
    }
  });

  it('use paths of the generated openapi-typescript types', () => {
    // A compile-time check first: a path that is not a key of `paths` fails tsc.
    const typed: Array<keyof paths> = Object.values(OPERATIONS).map((op) => op.path);
    expect(new Set(typed).size).toBeGreaterThan(50);
  });
});
