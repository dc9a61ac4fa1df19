/** Seeded pseudo-random numbers (mulberry32), so the same seed yields the same data. */

/** A deterministic random source with helpers. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** n lowercase hex characters. */
  hex(n: number): string;
  /** A random-looking RFC 4122 v4 UUID. */
  uuid(): string;
  /** n characters of [a-z0-9] (like Kubernetes generated name suffixes). */
  suffix(n: number): string;
  /** A child generator derived from this one and a label (stable regardless of later draws). */
  fork(label: string): Rng;
}

/** Creates a generator from a 32-bit seed. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)] as never,
    hex: (n) => {
      let out = '';
      while (out.length < n) out += Math.floor(next() * 16).toString(16);
      return out;
    },
    uuid: () => {
      const h = rng.hex(32);
      const variant = '89ab'[Math.floor(next() * 4)];
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    suffix: (n) => {
      const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
      let out = '';
      for (let i = 0; i < n; i++) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
    fork: (label) => createRng(hashString(label) ^ Math.floor(next() * 4294967296)),
  };
  return rng;
}

/** A stable 32-bit FNV-1a hash of a string. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A deterministic 40-hex "commit SHA" for a label. */
export function fakeSha(label: string): string {
  return createRng(hashString(label)).hex(40);
}
