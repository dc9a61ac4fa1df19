/**
 * The catalogue is generated from one Argo CD release, but servers run many. On first use the gateway reads the
 * server's /api/version and, when its release differs from the catalogue's, the server's own /swagger.json
 * (served without auth), and hides the tools whose operations that server does not have, and the arguments
 * (query parameters, body fields) its operations do not take. The probe runs once; when the minor versions
 * match, the swagger.json is not even read and nothing changes.
 */
import type { CatalogueTool } from '../catalogue/types.ts';
import { absentArgsByTool, operationParamsOf } from './release-params.ts';
import type { Upstream } from './upstream.ts';

export interface ServerSupport {
  /** The server's version string, when it could be read. */
  version?: string;
  /** operationIds the server serves; undefined when unknown (then every tool stays). */
  operations?: Set<string>;
  /** Tools hidden because the server lacks their operation. */
  hidden: string[];
  /** tool name → arguments its operation lacks on this server (hidden from the schema, refused in calls). */
  absentArgs?: Map<string, string[]>;
  /** What happened, for stderr and list-tools. */
  note: string;
}

/** `v2.14.21+abc1234` → `2.14`. */
function minor(version: string): string | undefined {
  return /v?(\d+)\.(\d+)/.exec(version)?.slice(1, 3).join('.');
}

/** Operation ids of a Swagger 2.0 document. */
export function operationIdsOf(doc: unknown): Set<string> {
  const ids = new Set<string>();
  const paths = (doc as { paths?: Record<string, Record<string, { operationId?: string }>> }).paths ?? {};
  for (const ops of Object.values(paths)) for (const op of Object.values(ops)) if (op?.operationId) ids.add(op.operationId);
  return ids;
}

/**
 * How long the version probe waits. argocd-server answers /api/version from memory (server/version/version.go,
 * Server.Version), so a host silent this long is not going to answer: a stale port-forward, a proxy or firewall that
 * holds the connection. Kept short so that the first tool call (probe, then the call itself) still answers within an
 * MCP client's request timeout (60 s in the SDK) with the call's own explanation.
 */
export const VERSION_PROBE_TIMEOUT_MS = 5_000;

/** Probes the server; never throws (when in doubt, every tool stays visible). */
export async function detectServerSupport(upstream: Upstream, catalogueRelease: string, tools: CatalogueTool[]): Promise<ServerSupport> {
  const v = await upstream.getJson('/api/version', { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
  const version = v.ok ? String((v.data as { Version?: string }).Version ?? '') : undefined;
  if (!version) {
    return { hidden: [], note: `could not read Argo CD's version (${v.ok ? 'no Version field' : v.text.split('\n')[0]}); all tools stay visible` };
  }
  if (minor(version) === minor(catalogueRelease)) {
    return { version, hidden: [], note: `Argo CD ${version} matches the ${catalogueRelease} catalogue` };
  }
  const spec = await upstream.getJson('/swagger.json');
  if (!spec.ok) {
    return { version, hidden: [], note: `Argo CD ${version} differs from the ${catalogueRelease} catalogue, but its /swagger.json could not be read (${spec.text.split('\n')[0]}); all tools stay visible` };
  }
  const operations = operationIdsOf(spec.data);
  const absentArgs = absentArgsByTool(
    tools.filter((t) => operations.has(t._meta['argocd/operationId'])),
    operationParamsOf(spec.data),
  );
  const hidden = tools.filter((t) => !operations.has(t._meta['argocd/operationId'])).map((t) => t.name);
  const known = new Set(tools.map((t) => t._meta['argocd/operationId']));
  const missing = [...operations].filter((id) => !known.has(id));
  const parts = [`Argo CD ${version} differs from the ${catalogueRelease} catalogue`];
  parts.push(hidden.length ? `hiding ${hidden.length} tools it does not serve: ${hidden.join(', ')}` : 'it serves every operation of the catalogue');
  if (absentArgs.size) {
    const listed = [...absentArgs].map(([tool, args]) => `${tool} (${args.join(', ')})`);
    parts.push(`hiding the arguments it does not take in ${absentArgs.size} tools: ${listed.join('; ')}`);
  }
  if (missing.length) parts.push(`${missing.length} of its operations are not in the catalogue (regenerate for that release to get them): ${missing.join(', ')}`);
  return { version, operations, hidden, absentArgs, note: parts.join('; ') };
}
