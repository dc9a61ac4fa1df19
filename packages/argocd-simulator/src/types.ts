/** Public and shared types of the embedded Argo CD API simulator. */

/** Options accepted by `startSimulator`; every field has a default. */
export interface SimulatorOptions {
  /** Interface to bind; default 127.0.0.1 (never binds elsewhere unless asked). */
  host?: string;
  /** TCP port; default 0 (a free port). */
  port?: number;
  /** Like argocd-server --rootpath, e.g. "/argocd": the API and /swagger.json live under it. */
  rootPath?: string;
  /** A swagger.json to serve at {rootPath}/swagger.json; default: a minimal doc of the implemented operations. */
  swaggerFile?: string;
  /**
   * Impersonate this Argo CD release (e.g. "v2.4.28"): serve its swagger.json from `swaggerDir`, report it at
   * /api/version (unless `version` says otherwise), and serve only the operations it has, as its argocd-server does.
   */
  release?: string;
  /** Where `release` finds `<release>.json`; default $ARGOCD_SWAGGER_DIR, else ../shared/argocd-swagger beside the package. */
  swaggerDir?: string;
  /** Reported by /api/version; default "v3.5.1+sim". */
  version?: string;
  /** How long a sync operation stays Running once picked up; default 1500 ms. */
  syncDurationMs?: number;
  /**
   * How long the controller takes to pick up a requested operation: ms, { minMs, maxMs } (jitter), or 'never' (a
   * stalled controller); default { minMs: 20, maxMs: 1000 }, an idle controller. Changeable later: sim.controller.
   */
  pickupDelayMs?: ControllerDelay;
  /** Delay from an operation's end (or a cluster change) to the reconcile that refreshes sync/health; default { minMs: 50, maxMs: 500 }. */
  reconcileDelayMs?: ControllerDelay;
  /** Interval between log lines when follow=true; default 200 ms. */
  logIntervalMs?: number;
  /** Deterministic data seed; default 42. */
  seed?: number;
  /** Number of seeded applications; default 50. */
  appCount?: number;
  /** Accept id tokens from an external OIDC provider, like argocd-cm `oidc.config`; default: off. */
  sso?: SimulatorSsoOptions;
}

/** An external OIDC provider whose id tokens the simulator accepts (argocd-cm `oidc.config` + argocd-rbac-cm). */
export interface SimulatorSsoOptions {
  /** The exact `iss` the id tokens carry (oidc.config `issuer`). */
  issuer: string;
  /** oidc.config `clientID`: the audience tokens must carry unless allowedAudiences is set. */
  clientId: string;
  /** oidc.config `allowedAudiences`: when non-empty, replaces clientId as the accepted audiences (as Argo CD does). */
  allowedAudiences?: string[];
  /** The provider's public JWKs (its JWKS `keys`); a token whose header has `kid` is checked against the key with that kid. */
  keys: JsonWebKey[];
  /** policy.csv `g, <group>, role:<role>` lines, matched against the token's `groups` claim. */
  groupRoles?: Record<string, 'admin' | 'readonly'>;
  /** policy.default; '' (the default) grants nothing, so every RBAC check answers 403. */
  defaultRole?: 'admin' | 'readonly' | '';
}

/** One request as the simulator received it. */
export interface RecordedRequest {
  method: string;
  /** Raw path, still percent-encoded, without the query string. */
  path: string;
  /** Raw query string without the leading "?" ("" when absent). */
  query: string;
  /** Lower-cased header names; authorization is redacted to "Bearer <redacted>". */
  headers: Record<string, string>;
  body: string;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL including rootPath, e.g. http://127.0.0.1:41234/argocd. */
  url: string;
  /** Bearer tokens; readonly is limited to get/list by RBAC. */
  tokens: { admin: string; readonly: string };
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** Makes the next sync (or rollback) of that app end Failed with per-resource errors (= controller.setNextOutcome). */
  failSync(appName: string, message?: string): void;
  /** The application controller's knobs: pickup and reconcile delays, per-app outcomes, the ApplicationSet revert. */
  controller: SimulatorController;
  /** Closes the server and every open stream. */
  close(): Promise<void>;
}

/** Fully resolved options. */
export type ResolvedOptions = Required<Omit<SimulatorOptions, 'swaggerFile' | 'sso' | 'release' | 'swaggerDir' | 'pickupDelayMs' | 'reconcileDelayMs'>> & {
  swaggerFile?: string;
  sso?: SimulatorSsoOptions;
  release?: string;
  pickupDelayMs?: ControllerDelay;
  reconcileDelayMs?: ControllerDelay;
};

/** A JSON object as the simulator stores it. */
export type JsonObject = Record<string, unknown>;

/** A delay: fixed ms, a range the controller picks from (jitter), or 'never' (a stalled controller). */
export type ControllerDelay = number | 'never' | { minMs: number; maxMs: number };

/** How the next operation of an app ends (instead of Succeeded and Healthy). */
export interface OperationOutcome {
  /** Failed: resources failed to apply; Error: the operation itself errored (e.g. manifest generation). */
  phase?: 'Failed' | 'Error';
  message?: string;
  /** The sync succeeds but the rollout ends Degraded (e.g. CrashLoopBackOff), or stays Progressing until the next operation. */
  health?: 'Degraded' | 'Progressing';
}

/** Knobs on the simulator handle (`sim.controller`). */
export interface SimulatorController {
  /** Delay before the controller picks up a requested operation (all apps, or one). 'never' stalls it until changed. */
  setPickupDelay(delay: ControllerDelay, app?: string): void;
  /** Delay between an operation finishing (or a cluster change) and the reconcile that refreshes sync/health/reconciledAt. */
  setReconcileDelay(delay: ControllerDelay, app?: string): void;
  /** The next operation of `app` ends as described (captured when the operation is requested). */
  setNextOutcome(app: string, outcome: OperationOutcome): void;
  /** Delay before the ApplicationSet controller puts back a changed field of an app it generates ('never' = off). */
  setAppSetRevertDelay(delay: ControllerDelay): void;
  /** Names of apps with an operation requested but not yet picked up. */
  queued(): string[];
}

/** What to run. */
export interface OperationRequest {
  kind: 'sync' | 'rollback';
  username: string;
  revision: string;
  source: JsonObject;
  prune: boolean;
  dryRun: boolean;
  /** Partial sync: only these resources. */
  resources?: Array<{ group?: string; kind?: string; name?: string; namespace?: string }>;
  syncOptions?: string[];
  syncStrategy?: JsonObject;
  retry?: JsonObject;
  info?: JsonObject[];
  /** History entry being rolled back to. */
  rollbackId?: number;
  /** Started by the automated sync policy rather than a user. */
  automated?: boolean;
  /** Self-heal syncs in a row (SyncOperation.selfHealAttemptsCount), for the self-heal backoff. */
  selfHealAttemptsCount?: number;
}
