/**
 * Starting points for the endpoint selection. Each is a rule over the catalogue, not a frozen list, so a
 * regenerated catalogue keeps meaning the same thing.
 */
import type { CatalogueTool } from '../catalogue/types.ts';
import { DEFAULT_TOOLSETS } from '../catalogue/toolsets.ts';

export interface Preset {
  id: string;
  label: string;
  description: string;
  includes(tool: CatalogueTool): boolean;
}

/** Day-2 application writes an operator does without changing what is deployed where. */
const OPERATOR_WRITES = new Set([
  'application_sync',
  'application_rollback',
  'application_terminate_operation',
  'application_run_resource_action',
  'application_run_resource_action_v2',
  // The workflows built on those (src/workflows/index.ts); set_revision edits the spec, so it is not here.
  'sync_and_wait',
  'rollback',
  'sync_many',
]);

/** Tools that mint or revoke credentials, or change passwords and sessions: never for an agent by default. */
const CREDENTIAL_TOOLS = new Set([
  'account_create_token',
  'account_delete_token',
  'account_update_password',
  'project_create_token',
  'project_delete_token',
  'session_create',
  'session_delete',
]);

export const PRESETS: Preset[] = [
  {
    id: 'read-only',
    label: 'Read-only',
    description: 'Every read (GET) tool of every toolset, and the read-only workflows; nothing can change. What the gateway serves without an allowlist.',
    includes: (t) => t.annotations.readOnlyHint,
  },
  {
    id: 'app-operator',
    label: 'Application operator',
    description: `Reads of the everyday toolsets (${DEFAULT_TOOLSETS.join(', ')}) plus sync, rollback, terminate operation and resource actions, and the workflows built on them (sync_and_wait, rollback, sync_many and the read-only ones); no create, update or delete.`,
    includes: (t) => (DEFAULT_TOOLSETS.includes(t.toolset) && t.annotations.readOnlyHint) || OPERATOR_WRITES.has(t.name),
  },
  {
    id: 'platform-admin',
    label: 'Platform admin',
    description: 'Everything, including deletes, except tools that mint or revoke tokens or change passwords and sessions.',
    includes: (t) => !CREDENTIAL_TOOLS.has(t.name),
  },
];

/** The tool names a preset selects, in catalogue order. */
export function presetSelection(id: string, tools: CatalogueTool[]): string[] {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(`unknown preset "${id}"; known: ${PRESETS.map((p) => p.id).join(', ')}`);
  return tools.filter((t) => preset.includes(t)).map((t) => t.name);
}
