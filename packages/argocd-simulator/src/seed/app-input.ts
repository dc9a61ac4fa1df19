/** What one seeded application is built from, and what building it yields. */
import type { Rng } from '../prng.ts';
import type { JsonObject } from '../types.ts';
import type { AppTemplate } from './catalog.ts';
import type { AppModel } from './model.ts';

/** The overall condition an application is seeded in. */
export type AppState = 'ok' | 'outofsync' | 'degraded' | 'progressing' | 'missing' | 'failed' | 'suspended';

/** Inputs for one application. */
export interface AppSeedInput {
  name: string;
  project: string;
  /** Position within its project (0 = flagship). */
  projectIndex: number;
  template: AppTemplate;
  state: AppState;
  automated: boolean;
  env: 'production' | 'staging';
  seed: number;
  rng: Rng;
  appset?: { name: string; uid: string };
  /** Fleet seeding: the cluster, namespace and extra labels chosen for the app (the default seed derives them). */
  cluster?: { name: string; server: string };
  namespace?: string;
  destinationByName?: boolean;
  extraLabels?: Record<string, string>;
  /** The cluster's node names, for a cluster the catalogue does not list. */
  nodes?: string[];
  /** For a `failed` app: whether its last sync ended Failed (applying) or Error (rendering); default Failed. */
  lastPhase?: 'Failed' | 'Error';
  /** Conditions besides SyncError (the fleet's OrphanedResourceWarning, SharedResourceWarning). */
  extraConditions?: JsonObject[];
  /** The app's source, when the fleet chooses it (the catalogue derives it from the project). */
  source?: { source: JsonObject; sourceType: string };
}

/** A seeded application. */
export interface SeededApp {
  app: JsonObject;
  model: AppModel;
}

/** A day and an hour in milliseconds. */
export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** kubectl-style apply result text, e.g. "deployment.apps/payments-api configured". */
export function applyMessage(r: { group: string; kind: string; name: string }, verb: string): string {
  return `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}/${r.name} ${verb}`;
}
