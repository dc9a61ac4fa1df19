/** `list-tools` and `check`: what a configuration exposes, and whether it can reach its Argo CD. */
import type { GatewayConfig } from './config/load-config.ts';
import { loadCatalogue } from './catalogue/load-catalogue.ts';
import { createLogger } from './log.ts';
import { compileAllowlist } from './runtime/allowlist.ts';
import { buildGateway } from './app.ts';
import { createGateway } from './runtime/gateway.ts';
import { createUpstream } from './runtime/upstream.ts';
import { packageVersion } from './package-root.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);

function flags(t: { annotations: { readOnlyHint: boolean; destructiveHint: boolean } }): string {
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
    out(JSON.stringify({ release: catalogue.release, total: catalogue.tools.length, exposed: exposed.map((t) => t.name), unmatched, server: support ? { version: support.version, hidden: support.hidden } : undefined }, null, 2));
    return 0;
  }
  const width = Math.max(...exposed.map((t) => t.name.length), 4);
  for (const t of exposed) out(`${t.name.padEnd(width)}  ${flags(t).padEnd(11)}  ${t.request.method.padEnd(6)} ${t.request.path}`);
  const bytes = JSON.stringify({ tools: await gateway.listTools() }).length;
  out();
  out(`${exposed.length} of ${catalogue.tools.length} tools exposed (Argo CD ${catalogue.release} catalogue); tools/list is ${bytes} bytes.`);
  if (config.allowlist.source === 'default') out('No allowlist configured: read-only by default. Use --config FILE (readOnly, allow, deny) to change it.');
  else if (config.allowlist.readOnly) out('Read-only mode: only read tools are exposed.');
  if (unmatched.length) out(`Warning: these allowlist entries match no tool: ${unmatched.join(', ')}`);
  if (support) out(`Server: ${support.note}.`);
  return 0;
}

/** Validates the configuration and tests the connection and token; returns the exit code. */
export async function check(config: GatewayConfig): Promise<number> {
  let failed = false;
  const catalogue = loadCatalogue();
  const allowlist = compileAllowlist(config.allowlist);
  const { gateway } = buildGateway(config, createLogger('silent'));
  out(`Configuration: valid${config.configFile ? ` (${config.configFile})` : ''}.`);
  out(`Allowlist: ${(await gateway.exposed()).length} of ${catalogue.tools.length} tools exposed${config.allowlist.readOnly ? ', read-only' : ''}.`);
  const unmatched = allowlist.unmatched(catalogue.tools);
  if (unmatched.length) {
    out(`Warning: allowlist entries that match no tool: ${unmatched.join(', ')}`);
  }
  // The probe uses its own allowlist so that a config that hides these tools can still be checked.
  const probe = createGateway({
    allowlist: compileAllowlist({ readOnly: true, allow: ['version_get', 'session_get_user_info'], deny: [], source: 'config' }),
    upstream: createUpstream({
      baseUrl: config.argocdUrl!,
      token: () => config.token,
      insecure: config.insecure,
      caFile: config.caFile,
      timeoutMs: config.timeoutMs,
      userAgent: `argocd-mcp-gateway/${packageVersion()}`,
    }),
    logger: createLogger('silent'),
  });
  const version = await probe.callTool('version_get', {});
  const text = (r: typeof version) => (r.content[0] as { text: string }).text;
  if (version.isError) {
    out(`Argo CD at ${config.argocdUrl}: NOT reachable.\n  ${text(version).replace(/\n/g, '\n  ')}`);
    return 1;
  }
  const v = JSON.parse(text(version)) as { Version?: string };
  out(`Argo CD at ${config.argocdUrl}: reachable, version ${v.Version ?? 'unknown'} (catalogue: ${catalogue.release}).`);
  const user = await probe.callTool('session_get_user_info', {});
  if (user.isError) {
    failed = true;
    out(`Token: REFUSED.\n  ${text(user).replace(/\n/g, '\n  ')}`);
  } else {
    const info = JSON.parse(text(user)) as { loggedIn?: boolean; username?: string; iss?: string };
    if (info.loggedIn) out(`Token: valid, logged in as ${info.username ?? '?'}${info.iss ? ` (issuer ${info.iss})` : ''}.`);
    else {
      failed = true;
      out('Token: not logged in; Argo CD did not accept the token as a session.');
    }
  }
  return failed ? 1 : 0;
}
