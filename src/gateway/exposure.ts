/**
 * Which tools a gateway exposes and how MCP advertises them: the catalogue plus workflows, less what the allowlist,
 * the toolsets and the connected release (probed once) leave out.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { loadCatalogue } from '../catalogue/load-catalogue.ts';
import type { CatalogueTool } from '../catalogue/types.ts';
import { detectServerSupport } from '../argocd/version-adapt.ts';
import type { ServerSupport } from '../argocd/version-adapt.ts';
import { compositeAbsentArgs, withoutArgs } from '../argocd/release-params.ts';
import type { ReleaseOffers } from '../argocd/release-params.ts';
import { taskSupportOf } from './task-support.ts';
import { withCursorArg } from './paging-hook.ts';
import type { NoticeBoard } from './notices.ts';
import type { CompositeTool, GatewayOptions } from './types.ts';
import { withFleetArgs } from '../fleet/fleet-call.ts';

/**
 * Argo CD answers every operation with a JSON object (a grpc-gateway message), and the gateway's shaped results are
 * objects too; their shape depends on the call's `fields`, `raw` and the summaries, so the schema says no more.
 */
const OUTPUT_SCHEMA = { type: 'object' } as const;

/** A failed probe of the connected server is retried after this long, not on every call. */
const PROBE_RETRY_MS = 30_000;

/**
 * The advertised `_meta` leaves out the request's method and path: an operation tool's description ends with them
 * already (what a model reads), and tools/list should not pay for them twice.
 */
function advertisedMeta(meta: CatalogueTool['_meta']): Record<string, unknown> {
  const { 'argocd/method': _method, 'argocd/path': _path, ...rest } = meta;
  return rest;
}

export function toMcpTool(t: CatalogueTool): Tool {
  return {
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: t.inputSchema as Tool['inputSchema'],
    outputSchema: OUTPUT_SCHEMA,
    annotations: t.annotations,
    _meta: advertisedMeta(t._meta),
    ...(taskSupportOf(t.name) ? { execution: taskSupportOf(t.name) } : {}),
  };
}

export interface Exposure {
  /** Every tool by name, exposed or not: the catalogue's and the workflows'. */
  catalogueIndex(): Map<string, CatalogueTool>;
  composites: Map<string, CompositeTool>;
  /** Learns once which operations the server has. */
  probeServer(): Promise<void>;
  /** Why a known tool is not callable here, or undefined. */
  refusalOf(tool: CatalogueTool): string | undefined;
  /** What the connected release offers, for workflows that adapt to it. */
  offers: ReleaseOffers;
  /** The arguments of a tool the connected release does not take. */
  absentArgsFor(name: string): string[];
  /** Whether a tool's result is paged by `cursor` (src/gateway/paging-hook.ts): a list tool's, or a paged workflow's. */
  pagesByCursor(name: string): boolean;
  exposed(): Promise<CatalogueTool[]>;
  listTools(): Promise<Tool[]>;
  serverSupport(): ServerSupport | undefined;
}

type ExposureOptions = Pick<GatewayOptions, 'allowlist' | 'upstream' | 'logger' | 'toolsets' | 'adaptToServer' | 'composites'>;

/** Learns once which operations the connected server has; a failed probe is retried after a while, not cached. */
function createServerProbe(options: Pick<GatewayOptions, 'upstream' | 'logger' | 'adaptToServer'>, notices: NoticeBoard) {
  const { upstream, logger } = options;
  let support: ServerSupport | undefined;
  let probing: Promise<void> | undefined;
  let lastProbe = 0;
  const probe = async (): Promise<void> => {
    if (!upstream || options.adaptToServer === false || support) return;
    if (Date.now() - lastProbe < PROBE_RETRY_MS && lastProbe > 0) return;
    probing ??= (async () => {
      lastProbe = Date.now();
      const catalogue = loadCatalogue();
      const found = await detectServerSupport(upstream, catalogue.release, catalogue.tools);
      if (found.version) support = found;
      (found.hidden.length ? logger.warn : logger.info).call(logger, { argocdVersion: found.version }, found.note);
      notices.publish({ level: found.hidden.length || !found.version ? 'warning' : 'info', message: found.note, data: { argocdVersion: found.version } });
    })().finally(() => {
      probing = undefined;
    });
    await probing;
  };
  return { probe, support: () => support };
}

export function createExposure(options: ExposureOptions, notices: NoticeBoard): Exposure {
  const { allowlist } = options;
  const server = createServerProbe(options, notices);
  const probeServer = server.probe;
  let byName: Map<string, CatalogueTool> | undefined;
  let advertised: { tools: Tool[]; support?: ServerSupport } | undefined;

  const composites = new Map((options.composites ?? []).map((c) => [c.tool.name, c]));
  const catalogueIndex = () => {
    byName ??= new Map([...loadCatalogue().tools, ...[...composites.values()].map((c) => c.tool)].map((t) => [t.name, t]));
    return byName;
  };

  const refusalOf = (tool: CatalogueTool): string | undefined => {
    const support = server.support();
    return (
      allowlist.refusal(tool) ??
      (options.toolsets && !options.toolsets.includes(tool.toolset) ? `its toolset "${tool.toolset}" is not enabled (--toolsets)` : undefined) ??
      // A workflow has no operation of its own: what it needs is checked through `requires`.
      (support?.operations && !composites.has(tool.name) && !support.operations.has(tool._meta['argocd/operationId'])
        ? `the connected Argo CD (${support.version}) does not serve ${tool._meta['argocd/operationId']}`
        : undefined)
    );
  };

  const offers: ReleaseOffers = {
    get version() {
      return server.support()?.version;
    },
    has(name, arg) {
      const tool = catalogueIndex().get(name);
      if (!tool || refusalOf(tool)) return false;
      return arg === undefined || !server.support()?.absentArgs?.get(name)?.includes(arg);
    },
  };
  const absentArgsFor = (name: string): string[] => {
    const composite = composites.get(name);
    return composite ? compositeAbsentArgs(composite.params, offers) : (server.support()?.absentArgs?.get(name) ?? []);
  };
  const pagesByCursor = (name: string): boolean => !!(catalogueIndex().get(name)?.request.list || composites.get(name)?.pages);
  const advertise = (t: CatalogueTool): Tool => {
    // `cursor` is the gateway's own argument: added here, the catalogue knows nothing of it.
    const schema = pagesByCursor(t.name) ? withCursorArg(t.inputSchema) : t.inputSchema;
    const absent = absentArgsFor(t.name);
    // The fleet tools' filters and answer shapes are added here, at runtime (src/fleet/fleet-call.ts).
    return withFleetArgs({ ...toMcpTool(t), inputSchema: (absent.length ? withoutArgs(schema, absent) : schema) as Tool['inputSchema'] });
  };

  const exposed = async (): Promise<CatalogueTool[]> => {
    await probeServer();
    const index = catalogueIndex();
    const available = (t: CatalogueTool): boolean => {
      if (refusalOf(t)) return false;
      const composite = composites.get(t.name);
      return !composite || composite.requires.every((r) => index.has(r) && !refusalOf(index.get(r)!));
    };
    return [...index.values()].filter(available);
  };

  return {
    catalogueIndex,
    composites,
    probeServer,
    refusalOf,
    offers,
    absentArgsFor,
    pagesByCursor,
    exposed,
    serverSupport: server.support,
    async listTools() {
      const tools = await exposed();
      const support = server.support();
      if (!advertised || advertised.support !== support) advertised = { tools: tools.map(advertise), support };
      return advertised.tools;
    },
  };
}
