/**
 * The endpoint allowlist: which tools this gateway exposes. An entry is a tool name, an operationId, a tag
 * (`ApplicationService`), a toolset (`applications`), a glob over tool names (`application_*`), or
 * `METHOD /path/glob` over the API path (`DELETE /api/v1/clusters/**`; `*` is one path segment, `**` any number,
 * `*` as method is any method; a bare `*` or `**` as the path is every path, so `GET *` is every read). Deny beats
 * allow; read-only mode keeps only read-only tools.
 */
import type { CatalogueTool } from '../catalogue/types.ts';
import type { AllowlistConfig } from '../config/read.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', '*']);

type Matcher = (tool: CatalogueTool) => boolean;

export interface CompiledEntry {
  entry: string;
  matches: Matcher;
}

export class AllowlistError extends Error {
  override name = 'AllowlistError';
}

function globToRegExp(glob: string, segmentAware: boolean): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `/**` also matches nothing at all, so `/api/v1/clusters/**` covers `/api/v1/clusters` itself.
      if (segmentAware && re.endsWith('/')) re = `${re.slice(0, -1)}(/.*)?`;
      else re += '.*';
      i++;
    } else if (c === '*') re += segmentAware ? '[^/]*' : '.*';
    else if (c === '?') re += segmentAware ? '[^/]' : '.';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** One entry → a predicate over tools; throws AllowlistError for an entry that cannot mean anything. */
export function compileEntry(entry: string): CompiledEntry {
  const text = entry.trim();
  if (!text) throw new AllowlistError('an allowlist entry is empty');
  const space = text.indexOf(' ');
  if (space > 0) {
    const method = text.slice(0, space).toUpperCase();
    const pathGlob = text.slice(space + 1).trim();
    if (!METHODS.has(method)) {
      throw new AllowlistError(`"${entry}": ${method} is not an HTTP method (use GET, POST, PUT, PATCH, DELETE or *)`);
    }
    if (!pathGlob.startsWith('/') && pathGlob !== '*' && pathGlob !== '**') {
      throw new AllowlistError(`"${entry}": the path must start with / (e.g. "DELETE /api/v1/clusters/**")`);
    }
    // `{param}` in an entry stands for any one segment, like `*`. A bare `*` (the README's `GET *`) is every path:
    // read as one segment it would match none, since every API path has several.
    const re = pathGlob === '*' || pathGlob === '**' ? /^/ : globToRegExp(pathGlob.replace(/\{[^}]*\}/g, '*'), true);
    return {
      entry,
      matches: (t) =>
        (method === '*' || t.request.method === method) && re.test(t.request.path.replace(/\{[^}]*\}/g, 'x')),
    };
  }
  if (/[^A-Za-z0-9_*?-]/.test(text)) {
    throw new AllowlistError(`"${entry}" is neither a tool name, glob, tag, toolset nor "METHOD /path"`);
  }
  const re = globToRegExp(text, false);
  return {
    entry,
    matches: (t) =>
      re.test(t.name) || t._meta['argocd/operationId'] === text || t._meta['argocd/tag'] === text || t.toolset === text,
  };
}

export interface Allowlist {
  /** Why a tool is hidden, or undefined when it is exposed. */
  refusal(tool: CatalogueTool): string | undefined;
  /** Entries that match no tool of the catalogue (probably typos). */
  unmatched(tools: CatalogueTool[]): string[];
  readonly config: AllowlistConfig;
}

/** Compiles the configured entries; every bad entry is reported at once. */
export function compileAllowlist(config: AllowlistConfig): Allowlist {
  const problems: string[] = [];
  const compile = (entries: string[]) =>
    entries.flatMap((e) => {
      try {
        return [compileEntry(e)];
      } catch (err) {
        problems.push((err as Error).message);
        return [];
      }
    });
  const allow = compile(config.allow);
  const deny = compile(config.deny);
  if (problems.length) throw new AllowlistError(problems.join('; '));
  return {
    config,
    refusal(tool) {
      const denied = deny.find((d) => d.matches(tool));
      if (denied) return `denied by the allowlist entry "${denied.entry}"`;
      if (!allow.some((a) => a.matches(tool))) return 'not in the allowlist';
      if (config.readOnly && !tool.annotations.readOnlyHint) {
        return config.source === 'default'
          ? 'the gateway runs read-only (the default without an allowlist file); set readOnly: false in the config file to allow writes'
          : 'the gateway runs read-only (readOnly: true)';
      }
      return undefined;
    },
    unmatched(tools) {
      return [...allow, ...deny].filter((e) => !tools.some((t) => e.matches(t))).map((e) => e.entry);
    },
  };
}
