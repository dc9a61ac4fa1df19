/**
 * The YAML config file: read, parsed, and its keys checked against the settings table (a typo must not be silently
 * ignored: an unknown key is reported with the nearest known one). Problems become issues rather than exceptions.
 */
import { readFileSync } from 'node:fs';
import { parseYaml } from './yaml.ts';
import { didYouMean } from './did-you-mean.ts';
import type { ConfigIssue } from './read.ts';
import { configFileKeys } from './sources.ts';

/**
 * yaml's message with its code frame (the line and a caret under the column), which shows where to fix. The file
 * may hold a token or password on that very line: every value is masked, character for character so the caret
 * still points at the right place; keys, indentation and punctuation stay.
 */
function yamlErrorWithFrame(message: string): string {
  const mask = (text: string) => text.replace(/[^\s[\]{},:"'#&*!|>%@`-]{2,}|[A-Za-z0-9_.+/=-]{6,}/g, (run) => '*'.repeat(run.length));
  const [head, ...frame] = message.trimEnd().split('\n');
  const lines = frame
    .filter((l) => l.trim())
    .map((l) => {
      if (/^\s*\^+\s*$/.test(l)) return `    ${l}`;
      const key = /^(\s*(?:- )*[A-Za-z0-9_.-]+:)(.*)$/.exec(l);
      return `    ${key ? `${key[1]}${mask(key[2])}` : mask(l)}`;
    });
  return [head.replace(/"[^"]*"/g, (q) => mask(q)), ...lines].join('\n');
}

/** Reads the config file `file`, named `setting` (--config or ARGOCD_MCP_CONFIG) in messages. */
export function readConfigFile(file: string, setting: string, issues: ConfigIssue[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    issues.push({ setting, message: `cannot read ${file} (${code ?? (err as Error).message}); check the path` });
    return {};
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    issues.push({ setting, message: `${file} is not valid YAML: ${yamlErrorWithFrame((err as Error).message)}` });
    return {};
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    issues.push({ setting, message: `${file} must hold a YAML mapping (key: value lines)` });
    return {};
  }
  const known = configFileKeys();
  for (const key of Object.keys(data)) {
    if (!known.includes(key)) {
      const hint = didYouMean(key, known);
      issues.push({ setting: key, message: `unknown key in ${file}${hint ? ` (did you mean ${hint}?)` : ''}; known keys: ${known.join(', ')}` });
    }
  }
  return data as Record<string, unknown>;
}
