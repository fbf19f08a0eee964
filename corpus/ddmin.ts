/**
 * Delta debugging (Zeller's ddmin, complements only) over any array, for any predicate.
 * Invariant: the result satisfies the predicate (given that the input does), keeps the input's
 * order, and is 1-minimal: removing any single element makes the predicate false -- unless the
 * test budget ran out first, which the result says.
 */

export interface DdminResult<T> {
  readonly items: T[];
  /** Predicate evaluations made. */
  readonly tests: number;
  /** true when the budget stopped the search before 1-minimality was established. */
  readonly exhausted: boolean;
}

/** Split `items` into `n` contiguous chunks of near-equal size (n <= items.length). */
export function chunks<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((items.length - start) / (n - i));
    out.push(items.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * Minimize `items` under `test`. The empty array is tried last (a 1-element result is 1-minimal
 * only if the empty one fails). `maxTests` bounds predicate evaluations.
 */
export function ddmin<T>(items: readonly T[], test: (subset: T[]) => boolean, maxTests = Infinity): DdminResult<T> {
  let cur = [...items];
  let tests = 0;
  let n = 2;
  const check = (s: T[]): boolean => {
    tests += 1;
    return test(s);
  };
  while (cur.length >= 2) {
    const parts = chunks(cur, Math.min(n, cur.length));
    let reduced = false;
    for (let i = 0; i < parts.length; i++) {
      if (tests >= maxTests) return { items: cur, tests, exhausted: true };
      const complement = parts.flatMap((p, j) => (j === i ? [] : p));
      if (check(complement)) {
        cur = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (n >= cur.length) break;
    n = Math.min(n * 2, cur.length);
  }
  if (cur.length === 1) {
    if (tests >= maxTests) return { items: cur, tests, exhausted: true };
    if (check([])) cur = [];
  }
  return { items: cur, tests, exhausted: false };
}
