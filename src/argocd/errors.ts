/** Argo CD's error answers and transport failures → messages an agent (and its human) can act on. */
import type { CatalogueTool } from '../catalogue/types.ts';
import { redactText } from '../redact.ts';

/** gRPC status codes as argocd-server puts them in `code`. */
const GRPC_CODES: Record<number, string> = {
  0: 'OK', 1: 'Canceled', 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 6: 'AlreadyExists',
  7: 'PermissionDenied', 8: 'ResourceExhausted', 9: 'FailedPrecondition', 10: 'Aborted', 11: 'OutOfRange',
  12: 'Unimplemented', 13: 'Internal', 14: 'Unavailable', 15: 'DataLoss', 16: 'Unauthenticated',
};

export interface ArgocdErrorBody {
  error?: string;
  code?: number;
  message?: string;
}

function advice(status: number, code: number | undefined, message: string, tool: CatalogueTool): string {
  if (status === 401 || code === 16) {
    return 'The Argo CD token was refused: it may be expired, revoked, or issued by another Argo CD. Set a valid one in ARGOCD_API_TOKEN (or the token file); `argocd account generate-token` makes one.';
  }
  if (status === 403 || code === 7) {
    const m = /permission denied:\s*([^,]+),\s*([^,]+),\s*([^,]+)/.exec(message);
    const need = m ? ` It needs the RBAC permission \`${m[1].trim()}, ${m[2].trim()}, ${m[3].trim()}\`.` : '';
    return `The token may not do this in Argo CD.${need} An Argo CD admin can grant it in argocd-rbac-cm; for applications Argo CD also answers 403 when the object does not exist, so check the name and project too.`;
  }
  if (status === 404 || code === 5) return 'Nothing by that name: check the name (and appNamespace/project where they apply), e.g. with a list tool.';
  if (status === 409 || code === 6) {
    const upsert = 'upsert' in ((tool.inputSchema.properties as object | undefined) ?? {});
    return upsert ? 'It already exists: pass upsert: true to replace it, or use the update tool.' : 'It already exists.';
  }
  if (status === 415) return 'Argo CD refused the request body type; this is a gateway bug, please report it.';
  if (code === 9) return 'Argo CD refuses this in the current state (e.g. an operation is already running, or auto-sync is on).';
  if (status === 400 || code === 3) return 'Argo CD rejected the arguments; correct them and call again.';
  if (status === 501 || code === 12) return 'This Argo CD does not implement the operation (an older or newer release?).';
  if (status >= 500) return 'Argo CD failed on its side; retrying later may help, and its server logs tell more.';
  return '';
}

/** Text from Argo CD or the cluster inside a sentence of the gateway's: between « », which it cannot close itself. */
export function quoteArgocd(text: string): string {
  return `«${text.replace(/[«»]/g, (c) => (c === '«' ? '‹' : '›'))}»`;
}

/** An HTTP error answer from Argo CD → the text of an isError tool result. */
export function describeArgocdError(args: { status: number; statusText: string; body: unknown; tool: CatalogueTool }): string {
  const { status, statusText, body, tool } = args;
  const b = (body && typeof body === 'object' ? body : {}) as ArgocdErrorBody;
  const message = String(b.message ?? b.error ?? (typeof body === 'string' ? body.slice(0, 500) : '')).trim();
  const code = typeof b.code === 'number' ? b.code : undefined;
  const grpc = code !== undefined ? `, gRPC ${code} ${GRPC_CODES[code] ?? ''}`.trimEnd() : '';
  const head = `Argo CD answered ${status}${statusText ? ` ${statusText}` : ''}${grpc} to ${tool.request.method} ${tool.request.path}`;
  // Argo CD's message is text from the cluster (it can hold names, annotations, anyone's words): quoted, never
  // spliced into the gateway's own sentence.
  const lines = [`${head}: ${message ? quoteArgocd(message) : '(no message)'}`];
  const hint = advice(status, code, message, tool);
  if (hint) lines.push(hint);
  return redactText(lines.join('\n'));
}

/** A failure to talk to Argo CD at all (refused, DNS, TLS, timeout) → an actionable message. */
export function describeTransportError(err: unknown, baseUrl: string, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? '';
  let detail = (e.cause?.message ?? e.message ?? String(err)).trim();
  let lead = 'Cannot reach Argo CD at';
  let hint: string;
  if (e.name === 'TimeoutError') {
    hint = `Nothing answered within ${Math.round(timeoutMs / 1000)} s: check the address and port, and that argocd-server is what listens there (not a stale \`kubectl port-forward\`, or a proxy or firewall that holds connections open); if Argo CD is up but slow, raise \`timeout\`.`;
  }
  else if (code === 'ERR_CROSS_ORIGIN_REDIRECT') {
    lead = 'Not following a redirect of Argo CD at';
    const to = (e.cause as { location?: string }).location ?? 'another origin';
    hint = `The gateway follows redirects only within ${new URL(baseUrl).origin}, so the token, configured headers and passwords never go to another address. If Argo CD lives at ${to}, set ARGOCD_BASE_URL (baseUrl) to it.`;
  } else if (code === 'ERR_RESPONSE_TOO_LARGE') {
    lead = 'Stopped reading an answer of Argo CD at';
    hint = 'Narrow the request (fields, a label selector, a project or name, fewer items), or raise maxResponseBytes (--max-response-bytes) if the gateway has the memory for it.';
  } else if (code === 'ERR_DECOMPRESSION_RATIO') {
    lead = 'Refused a compressed answer of Argo CD at';
    hint = 'An answer that inflates this much is a decompression bomb or a broken proxy; nothing of it was used.';
  } else if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || code === 'ERR_PADDING_1' || /unexpected end of file|incorrect header check|invalid (stored|block|distance)/i.test(detail)) {
    lead = 'A compressed answer of Argo CD was cut off or damaged, at';
    hint = 'The body ended early or is corrupt: a proxy or argocd-server cut it. Retrying may help.';
  } else if (code === 'ECONNREFUSED') hint = 'Nothing listens there: check ARGOCD_BASE_URL and that argocd-server is up.';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') hint = 'The host name does not resolve: check ARGOCD_BASE_URL.';
  else if (/WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i.test(`${code} ${detail}`)) {
    // OpenSSL's answer when the far end speaks plain HTTP: no CA file or `insecure` can help.
    lead = 'No TLS from Argo CD at';
    detail = 'the answer to the TLS handshake was not TLS (OpenSSL: wrong version number)';
    hint = `The server answered in plain HTTP, not TLS: an argocd-server run with --insecure (or a port-forward to one). Use ${baseUrl.replace(/^https:/, 'http:')} (the argocd CLI's --plaintext); caFile and insecure do not apply.`;
  } else if (/CERT|SSL|TLS|self.signed|certificate/i.test(`${code} ${detail}`)) {
    hint = 'TLS verification failed: point `caFile` at the CA that signed the server certificate (or, for a test server only, set insecure: true).';
  } else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || /^aborted$/i.test(detail)) {
    hint = 'The connection was reset or closed mid-answer; a proxy or the server dropped it. Retrying may help.';
  } else hint = 'Check ARGOCD_BASE_URL and the network path to Argo CD.';
  return redactText(`${lead} ${baseUrl}: ${detail}${code && !detail.includes(code) && !code.startsWith('ERR_') ? ` (${code})` : ''}\n${hint}`);
}

/** A 2xx JSON answer that does not parse: cut off on the way (a proxy, a size limit), not a wrong address. */
export function describeBadJson(args: { status: number; bytes: number; baseUrl: string; path: string }): string {
  return `Argo CD at ${args.baseUrl} answered ${args.path} (HTTP ${args.status}) with ${args.bytes} bytes that are not valid JSON: the answer was probably cut off on the way (a proxy's size or time limit). Retry, or narrow the request.`;
}

/** A 2xx answer that is not JSON (typically the UI's index.html for a wrong rootPath). */
export function describeNotJson(args: { status: number; contentType: string; baseUrl: string; path: string }): string {
  return `Argo CD at ${args.baseUrl} answered ${args.path} with ${args.contentType || 'no content type'} (HTTP ${args.status}) instead of JSON. The address is probably missing argocd-server's --rootpath (e.g. https://host/argocd), or it points at something other than argocd-server.`;
}
