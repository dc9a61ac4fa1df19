// node:fs plus `globSync`, which Node 20 lacks (it arrived in Node 22). The conformance CLI imports it statically
// but uses it only in its `tier-check` report, which we do not run; where Node has it, the real one is used.
import fs from 'node:fs';

export * from 'node:fs';
export default fs;
export const globSync =
  fs.globSync ??
  (() => {
    throw new Error('fs.globSync needs Node.js 22 or later');
  });
