/** The tokens `login --sso` leaves for the stdio gateway: one JSON file, readable and writable by the user only. */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { registerSecret } from '../../../redact.ts';
import type { SsoTokens } from './oidc.ts';

export interface SavedSsoTokens extends SsoTokens {
  issuer: string;
  clientId: string;
  savedAt: string;
}

/** The saved tokens, or undefined when there is no file; throws with a readable message when it is unusable. */
export function readTokenFile(file: string): SavedSsoTokens | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  let saved: SavedSsoTokens;
  try {
    saved = JSON.parse(text) as SavedSsoTokens;
  } catch {
    throw new Error(`${file} is not a token file of argocd-mcp-gateway login --sso; run the login again`);
  }
  if (typeof saved?.idToken !== 'string' || !saved.idToken) throw new Error(`${file} holds no id token; run argocd-mcp-gateway login --sso again`);
  registerSecret(saved.idToken);
  registerSecret(saved.refreshToken);
  return saved;
}

/** Writes the file atomically (a reader never sees half of it), with mode 0600 in a directory of mode 0700. */
export function writeTokenFile(file: string, tokens: SsoTokens, who: { issuer: string; clientId: string }): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const saved: SavedSsoTokens = { ...tokens, issuer: who.issuer, clientId: who.clientId, savedAt: new Date().toISOString() };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}
