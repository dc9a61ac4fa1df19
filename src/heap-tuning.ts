/**
 * V8's young generation, sized for how the gateway is used.
 *
 * Over stdio the gateway has one client that makes one call at a time: what a call allocates is garbage by the next
 * one, so the young generation need not grow past its first 1 MB semi-space (by default it grows to 16 MB, and the
 * pages stay resident). Measured with `npm run bench`: about 12 MB less resident memory after 1,000 calls, and no
 * slower. The HTTP service serves many calls at once, whose data must stay young until answered: it keeps V8's
 * default young generation, but grows the old generation by at most 20% past what a collection left alive (V8
 * otherwise lets it grow up to 4× while allocation is fast, and each call's data that outlived the young generation
 * stays there as garbage): measured with `npm run load`, the resident memory under 100 sessions peaked at ~130 MB
 * instead of ~180 MB. V8 reads both flags each time it sizes a generation, so they can be set at any time.
 *
 * The one client's calls need the same bound on the old generation: with a 1 MB semi-space, a large answer (a
 * 10,000-app list, parsed and projected) outlives two scavenges and is promoted, ~5 MB of garbage per call that the
 * old generation kept until it had grown to ~4× what was alive. Measured over 30 list calls at 10,000 apps
 * (`npm run bench -- --only fleet`): a peak RSS of 174-219 MB without the bound, 127-130 MB with it.
 */
import v8 from 'node:v8';

const DEFAULT_GROWTH = 2;

const OLD_GENERATION_GROWTH_PERCENT = 20;

export function sizeHeapForOneClient(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}

export function sizeHeapForService(): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH}`);
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
}
