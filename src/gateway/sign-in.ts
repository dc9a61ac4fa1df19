/**
 * Per-user Argo CD identity (`sso:` over HTTP): the caller's own token from the sign-in broker, after a sign-in
 * the user is asked for when they have none.
 */
import type { SignInBroker } from '../argocd/auth/sso/broker.ts';
import type { CallerIdentity } from '../policy/scope/scope.ts';
import type { CallContext } from './types.ts';

/** How long a call waits for its user to finish signing in, after they accepted to open the link. */
const SIGN_IN_WAIT_MS = 5 * 60_000;

/**
 * The caller's own Argo CD token: from the broker, or after a sign-in the user is asked for (a URL elicitation
 * when the client supports it, else an error that carries the link).
 */
async function userTokenFor(broker: SignInBroker, ctx: CallContext): Promise<{ ok: true; token: string } | { ok: false; message: string }> {
  if (!ctx.user) {
    return { ok: false, message: 'This gateway signs each user in to Argo CD (sso), so it needs to know who calls: configure inbound auth (authIssuer or apiKeysFile).' };
  }
  const current = await broker.token(ctx.user);
  if (current.ok) return current;
  if (!current.signIn) return { ok: false, message: `Could not obtain an Argo CD token for you: ${current.message}` };
  const { url, id } = await broker.start(ctx.user);
  const message = 'Sign in to Argo CD (your own account, so Argo CD applies your permissions). Nothing was sent to Argo CD yet.';
  if (!ctx.openUrl) {
    return { ok: false, message: `${message}\nOpen this link in a browser, sign in, then call the tool again: ${url}\n(The link works once, for 10 minutes.)` };
  }
  const answer = await ctx.openUrl({ message, url, id });
  if (answer.action !== 'accept') return { ok: false, message: `The sign-in to Argo CD was ${answer.action === 'decline' ? 'declined' : 'cancelled'}; nothing was sent to Argo CD.` };
  const done = await broker.waitFor(ctx.user, id, ctx.signal, SIGN_IN_WAIT_MS);
  await answer.complete().catch(() => undefined);
  if (!done) return { ok: false, message: `The sign-in to Argo CD did not complete in time; nothing was sent to Argo CD. Call again for a new link, or open: ${url}` };
  const after = await broker.token(ctx.user);
  return after.ok ? after : { ok: false, message: `Signed in, but no Argo CD token could be obtained: ${after.message}` };
}

/**
 * The caller's identity for one call, asked for once (by the scope's lookups if they need it, else before sending);
 * the gateway's own when no broker signs users in.
 */
export function callerIdentity(signIn: SignInBroker | undefined, ctx: CallContext): CallerIdentity {
  let signedIn: ReturnType<typeof userTokenFor> | undefined;
  return async () => {
    if (!signIn) return { ok: true };
    const got = await (signedIn ??= userTokenFor(signIn, ctx));
    // A refused one is renewed by the authenticated upstream, as the gateway's own token is.
    return got.ok ? { ok: true, user: { token: got.token, who: ctx.user! } } : got;
  };
}
