/**
 * Static API keys for MCP clients, from a file that holds only their sha256 hashes:
 *
 *   # sha256 of the key          subject      scopes (default argocd:read)
 *   sha256:9f86d08188…0f00a08    ci-bot       argocd:read,argocd:write
 *
 * A presented key is hashed and compared with every entry in constant time, so neither the file nor the timing
 * tells anything about a key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { READ_SCOPE } from './scopes.ts';

export interface ApiKeyEntry {
  /** sha256 of the key, 32 bytes. */
  hash: Buffer;
  subject: string;
  scopes: string[];
}

/** Parses the keys file; every bad line is reported (by number, never by content: it may hold a pasted key). */
export function parseApiKeys(text: string): { keys: ApiKeyEntry[]; problems: string[] } {
  const keys: ApiKeyEntry[] = [];
  const problems: string[] = [];
  const subjects = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const [hashText, subject, scopeText, ...rest] = line.split(/\s+/);
    const m = /^sha256:([0-9a-f]{64})$/i.exec(hashText);
    if (!m) {
      problems.push(`line ${i + 1}: the first field must be sha256:<64 hex digits> (the hash of the key, not the key: printf %s "$KEY" | sha256sum)`);
      return;
    }
    if (!subject || rest.length) {
      problems.push(`line ${i + 1}: write "sha256:<hex> <subject> [scope,scope]" (subject without spaces)`);
      return;
    }
    if (subjects.has(subject)) problems.push(`line ${i + 1}: subject "${subject}" appears twice; give each key its own subject so audit records tell them apart`);
    subjects.add(subject);
    const scopes = scopeText ? scopeText.split(',').map((s) => s.trim()).filter(Boolean) : [READ_SCOPE];
    keys.push({ hash: Buffer.from(m[1], 'hex'), subject, scopes });
  });
  return { keys, problems };
}

/** The sha256 of a key as the file stores it (`sha256:<hex>`). */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** Finds the entry for a presented key; compares against every entry so the time does not depend on which matched. */
export function matchApiKey(keys: ApiKeyEntry[], presented: string): ApiKeyEntry | undefined {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiKeyEntry | undefined;
  for (const entry of keys) {
    if (timingSafeEqual(entry.hash, digest) && !found) found = entry;
  }
  return found;
}
