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

/** A text edit: the characters from `start` to `end` replaced by `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * A random edit at or after `at`, as typing does them: half the time a letter of a word replaced by another,
 * a quarter one of `snippets` inserted, a quarter up to 20 characters deleted.
 */
export function randomEdit(text: string, at: number, next: (n: number) => number, snippets: string[]): TextEdit {
  const kind = next(4);
  if (kind <= 1) while (at < text.length && !/[a-z0-9]/.test(text[at])) at++;
  if (kind <= 1 && at < text.length) return { start: at, end: at + 1, text: String.fromCharCode(97 + next(26)) };
  if (kind === 2) return { start: at, end: at, text: snippets[next(snippets.length)] };
  return { start: at, end: Math.min(text.length, at + 1 + next(20)), text: "" };
}

/**
 * `text` with one to three mistakes at random places, each one of `pieces` typed (seven times in ten) or a
 * character deleted: the mutants of the tests that compare two readers of the same text.
 */
export function mutant(text: string, rnd: () => number, pieces: readonly string[]): string {
  let t = text;
  for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
    const at = Math.floor(rnd() * (t.length + 1));
    t =
      rnd() < 0.7
        ? t.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + t.slice(at)
        : t.slice(0, at) + t.slice(at + 1);
  }
  return t;
}
