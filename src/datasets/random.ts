/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same dataset on every machine. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [1, n]. */
export function sampleInt(random: () => number, n: number): number {
  return 1 + Math.floor(random() * n);
}
