/**
 * README's settings table, rendered from the settings table (src/config/settings.ts). `npm run docs:settings` writes
 * it between the markers; test/config/settings-table.test.ts fails when README holds anything else.
 */
import { settingRows } from './settings.ts';
import type { SettingRow } from './setting-types.ts';
import { defaultText } from './values.ts';

export const TABLE_BEGIN = '<!-- settings-table: generated from src/config/settings.ts; edit the rows there and run `npm run docs:settings` -->';
export const TABLE_END = '<!-- /settings-table -->';

const code = (text: string) => `\`${text}\``;

function fileCell(key: string, row: SettingRow): string {
  if (row.inFile === false) return '—';
  return `${code(key)}${row.aliases?.length ? ` (or ${row.aliases.map(code).join(', ')})` : ''}`;
}

function flagCell(row: SettingRow): string {
  if (!row.flag) return '—';
  return `${row.short ? `${code(row.short)}, ` : ''}${code(row.flag)}${row.repeat ? ' (repeatable)' : ''}`;
}

function defaultCell(key: string, row: SettingRow): string {
  const text = defaultText(key);
  if (text === undefined) return '—';
  return Array.isArray(row.default) && row.defaultText === undefined ? code(text) : text;
}

function meaningCell(row: SettingRow): string {
  if (!row.more) return row.doc;
  return `${row.doc}${row.more.startsWith('(') ? ' ' : '; '}${row.more}`;
}

/** The table's markdown: one line per setting, in table order. */
export function renderSettingsTable(): string {
  const lines = ['| Config file key | Flag | Environment | Default | Meaning |', '| --- | --- | --- | --- | --- |'];
  for (const [key, row] of settingRows()) {
    const env = row.env?.length ? row.env.map(code).join(', ') : '—';
    lines.push(`| ${fileCell(key, row)} | ${flagCell(row)} | ${env} | ${defaultCell(key, row)} | ${meaningCell(row).replaceAll('|', '\\|')} |`);
  }
  return lines.join('\n');
}

/** README with its settings table replaced by the rendered one; throws when the markers are missing. */
export function spliceSettingsTable(readme: string): string {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no settings table markers (${TABLE_BEGIN} … ${TABLE_END})`);
  return `${readme.slice(0, begin + TABLE_BEGIN.length)}\n${renderSettingsTable()}\n${readme.slice(end)}`;
}
