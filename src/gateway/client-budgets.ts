/**
 * How large a tool result may be, by the client that connected (its `clientInfo.name` in `initialize`), unless the
 * operator set `maxResultTokens`. Hosts differ by an order of magnitude, and a result over a host's limit is refused
 * or cut by the host without a word to the model; cut here, it ends at an item boundary with a note on how to narrow.
 */
import { SETTINGS } from '../config/settings.ts';

/** A cap in o200k tokens or in UTF-8 bytes (a host that cuts by bytes), and whose limit it is. */
export interface ResultBudget {
  tokens?: number;
  bytes?: number;
  /** Who set it, for the cut note: "the gateway's maxResultTokens", "Claude Code's limit"... */
  why: string;
}

/** The gateway's own default, for clients the table does not know (the maxResultTokens row of src/config/settings.ts). */
export const DEFAULT_RESULT_TOKENS = SETTINGS.maxResultTokens.fallback;

interface KnownHost {
  /** `clientInfo.name` values the host sends. */
  names: string[];
  label: string;
  budget: { tokens?: number; bytes?: number };
}

/**
 * The hosts whose limits are known:
 * - Claude Code (`claude-code`) refuses a result over MAX_MCP_OUTPUT_TOKENS, 25,000 of Claude's tokens by default
 *   ("MCP tool ... response (N tokens) exceeds maximum allowed tokens (25000)"; docs.anthropic.com/en/docs/claude-code/mcp,
 *   "MCP output limits"). Claude's tokenizer counts JSON at up to ~1.2 o200k tokens each, hence 20,000 here.
 * - GitHub Copilot CLI (`github-copilot-developer`) cuts MCP text at 10 KB before the model sees it
 *   (github/copilot-cli#1732: `invokeToolResponseToToolResult` truncates to 10 * 1024), so the cap is in bytes with
 *   room for the note.
 * - OpenAI Codex (`codex-mcp-client`) caps every tool output, MCP results included, at 10 KiB or 256 lines before the
 *   model sees it (openai/codex#6544, since 0.56); the gateway's JSON text is one line, so the bytes decide.
 */
const KNOWN_HOSTS: KnownHost[] = [
  { names: ['claude-code'], label: 'Claude Code', budget: { tokens: 20_000 } },
  { names: ['github-copilot-developer', 'copilot-cli'], label: 'GitHub Copilot CLI', budget: { bytes: 10 * 1024 - 512 } },
  { names: ['codex-mcp-client'], label: 'Codex', budget: { bytes: 10 * 1024 - 512 } },
];

/** The budget of a call: the operator's cap if set, else the connected host's, else the default. */
export function resultBudget(args: { operatorTokens?: number; clientName?: string }): ResultBudget {
  if (args.operatorTokens !== undefined) return { tokens: args.operatorTokens, why: "the gateway's maxResultTokens" };
  const host = args.clientName ? KNOWN_HOSTS.find((h) => h.names.includes(args.clientName!)) : undefined;
  if (host) return { ...host.budget, why: `${host.label}'s limit for a tool result` };
  return { tokens: DEFAULT_RESULT_TOKENS, why: "the gateway's default cap" };
}

/** The known hosts and their budgets, for the docs and tests. */
export function knownHosts(): ReadonlyArray<{ names: string[]; label: string; budget: { tokens?: number; bytes?: number } }> {
  return KNOWN_HOSTS;
}
