/** Pod logs (ApplicationService.PodLogs / PodLogs2): NDJSON `{"result":LogEntry}` lines, optionally followed. */
import { isoNano, isoSeconds } from '../clock.ts';
import { errors } from '../errors.ts';
import { type LogLine, podLogFollower, podLogHistory } from '../logs.ts';
import { STREAMED, type RouteContext, type RouteDef } from '../router.ts';
import type { AppModel, SimPod } from '../seed/model.ts';
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

function podLogs(ctx: RouteContext): unknown {
  const q = ctx.query;
  const name = ctx.params.name as string;
  const tailLines = q.int('tailLines') ?? 0;
  const sinceSeconds = q.int('sinceSeconds') ?? 0;
  const sinceTimeSeconds = q.int('sinceTime.seconds');
  const follow = q.bool('follow') ?? false;
  const previous = q.bool('previous') ?? false;
  const matchCase = q.bool('matchCase') ?? false;
  const untilRaw = q.str('untilTime');
  let untilMs: number | undefined;
  if (untilRaw) {
    untilMs = Date.parse(untilRaw);
    if (Number.isNaN(untilMs)) throw errors.unknown(`invalid untilTime parameter value: parsing time "${untilRaw}" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "${untilRaw}" as "2006"`);
  }
  let literal = q.str('filter');
  let inverse = false;
  if (literal.startsWith('!')) {
    literal = literal.slice(1);
    inverse = true;
  }
  const filterSet = q.has('filter') && q.str('filter') !== '';
  const rec = getAppEnforced(ctx.sim, ctx.caller, { name, project: q.str('project'), appNamespace: q.str('appNamespace') });
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
  const keep = (content: string) => {
    if (!filterSet) return true;
    const hit = matchCase ? content.includes(literal) : content.toLowerCase().includes(literal.toLowerCase());
    return inverse ? !hit : hit;
  };
  const anchor = ctx.sim.startedAtMs;
  const now = Date.now();
  const container = q.str('container');
  let lines: LogLine[] = [];
  for (const pod of pods) {
    let podLines = podLogHistory(rec.model, pod, { container, previous, appName: name, anchorMs: anchor });
    if (sinceSeconds > 0) podLines = podLines.filter((l) => l.ms >= now - sinceSeconds * 1000);
    if (sinceTimeSeconds !== undefined) podLines = podLines.filter((l) => l.ms >= sinceTimeSeconds * 1000);
    if (tailLines > 0) podLines = podLines.slice(-tailLines);
    lines.push(...podLines);
  }
  lines = lines.sort((a, b) => a.ms - b.ms || a.nanos - b.nanos).filter((l) => keep(l.content));
  for (const line of lines) {
    if (untilMs !== undefined && line.ms > untilMs) {
      stream.write(entry(line, true));
      stream.end();
      return STREAMED;
    }
    if (!stream.write(entry(line))) return STREAMED;
  }
  const finish = () => {
    const t = Date.now();
    stream.write({ result: { content: '', timeStamp: isoSeconds(t), last: true, timeStampStr: isoNano(t), podName: '' } });
    stream.end();
  };
  if (!follow || previous) {
    finish();
    return STREAMED;
  }
  const followers = pods.map((p) => podLogFollower(rec.model, p, { container, appName: name }));
  let i = 0;
  const interval = setInterval(() => {
    if (stream.closed) return;
    const t = Date.now();
    const line = followers[i % followers.length]?.(t, i);
    i++;
    if (!line || !keep(line.content)) return;
    if (untilMs !== undefined && t > untilMs) {
      stream.write(entry(line, true));
      stream.end();
      return;
    }
    stream.write(entry(line));
  }, Math.max(1, ctx.sim.opts.logIntervalMs));
  stream.onClose(() => clearInterval(interval));
  return STREAMED;
}

/** Routes of this module. */
export const applicationLogRoutes: RouteDef[] = [
  { method: 'GET', path: '/api/v1/applications/{name}/logs', operationId: 'ApplicationService_PodLogs2', handler: podLogs },
  { method: 'GET', path: '/api/v1/applications/{name}/pods/{podName}/logs', operationId: 'ApplicationService_PodLogs', handler: podLogs },
];
