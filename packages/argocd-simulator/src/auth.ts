/** Bearer tokens, sessions, SSO id tokens and Argo CD's built-in RBAC (role:admin / role:readonly) for the simulator. */
import { constants, createHmac, createPublicKey, type JsonWebKey as NodeJwk, type KeyObject, verify as verifySignature } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isoSeconds } from './clock.ts';
import { ApiError, Code, errors } from './errors.ts';
import type { SimulatorSsoOptions } from './types.ts';

/** Who is calling. */
export interface Caller {
  /** The `sub` shown in RBAC messages: an account name or `proj:<project>:<role>`. */
  sub: string;
  /** Issued-at, seconds since the epoch. */
  iat: number;
  /** RBAC role the caller maps to; 'none' (an SSO user without a role) is denied every RBAC check. */
  role: 'admin' | 'readonly' | 'project' | 'none';
  /** Token id (`jti`). */
  id: string;
  project?: string;
  roleName?: string;
  /** Account the token belongs to (for account tokens). */
  account?: string;
  /**
   * The RBAC subject 403 messages print when it differs from sub: for SSO callers sub is the username Argo CD shows
   * (`email`, else `sub`) while RBAC messages print the token's `sub`.
   */
  subject?: string;
  /** SSO callers only: the id token's issuer and `groups` claim. */
  sso?: { iss: string; groups: string[] };
}

/** The iat of the two seeded tokens (2023-11-14T22:13:20Z). */
export const SEED_IAT = 1_700_000_000;

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** Issues HS256 JWTs that look like Argo CD's, signed with a per-simulator secret; also holds the SSO verifier. */
export class TokenIssuer {
  private readonly tokens = new Map<string, Caller>();

  /** @param sso verifies id tokens of the external OIDC provider (argocd-cm `oidc.config`), when configured */
  constructor(
    private readonly secret: string,
    readonly sso?: SsoVerifier,
  ) {}

  /** Creates and registers a token. */
  issue(input: { subject: string; iat: number; id: string; exp?: number; caller: Omit<Caller, 'iat' | 'id'> }): string {
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const claims: Record<string, unknown> = { iss: 'argocd', sub: input.subject, nbf: input.iat, iat: input.iat, jti: input.id };
    if (input.exp) claims.exp = input.exp;
    const payload = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${sig}`;
    this.tokens.set(token, { ...input.caller, iat: input.iat, id: input.id });
    return token;
  }

  /** Forgets every token with that id (account/project token deletion). */
  revoke(predicate: (c: Caller) => boolean): void {
    for (const [token, caller] of this.tokens) if (predicate(caller)) this.tokens.delete(token);
  }

  /** Looks a token up; undefined when unknown. */
  lookup(token: string): Caller | undefined {
    return this.tokens.get(token);
  }
}

/** Pulls the token from `Authorization: Bearer` or the `argocd.token` cookie. */
export function tokenFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return (m[1] as string).trim();
  }
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === 'argocd.token') return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

/**
 * Argo CD's answer to every failed check of an IdP token (common.TokenVerificationError, since v2.7): expired, wrong
 * audience, bad signature and unknown issuer alike; argocd-server only logs go-oidc's detail.
 */
export const SSO_VERIFICATION_FAILED = 'invalid session: failed to verify the token';

/** Resolves the caller; throws 401 (code 16) with Argo's wording when absent or invalid. */
export function authenticate(issuer: TokenIssuer, headers: IncomingHttpHeaders): Caller {
  const token = tokenFromHeaders(headers);
  if (!token) throw errors.unauthenticated('no session information');
  const caller = issuer.lookup(token);
  if (caller) return caller;
  if (token.split('.').length !== 3) {
    throw errors.unauthenticated('invalid session: token is malformed: token contains an invalid number of segments');
  }
  // SessionManager.VerifyToken: a token whose iss is not "argocd" goes to the OIDC provider's verifier.
  if (issuer.sso && isIdpToken(token)) {
    const result = issuer.sso.verify(token);
    if (result.caller) return result.caller;
    throw errors.unauthenticated(SSO_VERIFICATION_FAILED);
  }
  throw errors.unauthenticated('invalid session: token signature is invalid: signature is invalid');
}

/** Like authenticate, but an absent or bad token just means anonymous (Argo's AuthFuncOverride services). */
export function authenticateOptional(issuer: TokenIssuer, headers: IncomingHttpHeaders): Caller | undefined {
  const token = tokenFromHeaders(headers);
  if (!token) return undefined;
  const caller = issuer.lookup(token);
  if (caller || !issuer.sso || !isIdpToken(token)) return caller;
  return issuer.sso.verify(token).caller;
}

/**
 * SessionService.GetUserInfo for SSO sessions (undefined: not an SSO token, answer as for local accounts).
 * A valid id token gives its username (email, else sub), issuer and groups; an expired one gives only `iss: "sso"`,
 * the marker argocd-server leaves so the UI can send the user back to the login page.
 */
export function ssoUserInfo(issuer: TokenIssuer, headers: IncomingHttpHeaders, caller: Caller | undefined): Record<string, unknown> | undefined {
  if (caller?.sso) return { loggedIn: true, username: caller.sub, iss: caller.sso.iss, groups: caller.sso.groups };
  if (caller || !issuer.sso) return undefined;
  const token = tokenFromHeaders(headers);
  if (!token || issuer.lookup(token) || token.split('.').length !== 3 || !isIdpToken(token)) return undefined;
  return issuer.sso.verify(token).expired ? { iss: 'sso' } : undefined;
}

/** The claims of a JWT, not verified; undefined when the token does not parse. */
function unverifiedPart(token: string, index: 0 | 1): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** True when the token parses and its iss is not "argocd" (Argo CD sends it to the OIDC provider). */
function isIdpToken(token: string): boolean {
  const claims = unverifiedPart(token, 1);
  return unverifiedPart(token, 0) !== undefined && claims !== undefined && claims.iss !== 'argocd';
}

type SsoRole = 'admin' | 'readonly';

/** JWS algorithms go-oidc accepts, with what node:crypto needs to check them. */
const SSO_ALGS: Record<string, { hash: string | null; keyType: string; pss?: number; curve?: string }> = {
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pss: 32 },
  PS384: { hash: 'sha384', keyType: 'rsa', pss: 48 },
  PS512: { hash: 'sha512', keyType: 'rsa', pss: 64 },
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', keyType: 'ec', curve: 'secp521r1' },
  EdDSA: { hash: null, keyType: 'ed25519' },
};

/** The outcome of checking an id token; `reason` is go-oidc's wording, which argocd-server only logs. */
export type SsoResult = { caller: Caller; expired?: undefined; reason?: undefined } | { caller?: undefined; expired: boolean; reason: string };

/** go-oidc's allowed clock skew for `nbf`. */
const NBF_LEEWAY_SECONDS = 5 * 60;

/**
 * Checks id tokens of the external OIDC provider the way argocd-server does (util/oidc Provider.Verify + go-oidc):
 * issuer, audience, expiry, not-before, then the signature against the configured JWKs. Synchronous: no JWKS fetch.
 */
export class SsoVerifier {
  readonly issuer: string;
  private readonly audiences: string[];
  private readonly keys: Array<{ kid?: string; alg?: string; key: KeyObject }>;
  private readonly groupRoles: Map<string, SsoRole>;
  private readonly defaultRole: SsoRole | '';

  constructor(opts: SimulatorSsoOptions) {
    const bad = (what: string) => new TypeError(`simulator option sso.${what}`);
    if (!opts || typeof opts !== 'object') throw bad('must be an object');
    if (typeof opts.issuer !== 'string' || !opts.issuer) throw bad('issuer must be a non-empty string');
    if (opts.issuer === 'argocd') throw bad('issuer must not be "argocd" (that is the simulator\'s own issuer)');
    if (typeof opts.clientId !== 'string' || !opts.clientId) throw bad('clientId must be a non-empty string');
    if (opts.allowedAudiences !== undefined && (!Array.isArray(opts.allowedAudiences) || opts.allowedAudiences.some((a) => typeof a !== 'string' || !a))) {
      throw bad('allowedAudiences must be an array of non-empty strings');
    }
    if (!Array.isArray(opts.keys) || opts.keys.length === 0) throw bad('keys must be a non-empty array of JWKs');
    this.issuer = opts.issuer;
    // OAuth2AllowedAudiences: allowedAudiences replaces the client id when set.
    this.audiences = opts.allowedAudiences?.length ? [...opts.allowedAudiences] : [opts.clientId];
    this.keys = opts.keys.map((jwk, i) => {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: jwk as NodeJwk, format: 'jwk' });
      } catch (e) {
        throw bad(`keys[${i}] is not a usable public JWK: ${(e as Error).message}`);
      }
      if (jwk.use !== undefined && jwk.use !== 'sig') throw bad(`keys[${i}] has use "${jwk.use}", not "sig"`);
      const kid = (jwk as { kid?: unknown }).kid;
      return { kid: typeof kid === 'string' ? kid : undefined, alg: jwk.alg, key };
    });
    this.groupRoles = new Map();
    for (const [group, role] of Object.entries(opts.groupRoles ?? {})) {
      if (role !== 'admin' && role !== 'readonly') throw bad(`groupRoles["${group}"] must be "admin" or "readonly"`);
      this.groupRoles.set(group, role);
    }
    const def = opts.defaultRole ?? '';
    if (def !== '' && def !== 'admin' && def !== 'readonly') throw bad('defaultRole must be "admin", "readonly" or ""');
    this.defaultRole = def;
  }

  /** Verifies an id token; a valid one becomes a Caller. */
  verify(token: string, nowMs = Date.now()): SsoResult {
    const fail = (reason: string, expired = false): SsoResult => ({ expired, reason: `failed to verify provider token: ${reason}` });
    const parts = token.split('.');
    const header = unverifiedPart(token, 0);
    const claims = unverifiedPart(token, 1);
    if (parts.length !== 3 || !header || !claims) return fail('oidc: malformed jwt');
    const alg = typeof header.alg === 'string' ? header.alg : '';
    const spec = SSO_ALGS[alg];
    if (!spec) return fail(`oidc: malformed jwt: go-jose/go-jose: unexpected signature algorithm "${alg}"`);

    const iss = typeof claims.iss === 'string' ? claims.iss : '';
    if (iss !== this.issuer) return fail(`oidc: id token issued by a different provider, expected ${JSON.stringify(this.issuer)} got ${JSON.stringify(iss)}`);

    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
    if (claims.aud === undefined) return fail('token has no aud claim and skipAudienceCheckWhenTokenHasNoAudience is not set');
    if (!this.audiences.some((a) => aud.includes(a))) {
      const got = `[${aud.map((a) => JSON.stringify(a)).join(' ')}]`;
      return fail(this.audiences.map((a) => `oidc: expected audience ${JSON.stringify(a)} got ${got}`).join('; '));
    }

    const nowSec = nowMs / 1000;
    const exp = typeof claims.exp === 'number' ? claims.exp : 0;
    if (exp < nowSec) return fail(`oidc: token is expired (Token Expiry: ${isoSeconds(exp * 1000)})`, true);
    if (typeof claims.nbf === 'number' && claims.nbf - NBF_LEEWAY_SECONDS > nowSec) {
      return fail(`oidc: current time ${isoSeconds(nowMs)} before the nbf (not before) time: ${isoSeconds(claims.nbf * 1000)}`);
    }

    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const candidates = this.keys.filter((k) => (kid === undefined || k.kid === kid) && (k.alg === undefined || k.alg === alg) && keyFits(k.key, spec));
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2] as string, 'base64url');
    if (!candidates.some((k) => checkSignature(spec, k.key, data, signature))) return fail('failed to verify signature: failed to verify id token signature');

    return { caller: this.callerFor(claims) };
  }

  /** The Caller of a verified token: username email ?? sub, role from groups and policy.default. */
  private callerFor(claims: Record<string, unknown>): Caller {
    const sub = typeof claims.sub === 'string' ? claims.sub : '';
    const email = typeof claims.email === 'string' && claims.email ? claims.email : undefined;
    const rawGroups = claims.groups;
    const groups = typeof rawGroups === 'string' ? [rawGroups] : Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string') : [];
    // Casbin grants the union of policy.default and every matching group's role; admin includes readonly.
    const roles = new Set<SsoRole | ''>([this.defaultRole, ...groups.map((g) => this.groupRoles.get(g) ?? ('' as const))]);
    const role = roles.has('admin') ? 'admin' : roles.has('readonly') ? 'readonly' : 'none';
    const jti = typeof claims.jti === 'string' ? claims.jti : '';
    return {
      sub: email ?? sub,
      subject: sub,
      iat: typeof claims.iat === 'number' ? Math.floor(claims.iat) : Number.NaN,
      role,
      id: jti,
      sso: { iss: String(claims.iss), groups },
    };
  }
}

function keyFits(key: KeyObject, spec: (typeof SSO_ALGS)[string]): boolean {
  if (key.asymmetricKeyType !== spec.keyType) return false;
  return spec.curve === undefined || key.asymmetricKeyDetails?.namedCurve === spec.curve;
}

function checkSignature(spec: (typeof SSO_ALGS)[string], key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (spec.pss !== undefined) return verifySignature(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pss }, signature);
    if (spec.keyType === 'ec') return verifySignature(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verifySignature(spec.hash, data, key, signature);
  } catch {
    return false;
  }
}

type Policy = [resource: string, action: string, object: string];

/** role:readonly from Argo CD's builtin-policy.csv. */
const READONLY_POLICY: Policy[] = [
  ['applications', 'get', '*/*'],
  ['applicationsets', 'get', '*/*'],
  ['certificates', 'get', '*'],
  ['clusters', 'get', '*'],
  ['repositories', 'get', '*'],
  ['write-repositories', 'get', '*'],
  ['projects', 'get', '*'],
  ['accounts', 'get', '*'],
  ['gpgkeys', 'get', '*'],
  ['logs', 'get', '*/*'],
];

/** role:admin from Argo CD's builtin-policy.csv (it also inherits role:readonly). */
const ADMIN_POLICY: Policy[] = [
  ...READONLY_POLICY,
  ['applications', 'create', '*/*'],
  ['applications', 'update', '*/*'],
  ['applications', 'update/*', '*/*'],
  ['applications', 'delete', '*/*'],
  ['applications', 'delete/*', '*/*'],
  ['applications', 'sync', '*/*'],
  ['applications', 'override', '*/*'],
  ['applications', 'action/*', '*/*'],
  ['applicationsets', 'create', '*/*'],
  ['applicationsets', 'update', '*/*'],
  ['applicationsets', 'delete', '*/*'],
  ['certificates', 'create', '*'],
  ['certificates', 'update', '*'],
  ['certificates', 'delete', '*'],
  ['clusters', 'create', '*'],
  ['clusters', 'update', '*'],
  ['clusters', 'delete', '*'],
  ['repositories', 'create', '*'],
  ['repositories', 'update', '*'],
  ['repositories', 'delete', '*'],
  ['write-repositories', 'create', '*'],
  ['write-repositories', 'update', '*'],
  ['write-repositories', 'delete', '*'],
  ['projects', 'create', '*'],
  ['projects', 'update', '*'],
  ['projects', 'delete', '*'],
  ['accounts', 'update', '*'],
  ['gpgkeys', 'create', '*'],
  ['gpgkeys', 'delete', '*'],
  ['exec', 'create', '*/*'],
];

/** RBAC resources Argo CD knows (rbac.Resources). */
export const RBAC_RESOURCES = ['clusters', 'projects', 'applications', 'applicationsets', 'repositories', 'write-repositories', 'certificates', 'accounts', 'gpgkeys', 'logs', 'exec', 'extensions'];
/** RBAC actions Argo CD knows (rbac.Actions). */
export const RBAC_ACTIONS = ['get', 'create', 'update', 'delete', 'sync', 'override', 'action', 'invoke'];

function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** Parses project role policies (`p, proj:x:role, applications, sync, x/*, allow`). */
function parseProjectPolicies(lines: string[]): Policy[] {
  const out: Policy[] = [];
  for (const line of lines) {
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length >= 6 && parts[0] === 'p' && parts[5] === 'allow') out.push([parts[2] as string, parts[3] as string, parts[4] as string]);
  }
  return out;
}

/** Decides RBAC questions for callers. */
export class Enforcer {
  constructor(private readonly projectRolePolicies: (project: string, role: string) => string[] | undefined) {}

  /** True when the caller may do action on resource/object. */
  enforce(caller: Caller | undefined, resource: string, action: string, object: string): boolean {
    if (!caller) return false;
    let policies: Policy[];
    if (caller.role === 'admin') policies = ADMIN_POLICY;
    else if (caller.role === 'readonly') policies = READONLY_POLICY;
    else if (caller.role === 'none') policies = [];
    else policies = parseProjectPolicies(this.projectRolePolicies(caller.project ?? '', caller.roleName ?? '') ?? []);
    return policies.some(([r, a, o]) => r === resource && globMatch(a, action) && globMatch(o, object));
  }

  /** Throws Argo's detailed 403 (`permission denied: res, act, obj, sub: x, iat: ...`) when denied. */
  enforceErr(caller: Caller | undefined, resource: string, action: string, object: string): void {
    if (this.enforce(caller, resource, action, object)) return;
    const parts = [resource, action, object];
    if (caller) {
      const subject = caller.subject ?? caller.sub;
      if (subject) parts.push(`sub: ${subject}`);
      if (Number.isFinite(caller.iat)) parts.push(`iat: ${isoSeconds(caller.iat * 1000)}`);
    }
    throw new ApiError(Code.PermissionDenied, `permission denied: ${parts.join(', ')}`);
  }
}
