/**
 * Applications and their resource trees as MCP resources, with `resources/subscribe`: the gateway watches Argo CD's
 * stream endpoints and sends `notifications/resources/updated` on change (debounced). One upstream watch is shared
 * per resource by every subscriber of every session of a gateway, and closed when the last one leaves.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ReadResourceResult, Resource } from '@modelcontextprotocol/sdk/types.js';
import type { Gateway } from '../gateway/gateway.ts';
import { registerAttention } from '../fleet/attention-resource.ts';
import type { AttentionResources } from '../fleet/attention-resource.ts';

export interface ParsedUri {
  kind: 'application' | 'resource-tree';
  name: string;
  appNamespace?: string;
}

/** `argocd://applications/{name}[/resource-tree][?appNamespace=ns]`. */
export function parseResourceUri(uri: string): ParsedUri | undefined {
  const m = /^argocd:\/\/applications\/([^/?#]+)(\/resource-tree)?(?:\?(.*))?$/.exec(uri);
  if (!m) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  const ns = m[3] ? new URLSearchParams(m[3]).get('appNamespace') ?? undefined : undefined;
  return { kind: m[2] ? 'resource-tree' : 'application', name, ...(ns ? { appNamespace: ns } : {}) };
}

export function applicationUri(name: string, appNamespace?: string, tree = false): string {
  return `argocd://applications/${encodeURIComponent(name)}${tree ? '/resource-tree' : ''}${appNamespace ? `?appNamespace=${encodeURIComponent(appNamespace)}` : ''}`;
}

/**
 * The one spelling of a resource URI (percent-encoding, unknown query parameters and an empty appNamespace do not
 * make another resource), so subscriptions and watches are keyed by what they watch, not by how it was written.
 */
export function canonicalResourceUri(uri: string): string | undefined {
  const target = parseResourceUri(uri);
  return target && applicationUri(target.name, target.appNamespace, target.kind === 'resource-tree');
}

/** How many resources one session may subscribe to at once: each is an open watch on Argo CD. */
export const MAX_SUBSCRIPTIONS_PER_SESSION = 50;

type Listener = () => void;

interface Watch {
  listeners: Set<Listener>;
  controller: AbortController;
  timer?: NodeJS.Timeout;
}

export interface ResourceHub {
  /** Starts (or joins) the watch of a resource; resolves with an error text when it cannot be watched. */
  subscribe(uri: string, listener: Listener): Promise<string | undefined>;
  unsubscribe(uri: string, listener: Listener): void;
  /** Open upstream watches (for tests and metrics). */
  watchCount(): number;
}

const hubs = new WeakMap<Gateway, ResourceHub>();

/** The hub of a gateway: shared by every MCP server (session) built on it. */
export function hubFor(gateway: Gateway, debounceMs = 300): ResourceHub {
  let hub = hubs.get(gateway);
  if (!hub) {
    hub = createResourceHub(gateway, debounceMs);
    hubs.set(gateway, hub);
  }
  return hub;
}

export function createResourceHub(gateway: Gateway, debounceMs = 300): ResourceHub {
  const watches = new Map<string, Watch>();

  const notify = (watch: Watch) => {
    if (watch.timer) return;
    watch.timer = setTimeout(() => {
      watch.timer = undefined;
      for (const l of watch.listeners) l();
    }, debounceMs);
  };

  async function run(uri: string, target: ParsedUri, watch: Watch): Promise<string | undefined> {
    const ns = target.appNamespace ? { appNamespace: target.appNamespace } : {};
    const [tool, args] =
      target.kind === 'application'
        ? ['application_watch', { name: target.name, ...ns }]
        : ['application_watch_resource_tree', { applicationName: target.name, ...ns }];
    const opened = await gateway.openStream(tool, args, watch.controller.signal);
    if (!opened.ok) return opened.error;
    // The first event of a watch is the current state, which the subscriber already has.
    void (async () => {
      let first = true;
      for await (const _ of opened.items) {
        if (first) {
          first = false;
          continue;
        }
        notify(watch);
      }
      // The stream ended while someone still listens: Argo CD restarted or a proxy cut it. Watch again.
      if (!watch.controller.signal.aborted && watches.get(uri) === watch) {
        setTimeout(() => {
          if (!watch.controller.signal.aborted && watches.get(uri) === watch) void run(uri, target, watch);
        }, 1000).unref();
      }
    })();
    return undefined;
  }

  return {
    async subscribe(written, listener) {
      const target = parseResourceUri(written);
      if (!target) return `Not an Argo CD resource URI: ${written} (argocd://applications/{name} or .../resource-tree)`;
      const uri = applicationUri(target.name, target.appNamespace, target.kind === 'resource-tree');
      const existing = watches.get(uri);
      if (existing) {
        existing.listeners.add(listener);
        return undefined;
      }
      const watch: Watch = { listeners: new Set([listener]), controller: new AbortController() };
      watches.set(uri, watch);
      const error = await run(uri, target, watch);
      if (error) {
        watches.delete(uri);
        watch.controller.abort();
      }
      return error;
    },
    unsubscribe(written, listener) {
      const uri = canonicalResourceUri(written);
      const watch = uri === undefined ? undefined : watches.get(uri);
      if (!watch || uri === undefined) return;
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0) {
        watches.delete(uri);
        clearTimeout(watch.timer);
        watch.controller.abort();
      }
    },
    watchCount: () => watches.size,
  };
}

function resultText(result: CallToolResult): string {
  return result.content.map((c) => (c as { text?: string }).text ?? '').join('\n');
}

type AppSummary = { metadata?: { name?: string; namespace?: string }; spec?: { project?: string }; status?: { sync?: { status?: string }; health?: { status?: string } } };

/** The fleet feed's entries, then one per application (as many as one list answers). */
async function listResources(gateway: Gateway, attention: AttentionResources): Promise<{ resources: Resource[] }> {
  const fleet = await attention.list();
  const list = await gateway.callTool('application_list', { fields: ['metadata.name', 'metadata.namespace', 'spec.project', 'status.sync.status', 'status.health.status'], limit: 500 });
  if (list.isError) return { resources: fleet };
  const items = ((list.structuredContent as { items?: AppSummary[] })?.items ?? []);
  return {
    resources: [...fleet, ...items.map((a) => ({
      uri: applicationUri(a.metadata?.name ?? '', undefined),
      name: a.metadata?.name ?? '',
      title: `Application ${a.metadata?.name}`,
      description: `${a.spec?.project ?? 'default'} · ${a.status?.sync?.status ?? '?'} / ${a.status?.health?.status ?? '?'}`,
      mimeType: 'application/json',
    }))],
  };
}

const RESOURCE_TEMPLATES = [
  { uriTemplate: 'argocd://applications/{name}', name: 'application', title: 'An Argo CD application', description: 'The application (shaped like application_get); subscribe for changes.', mimeType: 'application/json' },
  { uriTemplate: 'argocd://applications/{name}/resource-tree', name: 'resource-tree', title: "An application's resource tree", description: 'Its live resources and their health; subscribe for changes.', mimeType: 'application/json' },
];

/** An application or its resource tree, read through the gateway as the matching tool call. */
async function readApplicationResource(gateway: Gateway, uri: string): Promise<ReadResourceResult> {
  const target = parseResourceUri(uri);
  if (!target) throw new McpError(ErrorCode.InvalidParams, `Not an Argo CD resource URI: ${uri}`);
  const ns = target.appNamespace ? { appNamespace: target.appNamespace } : {};
  const result =
    target.kind === 'application'
      ? await gateway.callTool('application_get', { name: target.name, ...ns })
      : await gateway.callTool('application_resource_tree', { applicationName: target.name, ...ns });
  // -32002 is the MCP spec's "resource not found".
  if (result.isError) throw new McpError(-32002, resultText(result), { uri });
  return { contents: [{ uri, mimeType: 'application/json', text: (result.content[0] as { text: string }).text }] };
}

/** One session's subscriptions to applications and trees, keyed by the canonical URI; each is a listener on the hub. */
class SessionSubscriptions {
  private readonly mine = new Map<string, Listener>();

  constructor(
    private readonly server: Server,
    private readonly hub: ResourceHub,
  ) {}

  /** Updates are sent for the URI the client wrote. */
  async subscribe(uri: string): Promise<void> {
    const key = canonicalResourceUri(uri);
    if (key === undefined) throw new McpError(ErrorCode.InvalidParams, `Not an Argo CD resource URI: ${uri} (argocd://applications/{name} or .../resource-tree)`);
    if (this.mine.has(key)) return;
    if (this.mine.size >= MAX_SUBSCRIPTIONS_PER_SESSION) {
      throw new McpError(ErrorCode.InvalidRequest, `This session already has ${this.mine.size} subscriptions, the most one session may hold (each is a watch on Argo CD); unsubscribe from one first.`);
    }
    const listener = () => {
      this.server.sendResourceUpdated({ uri }).catch(() => undefined);
    };
    const error = await this.hub.subscribe(key, listener);
    if (error) throw new McpError(ErrorCode.InvalidParams, error);
    this.mine.set(key, listener);
  }

  unsubscribe(uri: string): void {
    const key = canonicalResourceUri(uri);
    const listener = key === undefined ? undefined : this.mine.get(key);
    if (listener && key !== undefined) {
      this.hub.unsubscribe(key, listener);
      this.mine.delete(key);
    }
  }

  releaseAll(): void {
    for (const [uri, listener] of this.mine) this.hub.unsubscribe(uri, listener);
    this.mine.clear();
  }
}

/** Adds resources, templates and subscriptions to an MCP server. */
export function registerResources(server: Server, gateway: Gateway): void {
  const subscriptions = new SessionSubscriptions(server, hubFor(gateway));
  // The fleet attention feed (argocd://fleet/attention) answers its own URIs: src/fleet/attention-resource.ts.
  const attention = registerAttention(server, gateway.attentionReads ?? []);

  server.setRequestHandler(ListResourcesRequestSchema, () => listResources(gateway, attention));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: RESOURCE_TEMPLATES }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const uri = request.params.uri;
    return attention.owns(uri) ? attention.read(uri, extra) : readApplicationResource(gateway, uri);
  });

  server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    const uri = request.params.uri;
    if (attention.owns(uri)) await attention.subscribe(uri, extra);
    else await subscriptions.subscribe(uri);
    return {};
  });

  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    const uri = request.params.uri;
    if (attention.owns(uri)) attention.unsubscribe(uri);
    else subscriptions.unsubscribe(uri);
    return {};
  });

  // A session that ends leaves its subscriptions.
  const previous = server.onclose;
  server.onclose = () => {
    subscriptions.releaseAll();
    previous?.();
  };
}
