/**
 * The bounds of the streaming tools (watches and followed logs): how many items and how many seconds a call
 * collects by default, and at most. The generator writes them into the tools' `maxItems` / `waitSeconds` arguments
 * (codegen/ir/build-ir.ts) and the gateway applies them (src/gateway/streams.ts): one place for both.
 */
export const STREAM_DEFAULTS = {
  watch: { maxItems: 50, waitSeconds: 5 },
  logs: { maxItems: 200, waitSeconds: 10 },
  maxItems: 1000,
  waitSeconds: 120,
};
