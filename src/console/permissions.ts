/**
 * Which Argo CD RBAC permission a write tool needs, to ask `can-i` before an agent finds out with a 403.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/rbac/ (resources and actions)
 */
import type { CatalogueTool } from '../catalogue/types.ts';

export interface Permission {
  resource: string;
  action: string;
  /** `*` for global resources, `*\/*` (project/name) for project-scoped ones: "everywhere". */
  subresource: string;
  /**
   * False when `can-i` cannot answer it: Argo CD accepts only its plain action names there, while resource actions
   * are authorised as `action/<group>/<kind>/<name>`.
   */
  checkable: boolean;
}

const RESOURCE_BY_TOOLSET: Record<string, string> = {
  applications: 'applications',
  applicationsets: 'applicationsets',
  projects: 'projects',
  clusters: 'clusters',
  repositories: 'repositories',
  repocreds: 'repositories',
  certificates: 'certificates',
  gpgkeys: 'gpgkeys',
  accounts: 'accounts',
};

const PROJECT_SCOPED = new Set(['applications', 'applicationsets', 'logs', 'exec']);

const ACTION_BY_METHOD: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/** Where Argo CD checks something other than what the method suggests. */
const OVERRIDES: Record<string, { resource?: string; action: string } | null> = {
  application_sync: { action: 'sync' },
  application_rollback: { action: 'sync' },
  application_terminate_operation: { action: 'sync' },
  application_run_resource_action: { action: 'action/*' },
  application_run_resource_action_v2: { action: 'action/*' },
  application_patch_resource: { action: 'update' },
  application_get_manifests_with_files: { action: 'get' },
  applicationset_generate: { action: 'create' },
  cluster_invalidate_cache: { action: 'update' },
  cluster_rotate_auth: { action: 'update' },
  project_create_token: { action: 'update' },
  project_delete_token: { action: 'update' },
  repository_get_app_details: { action: 'get' },
  repository_validate_access: { action: 'create' },
  repository_validate_write_access: { resource: 'write-repositories', action: 'create' },
  account_create_token: { action: 'update' },
  account_delete_token: { action: 'update' },
  account_update_password: { action: 'update' },
  // Logging in and out needs no permission.
  session_create: null,
  session_delete: null,
};

/** The permission a non-read tool needs, or undefined when Argo CD checks none. */
export function permissionFor(tool: CatalogueTool): Permission | undefined {
  if (tool.annotations.readOnlyHint) return undefined;
  const override = OVERRIDES[tool.name];
  if (override === null) return undefined;
  let resource = override?.resource ?? RESOURCE_BY_TOOLSET[tool.toolset];
  if (!resource) return undefined;
  // Write repositories (the source hydrator's) have their own RBAC resource.
  if (!override?.resource && resource === 'repositories' && /write/.test(tool.request.path)) resource = 'write-repositories';
  const action = override?.action ?? ACTION_BY_METHOD[tool.request.method];
  if (!action) return undefined;
  return { resource, action, subresource: PROJECT_SCOPED.has(resource) ? '*/*' : '*', checkable: !action.includes('/') };
}

export interface PermissionNeed extends Permission {
  tools: string[];
}

/** The distinct permissions the selected write tools need, each with the tools that need it. */
export function permissionsNeeded(tools: CatalogueTool[]): PermissionNeed[] {
  const needs = new Map<string, PermissionNeed>();
  for (const tool of tools) {
    const p = permissionFor(tool);
    if (!p) continue;
    const key = `${p.resource} ${p.action} ${p.subresource}`;
    const need = needs.get(key) ?? { ...p, tools: [] };
    need.tools.push(tool.name);
    needs.set(key, need);
  }
  return [...needs.values()];
}
