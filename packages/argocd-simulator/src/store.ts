/** In-memory state of the simulated Argo CD, with change notification for watch streams. */
import type { SeededApp } from './seed/app-factory.ts';
import type { AppModel } from './seed/model.ts';
import type { SeedData } from './seed/seed.ts';
import type { JsonObject, OperationOutcome, OperationRequest } from './types.ts';

/** A running sync/rollback/terminate operation. */
export interface RunningOperation {
  timers: NodeJS.Timeout[];
  startedAtMs: number;
}

/** One application: its JSON as served plus the hidden model. */
export interface AppRecord {
  app: JsonObject;
  model: AppModel;
  /** Cached JSON.stringify(app). */
  json?: string;
  op?: RunningOperation;
  /** The requested operation (app.operation) as the controller will run it, and how it is to end. */
  pending?: { req: OperationRequest; outcome?: OperationOutcome };
  /** How the current rollout settles, when an outcome knob says other than Healthy. */
  settleOutcome?: { health: 'Degraded' | 'Progressing'; message?: string };
  reconcileTimer?: NodeJS.Timeout;
  /** For apps an ApplicationSet generated: the spec its template produced, which its controller puts back. */
  generatedSpec?: JsonObject;
  appSetRevertTimer?: NodeJS.Timeout;
  /** Extra Kubernetes events recorded at runtime. */
  events: JsonObject[];
  deleteTimer?: NodeJS.Timeout;
}

/** A watch event for applications or application sets. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  name: string;
}

type Listener = (e: WatchEvent) => void;

/** All mutable simulator state. */
export class Store {
  readonly apps = new Map<string, AppRecord>();
  readonly appSets = new Map<string, JsonObject>();
  readonly projects = new Map<string, JsonObject>();
  readonly clusters: JsonObject[];
  readonly repos: Map<string, JsonObject>;
  readonly writeRepos: Map<string, JsonObject>;
  readonly repoCreds: Map<string, JsonObject>;
  readonly writeRepoCreds: Map<string, JsonObject>;
  certificates: JsonObject[];
  readonly gpgKeys: Map<string, JsonObject>;
  readonly accounts: Map<string, JsonObject>;
  readonly settings: JsonObject;
  /** Local users' passwords. */
  readonly passwords = new Map<string, string>([['admin', 'password']]);
  /** Last known state of deleted apps and app sets (for DELETED watch events). */
  readonly deletedApps = new Map<string, AppRecord>();
  readonly deletedAppSets = new Map<string, JsonObject>();
  private resourceVersion = 100_000_000;
  private readonly appListeners = new Set<Listener>();
  private readonly appSetListeners = new Set<Listener>();

  constructor(seed: SeedData) {
    for (const a of seed.apps) this.apps.set(String((a.app.metadata as JsonObject).name), toRecord(a));
    for (const s of seed.appSets) this.appSets.set(String((s.metadata as JsonObject).name), s);
    for (const p of seed.projects) this.projects.set(String((p.metadata as JsonObject).name), p);
    this.clusters = seed.clusters;
    this.repos = byKey(seed.repos, 'repo');
    this.writeRepos = byKey(seed.writeRepos, 'repo');
    this.repoCreds = byKey(seed.repoCreds, 'url');
    this.writeRepoCreds = byKey(seed.writeRepoCreds, 'url');
    this.certificates = seed.certificates;
    this.gpgKeys = byKey(seed.gpgKeys, 'keyID');
    this.accounts = byKey(seed.accounts, 'name');
    this.settings = seed.settings;
  }

  /** The next resourceVersion (a growing integer, like etcd's). */
  nextResourceVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }

  /** The current list resourceVersion. */
  listResourceVersion(): string {
    return String(this.resourceVersion);
  }

  /** Serialized application JSON (cached until the next change). */
  appJson(rec: AppRecord): string {
    rec.json ??= JSON.stringify(rec.app);
    return rec.json;
  }

  /** Records a change to an application and notifies watchers. */
  touchApp(rec: AppRecord, type: WatchEvent['type'] = 'MODIFIED'): void {
    const md = rec.app.metadata as JsonObject;
    if (type !== 'DELETED') md.resourceVersion = this.nextResourceVersion();
    rec.json = undefined;
    const e = { type, name: String(md.name) };
    for (const l of [...this.appListeners]) l(e);
  }

  /** Adds a new application. */
  addApp(rec: AppRecord): void {
    this.apps.set(String((rec.app.metadata as JsonObject).name), rec);
    this.touchApp(rec, 'ADDED');
  }

  /** Removes an application and notifies watchers. */
  removeApp(name: string): void {
    const rec = this.apps.get(name);
    if (!rec) return;
    for (const t of rec.op?.timers ?? []) clearTimeout(t);
    if (rec.deleteTimer) clearTimeout(rec.deleteTimer);
    this.apps.delete(name);
    // Keep the last state for DELETED events.
    this.deletedApps.set(name, rec);
    this.touchApp(rec, 'DELETED');
  }


  /** Records a change to an application set and notifies watchers. */
  touchAppSet(name: string, type: WatchEvent['type'] = 'MODIFIED'): void {
    const s = this.appSets.get(name);
    if (s && type !== 'DELETED') (s.metadata as JsonObject).resourceVersion = this.nextResourceVersion();
    for (const l of [...this.appSetListeners]) l({ type, name });
  }

  /** Subscribes to application changes; returns the unsubscribe function. */
  onAppChange(listener: Listener): () => void {
    this.appListeners.add(listener);
    return () => this.appListeners.delete(listener);
  }

  /** Subscribes to application set changes; returns the unsubscribe function. */
  onAppSetChange(listener: Listener): () => void {
    this.appSetListeners.add(listener);
    return () => this.appSetListeners.delete(listener);
  }

  /** Cancels every pending timer (on close). */
  stopAllTimers(): void {
    for (const rec of [...this.apps.values(), ...this.deletedApps.values()]) {
      for (const t of rec.op?.timers ?? []) clearTimeout(t);
      if (rec.deleteTimer) clearTimeout(rec.deleteTimer);
    }
  }
}

function toRecord(a: SeededApp): AppRecord {
  const owned = (((a.app.metadata as JsonObject).ownerReferences ?? []) as JsonObject[]).some((o) => o.kind === 'ApplicationSet');
  return { app: a.app, model: a.model, events: [], ...(owned ? { generatedSpec: cloneJson(a.app.spec as JsonObject) } : {}) };
}

function byKey(items: JsonObject[], key: string): Map<string, JsonObject> {
  return new Map(items.map((i) => [String(i[key]), i]));
}

/** Deep copy of JSON data. */
export function cloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
