/**
 * Argument validation as an agent meets it: a bad call is an isError result that names each argument path, what
 * was expected and what was given, all problems at once, and nothing reaches Argo CD.
 */
import { describe, expect, it } from 'vitest';
import { formatValidationErrors, validatorFor } from '../../src/policy/validate.ts';
import { ARGOCD, fakeArgocd, useNock } from '../fixtures/fake-argocd.ts';
import { gatewayFor, resultText } from '../helpers/gateway.ts';

useNock();

/** The problem lines of an "Invalid arguments" result. */
function problems(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2));
}

describe('bad arguments are refused before anything is sent', () => {
  const table: Array<{ name: string; tool: string; args: Record<string, unknown>; want: string[] }> = [
    {
      name: 'wrong type',
      tool: 'application_list',
      args: { selector: 5 },
      want: ['`selector` must be string (got number 5)'],
    },
    {
      name: 'wrong type inside an array',
      tool: 'application_list',
      args: { projects: ['default', 7] },
      want: ['`projects[1]` must be string (got number 7)'],
    },
    {
      // null is "not given" (src/policy/nulls.ts): a required argument sent as null is missing.
      name: 'null for a required argument',
      tool: 'application_get',
      args: { name: null },
      want: ['missing required argument `name`'],
    },
    {
      name: 'unknown argument, with the closest known one',
      tool: 'application_list',
      args: { selectr: 'team=a' },
      want: ['unknown argument `selectr` (did you mean `selector`?)'],
    },
    {
      name: 'unknown argument differing only in case',
      tool: 'application_get',
      args: { Name: 'guestbook', name: 'guestbook' },
      want: ['unknown argument `Name` (did you mean `name`?)'],
    },
    {
      name: 'missing required argument',
      tool: 'application_get',
      args: {},
      want: ['missing required argument `name`'],
    },
    {
      name: 'wrong type deep inside an object argument',
      tool: 'application_create',
      args: { application: { metadata: { name: 'guestbook' }, spec: { source: { repoURL: 42 } } } },
      want: ['`application.spec.source.repoURL` must be string (got number 42)'],
    },
    {
      name: 'an int64 given as a word',
      tool: 'application_logs',
      args: { name: 'guestbook', sinceSeconds: 'five' },
      want: ['`sinceSeconds` must match ^-?[0-9]+$ (got string "five")'],
    },
    {
      name: 'several problems, all reported at once',
      tool: 'application_create',
      args: { upsert: 'yes', applicaton: {} },
      want: ['missing required argument `application`', 'unknown argument `applicaton` (did you mean `application`?)', '`upsert` must be boolean (got string "yes")'],
    },
  ];

  it.each(table)('$name', async ({ tool, args, want }) => {
    const argo = fakeArgocd();
    const result = await gatewayFor(ARGOCD).callTool(tool, args);
    expect(result.isError).toBe(true);
    const text = resultText(result);
    expect(text.split('\n')[0]).toBe(`Invalid arguments for ${tool}; nothing was sent to Argo CD:`);
    expect(problems(text).sort()).toEqual([...want].sort());
    expect(argo.requests).toEqual([]);
  });
});

describe('int64 arguments', () => {
  it.each([
    { given: 5, wire: '5' },
    { given: '5', wire: '5' },
    { given: '-12', wire: '-12' },
    { given: '9007199254740993', wire: '9007199254740993' },
  ])('accept $given and send sinceSeconds=$wire', async ({ given, wire }) => {
    const argo = fakeArgocd(() => ({ body: '{"result":{"content":"hello"}}\n' }));
    const result = await gatewayFor(ARGOCD).callTool('application_logs', { name: 'guestbook', sinceSeconds: given, maxItems: 1, waitSeconds: 1 });
    expect(result.isError, resultText(result)).toBeFalsy();
    expect(argo.requests).toHaveLength(1);
    expect(new URLSearchParams(argo.requests[0].query).get('sinceSeconds')).toBe(wire);
  });

  it.each([
    { given: 'five', want: '`sinceSeconds` must match ^-?[0-9]+$ (got string "five")' },
    { given: 5.5, want: '`sinceSeconds` must be string or integer (got number 5.5)' },
    { given: '5.5', want: '`sinceSeconds` must match ^-?[0-9]+$ (got string "5.5")' },
  ])('refuse $given', ({ given, want }) => {
    const validate = validatorFor('application_logs');
    const args = { name: 'guestbook', sinceSeconds: given };
    expect(validate(args)).toBe(false);
    expect(formatValidationErrors(validate.errors ?? [], args)).toEqual([want]);
  });
});

describe('enum arguments', () => {
  // No Argo CD release declares an enum (grpc-gateway writes enums as plain strings), so a given schema stands in.
  const schema = {
    type: 'object',
    properties: { refresh: { type: 'string', enum: ['normal', 'hard'] } },
    additionalProperties: false,
  };

  it('name the allowed values and the given one', () => {
    const validate = validatorFor('test_enum_refresh', schema);
    expect(validate({ refresh: 'hard' })).toBe(true);
    expect(validate({ refresh: 'soft' })).toBe(false);
    expect(formatValidationErrors(validate.errors ?? [], { refresh: 'soft' }, schema)).toEqual([
      '`refresh` must be one of "normal", "hard" (got string "soft")',
    ]);
  });
});
