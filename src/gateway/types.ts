/** The gateway's public shapes: what a call carries, what a workflow is, how a gateway is configured, what it offers. */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../catalogue/types.ts';
import type { Logger } from '../log.ts';
import type { Allowlist } from '../policy/allowlist.ts';
import type { Upstream } from '../argocd/upstream.ts';
import type { NoticeBoard } from './notices.ts';
import type { ConfirmContext } from '../policy/confirm/gate.ts';
import type { ConfirmFallback, ConfirmPolicy } from '../policy/confirm/confirm.ts';
import type { ConfirmationTokens } from '../policy/confirm/tokens.ts';
import type { ScopeConfig } from '../policy/scope/scope.ts';
import type { AuditSink } from './audit.ts';
import type { ServerSupport } from '../argocd/version-adapt.ts';
import type { ReleaseOffers } from '../argocd/release-params.ts';
import type { Shaper } from '../shaping/pool.ts';
import type { SignInBroker, SignInUser } from '../argocd/auth/sso/broker.ts';
import type { GitopsChecksOptions, GitopsMode, GitopsVerdict } from '../policy/gitops/checks.ts';
import type { AttentionReads } from '../fleet/attention-reads.ts';

/** A call's context: who calls, how to reach their user, and what confirming and the GitOps checks carry. */
export interface CallContext extends ConfirmContext {
  signal?: AbortSignal;
  /** Who is calling (MCP client name, or the authenticated subject in HTTP mode), for the audit record. */
  who?: string;
  requestId?: string;
  /** The result cap a composite tool's result must fit in (a preview lists only what the agent will see). */
  maxResultTokens?: number;
  /** The connected client's `clientInfo.name`: its result budget applies unless the operator set one. */
  clientName?: string;
  progressToken?: string | number;
  sendProgress?: (progress: { progress: number; total?: number; message?: string }) => Promise<void>;
  /** The authenticated caller (HTTP with inbound auth), for per-user Argo CD tokens (`sso:`). */
  user?: SignInUser;
  /**
   * Sends the user to a URL (MCP URL elicitation), when the client supports it: resolves with the user's answer
   * (accept: they will open it); `complete` tells the client the interaction finished.
   */
  openUrl?: (request: { message: string; url: string; id: string }) => Promise<{ action: string; complete: () => Promise<void> }>;
  /** Inside a workflow: where the GitOps checks of its steps go, for the workflow's own summary. */
  gitopsSink?: GitopsVerdict[];
}

/**
 * A tool built from other tools (the `workflows` toolset): it has a catalogue-like face so the allowlist,
 * toolsets and read-only mode treat it like any tool, and it runs only through `call`, i.e. through callTool,
 * so every operation it performs is checked, confined, confirmed and audited like a direct call.
 */
export interface CompositeTool {
  tool: CatalogueTool;
  /** Tools it calls; it is hidden when any of them is not exposed (or the connected release lacks its operation). */
  requires: string[];
  /**
   * Its arguments that become an operation's parameter, each with the "tool.arg" alternatives it can use: an
   * argument is hidden and refused where the connected release offers none of them.
   */
  params?: Record<string, string[]>;
  /** It confirms its calls itself (a batch question or token; sync_many) instead of one step at a time. */
  confirmsItself?: boolean;
  run(
    args: Record<string, unknown>,
    ctx: CallContext,
    call: (name: string, args: Record<string, unknown>, ctx?: CallContext) => Promise<CallToolResult>,
    offers: ReleaseOffers,
  ): Promise<CallToolResult>;
}

export interface GatewayOptions {
  allowlist: Allowlist;
  /** Absent when no Argo CD is configured (list-tools); calls then answer a clear error. */
  upstream?: Upstream;
  logger: Logger;
  toolsets?: string[];
  /** Largest tool result in tokens, set by the operator; absent, the connected client's budget applies. */
  maxResultTokens?: number;
  /** Return Argo CD's documents unshaped unless a call says otherwise. */
  rawResults?: boolean;
  /** Hide tools whose operation the connected server lacks (default true). */
  adaptToServer?: boolean;
  /** Receives one record per tool call. */
  audit?: AuditSink;
  /** Confines applications, ApplicationSets and projects (config `projects`, `namespaces`, `clusters`). */
  scope?: ScopeConfig;
  /** Which calls need the user's confirmation (default `destructive`). */
  confirm?: ConfirmPolicy;
  /** When the client cannot ask its user: refuse (default) or preview → confirmation token. */
  confirmFallback?: ConfirmFallback;
  /** Where confirmation tokens live (default: this process's memory; the HTTP service passes Redis when set). */
  confirmTokens?: ConfirmationTokens;
  /** This gateway's Argo CD instance, when several are configured (named in confirmations). */
  instance?: string;
  /** Composite tools (workflows) offered beside the catalogue. */
  composites?: CompositeTool[];
  /** Shaping threads (the HTTP service's): large answers are parsed and shaped there, not on the main thread. */
  shaper?: Shaper;
  /** Per-user Argo CD tokens (`sso:` over HTTP): every call runs with its caller's own identity. */
  signIn?: SignInBroker;
  /** GitOps checks before writes to applications (src/policy/gitops/): `warn` (default), `refuse` or `off`. */
  gitopsChecks?: GitopsMode | GitopsChecksOptions;
}

export interface Gateway {
  /** The gateway's notices about the connected Argo CD: the latest ones, and new ones as they come. */
  notices?: Pick<NoticeBoard, 'recent' | 'subscribe'>;
  /** The exposed tools, as MCP advertises them. */
  listTools(): Promise<Tool[]>;
  /** The exposed catalogue entries (after the allowlist, toolsets, and what the server serves). */
  exposed(): Promise<CatalogueTool[]>;
  /** What the connected server serves, once probed. */
  serverSupport(): ServerSupport | undefined;
  /** The confirmation policy in force, for composite tools that confirm a whole batch. */
  readonly confirmPolicy: ConfirmPolicy;
  /**
   * Opens one of the catalogue's streaming operations and yields its items (already scope-filtered) until the
   * signal aborts or the stream ends. The tool must be exposed.
   */
  openStream(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<{ ok: true; items: AsyncIterable<unknown> } | { ok: false; error: string }>;
  callTool(name: string, args: unknown, ctx?: CallContext): Promise<CallToolResult>;
  /** The fleet attention feed's reads, one per Argo CD instance (src/fleet/attention-reads.ts). */
  readonly attentionReads?: AttentionReads[];
}

