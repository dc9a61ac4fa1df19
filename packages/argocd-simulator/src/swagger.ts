/** The default /swagger.json: a minimal Swagger 2.0 document of the operations the simulator implements. */
import type { RouteDef } from './router.ts';

/** Builds the document (paths and methods sorted, so it is stable). */
export function buildSwagger(routes: RouteDef[], version: string): string {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const r of sorted) {
    const params: unknown[] = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, type: 'string' }));
    if (r.body === 'object') params.push({ name: 'body', in: 'body', required: true, schema: { type: 'object' } });
    if (r.body === 'string') params.push({ name: 'body', in: 'body', required: true, schema: { type: 'string' } });
    const entry = paths[r.path] ?? {};
    entry[r.method.toLowerCase()] = {
      tags: [r.operationId.split('_')[0]],
      operationId: r.operationId,
      ...(params.length ? { parameters: params } : {}),
      responses: { '200': { description: 'A successful response.', schema: { type: 'object' } }, default: { description: 'An unexpected error response.', schema: { $ref: '#/definitions/runtimeError' } } },
    };
    paths[r.path] = entry;
  }
  const doc = {
    consumes: ['application/json'],
    produces: ['application/json'],
    swagger: '2.0',
    info: { description: 'Argo CD API simulator: the operations it implements', title: 'Consolidate Services', version },
    paths,
    definitions: {
      runtimeError: { type: 'object', properties: { code: { type: 'integer', format: 'int32' }, details: { type: 'array', items: { type: 'object' } }, error: { type: 'string' }, message: { type: 'string' } } },
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
