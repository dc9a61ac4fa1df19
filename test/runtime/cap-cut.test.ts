import { describe, expect, it } from 'vitest';
import { capResult, countTokens, fitsIn } from '../../src/shaping/cap.ts';

/** The most items of `items` that fit, each cut counted whole (what capResult's answer must equal). */
async function mostThatFit(wrap: (items: unknown[]) => unknown, items: unknown[], tokens: number): Promise<number> {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await fitsIn(JSON.stringify(wrap(items.slice(0, mid))), tokens - 200)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const names = Array.from({ length: 3000 }, (_, i) => `team-${i % 37}-service-${i}-prod-euw1-${String(i % 7).padStart(2, '0')}`);
const cases: Array<{ name: string; wrap: (items: unknown[]) => unknown; items: unknown[]; tokens: number }> = [
  { name: 'a list of 3,000 names', wrap: (a) => a, items: names, tokens: 20_000 },
  { name: 'a list object with its own fields around the items', wrap: (a) => ({ kind: 'List', items: a, total: 3000 }), items: names.map((n) => ({ metadata: { name: n }, status: { health: 'Degraded' } })), tokens: 5_000 },
  { name: 'items longer than a counting piece (unbroken runs)', wrap: (a) => a, items: Array.from({ length: 200 }, (_, i) => `${'x'.repeat(700 + i)}-${i}`), tokens: 3_000 },
  { name: 'non-ASCII items (bytes are not characters)', wrap: (a) => ({ items: a }), items: Array.from({ length: 2000 }, (_, i) => `Ünïcödé-名前-${i}`), tokens: 4_000 },
  { name: 'mixed values, with undefined items', wrap: (a) => a, items: Array.from({ length: 1500 }, (_, i) => (i % 5 === 0 ? undefined : i % 3 ? [i, `v${i}`] : { i })), tokens: 2_500 },
];

describe('capResult counts a cut list as it counts the cut text', () => {
  for (const c of cases) {
    it(`keeps the same number of items as counting each cut whole: ${c.name}`, async () => {
      const expected = await mostThatFit(c.wrap, c.items, c.tokens);
      expect(expected).toBeGreaterThan(0);
      expect(expected).toBeLessThan(c.items.length);
      const capped = await capResult(c.wrap(c.items), c.tokens, 'Narrow it.');
      expect(capped.note).toContain(`: ${expected} of ${c.items.length} items shown`);
      expect(await fitsIn(capped.text, c.tokens)).toBe(true);
    });
  }

  it('leaves whole a list whose bytes pass the cap but whose tokens do not', async () => {
    const list = names.slice(0, 400);
    const text = JSON.stringify(list);
    const tokens = await countTokens(text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(tokens);
    const whole = await capResult(list, tokens, 'Narrow it.');
    expect(whole.note).toBeUndefined();
    expect(whole.text).toBe(text);
    const cut = await capResult(list, tokens - 1, 'Narrow it.');
    expect(cut.note).toMatch(/items shown/);
  });
});
