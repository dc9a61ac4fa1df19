/**
 * Secrets never leave the process: tokens and passwords are masked in messages, logs, audit records and results.
 *
 * Two ways, both applied: by value (every secret the gateway itself knows — its tokens, passwords, configured header
 * values, client secrets — is remembered and masked in any text) and by shape (the places Argo CD's objects and
 * requests carry secrets: credential fields, URLs with a password, a cluster's exec-provider env and arguments,
 * Secret manifests and patches, and — in logs and audit only — Helm values and resource-action parameters).
 */

/** Argument and field names whose values are secrets wherever they appear. */
export const SECRET_KEYS = [
  'password', 'currentPassword', 'newPassword', 'token', 'bearerToken', 'sshPrivateKey', 'tlsClientCertKey',
  'githubAppPrivateKey', 'gcpServiceAccountKey', 'azureServicePrincipalClientSecret', 'keyData', 'authorization',
  'clientSecret', 'refreshToken', 'idToken', 'accessToken', 'privateKey', 'secretAccessKey', 'apiKey', 'cookie',
  // A confirmation token not yet spent confirms a call (src/policy/confirm/tokens.ts).
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

/** `https://user:pass@host` → `https://user:[REDACTED]@host` (a repository's proxy, a Redis URL, a Git URL). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*:)[^\s/@'"]+@/gi;

/** Masks known secrets, bearer tokens and passwords in URLs in free text. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // Cheap looks first: results are long, and most hold neither.
  if (/bearer/i.test(out)) out = out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`);
  if (out.includes('@')) out = out.replace(URL_PASSWORD, `$1${REDACTED}@`);
  return out;
}

/** A flag whose value is a secret in a command line (`--token x`, `--client-secret=x`). */
const SECRET_FLAG = /^--?[a-z0-9-]*(token|secret|password|passwd|key|credential)[a-z0-9-]*$/i;

/** A cluster's exec provider (`config.execProviderConfig`): its env values and the values of secret-named flags. */
function maskExecProvider(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (out.env && typeof out.env === 'object') out.env = Object.fromEntries(Object.keys(out.env as object).map((k) => [k, REDACTED]));
  if (Array.isArray(out.args)) {
    const args = out.args as unknown[];
    out.args = args.map((a, i) => {
      if (typeof a !== 'string') return a;
      const eq = /^(--?[^=\s]+)=/.exec(a);
      if (eq && SECRET_FLAG.test(eq[1])) return `${eq[1]}=${REDACTED}`;
      const before = args[i - 1];
      return typeof before === 'string' && SECRET_FLAG.test(before) && !before.includes('=') ? REDACTED : a;
    });
  }
  return out;
}

const maskMapValues = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED])) : v === undefined ? v : REDACTED);

interface Walk {
  /** Logs and audit: also Helm values and parameters, action parameters, and patches of Secrets. */
  strict: boolean;
}

function walk(value: unknown, how: Walk): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, how));
  if (typeof value === 'string') return redactText(value);
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const secretManifest = obj.kind === 'Secret' && (obj.apiVersion === 'v1' || obj.apiVersion === undefined);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (isSecretKey(k)) out[k] = REDACTED;
    else if (k === 'execProviderConfig') out[k] = walk(maskExecProvider(v), how);
    else if (secretManifest && (k === 'data' || k === 'stringData')) out[k] = maskMapValues(v);
    else if (how.strict && k === 'helm' && v && typeof v === 'object') out[k] = maskHelm(v as Record<string, unknown>, how);
    else if (how.strict && (k === 'resourceActionParameters' || k === 'parameters') && Array.isArray(v)) out[k] = v.map(maskParameter);
    else out[k] = walk(v, how);
  }
  // A patch of a Secret (application_patch_resource with kind Secret) carries its data in a string.
  if (how.strict && obj.kind === 'Secret' && typeof obj.patch === 'string') out.patch = REDACTED;
  return out;
}

/** Helm `values` (a YAML string), `valuesObject` and parameter values: often where chart secrets are passed. */
function maskHelm(helm: Record<string, unknown>, how: Walk): Record<string, unknown> {
  const out = walk(helm, { ...how, strict: false }) as Record<string, unknown>;
  if (helm.values !== undefined) out.values = REDACTED;
  if (helm.valuesObject !== undefined) out.valuesObject = REDACTED;
  for (const key of ['parameters', 'fileParameters']) if (Array.isArray(helm[key])) out[key] = (helm[key] as unknown[]).map(maskParameter);
  return out;
}

function maskParameter(p: unknown): unknown {
  if (!p || typeof p !== 'object') return p;
  const out: Record<string, unknown> = { ...(p as Record<string, unknown>) };
  for (const key of ['value', 'path', 'string']) if (out[key] !== undefined) out[key] = REDACTED;
  return out;
}

/** A copy of a value with every secret masked, for logs and audit records (strict: Helm values and parameters too). */
export function redactValue(value: unknown): unknown {
  return walk(value, { strict: true });
}

/**
 * A copy of an Argo CD answer with its secrets masked, for a tool result: credential fields Argo CD did not
 * redact, passwords in URLs, exec-provider env and arguments, Secret data, and any secret the gateway knows.
 * Helm values stay: whoever holds the token reads them in Argo CD too.
 */
export function redactResult(value: unknown): unknown {
  return walk(value, { strict: false });
}

/** Whether an answer of this type may carry credentials (clusters, repositories, credential templates, accounts). */
export function mayCarrySecrets(responseType: string): boolean {
  return /Cluster|Repo|Account|Token|Session|Settings|Project/i.test(responseType);
}
