/** The packed names answer: exact both ways, and smaller than the plain list. */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { compressNames, countBy, packNames, unpackNames } from '../../src/fleet/answer-shapes.ts';
import { matcherOf } from '../../src/fleet/filters.ts';

const fleet = [
  'billing', 'checkout-api-12-prod-use1-01', 'checkout-api-13-prod-use1-01', 'checkout-api-12-prod-euw1-01',
  'checkout-api-prod-usw2-01-3', 'checkout-api-prod-usw2-01-5', 'checkout-cache-4-prod-usw2-01', 'payments-worker', 'payments-reconciler',
];

describe('packed names', () => {
  it('unpack to exactly the names packed, names without a dash included', () => {
    expect(unpackNames(packNames(fleet)).sort()).toEqual([...fleet].sort());
  });

  it('write names that differ in one part once, with braces', () => {
    expect(compressNames(['a-1-x', 'a-2-x', 'b-1-y'])).toEqual(['a-{1,2}-x', 'b-1-y']);
    expect(packNames(['a-1-x', 'a-2-x', 'solo'])).toEqual({ '': 'solo', a: '{1,2}-x' });
  });

  it('cost fewer tokens than the plain list on a fleet\'s names', () => {
    const names = Array.from({ length: 400 }, (_, i) => `checkout-svc${i % 9}-${i % 41}-prod-${['use1', 'euw1', 'apne1'][i % 3]}-01`);
    expect(unpackNames(packNames(names)).sort()).toEqual([...new Set(names)].sort());
    expect(countTokens(JSON.stringify(packNames(names)))).toBeLessThan(countTokens(JSON.stringify(names)) * 0.8);
  });
});

describe('matchers and counts', () => {
  it.each([
    ['checkout-*-prod-use1-01', 'exact', 'checkout-api-12-prod-use1-01', true],
    ['checkout-*-prod-use1-01', 'exact', 'checkout-api-12-prod-use1-01-2', false],
    ['api-1?', 'fragment', 'api-12', true],
    ['API', 'fragment', 'checkout-api-12', true],
    ['prod-use1', 'exact', 'prod-use1-01', false],
  ] as const)('%s (%s) against %s: %s', (pattern, mode, value, want) => {
    expect(matcherOf(pattern, mode)(value)).toBe(want);
  });

  it('count exactly, largest first', () => {
    expect(Object.entries(countBy(['b', 'a', 'b', 'c', 'a', 'b']))).toEqual([['b', 3], ['a', 2], ['c', 1]]);
  });
});
