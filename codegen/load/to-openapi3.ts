/** Swagger 2.0 → OpenAPI 3.0 with swagger2openapi, because openapi-typescript 7 reads only OpenAPI 3. */
import converter from 'swagger2openapi';
import type { SwaggerDocument } from '../ir/build-ir.ts';

export async function toOpenApi3(doc: SwaggerDocument): Promise<Record<string, unknown>> {
  // Patched definitions use draft-04 type arrays (IntOrString); OpenAPI 3.0 has no such thing, so the
  // type-only conversion gets a structured clone where they read as plain `{}`.
  const clone = JSON.parse(JSON.stringify(doc), (key, value) =>
    key === 'type' && Array.isArray(value) ? undefined : value,
  ) as SwaggerDocument;
  const result = await converter.convertObj(clone, { patch: true, warnOnly: true, resolveInternal: false });
  return result.openapi as Record<string, unknown>;
}
