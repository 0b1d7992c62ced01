/**
 * Seeded, stateless randomness for the generator: every draw is a pure function of (seed, organisation index,
 * purpose), so any organisation can be rebuilt on its own, in any order, in constant memory.
 */

/** A 32-bit avalanche mix (the murmur3 finaliser). */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a seed and up to three integers to 32 bits. */
export function hash32(seed: number, a: number, b = 0, c = 0): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(a | 0, 0xcc9e2d51));
  h = mix32(h ^ Math.imul(b | 0, 0x1b873593));
  h = mix32(h ^ Math.imul(c | 0, 0xe6546b64));
  return h;
}

/** A float in [0, 1) from {@link hash32}. */
export function unit(seed: number, a: number, b = 0, c = 0): number {
  return hash32(seed, a, b, c) / 0x100000000;
}

/** Turns a string or number seed into a 32-bit integer seed. */
export function seedOf(seed: number | string): number {
  if (typeof seed === "number") {
    return (Math.trunc(seed) ^ Math.trunc(seed / 0x100000000)) >>> 0;
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  }
  return mix32(h);
}

/** A small sequential generator (mulberry32) for the details of one organisation. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) {
      throw new RangeError("pick from an empty list");
    }
    return item;
  }
}
