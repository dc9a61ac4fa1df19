/**
 * What a replica that stops answers for the calls it could not finish within `shutdownTimeout`: an error, sent on
 * the call's open response or stored for the client's resumption on another replica, instead of an answer that
 * never comes.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

export function shutdownError(timeoutMs: number): (id: RequestId) => JSONRPCMessage {
  const seconds = Math.round(timeoutMs / 100) / 10;
  return (id) =>
    ({
      jsonrpc: '2.0',
      id,
      error: {
        code: -32000,
        message: `The gateway replica running this call shut down before it finished (it waited shutdownTimeout, ${seconds} s, for it). The call was stopped; whether it took effect is unknown: check the state in Argo CD, then send the request again (another replica will run it).`,
      },
    }) as JSONRPCMessage;
}
