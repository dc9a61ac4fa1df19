/** The names a names answer stands for (the gateway's own unpacking, src/fleet/answer-shapes.ts). */
export { unpackNames } from '../../src/fleet/answer-shapes.ts';
