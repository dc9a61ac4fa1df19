/** `list-tools` and `check`: what a configuration exposes, and whether it can reach its Argo CD. */
import type { GatewayConfig } from './config/load-config.ts';
import { loadCatalogue } from './catalogue/load-catalogue.ts';
import { WORKFLOWS } from './workflows/index.ts';
import { createLogger } from './log.ts';
import { compileAllowlist } from './policy/allowlist.ts';
import { buildGateway } from './compose/build-gateway.ts';
import { createGateway } from './gateway/gateway.ts';
import { createAuthenticatedUpstream } from './argocd/auth/authenticated-upstream.ts';
import { instanceAsConfig } from './config/instances.ts';
import { packageVersion } from './package-root.ts';
import { VERSION_PROBE_TIMEOUT_MS } from './argocd/version-adapt.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);

function flags(t: { annotations: { readOnlyHint: boolean; destructiveHint?: boolean } }): string {
  if (t.annotations.readOnlyHint) return 'read';
  return t.annotations.destructiveHint ? 'DESTRUCTIVE' : 'write';
}

/** Prints the exposed tools; returns the exit code. */
export async function listTools(config: GatewayConfig, options: { json: boolean }): Promise<number> {
  const { gateway } = buildGateway(config, createLogger('silent'));
  const exposed = await gateway.exposed();
  const support = gateway.serverSupport();
  const catalogue = loadCatalogue();
  const allowlist = compileAllowlist(config.allowlist);
  const unmatched = allowlist.unmatched(catalogue.tools);
  if (options.json) {
    out(JSON.stringify({ release: catalogue.release, total: catalogue.tools.length + WORKFLOWS.length, exposed: exposed.map((t) => t.name), unmatched, server: support ? { version: support.version, hidden: support.hidden } : undefined }, null, 2));
    return 0;
  }
  const width = Math.max(...exposed.map((t) => t.name.length), 4);
  for (const t of exposed) out(`${t.name.padEnd(width)}  ${flags(t).padEnd(11)}  ${t.request.method.padEnd(6)} ${t.request.path}`);
  const bytes = JSON.stringify({ tools: await gateway.listTools() }).length;
  out();
  const workflows = exposed.filter((t) => t.toolset === 'workflows').length;
  out(
    `${exposed.length - workflows} of ${catalogue.tools.length} operation tools (Argo CD ${catalogue.release} catalogue) and ${workflows} of ${WORKFLOWS.length} workflow tools exposed; tools/list is ${bytes} bytes.`,
  );
  if (config.allowlist.source === 'default') out('No allowlist configured: read-only by default. Use --config FILE (readOnly, allow, deny) to change it.');
  else if (config.allowlist.readOnly) out('Read-only mode: only read tools are exposed.');
  if (unmatched.length) out(`Warning: these allowlist entries match no tool: ${unmatched.join(', ')}`);
  if (support) out(`Server: ${support.note}.`);
  return 0;
}

/** One `can-i` question and Argo CD's answer. */
export interface PermissionCheck {
  resource: string;
  action: string;
  subresource: string;
  /** yes / no from Argo CD; undefined when the question itself failed (see `error`). */
  allowed?: boolean;
  error?: string;
}

/** What `check` found, as data: the CLI prints it, the console shows it. */
export interface CheckReport {
  configFile?: string;
  exposed: number;
  total: number;
  readOnly: boolean;
  unmatched: string[];
  release: string;
  argocdUrl?: string;
  /** Absent when no Argo CD address is configured. */
  connection?: { reachable: true; version?: string } | { reachable: false; message: string };
  /** Absent when the server was not reachable. */
  token?: { valid: true; username?: string; issuer?: string } | { valid: false; message: string; refused: boolean };
  /** Answers to the `permissions` asked for, when the token was valid. */
  permissions?: PermissionCheck[];
  ok: boolean;
}

const resultText = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

type PermissionQuestion = { resource: string; action: string; subresource: string };

/** The report before Argo CD is asked anything: what the configuration itself says. */
function configurationReport(config: GatewayConfig): CheckReport {
  const catalogue = loadCatalogue();
  const allowlist = compileAllowlist(config.allowlist);
  return {
    configFile: config.configFile,
    exposed: 0,
    total: catalogue.tools.length + WORKFLOWS.length,
    readOnly: config.allowlist.readOnly,
    unmatched: allowlist.unmatched(catalogue.tools),
    release: catalogue.release,
    argocdUrl: config.argocdUrl,
    ok: false,
  };
}

/** What the configuration exposes; adapted to the server's release only when it answered. */
async function countExposed(config: GatewayConfig, adapt: boolean): Promise<number> {
  return (await buildGateway(adapt ? config : { ...config, adaptToServer: false }, createLogger('silent')).gateway.exposed()).length;
}

/** The upstream `check` probes with, and a gateway over it that exposes only the probes' tools. */
function openProbe(config: GatewayConfig, baseUrl: string) {
  // Authenticated as the gateway is: token, token file, session login, token command or argocd CLI context.
  const { upstream, tokenSource } = createAuthenticatedUpstream({
    baseUrl,
    auth: { ...config.auth, token: config.token, tokenFile: config.tokenFile },
    insecure: config.insecure,
    caFile: config.caFile,
    timeoutMs: config.timeoutMs,
    userAgent: `argocd-mcp-gateway/${packageVersion()}`,
    logger: createLogger('silent'),
  });
  // The probe uses its own allowlist so that a config that hides these tools can still be checked.
  const gateway = createGateway({
    allowlist: compileAllowlist({ readOnly: true, allow: ['version_get', 'session_get_user_info', 'account_can_i'], deny: [], source: 'config' }),
    upstream,
    logger: createLogger('silent'),
  });
  return { upstream, tokenSource, gateway };
}

type Probe = ReturnType<typeof openProbe>;

/** Whether Argo CD takes the token as a session, and as whom. */
async function checkToken({ gateway, tokenSource }: Probe): Promise<NonNullable<CheckReport['token']>> {
  const user = await gateway.callTool('session_get_user_info', {});
  if (user.isError) return { valid: false, refused: true, message: resultText(user) };
  const info = JSON.parse(resultText(user)) as { loggedIn?: boolean; username?: string; iss?: string };
  if (info.loggedIn) return { valid: true, username: info.username, issuer: info.iss };
  // A failed login or token command explains itself better than "not logged in".
  const failure = tokenSource.lastError();
  return failure
    ? { valid: false, refused: true, message: `The gateway could not obtain an Argo CD token (${tokenSource.describe}): ${failure}` }
    : { valid: false, refused: false, message: 'Argo CD did not accept the token as a session.' };
}

/** Argo CD's `can-i` answer to each question, asked together. */
function askPermissions({ gateway }: Probe, questions: PermissionQuestion[]): Promise<PermissionCheck[]> {
  return Promise.all(
    questions.map(async (p): Promise<PermissionCheck> => {
      const answer = await gateway.callTool('account_can_i', p);
      if (answer.isError) return { ...p, error: resultText(answer) };
      const value = (JSON.parse(resultText(answer)) as { value?: string }).value;
      return { ...p, allowed: value === 'yes' };
    }),
  );
}

/**
 * Validates the configuration and tests the connection and token (version, user info), then asks `can-i` for each
 * permission given. Never throws for what the operator can fix; that is in the report.
 */
export async function runCheck(config: GatewayConfig, options: { permissions?: PermissionQuestion[] } = {}): Promise<CheckReport> {
  const report = configurationReport(config);
  if (!config.argocdUrl) {
    report.exposed = await countExposed(config, false);
    return report;
  }
  const probe = openProbe(config, config.argocdUrl);
  // A short first look: argocd-server answers /api/version at once, so a host that accepted the connection but says
  // nothing is reported in seconds, once, rather than after a request timeout per probe.
  const reach = await probe.upstream.getJson('/api/version', { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
  if (!reach.ok && !reach.text.startsWith('HTTP ')) {
    report.exposed = await countExposed(config, false);
    report.connection = { reachable: false, message: reach.text };
    return report;
  }
  report.exposed = await countExposed(config, true);
  const version = await probe.gateway.callTool('version_get', {});
  if (version.isError) {
    report.connection = { reachable: false, message: resultText(version) };
    return report;
  }
  report.connection = { reachable: true, version: (JSON.parse(resultText(version)) as { Version?: string }).Version };
  report.token = await checkToken(probe);
  if (!report.token.valid) return report;
  report.ok = true;
  if (options.permissions?.length) report.permissions = await askPermissions(probe, options.permissions);
  return report;
}

/** Validates the configuration and tests the connection and token; returns the exit code. */
export async function check(config: GatewayConfig): Promise<number> {
  if (config.instances) {
    // Several Argo CDs: check each as a single-instance configuration.
    let code = 0;
    for (const instance of config.instances) {
      out(`Instance ${instance.name} (${instance.argocdUrl}):`);
      code = Math.max(code, await check(instanceAsConfig(config, instance)));
    }
    return code;
  }
  const report = await runCheck(config);
  const indent = (text: string) => text.replace(/\n/g, '\n  ');
  out(`Configuration: valid${report.configFile ? ` (${report.configFile})` : ''}.`);
  out(`Allowlist: ${report.exposed} of ${report.total} tools exposed${report.readOnly ? ', read-only' : ''}.`);
  // A configuration that exposes nothing, or names what does not exist, is a mistake to fix before a client sees it.
  const allowlistOk = report.exposed > 0 && report.unmatched.length === 0;
  if (report.unmatched.length) {
    out(`Error: allowlist entries that match no tool: ${report.unmatched.join(', ')}`);
    out('  Fix the spelling, or remove them; `list-tools --config FILE` shows what the rest exposes. Entries are tool names,');
    out('  globs (application_*), tags, toolsets (applications) or "METHOD /path/glob" ("GET *" is every read).');
  }
  if (report.exposed === 0) out('Error: this configuration exposes no tool at all; a client would see an empty tools/list. Check allow, deny, toolsets and readOnly.');
  const connection = report.connection;
  if (!connection) return 1;
  if (!connection.reachable) {
    out(`Argo CD at ${report.argocdUrl}: NOT reachable.\n  ${indent(connection.message)}`);
    return 1;
  }
  out(`Argo CD at ${report.argocdUrl}: reachable, version ${connection.version ?? 'unknown'} (catalogue: ${report.release}).`);
  const token = report.token!;
  if (token.valid) out(`Token: valid, logged in as ${token.username ?? '?'}${token.issuer ? ` (issuer ${token.issuer})` : ''}.`);
  else if (token.refused) out(`Token: REFUSED.\n  ${indent(token.message)}`);
  else {
    out('Token: NOT accepted; Argo CD does not take it as a session (expired, revoked, or for another Argo CD).');
    out(`  ${indent(TOKEN_FIX)}`);
  }
  return report.ok && allowlistOk ? 0 : 1;
}

/** What to do about a token Argo CD does not accept. */
const TOKEN_FIX = [
  'Make a new one, for a local account with the apiKey capability: `argocd account generate-token --account <name>`',
  '(or a project role token: `argocd proj role create-token <project> <role>`), then set it in ARGOCD_API_TOKEN or',
  'the file of --token-file. A session token from `argocd login` expires; --argocd-context reuses the CLI\'s login.',
].join('\n');
