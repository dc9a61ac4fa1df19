/**
 * Issue 7, part 6 (load), the CI-sized run: 20 concurrent sessions for 3 s per phase against the simulator, with
 * sessions and stateless; every call must succeed. The full run (100 sessions, 60 s) is `npm run load`, with its
 * figures in docs/load.md.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runLoad } from './load-run.ts';

describe('load, CI-sized', () => {
  it('serves 20 concurrent sessions (the SDK Client) for 3 s per mode with no errors', async () => {
    const report = await runLoad({ sessions: 20, seconds: 3, client: 'sdk', settleSeconds: 0 });
    process.stdout.write(`${formatReport(report)}\n`);
    expect(report.direct.errors).toBe(0);
    for (const phase of report.phases) {
      expect(phase.errors, phase.errorSamples.join('\n')).toBe(0);
      expect(phase.count).toBeGreaterThan(20);
    }
  }, 90_000);

  it('drives sessions with the JSON-RPC-over-fetch client of `npm run load` too, with no errors', async () => {
    const report = await runLoad({ sessions: 10, seconds: 2, client: 'fetch', modes: ['sessions'], settleSeconds: 0 });
    process.stdout.write(`${formatReport(report)}\n`);
    const [phase] = report.phases;
    expect(phase.errors, phase.errorSamples.join('\n')).toBe(0);
    expect(phase.count).toBeGreaterThan(10);
  }, 60_000);

  it('drives sessions and stateless calls with autocannon, as `npm run load` does, with no errors', async () => {
    const report = await runLoad({ sessions: 10, seconds: 2, client: 'autocannon', settleSeconds: 0 });
    process.stdout.write(`${formatReport(report)}\n`);
    for (const phase of report.phases) {
      expect(phase.errors, phase.errorSamples.join('\n')).toBe(0);
      expect(phase.count).toBeGreaterThan(10);
    }
  }, 60_000);
});
