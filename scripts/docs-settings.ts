/** Rewrites README's settings table from src/config/settings.ts (`npm run docs:settings`). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spliceSettingsTable } from '../src/config/settings-table.ts';

const readmePath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = spliceSettingsTable(before);
if (after !== before) writeFileSync(readmePath, after);
process.stderr.write(after === before ? 'README.md: settings table already up to date\n' : 'README.md: settings table rewritten\n');
