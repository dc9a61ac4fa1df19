/** SettingsService, NotificationService and VersionService. */
import type { RouteContext, RouteDef } from '../router.ts';
import { ANONYMOUS_SETTINGS_KEYS, NOTIFICATIONS, PLUGINS } from '../seed/config-objects.ts';
import type { JsonObject } from '../types.ts';

function settings(ctx: RouteContext): unknown {
  const all = ctx.sim.store.settings;
  if (ctx.caller) return all;
  // Without a session argocd-server leaves out banner, overrides, controller namespace and password pattern.
  const out: JsonObject = {};
  for (const k of Object.keys(all)) if (ANONYMOUS_SETTINGS_KEYS.includes(k)) out[k] = all[k];
  return out;
}

function version(ctx: RouteContext): unknown {
  const v = ctx.sim.opts.version;
  if (!ctx.caller) return { Version: v };
  return {
    Version: v,
    BuildDate: '2026-01-20T14:02:11Z',
    GitCommit: 'c3e6a2f1d0b94e8a7c5f3d21b0e9a8c7d6f5e4a3',
    GitTag: v.replace(/\+.*$/, ''),
    GitTreeState: 'clean',
    GoVersion: 'go1.25.5',
    Compiler: 'gc',
    Platform: 'linux/amd64',
    KustomizeVersion: 'v5.7.1 2025-07-23T12:45:29Z',
    HelmVersion: 'v3.19.4+g7cfb6e4',
    KubectlVersion: 'v0.34.2',
    JsonnetVersion: 'v0.21.0',
  };
}

/** Routes of this module. */
export const settingsRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/settings', operationId: 'SettingsService_Get', auth: 'optional', handler: settings },
  { method: 'GET', path: '/api/v1/settings/plugins', operationId: 'SettingsService_GetPlugins', auth: 'optional', handler: () => ({ plugins: PLUGINS }) },
  { method: 'GET', path: '/api/v1/notifications/services', operationId: 'NotificationService_ListServices', handler: () => ({ items: NOTIFICATIONS.services.map((name) => ({ name })) }) },
  { method: 'GET', path: '/api/v1/notifications/templates', operationId: 'NotificationService_ListTemplates', handler: () => ({ items: NOTIFICATIONS.templates.map((name) => ({ name })) }) },
  { method: 'GET', path: '/api/v1/notifications/triggers', operationId: 'NotificationService_ListTriggers', handler: () => ({ items: NOTIFICATIONS.triggers.map((name) => ({ name })) }) },
  { method: 'GET', path: '/api/version', operationId: 'VersionService_Version', auth: 'optional', handler: version },
];
