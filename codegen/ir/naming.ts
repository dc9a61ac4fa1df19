/** Tool names, toolsets and titles derived from Argo CD operationIds (`ApplicationService_ListResourceEvents`). */

/** Each Argo CD gRPC service: the tool-name prefix, its toolset, and the nouns a method name repeats. */
const SERVICES: Record<string, { prefix: string; toolset: string; nouns: string[] }> = {
  AccountService: { prefix: 'account', toolset: 'accounts', nouns: ['Accounts', 'Account'] },
  ApplicationService: { prefix: 'application', toolset: 'applications', nouns: [] },
  ApplicationSetService: { prefix: 'applicationset', toolset: 'applicationsets', nouns: [] },
  CertificateService: { prefix: 'certificate', toolset: 'certificates', nouns: ['Certificates', 'Certificate'] },
  ClusterService: { prefix: 'cluster', toolset: 'clusters', nouns: [] },
  GPGKeyService: { prefix: 'gpgkey', toolset: 'gpgkeys', nouns: [] },
  NotificationService: { prefix: 'notification', toolset: 'notifications', nouns: [] },
  ProjectService: { prefix: 'project', toolset: 'projects', nouns: [] },
  RepoCredsService: { prefix: 'repocreds', toolset: 'repocreds', nouns: ['RepositoryCredentials'] },
  RepositoryService: { prefix: 'repository', toolset: 'repositories', nouns: ['Repositories', 'Repository'] },
  SessionService: { prefix: 'session', toolset: 'session', nouns: [] },
  SettingsService: { prefix: 'settings', toolset: 'settings', nouns: [] },
  VersionService: { prefix: 'version', toolset: 'version', nouns: [] },
};

/**
 * Method names whose plain snake_case would mislead. `PodLogs2` is the pod-less variant
 * (`/applications/{name}/logs`, selected by query), `PodLogs` the one with `{podName}` in the path.
 */
const METHOD_OVERRIDES: Record<string, string> = {
  ApplicationService_PodLogs2: 'logs',
  ApplicationService_PodLogs: 'pod_logs',
  VersionService_Version: 'get',
  // `application_get_application_sync_windows` would be 65 characters behind Claude Code's `mcp__argocd-mcp-gateway__`.
  ApplicationService_GetApplicationSyncWindows: 'get_sync_windows',
};

/**
 * The longest tool name we emit: hosts put a prefix before it (Claude Code and Codex `mcp__<server>__`, i.e.
 * `mcp__argocd-mcp-gateway__`, 25 characters) and model APIs allow 64 in all.
 */
export const MAX_TOOL_NAME = 39;

export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

function snake(words: string): string {
  return words
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function splitOperationId(operationId: string): { service: string; method: string } {
  const i = operationId.indexOf('_');
  if (i < 0) return { service: '', method: operationId };
  return { service: operationId.slice(0, i), method: operationId.slice(i + 1) };
}

/** `ApplicationService_ListResourceEvents` → `application_list_resource_events`. */
export function toolNameFor(operationId: string): string {
  const { service, method } = splitOperationId(operationId);
  const svc = SERVICES[service];
  const prefix = svc?.prefix ?? snake(service.replace(/Service$/, ''));
  let verb = METHOD_OVERRIDES[operationId];
  if (!verb) {
    let m = method;
    // "ListRepositoryCredentials" → "List", "CreateWriteRepository" → "CreateWrite"
    for (const noun of svc?.nouns ?? []) m = m.replace(noun, '');
    verb = snake(m || method);
  }
  return `${prefix}_${verb}`.replace(/_+/g, '_').replace(/_$/, '');
}

/** The toolset an operation belongs to (one per Argo CD service). */
export function toolsetFor(operationId: string, tag: string): string {
  const { service } = splitOperationId(operationId);
  return (SERVICES[service] ?? SERVICES[tag])?.toolset ?? snake(tag.replace(/Service$/, ''));
}

/** Every toolset the naming knows, in display order. */
export const KNOWN_TOOLSETS = Object.values(SERVICES).map((s) => s.toolset);

/** `ApplicationService_ListResourceEvents` → `Application: list resource events`. */
export function titleFor(operationId: string): string {
  const { service, method } = splitOperationId(operationId);
  const noun = snake(service.replace(/Service$/, '')).replace(/_/g, ' ');
  const words = snake(METHOD_OVERRIDES[operationId] ? METHOD_OVERRIDES[operationId] : method).replace(/_/g, ' ');
  const label = noun === 'gpg key' ? 'GPG key' : noun.charAt(0).toUpperCase() + noun.slice(1);
  return `${label}: ${words}`;
}

/** `sinceTime.seconds` → `sinceTimeSeconds`. */
export function camelJoin(dotted: string): string {
  return dotted
    .split('.')
    .map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
}

/** `v1alpha1ApplicationSpec` → `applicationSpec`; `v1alpha1RepoCreds` → `repoCreds`. */
export function argNameForDefinition(ref: string): string {
  const bare = ref.replace(/^#\/definitions\//, '').replace(/^v\d+(alpha\d+|beta\d+)?/, '');
  return bare.charAt(0).toLowerCase() + bare.slice(1);
}
