/** The budget table: the operator's cap first, then the connected host's, then the default; and cutting by bytes. */
import { describe, expect, it } from 'vitest';
import { capResult } from '../../src/shaping/cap.ts';
import { resultBudget } from '../../src/gateway/client-budgets.ts';

describe('result budgets', () => {
  it.each([
    { clientName: 'claude-code', want: { tokens: 20_000, why: "Claude Code's limit for a tool result" } },
    { clientName: 'github-copilot-developer', want: { bytes: 9728, why: "GitHub Copilot CLI's limit for a tool result" } },
    { clientName: 'codex-mcp-client', want: { bytes: 9728, why: "Codex's limit for a tool result" } },
    { clientName: 'cursor-vscode', want: { tokens: 20_000, why: "the gateway's default cap" } },
    { clientName: undefined, want: { tokens: 20_000, why: "the gateway's default cap" } },
  ])('$clientName gets $want', ({ clientName, want }) => {
    expect(resultBudget({ clientName })).toEqual(want);
  });

  it("the operator's maxResultTokens applies to every client", () => {
    expect(resultBudget({ operatorTokens: 4000, clientName: 'github-copilot-developer' })).toEqual({ tokens: 4000, why: "the gateway's maxResultTokens" });
  });

  it('a byte budget keeps the text and the note within it, cut at an item boundary', async () => {
    const value = { items: Array.from({ length: 400 }, (_, i) => ({ name: `app-${i}`, repo: 'https://git.example/apps.git', path: `apps/${i}` })) };
    const capped = await capResult(value, resultBudget({ clientName: 'codex-mcp-client' }), 'Narrow it with limit/offset.');
    expect(Buffer.byteLength(`${capped.text}\n${capped.note}`)).toBeLessThanOrEqual(10 * 1024);
    expect((JSON.parse(capped.text) as { items: unknown[] }).items.length).toBeGreaterThan(50);
    expect(capped.note).toMatch(/^Truncated to stay within 9728 bytes \(Codex's limit for a tool result\): \d+ of 400 items shown, \d+ left out\. Narrow it with limit\/offset\.$/);
  });
});
