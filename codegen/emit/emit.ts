/** IR → the files of generated/, as strings. Pure apart from reading the templates. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import openapiTS, { astToString } from 'openapi-typescript';
import { packageRoot } from '../../src/package-root.ts';
import type { Catalogue, CatalogueTool, ValidationCatalogue } from '../../src/catalogue/types.ts';
import { DEFINITIONS_ID } from '../ir/build-ir.ts';
import type { IrOperation, IrSpec } from '../ir/types.ts';
import { stableStringify } from './stable-json.ts';

function template(name: string): HandlebarsTemplateDelegate {
  const file = path.join(packageRoot(), 'codegen', 'emit', 'templates', name);
  return Handlebars.compile(readFileSync(file, 'utf8'), { noEscape: true, strict: true });
}

/** One line naming the source release and checksum, and how to regenerate. */
export function banner(ir: Pick<IrSpec, 'release' | 'sha256'>): string {
  return template('banner.hbs')(ir).trim();
}

function description(op: IrOperation): string {
  const parts = [op.summary];
  if (op.stream === 'watch') {
    parts.push('Argo CD streams changes; the tool collects them until maxItems or waitSeconds and then returns.');
  } else if (op.stream === 'logs') {
    parts.push('Returns log lines; with follow=true it collects new lines until maxItems or waitSeconds.');
  }
  parts.push(`${op.method} ${op.path}`);
  return parts.filter(Boolean).join(' ');
}

/** The public face and request binding of one tool. */
export function operationToTool(op: IrOperation): CatalogueTool {
  const body = op.body;
  return {
    name: op.toolName,
    title: op.title,
    description: description(op),
    toolset: op.toolset,
    // destructiveHint and idempotentHint are "meaningful only when readOnlyHint == false" (MCP spec, ToolAnnotations):
    // a read says only that it reads, as github-mcp-server's read tools do; that saves ~13 tokens a read tool.
    annotations: op.readOnly
      ? { readOnlyHint: true, openWorldHint: false }
      : { readOnlyHint: false, destructiveHint: op.destructive, idempotentHint: op.idempotent, openWorldHint: false },
    _meta: {
      'argocd/operationId': op.operationId,
      'argocd/method': op.method,
      'argocd/path': op.path,
      'argocd/tag': op.tag,
    },
    inputSchema: op.compactInputSchema,
    request: {
      method: op.method,
      path: op.path,
      path_params: op.params.path.map((p) => ({
        arg: p.arg,
        wire: p.wire,
        required: p.required,
        ...(p.bodyPath ? { bodyPath: p.bodyPath } : {}),
      })),
      query: op.params.query.map((p) => ({ arg: p.arg, wire: p.wire, multi: p.multi })),
      ...(body
        ? { body: body.kind === 'merged' ? { kind: 'merged' as const, fields: body.fields } : { kind: body.kind, arg: body.arg } }
        : {}),
      ...(op.stream ? { stream: op.stream } : {}),
      ...(op.list ? { list: true } : {}),
      ...(op.serverFieldsPrefix ? { serverFieldsPrefix: op.serverFieldsPrefix } : {}),
    },
    ...(op.responseRef ? { response: op.responseRef } : {}),
  };
}

export interface GeneratedFile {
  name: string;
  contents: string;
}

/** Every file of generated/, in a fixed order. */
export async function emitAll(ir: IrSpec, openapi3: Record<string, unknown>): Promise<GeneratedFile[]> {
  const head = banner(ir);
  const catalogue: Catalogue = {
    $comment: head,
    release: ir.release,
    sha256: ir.sha256,
    tools: ir.operations.map(operationToTool),
  };
  const validation: ValidationCatalogue = {
    $comment: head,
    id: DEFINITIONS_ID,
    definitions: ir.definitions,
    tools: Object.fromEntries(ir.operations.map((op) => [op.toolName, op.fullInputSchema])),
  };
  const types = astToString(await openapiTS(openapi3 as never, { alphabetize: true }));
  const operations = template('operations.gen.ts.hbs')({
    banner: head,
    release: ir.release,
    tools: ir.operations.map((op) => ({
      name: op.toolName,
      operationId: op.operationId,
      method: op.method,
      path: op.path,
      toolset: op.toolset,
    })),
  });
  return [
    { name: 'tools.gen.json', contents: stableStringify(catalogue) },
    { name: 'validation.gen.json', contents: stableStringify(validation, 0) },
    { name: 'openapi.gen.ts', contents: `// ${head}\n\n${types}` },
    { name: 'operations.gen.ts', contents: operations },
  ];
}
