/**
 * What one run of the console holds: the catalogue it edits, its access token, and the configuration as last saved.
 * The page and every API route read it; only a save replaces the configuration.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { CatalogueTool } from '../catalogue/types.ts';
import { DEFAULT_TOOLSETS } from '../catalogue/toolsets.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import type { ActivityLog } from './activity.ts';
import { catalogueView } from './catalogue-view.ts';
import type { CatalogueView } from './catalogue-view.ts';
import { consoleTools } from './console-tools.ts';
import { exposedNames } from './encode-allowlist.ts';
import type { PageState } from './page.ts';
import { PRESETS, presetSelection } from './presets.ts';
import { previewToolsList } from './preview.ts';

export interface ConsoleServerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** The allowlist file the console edits (it need not exist yet). */
  file: string;
  /** The configuration the console started with (the file, environment and flags). */
  config: GatewayConfig;
  /** Present when the gateway runs in this process (`console --serve`). */
  activity?: ActivityLog;
  gatewayUrl?: string;
  /** Called after the file was written (the in-process gateway reloads it). */
  onSaved?: () => Promise<void> | void;
  warnings?: string[];
}

/** Limits the totals bar shows. */
// The token budget starts above what the gateway's own default (read-only, every toolset: ~14k tokens) costs, so
// the product's default does not open as over budget; it is a tenth of a 200k-token context window.
export const CLIENT_LIMITS = { cursorTools: 40, openaiTools: 128, tokenBudget: 20_000 };

export interface ConsoleSession {
  readonly options: ConsoleServerOptions;
  /** The per-run access token: in the printed URL, then a cookie, and in X-Console-Token on changes. */
  readonly token: string;
  readonly tools: CatalogueTool[];
  readonly known: Set<string>;
  readonly view: CatalogueView;
  readonly toolsetNames: string[];
  /** Tools and tokens of the dynamic mode's meta-tools, which do not depend on the selection. */
  readonly dynamicBase: { tools: number; tokens: number };
  /** The configuration as last saved: a save replaces it. */
  config: GatewayConfig;
}

/** Loads the catalogue and prices the dynamic mode once, for the whole run. */
export async function openConsoleSession(options: ConsoleServerOptions): Promise<ConsoleSession> {
  const tools = consoleTools();
  const view = await catalogueView();
  const dynamicPreview = await previewToolsList({ allowlist: { readOnly: false, allow: ['*'], deny: [], source: 'config' }, mode: 'dynamic' });
  return {
    options,
    token: randomBytes(24).toString('base64url'),
    tools,
    known: new Set(tools.map((t) => t.name)),
    view,
    toolsetNames: view.groups.map((g) => g.toolset),
    dynamicBase: { tools: dynamicPreview.tools.length, tokens: dynamicPreview.tokens },
    config: options.config,
  };
}

/** What the page shows now: the selection and connection come from the configuration as last saved. */
export function pageStateOf(session: ConsoleSession): PageState {
  const { options, config, tools, view } = session;
  return {
    token: session.token,
    file: options.file,
    fileExists: existsSync(options.file),
    release: view.release,
    groups: view.groups,
    selected: exposedNames({ allowlist: config.allowlist, tools }),
    presets: PRESETS.map((p) => ({ id: p.id, label: p.label, description: p.description, tools: presetSelection(p.id, tools) })),
    mode: config.mode,
    toolsets: config.toolsets ?? null,
    defaultToolsets: DEFAULT_TOOLSETS,
    dynamicBase: session.dynamicBase,
    limits: CLIENT_LIMITS,
    connection: { url: config.argocdUrl ?? '', tokenConfigured: !!config.token, tokenFile: config.tokenFile ?? '' },
    gateway: options.gatewayUrl ? { url: options.gatewayUrl } : undefined,
    warnings: options.warnings ?? [],
  };
}
