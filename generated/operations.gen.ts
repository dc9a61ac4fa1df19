// Generated from Argo CD v3.5.1 swagger.json (sha256 5cfd43dfd31446d875ab35244b19f2aaccc8120c8ddfafd90e2c25b668acaee6) by argocd-mcp-gateway's codegen. Do not edit: run `make generate`.
import type { paths } from './openapi.gen.ts';

/** The Argo CD release this catalogue was generated from. */
export const ARGOCD_RELEASE = 'v3.5.1';

/** Every tool of the catalogue. */
export type ToolName =
  | 'account_can_i'
  | 'account_create_token'
  | 'account_delete_token'
  | 'account_get'
  | 'account_list'
  | 'account_update_password'
  | 'application_create'
  | 'application_delete'
  | 'application_delete_resource'
  | 'application_get'
  | 'application_get_manifests'
  | 'application_get_manifests_with_files'
  | 'application_get_oci_metadata'
  | 'application_get_resource'
  | 'application_get_sync_windows'
  | 'application_list'
  | 'application_list_links'
  | 'application_list_resource_actions'
  | 'application_list_resource_events'
  | 'application_list_resource_links'
  | 'application_logs'
  | 'application_managed_resources'
  | 'application_patch'
  | 'application_patch_resource'
  | 'application_pod_logs'
  | 'application_resource_tree'
  | 'application_revision_chart_details'
  | 'application_revision_metadata'
  | 'application_rollback'
  | 'application_run_resource_action'
  | 'application_run_resource_action_v2'
  | 'application_server_side_diff'
  | 'application_sync'
  | 'application_terminate_operation'
  | 'application_update'
  | 'application_update_spec'
  | 'application_watch'
  | 'application_watch_resource_tree'
  | 'applicationset_create'
  | 'applicationset_delete'
  | 'applicationset_generate'
  | 'applicationset_get'
  | 'applicationset_list'
  | 'applicationset_list_resource_events'
  | 'applicationset_resource_tree'
  | 'applicationset_watch'
  | 'certificate_create'
  | 'certificate_delete'
  | 'certificate_list'
  | 'cluster_create'
  | 'cluster_delete'
  | 'cluster_get'
  | 'cluster_invalidate_cache'
  | 'cluster_list'
  | 'cluster_rotate_auth'
  | 'cluster_update'
  | 'gpgkey_create'
  | 'gpgkey_delete'
  | 'gpgkey_get'
  | 'gpgkey_list'
  | 'notification_list_services'
  | 'notification_list_templates'
  | 'notification_list_triggers'
  | 'project_create'
  | 'project_create_token'
  | 'project_delete'
  | 'project_delete_token'
  | 'project_get'
  | 'project_get_detailed_project'
  | 'project_get_global_projects'
  | 'project_get_sync_windows_state'
  | 'project_list'
  | 'project_list_events'
  | 'project_list_links'
  | 'project_update'
  | 'repocreds_create'
  | 'repocreds_create_write'
  | 'repocreds_delete'
  | 'repocreds_delete_write'
  | 'repocreds_list'
  | 'repocreds_list_write'
  | 'repocreds_update'
  | 'repocreds_update_write'
  | 'repository_create'
  | 'repository_create_write'
  | 'repository_delete'
  | 'repository_delete_write'
  | 'repository_get'
  | 'repository_get_app_details'
  | 'repository_get_helm_charts'
  | 'repository_get_write'
  | 'repository_list'
  | 'repository_list_apps'
  | 'repository_list_oci_tags'
  | 'repository_list_refs'
  | 'repository_list_write'
  | 'repository_update'
  | 'repository_update_write'
  | 'repository_validate_access'
  | 'repository_validate_write_access'
  | 'session_create'
  | 'session_delete'
  | 'session_get_user_info'
  | 'settings_get'
  | 'settings_get_plugins'
  | 'version_get'
;

/** Each tool's Argo CD operation: the openapi-fetch path (a key of `paths`) and method it dispatches to. */
export const OPERATIONS = {
  account_can_i: { operationId: 'AccountService_CanI', method: 'GET', path: '/api/v1/account/can-i/{resource}/{action}/{subresource}', toolset: 'accounts' },
  account_create_token: { operationId: 'AccountService_CreateToken', method: 'POST', path: '/api/v1/account/{name}/token', toolset: 'accounts' },
  account_delete_token: { operationId: 'AccountService_DeleteToken', method: 'DELETE', path: '/api/v1/account/{name}/token/{id}', toolset: 'accounts' },
  account_get: { operationId: 'AccountService_GetAccount', method: 'GET', path: '/api/v1/account/{name}', toolset: 'accounts' },
  account_list: { operationId: 'AccountService_ListAccounts', method: 'GET', path: '/api/v1/account', toolset: 'accounts' },
  account_update_password: { operationId: 'AccountService_UpdatePassword', method: 'PUT', path: '/api/v1/account/password', toolset: 'accounts' },
  application_create: { operationId: 'ApplicationService_Create', method: 'POST', path: '/api/v1/applications', toolset: 'applications' },
  application_delete: { operationId: 'ApplicationService_Delete', method: 'DELETE', path: '/api/v1/applications/{name}', toolset: 'applications' },
  application_delete_resource: { operationId: 'ApplicationService_DeleteResource', method: 'DELETE', path: '/api/v1/applications/{name}/resource', toolset: 'applications' },
  application_get: { operationId: 'ApplicationService_Get', method: 'GET', path: '/api/v1/applications/{name}', toolset: 'applications' },
  application_get_manifests: { operationId: 'ApplicationService_GetManifests', method: 'GET', path: '/api/v1/applications/{name}/manifests', toolset: 'applications' },
  application_get_manifests_with_files: { operationId: 'ApplicationService_GetManifestsWithFiles', method: 'POST', path: '/api/v1/applications/manifestsWithFiles', toolset: 'applications' },
  application_get_oci_metadata: { operationId: 'ApplicationService_GetOCIMetadata', method: 'GET', path: '/api/v1/applications/{name}/revisions/{revision}/ocimetadata', toolset: 'applications' },
  application_get_resource: { operationId: 'ApplicationService_GetResource', method: 'GET', path: '/api/v1/applications/{name}/resource', toolset: 'applications' },
  application_get_sync_windows: { operationId: 'ApplicationService_GetApplicationSyncWindows', method: 'GET', path: '/api/v1/applications/{name}/syncwindows', toolset: 'applications' },
  application_list: { operationId: 'ApplicationService_List', method: 'GET', path: '/api/v1/applications', toolset: 'applications' },
  application_list_links: { operationId: 'ApplicationService_ListLinks', method: 'GET', path: '/api/v1/applications/{name}/links', toolset: 'applications' },
  application_list_resource_actions: { operationId: 'ApplicationService_ListResourceActions', method: 'GET', path: '/api/v1/applications/{name}/resource/actions', toolset: 'applications' },
  application_list_resource_events: { operationId: 'ApplicationService_ListResourceEvents', method: 'GET', path: '/api/v1/applications/{name}/events', toolset: 'applications' },
  application_list_resource_links: { operationId: 'ApplicationService_ListResourceLinks', method: 'GET', path: '/api/v1/applications/{name}/resource/links', toolset: 'applications' },
  application_logs: { operationId: 'ApplicationService_PodLogs2', method: 'GET', path: '/api/v1/applications/{name}/logs', toolset: 'applications' },
  application_managed_resources: { operationId: 'ApplicationService_ManagedResources', method: 'GET', path: '/api/v1/applications/{applicationName}/managed-resources', toolset: 'applications' },
  application_patch: { operationId: 'ApplicationService_Patch', method: 'PATCH', path: '/api/v1/applications/{name}', toolset: 'applications' },
  application_patch_resource: { operationId: 'ApplicationService_PatchResource', method: 'POST', path: '/api/v1/applications/{name}/resource', toolset: 'applications' },
  application_pod_logs: { operationId: 'ApplicationService_PodLogs', method: 'GET', path: '/api/v1/applications/{name}/pods/{podName}/logs', toolset: 'applications' },
  application_resource_tree: { operationId: 'ApplicationService_ResourceTree', method: 'GET', path: '/api/v1/applications/{applicationName}/resource-tree', toolset: 'applications' },
  application_revision_chart_details: { operationId: 'ApplicationService_RevisionChartDetails', method: 'GET', path: '/api/v1/applications/{name}/revisions/{revision}/chartdetails', toolset: 'applications' },
  application_revision_metadata: { operationId: 'ApplicationService_RevisionMetadata', method: 'GET', path: '/api/v1/applications/{name}/revisions/{revision}/metadata', toolset: 'applications' },
  application_rollback: { operationId: 'ApplicationService_Rollback', method: 'POST', path: '/api/v1/applications/{name}/rollback', toolset: 'applications' },
  application_run_resource_action: { operationId: 'ApplicationService_RunResourceAction', method: 'POST', path: '/api/v1/applications/{name}/resource/actions', toolset: 'applications' },
  application_run_resource_action_v2: { operationId: 'ApplicationService_RunResourceActionV2', method: 'POST', path: '/api/v1/applications/{name}/resource/actions/v2', toolset: 'applications' },
  application_server_side_diff: { operationId: 'ApplicationService_ServerSideDiff', method: 'GET', path: '/api/v1/applications/{appName}/server-side-diff', toolset: 'applications' },
  application_sync: { operationId: 'ApplicationService_Sync', method: 'POST', path: '/api/v1/applications/{name}/sync', toolset: 'applications' },
  application_terminate_operation: { operationId: 'ApplicationService_TerminateOperation', method: 'DELETE', path: '/api/v1/applications/{name}/operation', toolset: 'applications' },
  application_update: { operationId: 'ApplicationService_Update', method: 'PUT', path: '/api/v1/applications/{application.metadata.name}', toolset: 'applications' },
  application_update_spec: { operationId: 'ApplicationService_UpdateSpec', method: 'PUT', path: '/api/v1/applications/{name}/spec', toolset: 'applications' },
  application_watch: { operationId: 'ApplicationService_Watch', method: 'GET', path: '/api/v1/stream/applications', toolset: 'applications' },
  application_watch_resource_tree: { operationId: 'ApplicationService_WatchResourceTree', method: 'GET', path: '/api/v1/stream/applications/{applicationName}/resource-tree', toolset: 'applications' },
  applicationset_create: { operationId: 'ApplicationSetService_Create', method: 'POST', path: '/api/v1/applicationsets', toolset: 'applicationsets' },
  applicationset_delete: { operationId: 'ApplicationSetService_Delete', method: 'DELETE', path: '/api/v1/applicationsets/{name}', toolset: 'applicationsets' },
  applicationset_generate: { operationId: 'ApplicationSetService_Generate', method: 'POST', path: '/api/v1/applicationsets/generate', toolset: 'applicationsets' },
  applicationset_get: { operationId: 'ApplicationSetService_Get', method: 'GET', path: '/api/v1/applicationsets/{name}', toolset: 'applicationsets' },
  applicationset_list: { operationId: 'ApplicationSetService_List', method: 'GET', path: '/api/v1/applicationsets', toolset: 'applicationsets' },
  applicationset_list_resource_events: { operationId: 'ApplicationSetService_ListResourceEvents', method: 'GET', path: '/api/v1/applicationsets/{name}/events', toolset: 'applicationsets' },
  applicationset_resource_tree: { operationId: 'ApplicationSetService_ResourceTree', method: 'GET', path: '/api/v1/applicationsets/{name}/resource-tree', toolset: 'applicationsets' },
  applicationset_watch: { operationId: 'ApplicationSetService_Watch', method: 'GET', path: '/api/v1/stream/applicationsets', toolset: 'applicationsets' },
  certificate_create: { operationId: 'CertificateService_CreateCertificate', method: 'POST', path: '/api/v1/certificates', toolset: 'certificates' },
  certificate_delete: { operationId: 'CertificateService_DeleteCertificate', method: 'DELETE', path: '/api/v1/certificates', toolset: 'certificates' },
  certificate_list: { operationId: 'CertificateService_ListCertificates', method: 'GET', path: '/api/v1/certificates', toolset: 'certificates' },
  cluster_create: { operationId: 'ClusterService_Create', method: 'POST', path: '/api/v1/clusters', toolset: 'clusters' },
  cluster_delete: { operationId: 'ClusterService_Delete', method: 'DELETE', path: '/api/v1/clusters/{id.value}', toolset: 'clusters' },
  cluster_get: { operationId: 'ClusterService_Get', method: 'GET', path: '/api/v1/clusters/{id.value}', toolset: 'clusters' },
  cluster_invalidate_cache: { operationId: 'ClusterService_InvalidateCache', method: 'POST', path: '/api/v1/clusters/{id.value}/invalidate-cache', toolset: 'clusters' },
  cluster_list: { operationId: 'ClusterService_List', method: 'GET', path: '/api/v1/clusters', toolset: 'clusters' },
  cluster_rotate_auth: { operationId: 'ClusterService_RotateAuth', method: 'POST', path: '/api/v1/clusters/{id.value}/rotate-auth', toolset: 'clusters' },
  cluster_update: { operationId: 'ClusterService_Update', method: 'PUT', path: '/api/v1/clusters/{id.value}', toolset: 'clusters' },
  gpgkey_create: { operationId: 'GPGKeyService_Create', method: 'POST', path: '/api/v1/gpgkeys', toolset: 'gpgkeys' },
  gpgkey_delete: { operationId: 'GPGKeyService_Delete', method: 'DELETE', path: '/api/v1/gpgkeys', toolset: 'gpgkeys' },
  gpgkey_get: { operationId: 'GPGKeyService_Get', method: 'GET', path: '/api/v1/gpgkeys/{keyID}', toolset: 'gpgkeys' },
  gpgkey_list: { operationId: 'GPGKeyService_List', method: 'GET', path: '/api/v1/gpgkeys', toolset: 'gpgkeys' },
  notification_list_services: { operationId: 'NotificationService_ListServices', method: 'GET', path: '/api/v1/notifications/services', toolset: 'notifications' },
  notification_list_templates: { operationId: 'NotificationService_ListTemplates', method: 'GET', path: '/api/v1/notifications/templates', toolset: 'notifications' },
  notification_list_triggers: { operationId: 'NotificationService_ListTriggers', method: 'GET', path: '/api/v1/notifications/triggers', toolset: 'notifications' },
  project_create: { operationId: 'ProjectService_Create', method: 'POST', path: '/api/v1/projects', toolset: 'projects' },
  project_create_token: { operationId: 'ProjectService_CreateToken', method: 'POST', path: '/api/v1/projects/{project}/roles/{role}/token', toolset: 'projects' },
  project_delete: { operationId: 'ProjectService_Delete', method: 'DELETE', path: '/api/v1/projects/{name}', toolset: 'projects' },
  project_delete_token: { operationId: 'ProjectService_DeleteToken', method: 'DELETE', path: '/api/v1/projects/{project}/roles/{role}/token/{iat}', toolset: 'projects' },
  project_get: { operationId: 'ProjectService_Get', method: 'GET', path: '/api/v1/projects/{name}', toolset: 'projects' },
  project_get_detailed_project: { operationId: 'ProjectService_GetDetailedProject', method: 'GET', path: '/api/v1/projects/{name}/detailed', toolset: 'projects' },
  project_get_global_projects: { operationId: 'ProjectService_GetGlobalProjects', method: 'GET', path: '/api/v1/projects/{name}/globalprojects', toolset: 'projects' },
  project_get_sync_windows_state: { operationId: 'ProjectService_GetSyncWindowsState', method: 'GET', path: '/api/v1/projects/{name}/syncwindows', toolset: 'projects' },
  project_list: { operationId: 'ProjectService_List', method: 'GET', path: '/api/v1/projects', toolset: 'projects' },
  project_list_events: { operationId: 'ProjectService_ListEvents', method: 'GET', path: '/api/v1/projects/{name}/events', toolset: 'projects' },
  project_list_links: { operationId: 'ProjectService_ListLinks', method: 'GET', path: '/api/v1/projects/{name}/links', toolset: 'projects' },
  project_update: { operationId: 'ProjectService_Update', method: 'PUT', path: '/api/v1/projects/{project.metadata.name}', toolset: 'projects' },
  repocreds_create: { operationId: 'RepoCredsService_CreateRepositoryCredentials', method: 'POST', path: '/api/v1/repocreds', toolset: 'repocreds' },
  repocreds_create_write: { operationId: 'RepoCredsService_CreateWriteRepositoryCredentials', method: 'POST', path: '/api/v1/write-repocreds', toolset: 'repocreds' },
  repocreds_delete: { operationId: 'RepoCredsService_DeleteRepositoryCredentials', method: 'DELETE', path: '/api/v1/repocreds/{url}', toolset: 'repocreds' },
  repocreds_delete_write: { operationId: 'RepoCredsService_DeleteWriteRepositoryCredentials', method: 'DELETE', path: '/api/v1/write-repocreds/{url}', toolset: 'repocreds' },
  repocreds_list: { operationId: 'RepoCredsService_ListRepositoryCredentials', method: 'GET', path: '/api/v1/repocreds', toolset: 'repocreds' },
  repocreds_list_write: { operationId: 'RepoCredsService_ListWriteRepositoryCredentials', method: 'GET', path: '/api/v1/write-repocreds', toolset: 'repocreds' },
  repocreds_update: { operationId: 'RepoCredsService_UpdateRepositoryCredentials', method: 'PUT', path: '/api/v1/repocreds/{creds.url}', toolset: 'repocreds' },
  repocreds_update_write: { operationId: 'RepoCredsService_UpdateWriteRepositoryCredentials', method: 'PUT', path: '/api/v1/write-repocreds/{creds.url}', toolset: 'repocreds' },
  repository_create: { operationId: 'RepositoryService_CreateRepository', method: 'POST', path: '/api/v1/repositories', toolset: 'repositories' },
  repository_create_write: { operationId: 'RepositoryService_CreateWriteRepository', method: 'POST', path: '/api/v1/write-repositories', toolset: 'repositories' },
  repository_delete: { operationId: 'RepositoryService_DeleteRepository', method: 'DELETE', path: '/api/v1/repositories/{repo}', toolset: 'repositories' },
  repository_delete_write: { operationId: 'RepositoryService_DeleteWriteRepository', method: 'DELETE', path: '/api/v1/write-repositories/{repo}', toolset: 'repositories' },
  repository_get: { operationId: 'RepositoryService_Get', method: 'GET', path: '/api/v1/repositories/{repo}', toolset: 'repositories' },
  repository_get_app_details: { operationId: 'RepositoryService_GetAppDetails', method: 'POST', path: '/api/v1/repositories/{source.repoURL}/appdetails', toolset: 'repositories' },
  repository_get_helm_charts: { operationId: 'RepositoryService_GetHelmCharts', method: 'GET', path: '/api/v1/repositories/{repo}/helmcharts', toolset: 'repositories' },
  repository_get_write: { operationId: 'RepositoryService_GetWrite', method: 'GET', path: '/api/v1/write-repositories/{repo}', toolset: 'repositories' },
  repository_list: { operationId: 'RepositoryService_ListRepositories', method: 'GET', path: '/api/v1/repositories', toolset: 'repositories' },
  repository_list_apps: { operationId: 'RepositoryService_ListApps', method: 'GET', path: '/api/v1/repositories/{repo}/apps', toolset: 'repositories' },
  repository_list_oci_tags: { operationId: 'RepositoryService_ListOCITags', method: 'GET', path: '/api/v1/repositories/{repo}/oci-tags', toolset: 'repositories' },
  repository_list_refs: { operationId: 'RepositoryService_ListRefs', method: 'GET', path: '/api/v1/repositories/{repo}/refs', toolset: 'repositories' },
  repository_list_write: { operationId: 'RepositoryService_ListWriteRepositories', method: 'GET', path: '/api/v1/write-repositories', toolset: 'repositories' },
  repository_update: { operationId: 'RepositoryService_UpdateRepository', method: 'PUT', path: '/api/v1/repositories/{repo.repo}', toolset: 'repositories' },
  repository_update_write: { operationId: 'RepositoryService_UpdateWriteRepository', method: 'PUT', path: '/api/v1/write-repositories/{repo.repo}', toolset: 'repositories' },
  repository_validate_access: { operationId: 'RepositoryService_ValidateAccess', method: 'POST', path: '/api/v1/repositories/{repo}/validate', toolset: 'repositories' },
  repository_validate_write_access: { operationId: 'RepositoryService_ValidateWriteAccess', method: 'POST', path: '/api/v1/write-repositories/{repo}/validate', toolset: 'repositories' },
  session_create: { operationId: 'SessionService_Create', method: 'POST', path: '/api/v1/session', toolset: 'session' },
  session_delete: { operationId: 'SessionService_Delete', method: 'DELETE', path: '/api/v1/session', toolset: 'session' },
  session_get_user_info: { operationId: 'SessionService_GetUserInfo', method: 'GET', path: '/api/v1/session/userinfo', toolset: 'session' },
  settings_get: { operationId: 'SettingsService_Get', method: 'GET', path: '/api/v1/settings', toolset: 'settings' },
  settings_get_plugins: { operationId: 'SettingsService_GetPlugins', method: 'GET', path: '/api/v1/settings/plugins', toolset: 'settings' },
  version_get: { operationId: 'VersionService_Version', method: 'GET', path: '/api/version', toolset: 'version' },
} as const satisfies Record<ToolName, { operationId: string; method: string; path: keyof paths; toolset: string }>;
