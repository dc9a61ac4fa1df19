/**
 * The console's "Test connection": what `check` runs (version, user info) plus `can-i` for the permissions the
 * selected write tools need, told in plain words. The token never leaves the server side of the console.
 */
import { readFileSync } from 'node:fs';
import type { CatalogueTool } from '../catalogue/types.ts';
import { normaliseArgocdUrl } from '../config/load-config.ts';
import type { GatewayConfig } from '../config/load-config.ts';
import { runCheck } from '../commands.ts';
import type { CheckReport } from '../commands.ts';
import { permissionsNeeded } from './permissions.ts';
import type { PermissionNeed } from './permissions.ts';

export type ConnectionAuth = { kind: 'configured' } | { kind: 'token'; token: string } | { kind: 'file'; tokenFile: string };

export interface ConnectionInput {
  url: string;
  auth: ConnectionAuth;
  /** Tools selected in the console: their permissions are asked with can-i. */
  selected: string[];
}

export interface ConnectionLine {
  level: 'ok' | 'warn' | 'error' | 'info';
  text: string;
}

export interface ConnectionResult {
  ok: boolean;
  /** What happened, one sentence per line, for people. */
  lines: ConnectionLine[];
  report?: CheckReport;
}

const firstLine = (text: string) => text.split('\n')[0].trim();

function describePermission(p: PermissionNeed): string {
  const scope = p.subresource === '*/*' ? ' in every project' : '';
  if (p.action === 'action/*') return `run resource actions on ${p.resource}${scope}`;
  return `${p.action} ${p.resource}${scope}`;
}

const toolList = (tools: string[]) => (tools.length > 4 ? `${tools.slice(0, 4).join(', ')} and ${tools.length - 4} more` : tools.join(', '));

/** Runs the test; problems the operator can fix come back as lines, never as exceptions. */
export async function testConnection(args: { input: ConnectionInput; base: GatewayConfig; tools: CatalogueTool[] }): Promise<ConnectionResult> {
  const { input, base } = args;
  const lines: ConnectionLine[] = [];
  let argocdUrl: string;
  try {
    argocdUrl = normaliseArgocdUrl(input.url);
  } catch (err) {
    return { ok: false, lines: [{ level: 'error', text: `"${input.url}" is not a usable Argo CD address (${(err as Error).message}). Use e.g. https://argocd.example.com.` }] };
  }
  let token: string | undefined;
  let tokenFile: string | undefined;
  if (input.auth.kind === 'token') token = input.auth.token.trim().replace(/^Bearer\s+/i, '');
  else if (input.auth.kind === 'file') {
    tokenFile = input.auth.tokenFile.trim();
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      return { ok: false, lines: [{ level: 'error', text: `Cannot read the token file ${tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path.` }] };
    }
  } else token = base.token;
  if (!token) {
    return { ok: false, lines: [{ level: 'error', text: 'No token: paste one (from `argocd account generate-token`) or give a token file.' }] };
  }
  const config: GatewayConfig = { ...base, argocdUrl, token, tokenFile, adaptToServer: false };
  const selected = args.tools.filter((t) => input.selected.includes(t.name));
  const needs = permissionsNeeded(selected);
  const report = await runCheck(config, { permissions: needs.filter((n) => n.checkable).map(({ resource, action, subresource }) => ({ resource, action, subresource })) });

  const connection = report.connection!;
  if (!connection.reachable) {
    lines.push({ level: 'error', text: `Could not reach Argo CD at ${argocdUrl}. ${firstLine(connection.message)}` });
    return { ok: false, lines, report };
  }
  lines.push({ level: 'ok', text: `Reached Argo CD ${connection.version ?? '(version unknown)'} at ${argocdUrl}; the tool catalogue is from ${report.release}.` });
  const t = report.token!;
  if (!t.valid) {
    lines.push({
      level: 'error',
      text: t.refused
        ? `Argo CD refused the token. ${firstLine(t.message)} Create a fresh one with \`argocd account generate-token\`.`
        : 'Argo CD does not accept this token: it answers as it does to an anonymous visitor (not logged in). Paste an API token from `argocd account generate-token`, without "Bearer ", that has not expired or been revoked.',
    });
    return { ok: false, lines, report };
  }
  lines.push({ level: 'ok', text: `The token is valid: logged in as ${t.username ?? 'an unnamed account'}${t.issuer ? ` (issued by ${t.issuer})` : ''}.` });

  if (!needs.length) {
    lines.push({ level: 'info', text: selected.length ? 'The selected tools only read, so no write permissions need checking.' : 'No tools are selected.' });
  }
  const answers = report.permissions ?? [];
  for (const need of needs) {
    const answer = answers.find((a) => a.resource === need.resource && a.action === need.action && a.subresource === need.subresource);
    const what = describePermission(need);
    const tools = toolList(need.tools);
    if (!need.checkable) lines.push({ level: 'info', text: `Not checked whether it may ${what} (${tools}): Argo CD's can-i cannot answer that one.` });
    else if (!answer || answer.error) lines.push({ level: 'warn', text: `Could not ask whether it may ${what}: ${firstLine(answer?.error ?? 'no answer')} (needed by ${tools}).` });
    else if (answer.allowed) lines.push({ level: 'ok', text: `It may ${what} (${tools}).` });
    else {
      lines.push({
        level: 'warn',
        text: `It may not ${what}: ${tools} will be refused by Argo CD (or work only where a narrower policy allows). Deselect them, or ask your Argo CD admin for "${need.resource}, ${need.action}".`,
      });
    }
  }
  return { ok: true, lines, report };
}
