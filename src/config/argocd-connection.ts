/**
 * The settings of the connection to one Argo CD at the top level: its address, the token (or token file), other ways
 * to authenticate (src/config/auth-settings.ts reads those), TLS (insecure, CA, client certificate), the request
 * timeout and the largest answer read whole.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readAuthSettings } from './auth-settings.ts';
import type { AuthRead } from './auth-settings.ts';
import { normaliseArgocdUrl } from './read.ts';
import type { Source } from './read.ts';
import { authLayers, waysToSet, sourceOf, sourceOfChain } from './sources.ts';
import type { ReadContext } from './sources.ts';
import { readSetting, settingValue } from './values.ts';

export interface ArgocdConnection {
  argocdUrl?: string;
  /** Where the address was set explicitly (not from the argocd CLI's context). */
  explicitUrlFrom?: string;
  token?: string;
  tokenFile?: string;
  /** Where the token or token file was set. */
  credentialFrom?: string;
  authRead: AuthRead;
  insecure: boolean;
  caFile?: string;
  clientCert?: { certFile: string; keyFile: string };
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface ConnectionOptions {
  /** A missing address or token is not an error (list-tools, demo). */
  argocdOptional: boolean;
  /** `instances:` is set: each instance has its own address and auth. */
  hasInstances: boolean;
}

/** The auth settings of the top level that src/config/auth-settings.ts reads (the token chain is read here). */
const AUTH_KEYS = ['tokenFile', 'token', 'username', 'password', 'passwordFile', 'argocdContext', 'tokenCommand', 'tokenCommandTtl', 'headers'] as const;

/** The address: flags > env > file, else the argocd CLI context's; normalised (a bare host means https). */
function readAddress(ctx: ReadContext, opts: ConnectionOptions, authRead: AuthRead, explicit: Source | undefined): string | undefined {
  const cliContext = authRead.context ? { value: authRead.context.url, from: `argocd CLI context "${authRead.context.name}"` } : undefined;
  const urlSource = explicit ?? cliContext;
  if (!urlSource) {
    if (!opts.argocdOptional && !opts.hasInstances) {
      ctx.issues.push({
        setting: 'ARGOCD_BASE_URL',
        message:
          'no Argo CD address configured; set ARGOCD_BASE_URL (or ARGOCD_SERVER, --url, or `url:` in the config file), or run `argocd-mcp-gateway demo` to try the gateway against the built-in simulator',
      });
    }
    return undefined;
  }
  const rootPath = settingValue(ctx, 'rootPath');
  try {
    return normaliseArgocdUrl(String(urlSource.value), rootPath);
  } catch (err) {
    ctx.issues.push({
      setting: urlSource.from,
      message: `"${String(urlSource.value)}" is not a usable Argo CD address (${(err as Error).message}); use e.g. https://argocd.example.com or https://example.com/argocd`,
    });
    return undefined;
  }
}

/** One precedence chain for the token file and the token: flags > env > file, a file path before a literal at each level. */
function readToken(ctx: ReadContext, opts: ConnectionOptions, authRead: AuthRead): { token?: string; tokenFile?: string; from?: string } {
  const { issues } = ctx;
  const chain = sourceOfChain(ctx, ['tokenFile', 'token']);
  const contextToken = authRead.methods.length ? undefined : authRead.context?.token;
  if (chain?.key === 'tokenFile') {
    const tokenFile = String(chain.value);
    let token: string | undefined;
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
      if (!token) issues.push({ setting: chain.from, message: `${tokenFile} is empty; write the Argo CD API token into it` });
      else if (/\s/.test(token)) issues.push({ setting: chain.from, message: `${tokenFile} holds white space in the token; write the bare token, without "Bearer "` });
    } catch (err) {
      issues.push({ setting: chain.from, message: `cannot read ${tokenFile} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
    }
    return { token, tokenFile, from: chain.from };
  }
  const source = chain ?? (contextToken ? { value: contextToken, from: `argocd CLI context "${authRead.context!.name}"` } : undefined);
  if (!source) {
    if (!opts.argocdOptional && !opts.hasInstances && !authRead.hasOtherMethod && ctx.file.sso === undefined) {
      issues.push({
        setting: 'ARGOCD_API_TOKEN',
        message: 'no Argo CD token configured; set ARGOCD_API_TOKEN (or ARGOCD_AUTH_TOKEN, --token-file, or `tokenFile:` in the config file) to a token from `argocd account generate-token`',
      });
    }
    return {};
  }
  const token = String(source.value).trim();
  if (/\s/.test(token)) issues.push({ setting: source.from, message: 'the token contains white space; paste the bare token, without "Bearer "' });
  return { token, from: source.from };
}

/** A CA bundle that can be read and holds a PEM certificate. */
function readCaFile(ctx: ReadContext): string | undefined {
  const source = sourceOf(ctx, 'caFile');
  if (!source) return undefined;
  const caFile = String(source.value);
  try {
    if (!readFileSync(caFile, 'utf8').includes('-----BEGIN CERTIFICATE-----')) {
      ctx.issues.push({ setting: source.from, message: `${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    }
  } catch (err) {
    ctx.issues.push({ setting: source.from, message: `cannot read ${caFile} (${(err as NodeJS.ErrnoException).code}); check the path` });
  }
  return caFile;
}

/** A client certificate for mutual TLS: both files or neither; each a readable PEM, and the key the certificate's. */
function readClientCert(ctx: ReadContext): { certFile: string; keyFile: string } | undefined {
  const { issues } = ctx;
  const cert = sourceOf(ctx, 'clientCertFile');
  const key = sourceOf(ctx, 'clientKeyFile');
  if (!cert && !key) return undefined;
  if (!cert || !key) {
    issues.push({ setting: (cert ?? key)!.from, message: `a client certificate needs both files: set ${cert ? `the key (${waysToSet('clientKeyFile')})` : `the certificate (${waysToSet('clientCertFile')})`} too` });
    return undefined;
  }
  const read = (s: Source) => {
    try {
      return readFileSync(String(s.value), 'utf8');
    } catch (err) {
      issues.push({ setting: s.from, message: `cannot read ${String(s.value)} (${(err as NodeJS.ErrnoException).code}); check the path and permissions` });
      return undefined;
    }
  };
  const certPem = read(cert);
  const keyPem = read(key);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    if (!new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem))) {
      issues.push({ setting: key.from, message: `${String(key.value)} is not the private key of the certificate in ${String(cert.value)}` });
      return undefined;
    }
  } catch (err) {
    issues.push({ setting: cert.from, message: `${String(cert.value)} and ${String(key.value)} must be a PEM certificate and its PEM private key (${(err as Error).message})` });
    return undefined;
  }
  return { certFile: String(cert.value), keyFile: String(key.value) };
}

/** `insecure`, which the argocd CLI's context may also set (after flags, env and file). */
function readInsecure(ctx: ReadContext, authRead: AuthRead): boolean {
  const { value, source } = readSetting(ctx, 'insecure');
  return source ? value : !!authRead.context?.insecure || value;
}

/** Reads and validates the top-level connection to Argo CD; problems are pushed to ctx.issues. */
export function readArgocdConnection(ctx: ReadContext, opts: ConnectionOptions): ArgocdConnection {
  const explicit = sourceOf(ctx, 'url');
  // Username/password, token command, headers, the argocd CLI's context (src/argocd/auth): its address fills in last.
  const authRead = readAuthSettings({
    layers: authLayers(ctx, AUTH_KEYS),
    env: ctx.env,
    issues: ctx.issues,
    implicitContext: !explicit && !opts.argocdOptional && !opts.hasInstances,
  });
  const argocdUrl = readAddress(ctx, opts, authRead, explicit);
  const credential = readToken(ctx, opts, authRead);
  return {
    argocdUrl,
    explicitUrlFrom: explicit?.from,
    token: credential.token,
    tokenFile: credential.tokenFile,
    credentialFrom: credential.from,
    authRead,
    insecure: readInsecure(ctx, authRead),
    clientCert: readClientCert(ctx),
    caFile: readCaFile(ctx),
    timeoutMs: settingValue(ctx, 'timeout'),
    maxResponseBytes: settingValue(ctx, 'maxResponseBytes'),
  };
}
