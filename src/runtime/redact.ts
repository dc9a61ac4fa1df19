/** Secrets never leave the process: tokens and passwords are masked in messages, logs and audit records. */

/** Argument and field names whose values are secrets wherever they appear. */
export const SECRET_KEYS = [
  'password', 'currentPassword', 'newPassword', 'token', 'bearerToken', 'sshPrivateKey', 'tlsClientCertKey',
  'githubAppPrivateKey', 'gcpServiceAccountKey', 'azureServicePrincipalClientSecret', 'keyData', 'authorization',
  // A confirmation token not yet spent confirms a call (src/runtime/confirm-tokens.ts).
  'confirmationToken',
];

const SECRET_KEY_SET = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));

export const REDACTED = '[REDACTED]';

/** Whether a field of this name holds a secret (compared without case). */
export const isSecretKey = (key: string): boolean => SECRET_KEY_SET.has(key.toLowerCase());

const known = new Set<string>();

/** Remembers a secret value (the configured token, a session token) so it is masked in any text. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) known.add(value);
}

/** Masks known secrets and bearer tokens in free text. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`);
}

/** A copy of a value with secret fields masked, for logs and audit records. */
export function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) && v !== undefined ? REDACTED : redactValue(v);
    return out;
  }
  return typeof value === 'string' ? redactText(value) : value;
}
