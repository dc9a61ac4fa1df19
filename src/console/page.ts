/**
 * The console page, rendered on the server: every row is in the HTML, so the page reads and works before the
 * script adds live totals, search, presets, saving, the connection test, the preview and the activity feed.
 */
import type { ToolGroup, ToolRow } from './catalogue-view.ts';
import { WORKFLOW_REQUIRES } from './console-tools.ts';

export interface PageState {
  /** Per-request secret the script sends back in X-Console-Token (CSRF guard for POSTs). */
  token: string;
  file: string;
  fileExists: boolean;
  release: string;
  groups: ToolGroup[];
  selected: string[];
  presets: Array<{ id: string; label: string; description: string; tools: string[] }>;
  mode: 'static' | 'dynamic';
  /** null: all toolsets. */
  toolsets: string[] | null;
  defaultToolsets: string[];
  /** Tokens and count of the dynamic mode's meta-tools. */
  dynamicBase: { tools: number; tokens: number };
  limits: { cursorTools: number; openaiTools: number; tokenBudget: number };
  connection: { url: string; tokenConfigured: boolean; tokenFile: string };
  gateway?: { url: string };
  warnings: string[];
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON inside a <script type="application/json">: `<` escaped so no text can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const fmt = (n: number) => n.toLocaleString('en-US');

function badges(t: ToolGroup['tools'][number]): string {
  if (t.readOnly) return '<span class="badge read">read-only</span>';
  return t.destructive ? '<span class="badge destructive">destructive</span>' : '<span class="badge write">write</span>';
}

/** An operation's method and path; a workflow has neither of its own, so it names the tools it calls. */
function routeHtml(t: ToolRow): string {
  if (t.toolset === 'workflows') return `<span class="method m-workflow">workflow</span> <code>${escapeHtml(WORKFLOW_REQUIRES.get(t.name)?.join(', ') ?? '')}</code>`;
  return `<span class="method m-${t.method.toLowerCase()}">${t.method}</span> <code>${escapeHtml(t.path)}</code>`;
}

function groupHtml(g: ToolGroup, selected: Set<string>): string {
  const chosen = g.tools.filter((t) => selected.has(t.name)).length;
  const tokens = g.tools.reduce((n, t) => n + t.tokens, 0);
  const id = `g-${g.toolset}`;
  const rows = g.tools
    .map(
      (t) => `<tr data-tool="${t.name}" data-search="${escapeHtml(`${t.name} ${t.summary} ${t.method} ${t.path} ${t.toolset}`.toLowerCase())}">
  <td class="pick"><input type="checkbox" id="t-${t.name}" name="tool" value="${t.name}" data-tokens="${t.tokens}" data-read="${t.readOnly}"${selected.has(t.name) ? ' checked' : ''}></td>
  <td class="name"><label for="t-${t.name}"><code>${t.name}</code></label><span class="title">${escapeHtml(t.summary)}</span></td>
  <td class="route">${routeHtml(t)}</td>
  <td class="kind">${badges(t)}</td>
  <td class="num" title="tokens in tools/list">${fmt(t.tokens)}</td>
</tr>`,
    )
    .join('\n');
  return `<section class="group" data-toolset="${g.toolset}" aria-labelledby="${id}-label">
<div class="group-head">
  <input type="checkbox" class="group-toggle" id="${id}" aria-describedby="${id}-count"${chosen === g.tools.length ? ' checked' : ''}>
  <h3 id="${id}-label"><label for="${id}">${g.toolset}</label></h3>
  <span class="group-count" id="${id}-count"><span data-role="chosen">${chosen}</span> of ${g.tools.length} tools · <span data-role="tokens">${fmt(g.tools.filter((t) => selected.has(t.name)).reduce((n, t) => n + t.tokens, 0))}</span> of ${fmt(tokens)} tokens</span>
</div>
<table class="tools">
<caption class="visually-hidden">${g.toolset} tools</caption>
<thead><tr><th scope="col"><span class="visually-hidden">Expose</span></th><th scope="col">Tool</th><th scope="col">Method and path</th><th scope="col">Kind</th><th scope="col" class="num">Tokens</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

const CONSOLE_TABS = [
  ['endpoints', 'Endpoints'],
  ['connection', 'Connection'],
  ['preview', 'Preview'],
  ['activity', 'Activity'],
];

/** The document head: the state the script starts from travels in it as JSON. */
function headHtml(state: PageState): string {
  return `<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Argo CD MCP gateway — console</title>
<link rel="stylesheet" href="/static/console.css">
<script type="application/json" id="console-state">${scriptJson(state)}</script>
<script src="/static/console.js" defer></script>
</head>`;
}

/** The top bar: which file is edited, and the screens' tabs. */
function headerHtml(state: PageState): string {
  return `<header class="top">
  <div class="brand"><strong>argocd-mcp-gateway</strong> console</div>
  <div class="file">Allowlist file: <code>${escapeHtml(state.file)}</code>${state.fileExists ? '' : ' <span class="badge new">new</span>'} · catalogue Argo CD ${escapeHtml(state.release)}</div>
  <nav aria-label="Screens"><div role="tablist" aria-label="Console screens">
${CONSOLE_TABS.map(([id, label], i) => `    <button type="button" role="tab" id="tab-${id}" aria-controls="${id}" aria-selected="${i === 0}"${i === 0 ? '' : ' tabindex="-1"'}>${label}</button>`).join('\n')}
  </div></nav>
</header>`;
}

/** The meters of what the selection costs, marked with the clients' limits; the script fills them in. */
function totalsHtml(limits: PageState['limits']): string {
  return `<div class="totals" id="totals" aria-label="What the selection costs an agent">
  <div class="meter-row">
    <span class="meter-label" id="tools-label">Tools in tools/list</span>
    <div class="meter" id="tools-meter" role="meter" aria-labelledby="tools-label" aria-valuemin="0" aria-valuemax="${limits.openaiTools}" aria-valuenow="0">
      <div class="fill"></div>
      <span class="mark" data-at="${(limits.cursorTools / (limits.openaiTools * 1.25)) * 100}" title="Cursor warns above ${limits.cursorTools} tools"><span>${limits.cursorTools}: Cursor warns</span></span>
      <span class="mark" data-at="${(1 / 1.25) * 100}" title="OpenAI accepts at most ${limits.openaiTools} functions"><span>${limits.openaiTools}: OpenAI limit</span></span>
    </div>
    <output id="tools-total" aria-live="polite">0</output>
  </div>
  <div class="meter-row">
    <span class="meter-label" id="tokens-label">Tokens of tool definitions</span>
    <div class="meter" id="tokens-meter" role="meter" aria-labelledby="tokens-label" aria-valuemin="0" aria-valuenow="0">
      <div class="fill"></div>
      <span class="mark budget" data-at="80" title="your token budget"><span>budget</span></span>
    </div>
    <output id="tokens-total" aria-live="polite">0</output>
    <label class="budget-input">Budget <input type="number" id="budget" min="500" step="500" value="${limits.tokenBudget}" inputmode="numeric"> tokens</label>
  </div>
  <p class="totals-note" id="totals-note"></p>
</div>`;
}

/** The search box and presets above every group of tools. */
function endpointsPanel(state: PageState): string {
  const selected = new Set(state.selected);
  const presetButtons = state.presets
    .map((p) => `<button type="button" class="preset" data-preset="${p.id}" title="${escapeHtml(p.description)}">${escapeHtml(p.label)}</button>`)
    .join('');
  const presetDocs = state.presets.map((p) => `<li><strong>${escapeHtml(p.label)}</strong> (${p.tools.length} tools): ${escapeHtml(p.description)}</li>`).join('');
  return `<section id="endpoints" role="tabpanel" aria-labelledby="tab-endpoints" tabindex="-1">
  <h2 class="visually-hidden">Endpoints</h2>
  <div class="toolbar">
    <label class="search">Search <input type="search" id="search" placeholder="name, path or method, e.g. sync, DELETE, clusters" autocomplete="off"></label>
    <div class="presets" role="group" aria-label="Presets">Presets: ${presetButtons}<button type="button" class="preset" data-preset="none">None</button></div>
    <div class="save"><span id="dirty" class="dirty" aria-live="polite"></span><button type="button" id="save" class="primary">Review and save…</button></div>
  </div>
  <details class="help"><summary>What the presets select</summary><ul>${presetDocs}</ul>
  <p>A group's box selects or clears every tool of the group that the search shows. The token count is what each tool's
  definition (name, title, description, input schema, annotations, _meta) costs in every request an agent makes.</p></details>
  <p id="search-status" class="visually-hidden" aria-live="polite"></p>
  <form id="tools-form">
${state.groups.map((g) => groupHtml(g, selected)).join('\n')}
  </form>
</section>`;
}

/** The connection test's form: a pasted token is for the test only. */
function connectionPanel(connection: PageState['connection']): string {
  return `<section id="connection" role="tabpanel" aria-labelledby="tab-connection" tabindex="-1" hidden>
  <h2>Connection</h2>
  <p>Checks what <code>argocd-mcp-gateway check</code> checks (the server answers, the token logs in) and asks Argo CD
  (<code>can-i</code>) whether the token may do what the selected write tools do.</p>
  <div class="connection-layout">
  <form id="connection-form" class="stack">
    <label>Argo CD address <input type="text" name="url" id="conn-url" value="${escapeHtml(connection.url)}" placeholder="https://argocd.example.com" required spellcheck="false" autocomplete="url"></label>
    <fieldset>
      <legend>Token</legend>
      <label class="radio"><input type="radio" name="auth" value="configured"${connection.tokenConfigured ? ' checked' : ' disabled'}> The token the console was started with${connection.tokenConfigured ? '' : ' (none configured)'}</label>
      <label class="radio"><input type="radio" name="auth" value="token"${connection.tokenConfigured ? '' : ' checked'}> Paste a token</label>
      <label class="indent">API token <input type="password" name="token" id="conn-token" autocomplete="off" spellcheck="false" placeholder="from argocd account generate-token"></label>
      <label class="radio"><input type="radio" name="auth" value="file"> Token file</label>
      <label class="indent">Path <input type="text" name="tokenFile" id="conn-token-file" value="${escapeHtml(connection.tokenFile)}" spellcheck="false" placeholder="/run/secrets/argocd-token"></label>
      <p class="hint">A pasted token is used for this test only; it is never written to the file. For the gateway, put it in <code>ARGOCD_API_TOKEN</code> or a token file.</p>
    </fieldset>
    <label class="check"><input type="checkbox" name="saveConnection" id="save-connection"> Also save the address and token file to the allowlist file</label>
    <div><button type="submit" class="primary" id="test-connection">Test connection</button></div>
  </form>
  <div id="connection-result" class="result" aria-live="polite"></div>
  </div>
</section>`;
}

/** The preview's mode and toolset pickers. */
function previewPanel(state: PageState): string {
  const toolsetBoxes = state.groups
    .map((g) => {
      const on = state.toolsets === null ? state.defaultToolsets.includes(g.toolset) : state.toolsets.includes(g.toolset);
      return `<label class="chip"><input type="checkbox" name="toolset" value="${g.toolset}"${on ? ' checked' : ''}> ${g.toolset}</label>`;
    })
    .join('');
  return `<section id="preview" role="tabpanel" aria-labelledby="tab-preview" tabindex="-1" hidden>
  <h2>Preview: what an agent sees</h2>
  <form id="preview-form" class="stack">
    <fieldset class="inline">
      <legend>Mode</legend>
      <label class="radio"><input type="radio" name="mode" value="static"${state.mode === 'static' && state.toolsets === null ? ' checked' : ''}> Static: every selected tool</label>
      <label class="radio"><input type="radio" name="mode" value="toolsets"${state.mode === 'static' && state.toolsets !== null ? ' checked' : ''}> Toolsets: only the toolsets ticked below</label>
      <label class="radio"><input type="radio" name="mode" value="dynamic"${state.mode === 'dynamic' ? ' checked' : ''}> Dynamic: search, describe and call meta-tools</label>
    </fieldset>
    <fieldset class="inline" id="toolset-picker">
      <legend>Toolsets (saved as <code>toolsets:</code>)</legend>
      ${toolsetBoxes}
    </fieldset>
  </form>
  <p id="preview-summary" class="summary" aria-live="polite"></p>
  <div id="preview-list" class="preview-list"></div>
</section>`;
}

/** The activity table; it fills only when the gateway runs in this process. */
function activityPanel(gateway: PageState['gateway']): string {
  const intro = gateway
    ? `<p>The gateway is serving MCP at <code>${escapeHtml(gateway.url)}</code>. Recent tool calls appear here as they happen.</p>`
    : '<p>The gateway is not running in this process. Start the console with <code>--serve</code> to run the gateway over HTTP here and watch its tool calls.</p>';
  return `<section id="activity" role="tabpanel" aria-labelledby="tab-activity" tabindex="-1" hidden>
  <h2>Activity</h2>
  ${intro}
  <table class="activity" id="activity-table">
    <caption class="visually-hidden">Recent tool calls, newest first</caption>
    <thead><tr><th scope="col">Time</th><th scope="col">Tool</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col" class="num">Duration</th><th scope="col" class="num">Result size</th><th scope="col">Client</th></tr></thead>
    <tbody><tr class="empty"><td colspan="7">No tool calls yet.</td></tr></tbody>
  </table>
</section>`;
}

/** The review-and-save dialog; the script fills in the diff. */
const SAVE_DIALOG = `<dialog id="save-dialog" aria-labelledby="save-title">
  <form method="dialog">
    <h2 id="save-title">Save the allowlist</h2>
    <div id="save-summary"></div>
    <pre id="save-diff" class="diff" tabindex="0" aria-label="Changes to the file"></pre>
    <p id="save-error" class="notice error" hidden></p>
    <div class="actions"><button value="cancel" type="submit">Cancel</button><button type="button" id="save-confirm" class="primary">Write the file</button></div>
  </form>
</dialog>`;

/** The whole page. */
export function renderPage(state: PageState): string {
  const warnings = state.warnings.map((w) => `<p class="notice warn" role="status">${escapeHtml(w)}</p>`).join('');
  return `<!doctype html>
<html lang="en">
${headHtml(state)}
<body>
<a class="skip" href="#main">Skip to content</a>
${headerHtml(state)}
${totalsHtml(state.limits)}
<main id="main">
${warnings}
${endpointsPanel(state)}
${connectionPanel(state.connection)}
${previewPanel(state)}
${activityPanel(state.gateway)}
</main>
${SAVE_DIALOG}
<div id="toast" class="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;
}
