/** AccountService and SessionService. */
import { ApiError, Code, errors } from '../errors.ts';
import { RBAC_ACTIONS, RBAC_RESOURCES } from '../auth.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import type { JsonObject } from '../types.ts';
import { bodyObject } from './app-access.ts';

function toApiAccount(a: JsonObject): JsonObject {
  const tokens = ((a.tokens ?? []) as JsonObject[]).slice().sort((x, y) => Number(y.issuedAt) - Number(x.issuedAt));
  return { name: a.name, enabled: a.enabled, capabilities: a.capabilities, ...(tokens.length ? { tokens } : {}) };
}

/** Own account, or RBAC accounts/<action>. */
function ensureAccountPermission(ctx: RouteContext, action: string, name: string): void {
  if (ctx.caller?.account === name) return;
  ctx.sim.enforcer.enforceErr(ctx.caller, 'accounts', action, name);
}

function listAccounts(ctx: RouteContext): unknown {
  const items = [...ctx.sim.store.accounts.values()]
    .filter((a) => ctx.caller?.account === a.name || ctx.sim.enforcer.enforce(ctx.caller, 'accounts', 'get', String(a.name)))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)))
    .map(toApiAccount);
  return { items };
}

function getAccount(ctx: RouteContext): unknown {
  const name = ctx.params.name as string;
  try {
    ensureAccountPermission(ctx, 'get', name);
  } catch (e) {
    throw new ApiError(Code.PermissionDenied, `permission denied to get account ${name}: ${(e as Error).message}`);
  }
  const a = ctx.sim.store.accounts.get(name);
  if (!a) throw errors.notFound(`failed to get account ${name}: account '${name}' does not exist`);
  return toApiAccount(a);
}

function canI(ctx: RouteContext): unknown {
  const { resource, action, subresource } = ctx.params as Record<string, string>;
  const verb = action as string;
  if (!RBAC_ACTIONS.includes(verb)) throw errors.invalid(`[${RBAC_ACTIONS.join(' ')}] does not contain ${verb}`);
  if (!RBAC_RESOURCES.includes(resource as string)) throw errors.invalid(`[${RBAC_RESOURCES.join(' ')}] does not contain ${String(resource)}`);
  return { value: ctx.sim.enforcer.enforce(ctx.caller, resource as string, verb, subresource as string) ? 'yes' : 'no' };
}

function updatePassword(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'account.UpdatePasswordRequest');
  const self = ctx.caller?.account ?? ctx.caller?.sub ?? '';
  const target = typeof body.name === 'string' && body.name ? body.name : self;
  if (target !== self) {
    try {
      ctx.sim.enforcer.enforceErr(ctx.caller, 'accounts', 'update', target);
    } catch (e) {
      throw new ApiError(Code.PermissionDenied, `permission denied: ${(e as Error).message}`);
    }
  }
  if (ctx.caller?.role === 'project') throw errors.invalid(`password can only be changed for local users, not user "${self}"`);
  const current = ctx.sim.store.passwords.get(self);
  if (current === undefined || body.currentPassword !== current) throw errors.invalid('current password does not match');
  const next = String(body.newPassword ?? '');
  const pattern = String(ctx.sim.store.settings.passwordPattern ?? '^.{8,32}$');
  if (!new RegExp(pattern).test(next)) throw errors.invalid(`password does not match the following expression: ${pattern}`);
  if (!ctx.sim.store.accounts.has(target)) throw errors.notFound(`account '${target}' does not exist`);
  ctx.sim.store.passwords.set(target, next);
  return {};
}

function createToken(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'account.CreateTokenRequest');
  const name = ctx.params.name as string;
  try {
    ensureAccountPermission(ctx, 'update', name);
  } catch (e) {
    throw new ApiError(Code.PermissionDenied, `permission denied to create token for account ${name}: ${(e as Error).message}`);
  }
  const account = ctx.sim.store.accounts.get(name);
  if (!account) throw errors.notFound(`failed to update account with new token: account '${name}' does not exist`);
  const id = typeof body.id === 'string' && body.id ? body.id : ctx.sim.rng.uuid();
  const tokens = (account.tokens ?? []) as JsonObject[];
  if (tokens.some((t) => t.id === id)) throw errors.unknown(`failed to update account with new token: account already has token with id '${id}'`);
  if (!((account.capabilities ?? []) as string[]).includes('apiKey')) throw errors.unknown(`failed to update account with new token: account '${name}' does not have apiKey capability`);
  const iat = Math.floor(Date.now() / 1000);
  const expiresIn = typeof body.expiresIn === 'number' ? body.expiresIn : 0;
  const exp = expiresIn > 0 ? iat + expiresIn : undefined;
  const role = name === 'admin' ? 'admin' : 'readonly';
  const token = ctx.sim.issuer.issue({ subject: `${name}:apiKey`, iat, id, exp, caller: { sub: name, role, account: name } });
  tokens.push({ id, issuedAt: iat, ...(exp ? { expiresAt: exp } : {}) });
  account.tokens = tokens;
  return { token };
}

function deleteToken(ctx: RouteContext): unknown {
  const name = ctx.params.name as string;
  const id = ctx.params.id as string;
  try {
    ensureAccountPermission(ctx, 'update', name);
  } catch (e) {
    throw new ApiError(Code.PermissionDenied, `permission denied to delete account ${name}: ${(e as Error).message}`);
  }
  const account = ctx.sim.store.accounts.get(name);
  if (!account) throw errors.notFound(`failed to delete account ${name}: account '${name}' does not exist`);
  const tokens = (account.tokens ?? []) as JsonObject[];
  const idx = tokens.findIndex((t) => t.id === id);
  if (idx < 0) throw errors.notFound(`failed to delete account ${name}: token with id '${id}' does not exist`);
  tokens.splice(idx, 1);
  ctx.sim.issuer.revoke((c) => c.account === name && c.id === id);
  return {};
}

function login(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'session.SessionCreateRequest');
  if (body.token) throw errors.unauthenticated('token-based session creation no longer supported. please upgrade argocd cli to v0.7+');
  const username = String(body.username ?? '');
  const password = String(body.password ?? '');
  if (!username || !password) throw errors.unauthenticated('no credentials supplied');
  const expected = ctx.sim.store.passwords.get(username);
  const account = ctx.sim.store.accounts.get(username);
  if (expected === undefined || expected !== password || !account || account.enabled === false) throw errors.unauthenticated('Invalid username or password');
  return { token: username === 'admin' ? ctx.sim.tokens.admin : ctx.sim.tokens.readonly };
}

function userInfo(ctx: RouteContext): unknown {
  if (!ctx.caller) return {};
  return { loggedIn: true, username: ctx.caller.sub, iss: 'argocd', groups: [] };
}

/** Routes of this module. */
export const accountRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/account', operationId: 'AccountService_ListAccounts', handler: listAccounts },
  { method: 'GET', path: '/api/v1/account/can-i/{resource}/{action}/{subresource}', operationId: 'AccountService_CanI', handler: canI },
  { method: 'PUT', path: '/api/v1/account/password', operationId: 'AccountService_UpdatePassword', body: 'object', handler: updatePassword },
  { method: 'GET', path: '/api/v1/account/{name}', operationId: 'AccountService_GetAccount', handler: getAccount },
  { method: 'POST', path: '/api/v1/account/{name}/token', operationId: 'AccountService_CreateToken', body: 'object', handler: createToken },
  { method: 'DELETE', path: '/api/v1/account/{name}/token/{id}', operationId: 'AccountService_DeleteToken', handler: deleteToken },
  { method: 'POST', path: '/api/v1/session', operationId: 'SessionService_Create', auth: 'optional', body: 'object', handler: login },
  { method: 'DELETE', path: '/api/v1/session', operationId: 'SessionService_Delete', auth: 'optional', handler: () => ({ token: '' }) },
  { method: 'GET', path: '/api/v1/session/userinfo', operationId: 'SessionService_GetUserInfo', auth: 'optional', handler: userInfo },
];
