/** Pod logs (ApplicationService.PodLogs / PodLogs2): NDJSON `{"result":LogEntry}` lines, optionally followed. */
import { isoNano, isoSeconds } from '../clock.ts';
import type { SimContext } from '../context.ts';
import { errors } from '../errors.ts';
import { type LogLine, podLogFollower, podLogHistory } from '../logs.ts';
import { STREAMED, type RouteContext, type RouteDef } from '../router.ts';
import type { AppModel, SimPod } from '../seed/model.ts';
import type { AppRecord } from '../store.ts';
import { getAppEnforced, rbacName } from './app-access.ts';

/** The most pods one request may read (server.maxPodLogsToRender default). */
const MAX_PODS = 10;

/** Pods matching kind/group/name/namespace themselves or through an owner (Pod → ReplicaSet → Deployment, Job → CronJob). */
function selectPods(model: AppModel, q: { kind: string; group: string; name: string; namespace: string }): SimPod[] {
  const matches = (kind: string, group: string, name: string, namespace: string) =>
    (!q.name || name === q.name) && (!q.kind || kind === q.kind) && (!q.group || group === q.group) && (!q.namespace || namespace === q.namespace);
  return model.pods.filter((p) => {
    if (matches('Pod', '', p.name, p.namespace)) return true;
    if (matches(p.owner.kind, p.owner.group, p.owner.name, p.namespace)) return true;
    if (p.owner.kind === 'ReplicaSet') {
      const rs = model.replicaSets.find((r) => r.name === p.owner.name);
      if (rs && matches('Deployment', 'apps', rs.deployment, p.namespace)) return true;
    }
    if (p.owner.kind === 'Job') {
      const job = model.jobs.find((j) => j.name === p.owner.name);
      if (job && matches('CronJob', 'batch', job.cronJob, p.namespace)) return true;
    }
    return false;
  });
}

function entry(line: LogLine, last = false): unknown {
  return { result: { content: line.content, timeStamp: isoSeconds(line.ms), last, timeStampStr: isoNano(line.ms, line.nanos), podName: line.podName } };
}

/** What a log request asks for (the PodLogs query: tail, since, until, filter, follow, previous, container). */
interface LogQuery {
  tailLines: number;
  sinceSeconds: number;
  sinceTimeSeconds?: number;
  follow: boolean;
  previous: boolean;
  untilMs?: number;
  container: string;
  keep: (content: string) => boolean;
}

function parseLogQuery(q: RouteContext['query']): LogQuery {
  const untilRaw = q.str('untilTime');
  let untilMs: number | undefined;
  if (untilRaw) {
    untilMs = Date.parse(untilRaw);
    if (Number.isNaN(untilMs)) throw errors.unknown(`invalid untilTime parameter value: parsing time "${untilRaw}" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "${untilRaw}" as "2006"`);
  }
  const matchCase = q.bool('matchCase') ?? false;
  let literal = q.str('filter');
  let inverse = false;
  if (literal.startsWith('!')) {
    literal = literal.slice(1);
    inverse = true;
  }
  const filterSet = q.has('filter') && q.str('filter') !== '';
  const keep = (content: string) => {
    if (!filterSet) return true;
    const hit = matchCase ? content.includes(literal) : content.toLowerCase().includes(literal.toLowerCase());
    return inverse ? !hit : hit;
  };
  return {
    tailLines: q.int('tailLines') ?? 0,
    sinceSeconds: q.int('sinceSeconds') ?? 0,
    sinceTimeSeconds: q.int('sinceTime.seconds'),
    follow: q.bool('follow') ?? false,
    previous: q.bool('previous') ?? false,
    untilMs,
    container: q.str('container'),
    keep,
  };
}

/** The stored lines of the pods, per pod cut by since/tail, then merged in time order and filtered. */
function historyLines(ctx: RouteContext, rec: AppRecord, pods: SimPod[], lq: LogQuery): LogLine[] {
  const now = Date.now();
  const lines: LogLine[] = [];
  for (const pod of pods) {
    let podLines = podLogHistory(rec.model, pod, { container: lq.container, previous: lq.previous, appName: ctx.params.name as string, anchorMs: ctx.sim.startedAtMs });
    if (lq.sinceSeconds > 0) podLines = podLines.filter((l) => l.ms >= now - lq.sinceSeconds * 1000);
    if (lq.sinceTimeSeconds !== undefined) podLines = podLines.filter((l) => l.ms >= (lq.sinceTimeSeconds as number) * 1000);
    if (lq.tailLines > 0) podLines = podLines.slice(-lq.tailLines);
    lines.push(...podLines);
  }
  return lines.sort((a, b) => a.ms - b.ms || a.nanos - b.nanos).filter((l) => lq.keep(l.content));
}

/** `follow=true`: new lines from the pods in turn, every logIntervalMs, until the client leaves or untilTime passes. */
function followLogs(ctx: RouteContext, rec: AppRecord, pods: SimPod[], lq: LogQuery, stream: ReturnType<SimContext['streams']['start']>): void {
  const followers = pods.map((p) => podLogFollower(rec.model, p, { container: lq.container, appName: ctx.params.name as string }));
  let i = 0;
  const interval = setInterval(() => {
    if (stream.closed) return;
    const t = Date.now();
    const line = followers[i % followers.length]?.(t, i);
    i++;
    if (!line || !lq.keep(line.content)) return;
    if (lq.untilMs !== undefined && t > lq.untilMs) {
      stream.write(entry(line, true));
      stream.end();
      return;
    }
    stream.write(entry(line));
  }, Math.max(1, ctx.sim.opts.logIntervalMs));
  stream.onClose(() => clearInterval(interval));
}

function podLogs(ctx: RouteContext): unknown {
  const q = ctx.query;
  const lq = parseLogQuery(q);
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name: ctx.params.name as string, project: q.str('project'), appNamespace: q.str('appNamespace') });
  ctx.sim.enforcer.enforceErr(ctx.caller, 'logs', 'get', rbacName(rec));
  const podName = ctx.params.podName as string | undefined;
  const sel = podName
    ? { kind: 'Pod', group: '', name: podName, namespace: q.str('namespace') }
    : { kind: q.str('kind'), group: q.str('group'), name: q.str('resourceName'), namespace: q.str('namespace') };
  const pods = selectPods(rec.model, sel);
  const stream = ctx.sim.streams.start(ctx.req, ctx.res);
  if (pods.length === 0) {
    stream.end();
    return STREAMED;
  }
  if (pods.length > MAX_PODS) {
    stream.fail(errors.invalid('max pods to view logs are reached. Please provide more granular query'));
    return STREAMED;
  }
  for (const line of historyLines(ctx, rec, pods, lq)) {
    if (lq.untilMs !== undefined && line.ms > lq.untilMs) {
      stream.write(entry(line, true));
      stream.end();
      return STREAMED;
    }
    if (!stream.write(entry(line))) return STREAMED;
  }
  if (!lq.follow || lq.previous) {
    const t = Date.now();
    stream.write({ result: { content: '', timeStamp: isoSeconds(t), last: true, timeStampStr: isoNano(t), podName: '' } });
    stream.end();
    return STREAMED;
  }
  followLogs(ctx, rec, pods, lq, stream);
  return STREAMED;
}

/** Routes of this module. */
export const applicationLogRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/applications/{name}/logs', operationId: 'ApplicationService_PodLogs2', handler: podLogs },
  { method: 'GET', path: '/api/v1/applications/{name}/pods/{podName}/logs', operationId: 'ApplicationService_PodLogs', handler: podLogs },
];
