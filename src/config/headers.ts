/**
 * Extra headers for every request to Argo CD (a proxy in front of it: Cloudflare Access service tokens, an API
 * gateway key). Values may reference environment variables as `${NAME}` so the secret stays out of the config file;
 * every value is registered as a secret and masked in logs and messages.
 */
import { registerSecret } from '../redact.ts';

/** Header names the gateway sets itself; `authorization` comes from the token settings. */
const RESERVED = new Set(['authorization', 'host', 'content-type', 'content-length', 'accept', 'user-agent', 'connection', 'transfer-encoding']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `${NAME}` → the value of NAME in env; every missing name is reported. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): { value: string; missing: string[] } {
  const missing: string[] = [];
  const out = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) {
      missing.push(name);
      return '';
    }
    return v;
  });
  return { value: out, missing };
}

/**
 * Reads `headers:` (a mapping) or `--header`/ARGOCD_HEADERS entries (`Name: value`, a list or a comma- or
 * newline-separated string). Returns the headers, or problems that name the fix.
 */
export function parseHeaders(raw: unknown, env: NodeJS.ProcessEnv): { headers: Record<string, string>; problems: string[] } {
  const problems: string[] = [];
  const pairs: Array<[string, unknown]> = [];
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) pairs.push(...Object.entries(raw));
  else {
    const entries = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(raw.includes('\n') ? /\r?\n/ : ',') : undefined;
    if (!entries) return { headers: {}, problems: ['must be a mapping of header names to values (or "Name: value" entries)'] };
    for (const entry of entries) {
      if (typeof entry !== 'string') {
        problems.push('each entry must be a "Name: value" string');
        continue;
      }
      if (!entry.trim()) continue;
      const colon = entry.indexOf(':');
      if (colon <= 0) {
        problems.push(`"${entry.trim().split(/\s/)[0]}…" is not "Name: value"`);
        continue;
      }
      pairs.push([entry.slice(0, colon).trim(), entry.slice(colon + 1).trim()]);
    }
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (!TOKEN.test(name)) {
      problems.push(`"${name}" is not a valid header name`);
      continue;
    }
    if (RESERVED.has(name.toLowerCase())) {
      problems.push(`the gateway sets "${name}" itself${name.toLowerCase() === 'authorization' ? '; configure the Argo CD token with token, tokenFile, username/password or tokenCommand instead' : ''}`);
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      problems.push(`the value of "${name}" must be a string`);
      continue;
    }
    const expanded = expandEnv(String(value), env);
    if (expanded.missing.length) {
      problems.push(`the value of "${name}" references ${expanded.missing.map((m) => `\${${m}}`).join(', ')}, which is not set in the environment; export it or write the value itself`);
      continue;
    }
    if (/[\r\n]/.test(expanded.value)) {
      problems.push(`the value of "${name}" contains a line break`);
      continue;
    }
    registerSecret(expanded.value);
    headers[name.toLowerCase()] = expanded.value;
  }
  return { headers, problems };
}
