/**
 * `tokenCommand`: a program that prints a token (vault, a cloud IAM CLI, `argocd account generate-token`), run as an
 * argv array without a shell, with a timeout. Its output is cached for `tokenCommandTtl` (or until ~80% of the JWT's
 * lifetime, when sooner) and the command runs again after a 401. Output is the bare token, or JSON holding one
 * (`token`, `access_token`, `id_token`, or a Kubernetes ExecCredential's `status.token`).
 *
 * What the command writes to stderr may contain the token (or another secret), so it never reaches a log or a
 * message verbatim: known secrets and anything that looks like a token are masked first.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../../log.ts';
import { redactText, registerSecret } from '../../redact.ts';
import { createRenewingSource } from './renewing-source.ts';
import type { TokenSource } from './token-source.ts';

export interface TokenCommandOptions {
  argv: string[];
  ttlMs: number;
  timeoutMs: number;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Masks anything token-like: long runs of base64/JWT characters, and values after "token"/"password"/"secret". */
export function maskTokenLike(text: string): string {
  return redactText(text)
    .replace(/\b((?:[a-z_-]*(?:token|password|secret|key)[a-z_-]*)\s*[:=]\s*)("?)[^\s"',;]+\2/gi, '$1[REDACTED]')
    .replace(/[A-Za-z0-9._~+/=-]{20,}/g, '[REDACTED]');
}

/** The last few lines of a command's stderr, safe to show. */
function stderrExcerpt(stderr: string): string {
  const lines = stderr.trim().split(/\r?\n/).filter((l) => l.trim()).slice(-3);
  const text = maskTokenLike(lines.join(' | ')).slice(0, 300);
  return text ? `; it said: ${text}` : '';
}

/** The token in a command's stdout: the trimmed text, or a field of a JSON object. */
export function tokenFromOutput(stdout: string): string {
  const text = stdout.trim();
  if (!text) throw new Error('printed nothing on stdout; it must print the token');
  if (text.startsWith('{')) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error('printed something that starts like JSON but is not; print the bare token or a JSON object with "token"');
    }
    const status = data.status as Record<string, unknown> | undefined;
    const found = [data.token, data.access_token, data.id_token, status?.token].find((v) => typeof v === 'string' && v);
    if (typeof found !== 'string') {
      throw new Error('printed JSON without "token", "access_token", "id_token" or "status.token"; print the bare token or one of those');
    }
    return found;
  }
  if (/\s/.test(text)) throw new Error('printed several words or lines; it must print only the token (e.g. vault read -field=token …)');
  return text;
}

function run(options: TokenCommandOptions): Promise<string> {
  const [file, ...args] = options.argv;
  const name = path.basename(file);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, env: options.env ?? process.env, windowsHide: true, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          // Whatever came out may be (part of) a token: remember it as a secret before any message is built.
          for (const word of String(stdout).split(/\s+/)) registerSecret(word);
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: string | number | null };
          if (e.code === 'ENOENT') reject(new Error(`token command: cannot run "${file}": not found (give an absolute path or check PATH)`));
          else if (e.code === 'EACCES') reject(new Error(`token command: cannot run "${file}": permission denied (is it executable?)`));
          else if (e.killed && e.signal === 'SIGTERM') reject(new Error(`token command "${name}" did not finish within ${Math.round(options.timeoutMs / 1000)} s (raise \`timeout\`)${stderrExcerpt(String(stderr))}`));
          else if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') reject(new Error(`token command "${name}" printed more than 1 MiB; it must print only the token`));
          else reject(new Error(`token command "${name}" failed (${typeof e.code === 'number' ? `exit code ${e.code}` : e.signal ? `signal ${e.signal}` : e.message})${stderrExcerpt(String(stderr))}`));
          return;
        }
        try {
          const token = tokenFromOutput(String(stdout));
          registerSecret(token);
          resolve(token);
        } catch (parseErr) {
          for (const word of String(stdout).split(/\s+/)) registerSecret(word);
          reject(new Error(`token command "${name}" ${(parseErr as Error).message}`));
        }
      },
    );
  });
}

/** A token source that runs a command for the token and caches it. */
export function tokenCommandSource(options: TokenCommandOptions): TokenSource {
  const name = path.basename(options.argv[0]);
  return createRenewingSource({
    describe: `the token printed by the command "${name}"`,
    advice: `Argo CD refused the token printed by "${name}", also after running it again. Check that the command prints a valid Argo CD token for this server (run it yourself and try the token with \`argocd account get-user-info --auth-token …\`).`,
    logger: options.logger,
    now: options.now,
    obtain: async () => ({ token: await run(options), maxAgeMs: options.ttlMs }),
  });
}
