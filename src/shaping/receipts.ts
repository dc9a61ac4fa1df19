/**
 * Receipts: what a write answers instead of the whole object Argo CD sends back (a shaped application is 1,200–2,700
 * tokens): which object, what was asked and what Argo CD did with it, the revision before → after where the answer
 * shows it, how many resources it touches, and which call shows what happens next — in under 300 tokens.
 *
 * Syncs and rollbacks are asynchronous (util/argo/argo.go SetAppOperation): Argo CD answers once it has recorded the
 * operation, with `status.operationState` cleared, and its controller runs it later. So a receipt says "requested"
 * unless the answer itself carries the operation's state. `raw: true` still returns Argo CD's object.
 */
type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A body argument, which the catalogue lets a caller give as an object or as its JSON text. */
function bodyArg(v: unknown): Json {
  if (typeof v !== 'string') return obj(v);
  try {
    return obj(JSON.parse(v));
  } catch {
    return {};
  }
}

/** What the receipt needs of the call besides Argo CD's answer. */
export interface ReceiptCall {
  /** The tool's name, e.g. application_sync. */
  tool: string;
  /** The call's arguments (as sent, after the scope's checks). */
  args: Json;
  /** The Argo CD instance this gateway serves, when several are configured. */
  instance?: string;
}

/** A call the agent can make next: the tool, its arguments, and when to stop repeating it. */
interface NextCall {
  tool: string;
  arguments: Json;
  until?: string;
}

/** What an operation's watcher reads: the phase (or "Requested" before the controller picks it up), sync and health. */
export const OPERATION_QUERY =
  "{phase: status.operationState.phase || (operation && 'Requested'), message: status.operationState.message, finishedAt: status.operationState.finishedAt, reconciledAt: status.reconciledAt, sync: status.sync.status, health: status.health.status}";

const OPERATION_DONE = 'phase is Succeeded, Failed or Error and reconciledAt is at or after finishedAt (then sync and health are current)';

const SPEC_QUERY = '{sync: status.sync.status, revision: status.sync.revision, phase: status.operationState.phase, health: status.health.status}';

/** A Git commit as people quote it; tags, branches and chart versions stay whole. */
const shortRev = (rev: unknown): string | undefined => {
  const s = str(rev);
  return s && /^[0-9a-f]{40}$/.test(s) ? s.slice(0, 8) : s;
};

/** The target revision(s) of a spec: one for a single source, a list for several. */
function targetRevisions(spec: Json): unknown {
  if (spec.source) return str(obj(spec.source).targetRevision) ?? 'HEAD';
  const sources = arr(spec.sources);
  return sources.length ? sources.map((s) => str(s.targetRevision) ?? 'HEAD') : undefined;
}

function deployedRevision(status: Json): unknown {
  const sync = obj(status.sync);
  return shortRev(sync.revision) ?? (Array.isArray(sync.revisions) ? sync.revisions.map(shortRev) : undefined);
}

/** The application a call names, the way its next call must name it again. */
function appRef(call: ReceiptCall, meta: Json): Json {
  const name = str(meta.name) ?? str(call.args.name) ?? str(obj(bodyArg(call.args.application).metadata).name);
  const appNamespace = str(call.args.appNamespace) ?? str(obj(bodyArg(call.args.application).metadata).namespace);
  return { name, ...(appNamespace ? { appNamespace } : {}), ...(call.instance ? { instance: call.instance } : {}) };
}

function identity(ref: Json, meta: Json, spec: Json, instance?: string): Json {
  return { application: ref.name, project: str(spec.project), namespace: str(meta.namespace), instance };
}

/** sync and rollback: an operation is requested; the controller runs it later. */
function operationReceipt(call: ReceiptCall, answer: Json, kind: 'sync' | 'rollback'): Json {
  const meta = obj(answer.metadata);
  const spec = obj(answer.spec);
  const status = obj(answer.status);
  const ref = appRef(call, meta);
  const requested = obj(obj(answer.operation).sync);
  // Argo CD clears operationState when it records an operation; one in the answer is this operation's, picked up.
  const phase = str(obj(status.operationState).phase);
  const dryRun = call.args.dryRun === true || requested.dryRun === true;
  const revisions = Array.isArray(requested.revisions) && requested.revisions.length ? requested.revisions.map(shortRev) : undefined;
  let after: unknown = shortRev(requested.revision) ?? revisions ?? shortRev(call.args.revision) ?? targetRevisions(spec);
  if (kind === 'rollback') {
    const entry = arr(status.history).find((h) => h.id === call.args.id);
    after = shortRev(entry?.revision) ?? after;
  }
  const resources = arr(status.resources);
  const selected = Array.isArray(call.args.resources) ? call.args.resources.length : undefined;
  const what = `${dryRun ? 'A dry-run ' : ''}${kind === 'sync' ? 'Sync' : `Rollback to history id ${String(call.args.id)}`}`;
  return {
    receipt: phase
      ? `${what} of ${String(ref.name)} is ${phase}.`
      : `${what} of ${String(ref.name)} requested: Argo CD's controller runs it asynchronously; nothing has run yet.${dryRun ? ' A dry run changes nothing.' : ''}`,
    ...identity(ref, meta, spec, call.instance),
    operation: { kind, phase: phase ?? 'Requested', dryRun: dryRun || undefined, prune: call.args.prune === true || requested.prune === true || undefined },
    revision: { before: deployedRevision(status), after },
    resources: { managed: resources.length, outOfSync: resources.filter((r) => r.status === 'OutOfSync').length, ...(selected !== undefined ? { selected } : {}) },
    next: { tool: 'application_get', arguments: { ...ref, query: OPERATION_QUERY }, until: OPERATION_DONE } satisfies NextCall,
  };
}

/** What a spec write changed, as far as the request says: the paths a patch sets, or the part it replaces. */
function changedByRequest(call: ReceiptCall): string[] {
  if (call.tool === 'application_update_spec') return ['/spec'];
  if (call.tool === 'application_update') return ['/metadata', '/spec'];
  if (call.tool !== 'application_patch') return [];
  let patch: unknown;
  try {
    patch = typeof call.args.patch === 'string' ? JSON.parse(call.args.patch) : call.args.patch;
  } catch {
    return [];
  }
  if (Array.isArray(patch)) return patch.map((op) => `${String(obj(op).op)} ${String(obj(op).path)}`);
  const leaves: string[] = [];
  const walk = (v: unknown, at: string) => {
    const o = obj(v);
    // RFC 6901 pointers: a label key such as acme.io/team is one segment.
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(o).length) for (const k of Object.keys(o)) walk(o[k], `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    else leaves.push(at);
  };
  walk(patch, '');
  return leaves;
}

const SPEC_VERBS: Record<string, string> = {
  application_create: 'created',
  application_update: 'updated',
  application_update_spec: 'spec replaced',
  application_patch: 'patched',
};

/** create, update, update_spec, patch: the object changed at once; deploying it is Argo CD's next reconcile or a sync. */
function specReceipt(call: ReceiptCall, answer: Json): Json {
  // application_update_spec answers the spec alone.
  const spec = call.tool === 'application_update_spec' ? answer : obj(answer.spec);
  const meta = obj(answer.metadata);
  const ref = appRef(call, meta);
  const changed = changedByRequest(call);
  // `automated: {}` is auto-sync on with defaults; `enabled: false` turns it off (v3.1+, IsAutomatedSyncEnabled).
  const policy = obj(spec.syncPolicy).automated;
  const automated = policy !== undefined && policy !== null && obj(policy).enabled !== false;
  const shown = changed.slice(0, 8);
  return {
    receipt: `${String(ref.name)} ${SPEC_VERBS[call.tool]}. ${automated ? 'Auto-sync is on: Argo CD deploys the change when it next reconciles the app.' : 'Auto-sync is off: nothing is deployed until a sync (sync_and_wait).'}`,
    ...identity(ref, meta, spec, call.instance),
    changed: shown.length ? (changed.length > shown.length ? [...shown, `and ${changed.length - shown.length} more`] : shown) : undefined,
    targetRevision: targetRevisions(spec),
    syncPolicy: automated ? 'automated' : 'manual',
    next: { tool: 'application_get', arguments: { ...ref, query: SPEC_QUERY }, until: automated ? 'sync is Synced at the new revision' : undefined } satisfies NextCall,
  };
}

/** delete and terminate: Argo CD answers an empty message; the call's arguments name the application. */
function emptyAnswerReceipt(call: ReceiptCall): Json {
  const ref = appRef(call, {});
  if (call.tool === 'application_terminate_operation') {
    return {
      receipt: `Termination of ${String(ref.name)}'s running operation requested: the controller stops it and marks it Failed.`,
      application: ref.name,
      instance: call.instance,
      operation: { kind: 'terminate', phase: 'Requested' },
      next: { tool: 'application_get', arguments: { ...ref, query: OPERATION_QUERY }, until: 'phase is Failed, Succeeded or Error' } satisfies NextCall,
    };
  }
  const cascade = call.args.cascade !== false;
  return {
    receipt: `Deletion of ${String(ref.name)} requested: Argo CD ${cascade ? `deletes its resources first (${str(call.args.propagationPolicy) ?? 'foreground'})` : 'leaves its resources running (cascade: false)'}, then the application.`,
    application: ref.name,
    instance: call.instance,
    operation: { kind: 'delete', phase: 'Requested', cascade },
    next: { tool: 'application_get', arguments: { ...ref, query: '{deleting: metadata.deletionTimestamp, health: status.health.status}' }, until: 'Argo CD answers that the application does not exist (403 or 404)' } satisfies NextCall,
  };
}

/** Objects other than applications: kind, name, what happened, and where to read the object. */
interface OtherKind {
  kind: string;
  /** The object's name from the answer, or from the call's arguments (deletes answer an empty message). */
  name(answer: Json, args: Json): string | undefined;
  /** The tool that reads it back, and its arguments. */
  read?(name: string, answer: Json, args: Json): { tool: string; arguments: Json };
}

const OTHER_KINDS: Record<string, OtherKind> = {
  project: {
    kind: 'AppProject',
    name: (a, args) => str(obj(a.metadata).name) ?? str(args.name) ?? str(obj(bodyArg(args.project).metadata).name),
    read: (name) => ({ tool: 'project_get', arguments: { name } }),
  },
  applicationset: {
    kind: 'ApplicationSet',
    name: (a, args) => str(obj(a.metadata).name) ?? str(args.name) ?? str(obj(bodyArg(args.applicationSet).metadata).name),
    read: (name, a, args) => {
      const ns = str(args.appsetNamespace) ?? str(obj(a.metadata).namespace);
      return { tool: 'applicationset_get', arguments: { name, ...(ns ? { appsetNamespace: ns } : {}) } };
    },
  },
  repository: {
    kind: 'Repository',
    name: (a, args) => str(a.repo) ?? str(args.repo) ?? str(bodyArg(args.repository).repo),
    read: (repo) => ({ tool: 'repository_get', arguments: { repo } }),
  },
  repocreds: {
    kind: 'RepoCreds',
    name: (a, args) => str(a.url) ?? str(args.url) ?? str(bodyArg(args.repoCreds).url),
    read: (url) => ({ tool: 'repocreds_list', arguments: { url } }),
  },
  cluster: {
    kind: 'Cluster',
    name: (a, args) => str(a.server) ?? str(a.name) ?? str(args.idValue) ?? str(bodyArg(args.cluster).server),
    read: (server) => ({ tool: 'cluster_get', arguments: { idValue: server } }),
  },
  certificate: { kind: 'RepositoryCertificate', name: (_a, args) => str(args.hostNamePattern) },
  gpgkey: { kind: 'GnuPGPublicKey', name: (_a, args) => str(args.keyID) },
};

const OTHER_VERBS: Record<string, string> = { create: 'created', update: 'updated', delete: 'deleted', invalidate_cache: 'cache invalidated', rotate_auth: 'credentials rotated' };

const OTHER_TOOL = /^(project|applicationset|repository|repocreds|cluster|certificate|gpgkey)_(create|update|delete|invalidate_cache|rotate_auth)(_write)?$/;

function otherReceipt(call: ReceiptCall, answer: Json): Json | undefined {
  const m = OTHER_TOOL.exec(call.tool);
  // A dry run (applicationset_create) answers what it would create: that answer is the point, not a receipt.
  if (!m || call.args.dryRun === true) return undefined;
  const [, key, action, write] = m;
  const kind = OTHER_KINDS[key];
  const verb = OTHER_VERBS[action];
  // Certificates and keys answer the list of what was added or removed.
  const items = arr(answer.items).length || arr(obj(answer.created).items).length;
  const name = kind.name(answer, call.args) ?? (items ? `${items} item${items === 1 ? '' : 's'}` : undefined);
  const read = kind.read && name && action !== 'delete' && !write ? kind.read(name, answer, call.args) : undefined;
  const fields = Array.isArray(call.args.updatedFields) ? call.args.updatedFields : undefined;
  // The kind and name say it: no sentence, as these objects change synchronously and are small already.
  return {
    kind: `${kind.kind}${write ? ' (write credentials)' : ''}`,
    name,
    done: verb,
    instance: call.instance,
    upsert: call.args.upsert === true || undefined,
    changed: fields,
    ...(read ? { next: { ...read, arguments: { ...read.arguments, ...(call.instance ? { instance: call.instance } : {}) } } } : {}),
  };
}

/** Drops what is undefined, so a receipt carries only what it knows. */
function defined(v: Json): Json {
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, typeof x === 'object' && x !== null && !Array.isArray(x) ? defined(x as Json) : x]),
  );
}

/** The receipt for a write's answer, or undefined when the tool is not a write that answers with one. */
export function receiptFor(call: ReceiptCall, answer: unknown): Json | undefined {
  const a = obj(answer);
  let receipt: Json | undefined;
  if (call.tool === 'application_sync') receipt = operationReceipt(call, a, 'sync');
  else if (call.tool === 'application_rollback') receipt = operationReceipt(call, a, 'rollback');
  else if (call.tool in SPEC_VERBS) receipt = specReceipt(call, a);
  else if (call.tool === 'application_delete' || call.tool === 'application_terminate_operation') receipt = emptyAnswerReceipt(call);
  else receipt = otherReceipt(call, a);
  if (!receipt) return undefined;
  return defined({ ...receipt, more: 'raw: true returns Argo CD\'s whole answer' });
}
