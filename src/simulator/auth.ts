/** Bearer tokens, sessions and Argo CD's built-in RBAC (role:admin / role:readonly) for the simulator. */
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isoSeconds } from './clock.ts';
import { ApiError, Code, errors } from './errors.ts';

/** Who is calling. */
export interface Caller {
  /** The `sub` shown in RBAC messages: an account name or `proj:<project>:<role>`. */
  sub: string;
  /** Issued-at, seconds since the epoch. */
  iat: number;
  /** RBAC role the caller maps to. */
  role: 'admin' | 'readonly' | 'project';
  /** Token id (`jti`). */
  id: string;
  project?: string;
  roleName?: string;
  /** Account the token belongs to (for account tokens). */
  account?: string;
}

/** The iat of the two seeded tokens (2023-11-14T22:13:20Z). */
export const SEED_IAT = 1_700_000_000;

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** Issues HS256 JWTs that look like Argo CD's, signed with a per-simulator secret. */
export class TokenIssuer {
  private readonly tokens = new Map<string, Caller>();

  constructor(private readonly secret: string) {}

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

/** Resolves the caller; throws 401 (code 16) with Argo's wording when absent or invalid. */
export function authenticate(issuer: TokenIssuer, headers: IncomingHttpHeaders): Caller {
  const token = tokenFromHeaders(headers);
  if (!token) throw errors.unauthenticated('no session information');
  const caller = issuer.lookup(token);
  if (caller) return caller;
  if (token.split('.').length !== 3) {
    throw errors.unauthenticated('invalid session: token is malformed: token contains an invalid number of segments');
  }
  throw errors.unauthenticated('invalid session: token signature is invalid: signature is invalid');
}

/** Like authenticate, but an absent or bad token just means anonymous (Argo's AuthFuncOverride services). */
export function authenticateOptional(issuer: TokenIssuer, headers: IncomingHttpHeaders): Caller | undefined {
  const token = tokenFromHeaders(headers);
  return token ? issuer.lookup(token) : undefined;
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
    else policies = parseProjectPolicies(this.projectRolePolicies(caller.project ?? '', caller.roleName ?? '') ?? []);
    return policies.some(([r, a, o]) => r === resource && globMatch(a, action) && globMatch(o, object));
  }

  /** Throws Argo's detailed 403 (`permission denied: res, act, obj, sub: x, iat: ...`) when denied. */
  enforceErr(caller: Caller | undefined, resource: string, action: string, object: string): void {
    if (this.enforce(caller, resource, action, object)) return;
    const parts = [resource, action, object];
    if (caller) parts.push(`sub: ${caller.sub}`, `iat: ${isoSeconds(caller.iat * 1000)}`);
    throw new ApiError(Code.PermissionDenied, `permission denied: ${parts.join(', ')}`);
  }
}
