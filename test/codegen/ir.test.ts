/**
 * Swagger 2.0 → IR, one Argo CD quirk at a time: small hand-written fixtures (test/fixtures/swagger/) in given/want
 * tables, with the real spec/patches.yaml. What is asserted is the IR the emitters and the runtime rely on:
 * arguments, wire names, body binding, required lists, streams, annotations and the errors that stop generation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { operationToTool } from '../../codegen/emit/emit.ts';
import { DEFINITIONS_ID, SHAPE_ARGS, STREAM_ARGS, SpecError, specToIr } from '../../codegen/ir/build-ir.ts';
import type { SwaggerDocument } from '../../codegen/ir/build-ir.ts';
import { camelJoin, MAX_TOOL_NAME, TOOL_NAME_PATTERN, titleFor, toolNameFor, toolsetFor } from '../../codegen/ir/naming.ts';
import type { IrOperation, IrSpec } from '../../codegen/ir/types.ts';
import { loadOverrides, loadSpec } from '../../codegen/load/load-spec.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../fixtures/swagger');
const overrides = await loadOverrides(path.resolve(here, '../../spec'));

// ajv-draft-04 is CommonJS: under NodeNext its default import is the module, whose `default` is the class.
const Ajv = ((AjvDraft04 as unknown as { default?: typeof AjvDraft04 }).default ?? AjvDraft04) as unknown as typeof AjvDraft04.default;

function fixture(name: string): SwaggerDocument {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as SwaggerDocument;
}

function irOf(name: string): IrSpec {
  return specToIr(fixture(name), { release: 'fixture', sha256: '0'.repeat(64), patches: overrides.patches, hints: {} });
}

function operation(name: string, operationId: string): IrOperation {
  const op = irOf(name).operations.find((o) => o.operationId === operationId);
  if (!op) throw new Error(`${operationId} is not in test/fixtures/swagger/${name}.json`);
  return op;
}

/** Arguments that come from the spec, without those the runtime adds to every tool of a kind (shaping, streams). */
const RUNTIME_ARGS = new Set([...Object.keys(SHAPE_ARGS), ...Object.keys(STREAM_ARGS)]);
function specArgs(op: IrOperation): string[] {
  return Object.keys(op.fullInputSchema.properties as object)
    .filter((a) => !RUNTIME_ARGS.has(a))
    .sort();
}

type DeepPartial<T> = T extends Array<infer U> ? Array<DeepPartial<U>> : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

interface QuirkCase {
  quirk: string;
  given: { fixture: string; operationId: string };
  want: {
    /** The arguments the spec gives the tool, sorted. */
    args: string[];
    /** The full schema's `required`. */
    required: string[];
    op: DeepPartial<IrOperation>;
    /** Descriptions in the advertised schema, by argument. */
    advertised?: Record<string, RegExp>;
  };
}

describe('Swagger quirks settled in the IR', () => {
  const table: QuirkCase[] = [
    {
      quirk: 'a dotted path parameter into an object body becomes an optional `name` that lives at bodyPath metadata.name',
      given: { fixture: 'dotted-path-object-body', operationId: 'ApplicationService_Update' },
      want: {
        args: ['application', 'name', 'validate'],
        required: ['application'],
        op: {
          method: 'PUT',
          path: '/api/v1/applications/{application.metadata.name}',
          params: {
            path: [{ arg: 'name', wire: 'application.metadata.name', required: false, multi: false, bodyPath: ['metadata', 'name'] }],
            query: [{ arg: 'validate', wire: 'validate', required: false, multi: false }],
          },
          body: { kind: 'object', arg: 'application', required: true, ref: 'v1alpha1Application' },
        },
        advertised: { name: /Optional when application\.metadata\.name is set\.$/ },
      },
    },
    {
      quirk: 'a dotted path parameter into a merged request body follows the body field (project.metadata.name)',
      given: { fixture: 'dotted-path-merged-body', operationId: 'ProjectService_Update' },
      want: {
        args: ['name', 'project'],
        required: [],
        op: {
          params: { path: [{ arg: 'name', wire: 'project.metadata.name', required: false, bodyPath: ['project', 'metadata', 'name'] }] },
          body: { kind: 'merged', fields: ['project'], required: [], ref: 'projectProjectUpdateRequest' },
        },
        advertised: { name: /Optional when project\.metadata\.name is set\.$/ },
      },
    },
    {
      quirk: 'a merged body field equal to a path parameter is one argument (sync `name`)',
      given: { fixture: 'merged-body-shares-path-param', operationId: 'ApplicationService_Sync' },
      want: {
        args: ['dryRun', 'name', 'prune'],
        required: ['name'],
        op: {
          params: { path: [{ arg: 'name', wire: 'name', required: true, bodyPath: ['name'] }], query: [] },
          body: { kind: 'merged', fields: ['dryRun', 'name', 'prune'], required: ['name'] },
          fullInputSchema: { properties: { name: { type: 'string', minLength: 1 } } },
        },
      },
    },
    {
      quirk: 'a string body listed in spec/patches.yaml stringBodies becomes its named argument (patch)',
      given: { fixture: 'string-body', operationId: 'ApplicationService_PatchResource' },
      want: {
        args: ['name', 'patch', 'patchType'],
        required: ['name', 'patch'],
        op: {
          body: { kind: 'string', arg: 'patch', required: true },
          fullInputSchema: { properties: { patch: { type: 'string' } } },
        },
      },
    },
    {
      quirk: 'a string body whose argument is also the path parameter is one argument (validate access `repo`)',
      given: { fixture: 'string-body', operationId: 'RepositoryService_ValidateAccess' },
      want: {
        args: ['repo', 'username'],
        required: ['repo'],
        op: {
          params: { path: [{ arg: 'repo', wire: 'repo', required: true, urlValued: true }] },
          body: { kind: 'string', arg: 'repo', required: true },
          fullInputSchema: { properties: { repo: { type: 'string', minLength: 1 } } },
        },
      },
    },
    {
      quirk: 'collectionFormat multi makes a repeated query parameter; csv does not',
      given: { fixture: 'multi-query', operationId: 'ApplicationService_List' },
      want: {
        args: ['labels', 'projects', 'selector'],
        required: [],
        op: {
          params: {
            path: [],
            query: [
              { arg: 'projects', wire: 'projects', multi: true },
              { arg: 'labels', wire: 'labels', multi: false },
              { arg: 'selector', wire: 'selector', multi: false },
            ],
          },
          fullInputSchema: { properties: { projects: { type: 'array', items: { type: 'string' } } } },
        },
      },
    },
    {
      quirk: 'a dotted query parameter becomes a camelCase argument and keeps its wire name',
      given: { fixture: 'dotted-query', operationId: 'ApplicationService_ListResourceEvents' },
      want: {
        args: ['name', 'sinceTimeNanos', 'sinceTimeSeconds'],
        required: ['name'],
        op: {
          params: {
            query: [
              { arg: 'sinceTimeSeconds', wire: 'sinceTime.seconds', required: false, multi: false },
              { arg: 'sinceTimeNanos', wire: 'sinceTime.nanos', required: false, multi: false },
            ],
          },
        },
      },
    },
    {
      quirk: 'a dotted path parameter not linked to a body is camelCased, required and URL-valued (id.value)',
      given: { fixture: 'non-body-dotted-path', operationId: 'ClusterService_Get' },
      want: {
        args: ['idType', 'idValue'],
        required: ['idValue'],
        op: {
          params: {
            path: [{ arg: 'idValue', wire: 'id.value', required: true, multi: false, urlValued: true }],
            query: [{ arg: 'idType', wire: 'id.type', required: false }],
          },
        },
      },
    },
    {
      quirk: 'a "Stream result of" watch response is a watch stream with maxItems and waitSeconds',
      given: { fixture: 'stream', operationId: 'ApplicationService_Watch' },
      want: {
        args: ['name'],
        required: [],
        op: {
          stream: 'watch',
          fullInputSchema: {
            properties: {
              maxItems: { type: 'integer', minimum: 1, maximum: 1000 },
              waitSeconds: { type: 'number', minimum: 0, maximum: 120 },
            },
          },
          compactInputSchema: { properties: { maxItems: STREAM_ARGS.maxItems, waitSeconds: STREAM_ARGS.waitSeconds } },
        },
      },
    },
    {
      quirk: 'a "Stream result of" PodLogs response is a logs stream with maxItems and waitSeconds',
      given: { fixture: 'stream', operationId: 'ApplicationService_PodLogs' },
      want: {
        args: ['follow', 'name', 'podName'],
        required: ['name', 'podName'],
        op: {
          stream: 'logs',
          fullInputSchema: { properties: { maxItems: { type: 'integer' }, waitSeconds: { type: 'number' } } },
        },
      },
    },
  ];

  it.each(table)('$quirk', ({ given, want }) => {
    const op = operation(given.fixture, given.operationId);
    expect(specArgs(op)).toEqual(want.args);
    expect(op.fullInputSchema.required ?? []).toEqual(want.required);
    expect(op.compactInputSchema.required ?? []).toEqual(want.required);
    expect(op).toMatchObject(want.op);
    const advertised = op.compactInputSchema.properties as Record<string, { description?: string }>;
    for (const [arg, description] of Object.entries(want.advertised ?? {})) expect(advertised[arg]?.description).toMatch(description);
    // Whatever the quirk, the full schema refuses what it does not know.
    expect(op.fullInputSchema.additionalProperties).toBe(false);
  });

  it('a response without "Stream result of" is no stream and gets no stream bounds', () => {
    const op = operation('stream', 'ApplicationService_Get');
    expect(op.stream).toBeUndefined();
    expect(op.fullInputSchema.properties).not.toHaveProperty('maxItems');
    expect(op.fullInputSchema.properties).not.toHaveProperty('waitSeconds');
  });
});

describe('generation stops with a SpecError that says what to fix', () => {
  const table: Array<{ case: string; given: string; want: RegExp }> = [
    {
      case: 'an inline body not listed in spec/patches.yaml',
      given: 'inline-body-unlisted',
      want: /^ApplicationService_Frobnicate: body is an inline string schema; add the request field it stands for to spec\/patches\.yaml \(stringBodies\)$/,
    },
    {
      case: 'two parameters claiming one argument name',
      given: 'arg-collision',
      want: /^ApplicationService_ListResourceEvents: argument "sinceTimeSeconds" is both query parameter sinceTime\.seconds and query parameter sinceTimeSeconds/,
    },
    {
      case: 'two operations named alike',
      given: 'duplicate-tool-names',
      want: /^tool name repository_list is used by both RepositoryService_List(Repositories)? and RepositoryService_List(Repositories)?$/,
    },
    { case: 'a document that is not Swagger 2.0', given: 'not-swagger-2', want: /^expected a Swagger 2\.0 document, got swagger: undefined$/ },
  ];

  it.each(table)('$case', ({ given, want }) => {
    let error: unknown;
    try {
      irOf(given);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect((error as Error).message).toMatch(want);
  });

  it('loadSpec refuses a file that is not Swagger 2.0, naming the file', async () => {
    const file = path.join(FIXTURES, 'not-swagger-2.json');
    await expect(loadSpec(file)).rejects.toThrow(SpecError);
    await expect(loadSpec(file)).rejects.toThrow(`${file} is not a Swagger 2.0 document`);
  });

  it('loadSpec names a missing file and the error code', async () => {
    await expect(loadSpec(path.join(FIXTURES, 'absent.json'))).rejects.toThrow(/^cannot read spec file .*absent\.json: ENOENT$/);
  });
});

describe('annotations derive from the method (and one known destructive POST)', () => {
  // A read carries no destructiveHint/idempotentHint: the MCP spec gives them meaning only when readOnlyHint is false.
  const table: Array<{ operationId: string; want: { readOnlyHint: boolean; destructiveHint?: boolean; idempotentHint?: boolean } }> = [
    { operationId: 'ApplicationService_Get', want: { readOnlyHint: true } },
    { operationId: 'ApplicationService_Delete', want: { readOnlyHint: false, destructiveHint: true, idempotentHint: true } },
    { operationId: 'ApplicationService_Update', want: { readOnlyHint: false, destructiveHint: false, idempotentHint: true } },
    { operationId: 'ApplicationService_TerminateOperation', want: { readOnlyHint: false, destructiveHint: false, idempotentHint: false } },
    { operationId: 'ClusterService_RotateAuth', want: { readOnlyHint: false, destructiveHint: true, idempotentHint: false } },
  ];

  it.each(table)('$operationId', ({ operationId, want }) => {
    const tool = operationToTool(operation('annotations', operationId));
    expect(tool.annotations).toEqual({ ...want, openWorldHint: false });
  });

  it.each([
    ['merged-body-shares-path-param', 'ApplicationService_Sync'],
    ['int64', 'ApplicationService_Rollback'],
  ])('%s: %s can prune, so it is destructive and advertises confirmationToken', (fixture, operationId) => {
    const tool = operationToTool(operation(fixture, operationId));
    expect(tool.annotations.destructiveHint).toBe(true);
    expect(Object.keys((tool.inputSchema as { properties: object }).properties)).toContain('confirmationToken');
  });
});

describe('int64 values', () => {
  const op = operation('int64', 'ApplicationService_Rollback');
  const ir = irOf('int64');
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  ajv.addSchema({ id: DEFINITIONS_ID, definitions: ir.definitions });
  const validate = ajv.compile(op.fullInputSchema);

  it.each([
    { arg: 'sinceSeconds (query, string int64)', args: (v: unknown) => ({ name: 'a', sinceSeconds: v }) },
    { arg: 'tailLines (query, integer int64)', args: (v: unknown) => ({ name: 'a', tailLines: v }) },
    { arg: 'id (body field, string int64)', args: (v: unknown) => ({ name: 'a', id: v }) },
  ])('$arg accepts a number and a numeric string, not a word or a fraction', ({ args }) => {
    for (const ok of [5, '5', -5, '-5', '9007199254740993']) expect(validate(args(ok)), JSON.stringify(ok)).toBe(true);
    for (const bad of ['five', 5.5, '5.5', '', true]) expect(validate(args(bad)), JSON.stringify(bad)).toBe(false);
  });

  it('are advertised as integers', () => {
    const props = op.compactInputSchema.properties as Record<string, { type?: unknown }>;
    expect(props.sinceSeconds.type).toBe('integer');
    expect(props.tailLines.type).toBe('integer');
    expect(props.id.type).toBe('integer');
  });
});

describe('naming', () => {
  const table: Array<{ given: string; want: string }> = [
    { given: 'ApplicationService_ListResourceEvents', want: 'application_list_resource_events' },
    { given: 'RepoCredsService_ListRepositoryCredentials', want: 'repocreds_list' },
    { given: 'RepoCredsService_UpdateWriteRepositoryCredentials', want: 'repocreds_update_write' },
    { given: 'RepositoryService_ListRepositories', want: 'repository_list' },
    { given: 'ApplicationService_PodLogs2', want: 'application_logs' },
    { given: 'ApplicationService_PodLogs', want: 'application_pod_logs' },
    { given: 'VersionService_Version', want: 'version_get' },
    { given: 'CertificateService_ListCertificates', want: 'certificate_list' },
    { given: 'GPGKeyService_Get', want: 'gpgkey_get' },
    { given: 'ApplicationSetService_ResourceTree', want: 'applicationset_resource_tree' },
    { given: 'AccountService_CanI', want: 'account_can_i' },
  ];

  it.each(table)('$given → $want', ({ given, want }) => {
    expect(toolNameFor(given)).toBe(want);
    expect(want).toMatch(TOOL_NAME_PATTERN);
    expect(want.length).toBeLessThanOrEqual(MAX_TOOL_NAME);
  });

  it.each([
    { operationId: 'GPGKeyService_Get', tag: 'GPGKeyService', toolset: 'gpgkeys', title: 'GPG key: get' },
    { operationId: 'ApplicationService_PodLogs2', tag: 'ApplicationService', toolset: 'applications', title: 'Application: logs' },
    { operationId: 'RepoCredsService_ListRepositoryCredentials', tag: 'RepoCredsService', toolset: 'repocreds', title: 'Repo creds: list repository credentials' },
  ])('$operationId is in toolset $toolset, titled "$title"', ({ operationId, tag, toolset, title }) => {
    expect(toolsetFor(operationId, tag)).toBe(toolset);
    expect(titleFor(operationId)).toBe(title);
  });

  it.each([
    ['sinceTime.seconds', 'sinceTimeSeconds'],
    ['id.value', 'idValue'],
    ['source.repoURL', 'sourceRepoURL'],
    ['name', 'name'],
  ])('camelJoin(%s) → %s', (given, want) => {
    expect(camelJoin(given)).toBe(want);
  });
});
