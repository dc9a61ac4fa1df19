/** The command line's setting flags, derived from the settings table: one option per row with a flag, its help from the row. */
import { Option } from 'commander';
import type { Command } from 'commander';
import { settingRows } from './settings.ts';
import type { SettingRow } from './setting-types.ts';
import { defaultText } from './values.ts';

/** `--allow a,b --allow c` → [a, b, c]. */
const splitEach = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
/** `--header 'A: 1' --header 'B: 2'` → both, whole. */
const appendEach = (value: string, previous: string[] = []) => [...previous, value];

/** The row's help: its doc, its environment twin(s), its default. */
export function flagHelp(key: string, row: SettingRow): string {
  const notes: string[] = [];
  if (row.env?.length) notes.push(`env ${row.env.join(' or ')}`);
  const dflt = defaultText(key);
  // Nothing to say: no default, an off switch, an empty list.
  const silent = dflt === undefined || dflt.startsWith('—') || dflt === '[]' || (row.type === 'bool' && row.default === false);
  if (!silent) notes.push(`default ${dflt.replaceAll('`', '')}`);
  return notes.length ? `${row.doc} (${notes.join('; ')})` : row.doc;
}

/** --help's heading for each group of rows. */
const HEADINGS: Record<NonNullable<SettingRow['group']>, string> = {
  'Argo CD': 'Argo CD (address, authentication, TLS):',
  Tools: 'Tools (what is exposed and how it answers):',
  Serving: 'Serving (transport, HTTP service):',
};

function optionOf(key: string, row: SettingRow & { flag: string }): Option {
  const names = `${row.short ? `${row.short}, ` : ''}${row.flag}${row.type === 'bool' ? '' : ` ${row.arg ?? '<value>'}`}`;
  const option = new Option(names, flagHelp(key, row));
  if (row.type === 'enum' && row.choices) option.choices(row.choices.map(([c]) => c));
  if (row.repeat === 'split') option.argParser(splitEach);
  if (row.repeat === 'each') option.argParser(appendEach);
  if (row.group) option.helpGroup(HEADINGS[row.group]);
  return option;
}

/**
 * Adds the setting flags to a command, in table order: every gateway command takes the shared ones; `serve` also
 * takes the transport's and the HTTP service's (`serveOnly` rows).
 */
export function withSettingOptions(cmd: Command, options: { serve: boolean }): Command {
  for (const [key, row] of settingRows()) {
    if (!row.flag || (row.serveOnly && !options.serve)) continue;
    cmd.addOption(optionOf(key, row as SettingRow & { flag: string }));
  }
  return cmd;
}
