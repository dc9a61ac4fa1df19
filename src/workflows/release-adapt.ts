/**
 * How the workflows adapt to the connected Argo CD release: which operation parameter a workflow argument becomes
 * on each release, and which way `diff` compares. Declarative on purpose: the workflows' bodies only ask here.
 */
import type { ReleaseOffers } from '../argocd/release-params.ts';

/**
 * application_list's filters. Argo CD 2.0 names the project filter `project`; 2.1 added `projects` and kept
 * `project` as its deprecated alias (ApplicationQuery in server/application/application.proto).
 */
export const LIST_FILTER_PARAMS: Record<string, string[]> = {
  project: ['application_list.projects', 'application_list.project'],
  selector: ['application_list.selector'],
};

/** The project filter of application_list as this release names it. */
export function projectQuery(offers: ReleaseOffers, projects: string[]): Record<string, string[]> {
  return offers.has('application_list', 'projects') ? { projects } : { project: projects };
}

export interface DiffPath {
  /** The comparison the diff workflow ran. */
  path: 'managed-resources';
  /** Why, for the result: which release offers what. */
  why: string;
}

/**
 * The way `diff` compares live and desired state on this release. It always reads the application controller's own
 * comparison (ApplicationService.ManagedResources: live, normalized-live, predicted-live and target state per
 * resource, computed with the application's diff strategy, server-side diff included when the application asks
 * for it with the `ServerSideDiff=true` compare option). ApplicationService.ServerSideDiff (Argo CD 3.2+) is not
 * usable over REST: it diffs the `liveResources` and `targetManifests` the client sends, index by index
 * (server/application/application.go `Server.ServerSideDiff` → util/argo/diff `StateDiffs`), and `liveResources`,
 * a repeated message, is no query parameter in its swagger.json (grpc-gateway cannot read one from a query); with
 * only targetManifests the server fails ("mismatched lengths"), and with neither it answers an empty, "in sync"
 * list whatever the application's state. `argocd app diff --server-side-diff` calls it over gRPC.
 */
export function diffPath(offers: ReleaseOffers): DiffPath {
  const release = offers.version ? `Argo CD ${offers.version}` : 'This Argo CD';
  if (offers.has('application_server_side_diff')) {
    return {
      path: 'managed-resources',
      why: `${release} serves ServerSideDiff, but over REST it takes no live resources, so the diff reads the controller's comparison (managed resources), which follows the application's diff strategy (server-side diff with the ServerSideDiff=true compare option).`,
    };
  }
  return {
    path: 'managed-resources',
    why: `${release} has no ServerSideDiff endpoint; the diff reads the controller's comparison (managed resources), which follows the application's diff strategy.`,
  };
}

/** The `diff` workflow's release-dependent arguments. */
export const DIFF_PARAMS: Record<string, string[]> = { appNamespace: ['application_managed_resources.appNamespace'] };
