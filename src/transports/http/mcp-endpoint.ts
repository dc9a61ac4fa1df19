/**
 * `/mcp`: the guards (./request-guards.ts), then the request goes to its session (`Mcp-Session-Id`), opens one
 * (an initialize), or, in stateless mode, gets a transport of its own (./stateless.ts). `GET` opens the session's
 * standalone stream or resumes a stream with `Last-Event-ID`; `DELETE` ends the session.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../log.ts';
import { describeBody, isResponseMessage, messagesOf, requestIdsIn, toolCallsIn } from './jsonrpc-messages.ts';
import { relayResumedStream } from './relay.ts';
import { sendJsonRpcError } from './replies.ts';
import { readJsonBody } from './request-body.ts';
import { authenticateCaller, passOriginAndCors, rateCheckFor } from './request-guards.ts';
import type { Caller, RateCheck } from './request-guards.ts';
import type { Session } from './sessions.ts';
import { releaseWhenDelivered, serveStatelessPost } from './stateless.ts';
import type { TransportContext } from './transport-context.ts';

/** One request to /mcp past its guards: who sent it, and the session it names (held here, or taken over). */
interface McpRequest {
  ctx: TransportContext;
  req: IncomingMessage;
  res: ServerResponse;
  log: Logger;
  caller: Caller;
  sessionId?: string;
  session?: Session;
  withinRate: RateCheck;
}

const SESSION_NOT_FOUND = 'Session not found: it expired or was closed; initialize a new session';

export async function serveMcp(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  if (!passOriginAndCors(ctx, req, res)) return;
  const caller = await authenticateCaller(ctx, req, res, log);
  if (!caller) return;
  const withinRate = rateCheckFor(ctx, req, res, caller.principal, log);
  if (!(await withinRate(1))) return;
  const sessionId = req.headers['mcp-session-id'] as string | undefined;
  const found = await findSession(ctx, req, res, sessionId, caller);
  if (found === false) return;
  if (sessionId) log.setBindings({ session: sessionId });
  if (caller.principal) log.setBindings({ subject: caller.principal.subject });
  const request: McpRequest = { ctx, req, res, log, caller, sessionId, session: found, withinRate };
  if (req.method === 'POST') return servePost(request);
  if (req.method === 'GET') return serveGet(request);
  if (req.method === 'DELETE') return serveDelete(request);
  res.writeHead(405, { allow: ctx.settings.stateless ? 'POST' : 'GET, POST, DELETE' }).end();
}

/** The session a request names, if any; false when it belongs to someone else or another profile (answered). */
async function findSession(ctx: TransportContext, req: IncomingMessage, res: ServerResponse, sessionId: string | undefined, caller: Caller): Promise<Session | undefined | false> {
  const { principal } = caller;
  let session = sessionId ? ctx.sessions.get(sessionId) : undefined;
  // A session another replica started: taken over here, for its opener only.
  if (!session && sessionId && ctx.options.sharedSessions && !ctx.settings.stateless && req.method === 'POST') session = await ctx.sessions.adopt(sessionId, principal);
  if (session && session.subject !== principal?.subject) {
    // Someone else's session id: answered as if it did not exist, so ids cannot be probed.
    sendJsonRpcError(res, 404, SESSION_NOT_FOUND, { code: -32001 });
    return false;
  }
  if (session && principal && session.profile !== principal.profile) {
    sendJsonRpcError(res, 403, `Forbidden: this session was opened with ${session.profile} access and the token now grants ${principal.profile}; initialize a new session`);
    return false;
  }
  if (session) session.lastSeen = Date.now();
  return session;
}

/** The body of a POST, checked: JSON within maxBodyBytes, not an empty batch, its tool calls within the rate limit. */
async function readCheckedBody({ ctx, req, res, withinRate }: McpRequest): Promise<{ body: unknown } | undefined> {
  const parsed = await readJsonBody(req, ctx.settings.maxBodyBytes);
  if (!parsed.ok) {
    sendJsonRpcError(res, parsed.status, parsed.message, { code: parsed.code, headers: parsed.status === 413 ? { connection: 'close' } : {} });
    return undefined;
  }
  if (Array.isArray(parsed.body) && parsed.body.length === 0) {
    // JSON-RPC 2.0 §6: an empty array is an Invalid Request, answered with one error.
    sendJsonRpcError(res, 400, 'Invalid Request: an empty batch', { code: -32600 });
    return undefined;
  }
  // Each tool call of a batch counts against the rate limit (the request itself already took one token).
  const calls = toolCallsIn(parsed.body);
  const { rateLimit } = ctx.settings;
  if (calls > 1 && rateLimit.perSecond > 0 && calls > rateLimit.burst) {
    sendJsonRpcError(res, 400, `Invalid Request: a batch of ${calls} tool calls is more than the rate limit's burst (${rateLimit.burst}); send at most ${rateLimit.burst} at once`, { code: -32600 });
    return undefined;
  }
  if (calls > 1 && !(await withinRate(calls - 1, calls))) return undefined;
  return { body: parsed.body };
}

async function servePost(request: McpRequest): Promise<void> {
  const { ctx, req, res, log, caller, session, sessionId } = request;
  const checked = await readCheckedBody(request);
  if (!checked) return;
  const { body } = checked;
  const what = describeBody(body);
  if (what.rpc) log.setBindings(what);
  if (ctx.settings.stateless) {
    ctx.calls.track(res);
    await serveStatelessPost(ctx, req, res, body, caller);
    return;
  }
  if (session) {
    const shared = ctx.options.sharedSessions;
    if (shared) {
      shared.touch(session.id);
      // The client's answers to the server's own requests go to whichever replica waits for them, this one too.
      const answers = messagesOf(body).filter(isResponseMessage);
      if (answers.length) await shared.publishAnswers(session.id, answers);
    }
    ctx.calls.track(res, session);
    releaseWhenDelivered(ctx, res, session.id, requestIdsIn(body));
    await session.transport.handleRequest(req, res, body, caller.authInfo);
    return;
  }
  if (sessionId) {
    sendJsonRpcError(res, 404, SESSION_NOT_FOUND, { code: -32001 });
    return;
  }
  await openSession(request, body);
}

/** An initialize without a session id: a new session, within the caps, recorded for other replicas (with Redis). */
async function openSession({ ctx, req, res, log, caller }: McpRequest, body: unknown): Promise<void> {
  const initialize = messagesOf(body).find((m) => isInitializeRequest(m));
  if (!initialize) {
    sendJsonRpcError(res, 400, 'Bad Request: no Mcp-Session-Id header; the first request must be initialize');
    return;
  }
  const { principal } = caller;
  const full = ctx.sessions.whyFull(principal?.subject);
  if (full) {
    log.warn({ sessions: ctx.sessions.size, subject: principal?.subject }, 'refused a new session: at the session cap');
    sendJsonRpcError(res, full.status, full.message, { headers: { 'retry-after': '60' } });
    return;
  }
  const id = randomUUID();
  const session = ctx.sessions.register(id, principal);
  const { server, transport } = session;
  log.setBindings({ session: id });
  ctx.calls.track(res, session);
  releaseWhenDelivered(ctx, res, id, requestIdsIn(body));
  await server.connect(transport);
  await transport.handleRequest(req, res, body, caller.authInfo);
  // An initialize that failed validation leaves a transport with no session behind.
  if (!transport.sessionId) {
    await ctx.sessions.close(id);
    return;
  }
  const shared = ctx.options.sharedSessions;
  if (!shared) return;
  await shared
    .save(id, { subject: principal?.subject, profile: principal?.profile, initialize })
    .catch((err: Error) => ctx.logger.warn({ err: err.message }, 'cannot record the session in Redis: other replicas cannot take it over'));
  session.unshare = shared.onAnswers(id, (m) => transport.onmessage?.(m));
}

/** 404 for a session id not held here, 400 for a request that names none. */
function refuseMissingSession(res: ServerResponse, sessionId: string | undefined): void {
  sendJsonRpcError(res, sessionId ? 404 : 400, sessionId ? 'Session not found' : 'Bad Request: Mcp-Session-Id header is required', { code: sessionId ? -32001 : -32000 });
}

async function serveGet({ ctx, req, res, caller, session, sessionId }: McpRequest): Promise<void> {
  const lastEventId = req.headers['last-event-id'];
  if (typeof lastEventId === 'string' && lastEventId && (ctx.settings.stateless || !session)) {
    await relayResumedStream(ctx, res, lastEventId, caller.principal);
    return;
  }
  if (ctx.settings.stateless) {
    res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method Not Allowed: a stateless gateway has no standalone stream' }, id: null }));
    return;
  }
  if (!session) return refuseMissingSession(res, sessionId);
  // The standalone stream is not an in-flight call: draining closes it rather than waiting.
  session.open++;
  res.once('close', () => {
    session.open--;
    session.lastSeen = Date.now();
  });
  await session.transport.handleRequest(req, res);
}

async function serveDelete({ ctx, req, res, session, sessionId }: McpRequest): Promise<void> {
  if (ctx.settings.stateless) {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  if (!session) return refuseMissingSession(res, sessionId);
  await session.transport.handleRequest(req, res);
  await ctx.options.sharedSessions?.forget(session.id);
  await ctx.sessions.close(session.id);
  // The transport may have dropped the session from the map already (onsessionclosed): forget it here too.
  session.store?.forget?.();
}
