/** The names a names answer stands for (the gateway's own expansion, src/fleet/fleet-merge.ts). */
export { expandNames } from '../../src/fleet/fleet-merge.ts';
