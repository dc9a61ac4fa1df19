/** Strips secrets from repositories, credentials and clusters the way argocd-server does before answering. */
import type { JsonObject } from '../types.ts';

const REPO_PUBLIC_KEYS = ['repo', 'username', 'type', 'name', 'insecure', 'insecureIgnoreHostKey', 'enableLfs', 'enableOCI', 'proxy', 'noProxy', 'project', 'forceHttpBasicAuth', 'inheritedCreds', 'githubAppID', 'githubAppInstallationID', 'githubAppEnterpriseBaseUrl', 'useAzureWorkloadIdentity', 'depth', 'connectionState'];
const CREDS_PUBLIC_KEYS = ['url', 'username', 'type', 'enableOCI', 'githubAppID', 'githubAppInstallationID', 'githubAppEnterpriseBaseUrl', 'forceHttpBasicAuth', 'useAzureWorkloadIdentity', 'proxy', 'noProxy'];

function pick(obj: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== '' && obj[k] !== false) out[k] = obj[k];
  return out;
}

/** Repository.Sanitized() plus connection state. */
export function sanitizeRepo(repo: JsonObject): JsonObject {
  return pick(repo, REPO_PUBLIC_KEYS);
}

/** Repository credentials without passwords or keys. */
export function sanitizeCreds(creds: JsonObject): JsonObject {
  return pick(creds, CREDS_PUBLIC_KEYS);
}

/** ClusterServer.toAPIResponse: no password, bearer token, TLS key or exec args/env. */
export function sanitizeCluster(cluster: JsonObject): JsonObject {
  const copy = JSON.parse(JSON.stringify(cluster)) as JsonObject;
  const config = (copy.config ?? {}) as JsonObject;
  delete config.password;
  delete config.bearerToken;
  const tls = config.tlsClientConfig as JsonObject | undefined;
  if (tls) {
    delete tls.keyData;
    if (tls.insecure === undefined) tls.insecure = false;
  } else {
    config.tlsClientConfig = { insecure: false };
  }
  const exec = config.execProviderConfig as JsonObject | undefined;
  if (exec) {
    exec.env = {};
    delete exec.args;
  }
  const info = (copy.info ?? {}) as JsonObject;
  const out: JsonObject = { server: copy.server, name: copy.name, config, connectionState: info.connectionState, serverVersion: info.serverVersion };
  for (const k of ['namespaces', 'refreshRequestedAt']) if (copy[k] !== undefined) out[k] = copy[k];
  out.info = info;
  for (const k of ['shard', 'clusterResources', 'project', 'labels', 'annotations']) if (copy[k] !== undefined) out[k] = copy[k];
  return out;
}
