/**
 * Draw: the random choices a generator family makes, as a tiny interface so that families read
 * as straight-line code. Two sources: fast-check's `fc.gen()` (families as arbitraries, for
 * property tests) and a seeded PRNG (seedrandom's alea, for the campaign: about 100x cheaper per
 * program than fc.sample). Invariant: a family's program is a pure function of the sequence of
 * integers its Draw returns, and both sources are deterministic for a seed.
 */
import fc from 'fast-check';
import seedrandom from 'seedrandom';

export interface Draw {
  /** An integer in [min, max], uniform. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(xs: readonly T[]): T;
  /** true with probability about p. */
  bool(p?: number): boolean;
  /** One value by weight. */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T;
  /** An immediate that tends to sit at an edge (0, +-1, powers of two and neighbours, limits). */
  imm32(): number;
  /** A 64-bit value that tends to sit at an edge. */
  imm64(): bigint;
}

const EDGES32: readonly number[] = [
  0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 4095, 4096, 65535, 65536,
  0x7fff, -0x8000, 0x7fffffff, -0x80000000, 0x3fffffff, -2, -8, -16, -128, -256, -512,
];

const EDGES64: readonly bigint[] = [
  0n, 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 1n << 32n, (1n << 32n) - 1n, (1n << 31n) - 1n,
  1n << 31n, 0xffffffff80000000n, 0x100000000n + 1n,
];

/** A Draw from a uniform integer source. */
export function makeDraw(int: (min: number, max: number) => number): Draw {
  return {
    int,
    pick: (xs) => xs[int(0, xs.length - 1)]!,
    bool: (p = 0.5) => int(0, 999) < Math.round(p * 1000),
    weighted: (entries) => {
      const total = entries.reduce((s, [, w]) => s + w, 0);
      let r = int(0, Math.max(0, Math.ceil(total) - 1));
      for (const [v, w] of entries) {
        if (r < w) return v;
        r -= w;
      }
      return entries[entries.length - 1]![0];
    },
    imm32: () => {
      const kind = int(0, 3);
      if (kind <= 1) return EDGES32[int(0, EDGES32.length - 1)]!;
      if (kind === 2) return (EDGES32[int(0, EDGES32.length - 1)]! + int(-1, 1)) | 0;
      return int(-0x80000000, 0x7fffffff);
    },
    imm64: () => (int(0, 1) === 0
      ? EDGES64[int(0, EDGES64.length - 1)]!
      : (BigInt(int(0, 0xffffffff)) << 32n) | BigInt(int(0, 0xffffffff))),
  };
}

const uniformInt = (min: number, max: number): fc.Arbitrary<number> => fc.noBias(fc.integer({ min, max }));

/** A Draw over fast-check's generator value (inside an arbitrary). */
export const drawFrom = (g: fc.GeneratorValue): Draw => makeDraw((min, max) => g(uniformInt, min, max));

/** A Draw over a seeded PRNG (alea). */
export function drawFromSeed(seed: string): Draw {
  const rng = seedrandom.alea(seed);
  return makeDraw((min, max) => min + Math.floor(rng() * (max - min + 1)));
}

/** An arbitrary from a builder function that draws its choices. */
export function fromDraw<T>(build: (d: Draw) => T): fc.Arbitrary<T> {
  return fc.gen().map((g) => build(drawFrom(g)));
}
