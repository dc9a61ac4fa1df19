/** The application list the list-driven workflows start from, as summary rows. */
import type { CallContext } from '../gateway/gateway.ts';
import type { ReleaseOffers } from '../argocd/release-params.ts';
import { tableToObjects } from '../shaping/shape.ts';
import { parse } from './common.ts';
import type { Call } from './common.ts';
import { projectQuery } from './release-adapt.ts';

type Json = Record<string, unknown>;

export interface Summary {
  name: string;
  namespace?: string;
  project?: string;
  repo?: string;
  path?: string;
  target?: string;
  dest?: string;
  sync?: string;
  health?: string;
  op?: string;
}

export async function listApps(call: Call, ctx: CallContext, args: Json, offers: ReleaseOffers): Promise<{ ok: true; apps: Summary[] } | { ok: false; error: string }> {
  const query: Json = {};
  if (typeof args.project === 'string') Object.assign(query, projectQuery(offers, [args.project]));
  if (Array.isArray(args.projects)) Object.assign(query, projectQuery(offers, args.projects as string[]));
  if (typeof args.selector === 'string') query.selector = args.selector;
  if (typeof args.repo === 'string') query.repo = args.repo;
  const got = parse<unknown>(await call('application_list', query, { ...ctx, progressToken: undefined }));
  return got.ok ? { ok: true, apps: tableToObjects<Summary>(got.value) } : got;
}
