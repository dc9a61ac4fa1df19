/**
 * `npm run load`: 100 concurrent MCP sessions for 60 s per phase (LOAD_SESSIONS, LOAD_SECONDS to change), direct
 * fetch vs the gateway with sessions and stateless, the sessions driven by autocannon (LOAD_CLIENT=fetch or sdk for
 * the other clients); prints the table and writes it into docs/load.md, in the section of that client.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatReport, runLoad } from './load-run.ts';
import { ROOT } from './harness.ts';

const sessions = Number(process.env.LOAD_SESSIONS ?? 100);
const seconds = Number(process.env.LOAD_SECONDS ?? 60);
if (!(sessions > 0 && sessions <= 500) || !(seconds > 0 && seconds <= 120)) {
  process.stderr.write('LOAD_SESSIONS must be 1..500 and LOAD_SECONDS 1..120\n');
  process.exit(2);
}

const modes = (process.env.LOAD_MODES ?? 'sessions,stateless').split(',').map((m) => m.trim());
if (!modes.length || modes.some((m) => m !== 'sessions' && m !== 'stateless')) {
  process.stderr.write('LOAD_MODES must list sessions and/or stateless, comma-separated\n');
  process.exit(2);
}
const loadBefore = os.loadavg()[0];
const client = process.env.LOAD_CLIENT ?? 'autocannon';
if (client !== 'fetch' && client !== 'sdk' && client !== 'autocannon') {
  process.stderr.write('LOAD_CLIENT must be autocannon (the default), fetch (JSON-RPC over fetch) or sdk (the SDK Client)\n');
  process.exit(2);
}
const report = await runLoad({ sessions, seconds, client, modes: modes as Array<'sessions' | 'stateless'>, log: (line) => process.stderr.write(`${line}\n`) });
const table = formatReport(report);
process.stdout.write(`${table}\n`);

const doc = path.join(ROOT, 'docs', 'load.md');
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
// Each client has its own section of the page (the default one is `load`).
const marker = client === 'autocannon' ? 'load' : `load-${client}`;
const section = [
  `<!-- ${marker}:begin -->`,
  `Run of ${new Date().toISOString().slice(0, 10)}: ${sessions} sessions (${{ sdk: 'the SDK Client', fetch: 'JSON-RPC over fetch', autocannon: 'JSON-RPC with autocannon' }[client]}), ${seconds} s per phase, on ${machine}; load average before: ${loadBefore.toFixed(2)}. Direct: ${report.directRuns.map((t) => t.toFixed(0)).join(' calls/s before the gateway phases, ')} after.`,
  '',
  table,
  `<!-- ${marker}:end -->`,
].join('\n');
const block = new RegExp(`<!-- ${marker}:begin -->[\\s\\S]*<!-- ${marker}:end -->`);
let text = readFileSync(doc, 'utf8');
text = block.test(text) ? text.replace(block, () => section) : `${text}\n${section}\n`;
writeFileSync(doc, text);
process.stderr.write(`wrote ${doc}\n`);
const errors = report.direct.errors + report.phases.reduce((n, p) => n + p.errors, 0);
if (errors) {
  for (const p of report.phases) for (const s of p.errorSamples) process.stderr.write(`${p.mode}: ${s}\n`);
  process.exit(1);
}
