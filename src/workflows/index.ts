/**
 * The `workflows` toolset: the tasks people actually give an agent, each built only from the generated operations
 * (so the allowlist, read-only mode, scoping, confirmations, RBAC and the audit apply to every step).
 */
import type { CompositeTool } from '../gateway/gateway.ts';
import { verdict } from './wait.ts';
import { syncAndWait } from './sync-and-wait.ts';
import { rollback } from './rollback.ts';
import { syncMany } from './sync-many.ts';
import { setRevision } from './set-revision.ts';
import { diff } from './diff.ts';
import { healthReport } from './health-report.ts';
import { findApp } from './find-app.ts';

/** Every workflow tool. */
export const WORKFLOWS: CompositeTool[] = [syncAndWait, rollback, syncMany, setRevision, diff, healthReport, findApp];

export { verdict };
