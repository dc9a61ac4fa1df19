/** CertificateService and GPGKeyService. */
import { createHash } from 'node:crypto';
import { errors } from '../errors.ts';
import type { RouteContext, RouteDef } from '../router.ts';
import type { JsonObject } from '../types.ts';
import { bodyObject } from './app-access.ts';

function glob(pattern: string, value: string): boolean {
  if (!pattern || pattern === '*') return true;
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
}

function certFilter(ctx: RouteContext): (c: JsonObject) => boolean {
  const host = ctx.query.str('hostNamePattern');
  const type = ctx.query.str('certType');
  const sub = ctx.query.str('certSubType');
  return (c) => glob(host, String(c.serverName)) && (!type || c.certType === type) && (!sub || c.certSubType === sub);
}

function listCerts(ctx: RouteContext): unknown {
  ctx.sim.enforcer.enforceErr(ctx.caller, 'certificates', 'get', '');
  return { metadata: {}, items: ctx.sim.store.certificates.filter(certFilter(ctx)) };
}

function createCerts(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'v1alpha1.RepositoryCertificateList');
  ctx.sim.enforcer.enforceErr(ctx.caller, 'certificates', 'create', '');
  const items = (Array.isArray(body.items) ? body.items : []) as JsonObject[];
  const upsert = ctx.query.bool('upsert') ?? false;
  const created: JsonObject[] = [];
  for (const item of items) {
    const serverName = String(item.serverName ?? '');
    const certType = String(item.certType ?? '');
    if (!serverName) throw errors.invalid('Invalid hostname in request: ');
    if (certType !== 'ssh' && certType !== 'https') throw errors.invalid(`Unknown certificate type: ${certType}`);
    const certData = String(item.certData ?? '');
    if (!certData) throw errors.invalid(`Certificate data for ${serverName} is empty`);
    const certSubType = certType === 'ssh' ? String(item.certSubType || 'ssh-ed25519') : '';
    const fingerprint = `SHA256:${createHash('sha256').update(certData).digest('base64').replace(/=+$/, '')}`;
    const entry: JsonObject = { serverName, certType, certSubType, certData, certInfo: certType === 'ssh' ? fingerprint : `CN=${serverName}` };
    const idx = ctx.sim.store.certificates.findIndex((c) => c.serverName === serverName && c.certType === certType && c.certSubType === certSubType);
    if (idx >= 0) {
      const existing = ctx.sim.store.certificates[idx] as JsonObject;
      if (existing.certData === certData) continue;
      if (!upsert) throw errors.invalid(`Certificate for ${serverName} of type ${certType}${certSubType ? ` (${certSubType})` : ''} already exists and has different data; use upsert to replace it`);
      ctx.sim.store.certificates[idx] = entry;
    } else {
      ctx.sim.store.certificates.push(entry);
    }
    created.push(entry);
  }
  return { metadata: {}, items: created };
}

function deleteCerts(ctx: RouteContext): unknown {
  ctx.sim.enforcer.enforceErr(ctx.caller, 'certificates', 'delete', '');
  if (!ctx.query.str('hostNamePattern')) throw errors.invalid('A hostNamePattern must be specified when deleting certificates');
  const match = certFilter(ctx);
  const removed = ctx.sim.store.certificates.filter(match);
  ctx.sim.store.certificates = ctx.sim.store.certificates.filter((c) => !match(c));
  return { metadata: {}, items: removed };
}

function listKeys(ctx: RouteContext): unknown {
  ctx.sim.enforcer.enforceErr(ctx.caller, 'gpgkeys', 'get', '');
  const id = ctx.query.str('keyID');
  return { metadata: {}, items: [...ctx.sim.store.gpgKeys.values()].filter((k) => !id || k.keyID === id) };
}

function getKey(ctx: RouteContext): unknown {
  ctx.sim.enforcer.enforceErr(ctx.caller, 'gpgkeys', 'get', '');
  const id = ctx.params.keyID as string;
  const key = ctx.sim.store.gpgKeys.get(id);
  if (!key) throw errors.notFound(`no such key: ${id}`);
  return key;
}

function createKey(ctx: RouteContext): unknown {
  const body = bodyObject(ctx.body, 'v1alpha1.GnuPGPublicKey');
  ctx.sim.enforcer.enforceErr(ctx.caller, 'gpgkeys', 'create', '');
  const keyData = String(body.keyData ?? '');
  if (!keyData.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) throw errors.invalid('Could not process key data: no valid PGP public key block found in key data');
  const fingerprint = createHash('sha1').update(keyData).digest('hex').toUpperCase();
  const keyID = fingerprint.slice(-16);
  if (ctx.sim.store.gpgKeys.has(keyID) && !ctx.query.bool('upsert')) return { created: { metadata: {}, items: [] }, skipped: [keyID] };
  const key: JsonObject = { keyID, fingerprint, owner: 'Imported key <unknown@example.com>', trust: 'unknown', subType: 'rsa4096', keyData };
  ctx.sim.store.gpgKeys.set(keyID, key);
  return { created: { metadata: {}, items: [key] } };
}

function deleteKey(ctx: RouteContext): unknown {
  ctx.sim.enforcer.enforceErr(ctx.caller, 'gpgkeys', 'delete', '');
  const id = ctx.query.str('keyID');
  if (!ctx.sim.store.gpgKeys.delete(id)) throw errors.notFound(`no such key: ${id}`);
  return {};
}

/** Routes of this module. */
export const certificateRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/certificates', operationId: 'CertificateService_ListCertificates', handler: listCerts },
  { method: 'POST', path: '/api/v1/certificates', operationId: 'CertificateService_CreateCertificate', body: 'object', handler: createCerts },
  { method: 'DELETE', path: '/api/v1/certificates', operationId: 'CertificateService_DeleteCertificate', handler: deleteCerts },
  { method: 'GET', path: '/api/v1/gpgkeys', operationId: 'GPGKeyService_List', handler: listKeys },
  { method: 'POST', path: '/api/v1/gpgkeys', operationId: 'GPGKeyService_Create', body: 'object', handler: createKey },
  { method: 'DELETE', path: '/api/v1/gpgkeys', operationId: 'GPGKeyService_Delete', handler: deleteKey },
  { method: 'GET', path: '/api/v1/gpgkeys/{keyID}', operationId: 'GPGKeyService_Get', handler: getKey },
];
