/**
 * The query module on its own: JMESPath results, errors that point into the expression (column and caret), and the
 * bounds that keep an expression from hanging the gateway or filling its memory.
 */
import { describe, expect, it } from 'vitest';
import { QUERY_LIMITS, compileQuery, evaluateQuery, runQuery } from '../../src/query/index.ts';

const apps = {
  items: [
    { metadata: { name: 'payments', labels: { team: 'a' } }, spec: { project: 'shop' }, status: { sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } } },
    { metadata: { name: 'search' }, spec: { project: 'shop' }, status: { sync: { status: 'Synced' }, health: { status: 'Degraded' } } },
    { metadata: { name: 'billing' }, spec: { project: 'back' }, status: { sync: { status: 'OutOfSync' }, health: { status: 'Degraded' } } },
  ],
};

const value = (expression: string, data: unknown = apps) => {
  const r = runQuery(expression, data);
  if (!r.ok) throw new Error(r.error.text);
  return r.value;
};

/** The caret line's column (0-based, in the shown expression) of an error text. */
function caretColumn(text: string): number {
  const lines = text.split('\n');
  const caret = lines.findIndex((l) => /^\s*\^$/.test(l));
  return lines[caret].indexOf('^') - 2;
}

describe('JMESPath on an answer', () => {
  it.each([
    ["items[?status.sync.status=='OutOfSync'].metadata.name", ['payments', 'billing']],
    ['length(items)', 3],
    ["items[?status.health.status=='Degraded'] | length(@)", 2],
    ['sort_by(items, &metadata.name)[].metadata.name', ['billing', 'payments', 'search']],
    ['items[].{name: metadata.name, project: spec.project}', [{ name: 'payments', project: 'shop' }, { name: 'search', project: 'shop' }, { name: 'billing', project: 'back' }]],
    ['keys(group_by(items, &spec.project))', ['shop', 'back']],
    ["let $p = 'shop' in items[?spec.project == $p] | length(@)", 2],
    ['items[0].metadata.labels.team', 'a'],
  ])('%s', (expression, want) => {
    expect(value(expression)).toEqual(want);
  });

  it('reads own fields only: constructor, __proto__ and toString of an answer are null, and {__proto__: x} builds a key', () => {
    expect(value('constructor')).toBeNull();
    expect(value('items[0].__proto__')).toBeNull();
    expect(value('toString')).toBeNull();
    const built = value('{__proto__: items[0].metadata.name}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(Object.keys(built)).toEqual(['__proto__']);
    expect(JSON.stringify(built)).toBe('{"__proto__":"payments"}');
  });
});

describe('errors point into the expression', () => {
  it.each([
    { expression: "items[?status.sync.status=='OutOfSync'", column: 38, says: /expected Rbracket, got: EOF/ },
    { expression: 'items[?x == `foo`]', column: 12, says: /JSON literal that is not JSON/ },
    { expression: 'items ^ 2', column: 6, says: /unexpected character "\^"/ },
    { expression: 'items[].metadata.name | lenght(@)', column: 24, says: /unknown function lenght\(\)/ },
    { expression: "items | join(',')", column: 8, says: /join\(\) with 1 argument; it takes 2 arguments/ },
    { expression: 'items[?a == "b"', column: 15, says: /not valid JMESPath/ },
    { expression: 'items[].[metadata.name,, spec]', column: 23, says: /not valid JMESPath/ },
    { expression: 'items.{a: b', column: 11, says: /not valid JMESPath/ },
    { expression: "items[?name == 'x]", column: 15, says: /unterminated string/ },
  ])('$expression → column $column', ({ expression, column, says }) => {
    const compiled = compileQuery(expression);
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.error.position).toBe(column);
    expect(compiled.error.text).toMatch(says);
    expect(compiled.error.text).toContain(`(at column ${column + 1})`);
    expect(caretColumn(compiled.error.text)).toBe(column);
  });

  it('a runtime error names the function call that failed, at its column', () => {
    const r = runQuery('items[].metadata.name | join(`1`, @)', apps);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.text).toMatch(/failed on this answer: Invalid type: join\(\) expected argument 1 to be type \(string\)/);
    expect(r.error.position).toBe(24);
  });

  it('an undefined variable is pointed at', () => {
    const r = runQuery('let $x = items in $y', apps);
    expect(r.ok || r.error.position).toBe(18);
  });

  it('a long expression is shown around the error, with the caret still under it', () => {
    const expression = `${'a.'.repeat(60)}b ^ c`;
    const compiled = compileQuery(expression);
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    const lines = compiled.error.text.split('\n');
    const shown = lines[1].slice(2);
    expect(shown[caretColumn(compiled.error.text)]).toBe('^');
    expect(shown.startsWith('…')).toBe(true);
  });

  it('refuses an empty or over-long expression before parsing it', () => {
    expect(compileQuery('  ')).toMatchObject({ ok: false, error: { message: expect.stringMatching(/is empty/) } });
    expect(compileQuery('a'.repeat(QUERY_LIMITS.expressionChars + 1))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/at most 2000/) } });
  });
});

describe('the cost of an expression is bounded', () => {
  const doubling = (times: number) => ['items', ...Array.from({ length: times }, () => '[@,@][]')].join(' | ');
  const nested = (times: number) => Array.from({ length: times }, () => '[@,@]').join(' | ');

  it('a list doubled again and again stops at the bound on built values, with the bound named', () => {
    // No time bound here (the machine's speed must not decide which bound is met), and a small size bound to be quick.
    const r = runQuery(doubling(40), apps, { timeMs: Number.POSITIVE_INFINITY, valueChars: 1_000_000 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.text).toMatch(/builds more than [\d,]+ values|builds a value larger than/);
    expect(r.error.text).toContain('docs/query.md');
  });

  it('references nested until their JSON would be exabytes stop at the value-size bound before anything serializes them', () => {
    const r = runQuery(`${nested(64)} | to_string(@)`, apps, { timeMs: Number.POSITIVE_INFINITY });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/builds a value larger than 64 MB of JSON/);
  });

  it('a string function that would grow past the bound is refused before it runs, at its call', () => {
    const r = runQuery("pad_left('a', `100000000000`, ' ')", apps);
    expect(r).toMatchObject({ ok: false, error: { position: 0, message: expect.stringMatching(/pad_left\(\)/) } });
    const replaced = runQuery("replace('abcdefghij', '', 'abcdefghij')", apps, { valueChars: 100 });
    expect(replaced).toMatchObject({ ok: false, error: { message: expect.stringMatching(/replace\(\)/) } });
  });

  it('stops at the step bound, and a let scope is bounded like the rest', () => {
    const big = { items: Array.from({ length: 2000 }, (_, i) => ({ n: i })) };
    const compiled = compileQuery('items[].let $x = n in [$x, $x, $x]');
    if (!compiled.ok) throw new Error(compiled.error.text);
    const r = evaluateQuery(compiled.query, big, { steps: 1000, timeMs: Number.POSITIVE_INFINITY });
    expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/more than 1,000 steps/) } });
    expect(evaluateQuery(compiled.query, big, { timeMs: Number.POSITIVE_INFINITY }).ok).toBe(true);
  });

  it('stops at the time bound (a bound of 0 ms is met at the first check)', () => {
    const big = { items: Array.from({ length: 20_000 }, (_, i) => ({ n: i })) };
    const r = runQuery('items[].n', big, { timeMs: 0 });
    expect(r).toMatchObject({ ok: false, error: { message: expect.stringMatching(/took longer than 0 ms/) } });
  });

  it('within the bounds, a 10,000-item list is queried whole', () => {
    const big = { items: Array.from({ length: 10_000 }, (_, i) => ({ metadata: { name: `app-${i}` }, status: { sync: { status: i % 4 ? 'Synced' : 'OutOfSync' } } })) };
    // Within every bound but time, which depends on the machine.
    expect(runQuery("items[?status.sync.status=='OutOfSync'] | length(@)", big, { timeMs: Number.POSITIVE_INFINITY })).toEqual({ ok: true, value: 2500 });
  });
});
