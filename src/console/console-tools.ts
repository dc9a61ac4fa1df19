/**
 * The tools the console offers: every operation of the catalogue and the workflow tools, as the gateway serves them
 * (src/compose/build-gateway.ts passes WORKFLOWS as its composites). A workflow is exposed only when the tools it calls are too.
 */
import { loadCatalogue } from '../catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import { WORKFLOWS } from '../workflows/index.ts';

/** Catalogue operations, then the workflow tools (toolset `workflows`). */
export function consoleTools(): CatalogueTool[] {
  return [...loadCatalogue().tools, ...WORKFLOWS.map((w) => w.tool)];
}

/** What each workflow tool needs exposed to be listed itself (the gateway's `requires`). */
export const WORKFLOW_REQUIRES: ReadonlyMap<string, readonly string[]> = new Map(WORKFLOWS.map((w) => [w.tool.name, w.requires]));
