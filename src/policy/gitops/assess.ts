/**
 * The decisions of the GitOps checks, as pure functions of what was read: will Argo CD refuse this write, run it
 * later than asked, or put the old value back? Each finding says why (with the Argo CD source it follows) and
 * how to proceed. `blocking` findings are the ones `gitopsChecks: refuse` refuses; the others are notes.
 */
import { describeWindow } from './sync-windows.ts';
import type { SyncWindow } from './sync-windows.ts';
import { jqToPointer, pointerCovers } from './changed-paths.ts';

type Json = Record<string, unknown>;

export type WriteKind = 'spec' | 'sync' | 'rollback' | 'live';

export interface Finding {
  check: 'applicationset' | 'auto-sync' | 'self-heal' | 'sync-window' | 'unchecked';
  /** The write will be refused by Argo CD, held, or undone: `gitopsChecks: refuse` does not send it. */
  blocking: boolean;
  message: string;
}

/** The sync policy as Argo CD reads it. */
export interface AutoSync {
  enabled: boolean;
  selfHeal: boolean;
  prune: boolean;
}

/**
 * `SyncPolicy.IsAutomatedSyncEnabled` (pkg/apis/application/v1alpha1/types.go): `automated` present and its
 * `enabled` absent or true; since v3.1 `automated: { enabled: false }` means auto-sync is off.
 */
export function autoSyncOf(spec: Json | undefined): AutoSync {
  const automated = (spec?.syncPolicy as Json | undefined)?.automated as Json | undefined | null;
  const enabled = !!automated && (automated.enabled === undefined || automated.enabled === null || automated.enabled === true);
  return { enabled, selfHeal: enabled && automated?.selfHeal === true, prune: enabled && automated?.prune === true };
}

/** The ApplicationSet that owns an Application (metadata.ownerReferences kind ApplicationSet), if any. */
export function owningApplicationSet(app: Json): string | undefined {
  const refs = ((app.metadata as Json | undefined)?.ownerReferences ?? []) as Array<{ kind?: string; name?: string; apiVersion?: string }>;
  return refs.find((r) => r.kind === 'ApplicationSet' && String(r.apiVersion ?? 'argoproj.io/').startsWith('argoproj.io/'))?.name;
}

/**
 * The Application that manages this Application's manifest from Git (app of apps), from its tracking annotation
 * `argocd.argoproj.io/tracking-id` ("<app>:<group>/<kind>:<namespace>/<name>"; util/argo/resource_tracking.go) or the
 * label `app.kubernetes.io/instance` (label tracking, the default before v3.0). Apps in other namespaces are
 * named "<namespace>_<name>".
 */
export function managingApplication(app: Json): { name: string; namespace?: string; via: string } | undefined {
  const metadata = (app.metadata ?? {}) as { annotations?: Record<string, string>; labels?: Record<string, string>; name?: string };
  const tracking = metadata.annotations?.['argocd.argoproj.io/tracking-id'];
  const instance = tracking ? tracking.split(':')[0] : metadata.labels?.['app.kubernetes.io/instance'];
  if (!instance || instance === metadata.name) return undefined;
  const [a, b] = instance.split('_');
  const via = tracking ? `tracking-id ${tracking}` : `label app.kubernetes.io/instance=${instance}`;
  return b ? { namespace: a, name: b, via } : { name: a, via };
}

/** Annotations the ApplicationSet controller always keeps (applicationset_controller.go `defaultPreservedAnnotations`). */
const DEFAULT_PRESERVED_ANNOTATIONS = ['notified.notifications.argoproj.io', 'argocd.argoproj.io/refresh', 'argocd.argoproj.io/hydrate'];

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** What the ApplicationSet controller does with each changed field: kept (ignored or preserved) or overwritten. */
export function classifyForApplicationSet(args: { appName: string; appSet: Json; paths: string[] }): { kept: Array<{ path: string; why: string }>; overwritten: string[]; unevaluated: string[] } {
  const spec = (args.appSet.spec ?? {}) as Json;
  const rules = ((spec.ignoreApplicationDifferences ?? []) as Array<{ name?: string; jsonPointers?: string[]; jqPathExpressions?: string[] }>).filter(
    (r) => !r.name || r.name === args.appName,
  );
  const pointers = rules.flatMap((r) => r.jsonPointers ?? []);
  const unevaluated: string[] = [];
  for (const r of rules) {
    for (const jq of r.jqPathExpressions ?? []) {
      const p = jqToPointer(jq);
      if (p) pointers.push(p);
      else unevaluated.push(jq);
    }
  }
  const preserved = (spec.preservedFields ?? {}) as { annotations?: string[]; labels?: string[] };
  const kept: Array<{ path: string; why: string }> = [];
  const overwritten: string[] = [];
  for (const path of args.paths) {
    const [, top, field, key] = path.split('/');
    // The controller writes spec, labels, annotations and finalizers (createOrUpdateInCluster); other metadata stays.
    if (top !== 'spec' && !(top === 'metadata' && ['labels', 'annotations', 'finalizers'].includes(field))) continue;
    const pointer = pointers.find((p) => pointerCovers(p, path));
    if (pointer) {
      kept.push({ path, why: `ignoreApplicationDifferences ${pointer}` });
      continue;
    }
    if (top === 'metadata' && field === 'labels' && key !== undefined && (preserved.labels ?? []).includes(unescape(key))) {
      kept.push({ path, why: 'preservedFields.labels' });
      continue;
    }
    if (top === 'metadata' && field === 'annotations' && key !== undefined) {
      const name = unescape(key);
      if ((preserved.annotations ?? []).includes(name)) {
        kept.push({ path, why: 'preservedFields.annotations' });
        continue;
      }
      if (DEFAULT_PRESERVED_ANNOTATIONS.includes(name)) {
        kept.push({ path, why: 'always preserved by the ApplicationSet controller' });
        continue;
      }
    }
    overwritten.push(path);
  }
  return { kept, overwritten, unevaluated };
}

/** `ApplicationsSyncPolicy.AllowUpdate` (applicationset_types.go): only `sync` and `create-update` update apps. */
function updatesApps(appSet: Json): { updates: boolean; policy?: string } {
  const policy = ((appSet.spec as Json | undefined)?.syncPolicy as Json | undefined)?.applicationsSync as string | undefined;
  return { updates: !policy || policy === 'sync' || policy === 'create-update', policy };
}

/** The ApplicationSet finding for a write that changes `paths` of an app generated by `appSetName`. */
export function applicationSetFinding(args: { appName: string; appSetName: string; appSet?: Json; appSetError?: string; paths?: string[] }): Finding | undefined {
  const { appName, appSetName } = args;
  const owner = `${appName} is generated by the ApplicationSet "${appSetName}"`;
  const where = `Make the change in the ApplicationSet "${appSetName}" (its spec.template, templatePatch or generator parameters) so it is generated, or make the controller leave the field alone with spec.ignoreApplicationDifferences (e.g. jsonPointers: ["/spec/source/targetRevision"]; labels and annotations: spec.preservedFields)`;
  if (!args.appSet) {
    return {
      check: 'applicationset',
      blocking: false,
      message: `${owner}, whose settings could not be read (${args.appSetError ?? 'unknown error'}): its controller overwrites the spec, labels and annotations of the apps it generates (applicationset/controllers/applicationset_controller.go createOrUpdateInCluster) unless they are in its ignoreApplicationDifferences or preservedFields, so this change is likely to be put back. ${where}.`,
    };
  }
  const { updates, policy } = updatesApps(args.appSet);
  if (!updates) {
    return {
      check: 'applicationset',
      blocking: false,
      message: `${owner}, whose applicationsSync policy "${policy}" does not update existing apps, so this change stays (unless the ApplicationSet controller runs with a --policy that forbids the override).`,
    };
  }
  const paths = args.paths ?? [];
  if (!paths.length) return undefined;
  const { kept, overwritten, unevaluated } = classifyForApplicationSet({ appName, appSet: args.appSet, paths });
  const keptText = kept.length ? ` Kept: ${kept.map((k) => `${k.path} (${k.why})`).join(', ')}.` : '';
  if (!overwritten.length) {
    if (!kept.length) return undefined;
    return { check: 'applicationset', blocking: false, message: `${owner}; the ApplicationSet controller leaves the fields this changes alone, so the change stays.${keptText}` };
  }
  const jq = unevaluated.length ? ` (Its jqPathExpressions ${unevaluated.join(', ')} were not evaluated and might cover some of them.)` : '';
  return {
    check: 'applicationset',
    blocking: true,
    message: `${owner}: its controller will put back ${overwritten.join(', ')} within seconds (applicationset_controller.go createOrUpdateInCluster overwrites the spec, labels and annotations; none of these is in its ignoreApplicationDifferences or preservedFields).${keptText}${jq} ${where}.`,
  };
}

/** Sync windows as read from Argo CD (the app's endpoint) or computed from the project. */
export interface WindowState {
  source: 'endpoint' | 'project';
  canSync: boolean;
  active: SyncWindow[];
  inactiveAllows: SyncWindow[];
  error?: string;
}

/** The sync-window finding for a manual sync or rollback (both are manual operations to Argo CD). */
export function syncWindowFinding(args: { appName: string; kind: 'sync' | 'rollback'; windows: WindowState }): Finding | undefined {
  const { appName, windows } = args;
  const from = windows.source === 'endpoint' ? 'the application\'s sync windows' : 'the project\'s spec.syncWindows';
  const list = (ws: SyncWindow[]) => ws.map(describeWindow).join('; ');
  const denies = windows.active.filter((w) => w.kind === 'deny');
  const effect =
    args.kind === 'sync'
      ? 'Argo CD refuses the sync with 403 "cannot sync: blocked by sync window" (server/application/application.go Sync)'
      : 'Argo CD accepts the rollback, but its controller holds it Running with "Sync operation blocked by sync window" until a window lets it run (controller/sync.go syncWindowPreventsSync)';
  if (windows.error) {
    return { check: 'sync-window', blocking: true, message: `${appName}'s project has a sync window Argo CD cannot parse (${windows.error}), so Argo CD refuses every sync ("cannot sync: invalid sync window"). A project admin must fix the window (project_update).` };
  }
  if (!windows.canSync) {
    const why = denies.length
      ? `the deny window(s) ${list(denies)} ${denies.length > 1 ? 'are' : 'is'} active`
      : `no allow window is active (assigned: ${list(windows.inactiveAllows)})`;
    const manual = denies.length
      ? denies.some((w) => !w.manualSync) ? ' Manual sync is not allowed: every active deny window needs manualSync: true for that.' : ''
      : ' Manual sync is not allowed: every assigned allow window needs manualSync: true for that.';
    return {
      check: 'sync-window',
      blocking: true,
      message: `A sync window blocks syncing ${appName} now (from ${from}): ${why}.${manual} ${effect}. Wait until the window lets syncs run, or ask a project admin to allow manual syncs in it (manualSync: true).`,
    };
  }
  if (denies.length) {
    return {
      check: 'sync-window',
      blocking: false,
      message: `The deny window(s) ${list(denies)} ${denies.length > 1 ? 'are' : 'is'} active for ${appName}: this manual ${args.kind} is allowed (manualSync: true), but auto-sync stays blocked until the window closes.`,
    };
  }
  return undefined;
}

/** Findings about auto-sync and self-heal for each kind of write (controller/appcontroller.go autoSync). */
export function autoSyncFindings(args: { appName: string; kind: WriteKind; auto: AutoSync; args: Json; targetRevision?: string }): Finding[] {
  const { appName, kind, auto } = args;
  if (!auto.enabled) return [];
  const policy = `auto-sync is on for ${appName} (selfHeal ${auto.selfHeal ? 'on' : 'off'}, prune ${auto.prune ? 'on' : 'off'})`;
  const disable = `application_patch { name: "${appName}", patchType: "merge", patch: "{\\"spec\\":{\\"syncPolicy\\":{\\"automated\\":null}}}" }`;
  if (kind === 'rollback') {
    return [{
      check: 'auto-sync',
      blocking: true,
      message: `Argo CD refuses to roll back ${appName} while auto-sync is on ("rollback cannot be initiated when auto-sync is enabled", server/application/application.go Rollback; since v3.1 automated.enabled: false counts as off). Disable auto-sync first, e.g. ${disable}, or change the revision in Git.`,
    }];
  }
  if (kind === 'sync') {
    const revision = args.args.revision;
    if (typeof revision === 'string' && revision && args.args.dryRun !== true && args.targetRevision !== undefined && revision !== (args.targetRevision || 'HEAD')) {
      return [{
        check: 'auto-sync',
        blocking: true,
        message: `Argo CD refuses to sync ${appName} to "${revision}" while auto-sync is on ("Cannot sync to ${revision}: auto-sync currently set to ${args.targetRevision || 'HEAD'}", server/application/application.go resolveSourceRevisions). Change targetRevision instead (set_revision), or disable auto-sync first.`,
      }];
    }
    if (args.args.dryRun === true) return [];
    return [{ check: 'auto-sync', blocking: false, message: `${policy}: Argo CD syncs it by itself when Git changes${auto.selfHeal ? ' and when live resources drift' : ''}; this manual sync only makes it happen now.` }];
  }
  if (kind === 'live') {
    return auto.selfHeal
      ? [{ check: 'self-heal', blocking: true, message: `${policy}: Argo CD will revert this live change to what Git says at its next reconcile (self-heal). Make the change in Git, or turn selfHeal off first.` }]
      : [{ check: 'auto-sync', blocking: false, message: `${policy}: this live change stays until the next sync, which restores what Git says.` }];
  }
  return [{ check: 'auto-sync', blocking: false, message: `${policy}: Argo CD deploys this change by itself at its next reconcile, without a sync call.` }];
}

/** The finding about a parent Application that manages this Application's manifest from Git. */
export function parentFinding(args: { appName: string; parent: { name: string; via: string }; parentSpec?: Json; error?: string }): Finding {
  const { appName, parent } = args;
  const managed = `${appName}'s own manifest is managed from Git by the application "${parent.name}" (${parent.via})`;
  if (!args.parentSpec) {
    return { check: 'self-heal', blocking: false, message: `${managed}; its sync policy could not be read (${args.error ?? 'unknown error'}). If it syncs, it puts back what Git says: make this change in Git.` };
  }
  const auto = autoSyncOf(args.parentSpec);
  if (auto.selfHeal) {
    return { check: 'self-heal', blocking: true, message: `${managed}, which has auto-sync with selfHeal: it will revert this change to what Git says within seconds (controller/appcontroller.go autoSync). Change ${appName}'s manifest in "${parent.name}"'s source instead.` };
  }
  return {
    check: 'self-heal',
    blocking: false,
    message: `${managed}: this change makes "${parent.name}" OutOfSync, and its next sync${auto.enabled ? ' (auto-sync runs when Git changes)' : ''} puts back what Git says. Change ${appName}'s manifest in Git to keep it.`,
  };
}
