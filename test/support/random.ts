// The one seeded generator of the tests and the bench, so that a failure or a figure repeats on every machine.

/** mulberry32: small, seeded, the same sequence on every machine. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole numbers below `n` from `random(seed)`: a random index, a random edit's offset. */
export function randomBelow(seed: number): (n: number) => number {
  const next = random(seed);
  return (n) => Math.floor(next() * n);
}
