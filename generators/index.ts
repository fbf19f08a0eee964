/**
 * The generator families and their weights, and deterministic generation: the program of
 * iteration i of a campaign with seed s is `generate(s, i)`, reproducible on its own (no need to
 * generate iterations 0..i-1). Families are fast-check arbitraries (`familyArbitrary`) for
 * property tests; the campaign draws from a PRNG seeded with "<seed>/<iteration>" (decision: a
 * seeded alea PRNG rather than fc.sample, which costs milliseconds per program).
 */
import fc from 'fast-check';
import type { Program } from '../harness/isa/program.ts';
import { type Draw, drawFromSeed, fromDraw } from './draw.ts';
import type { Family } from './family.ts';
import { aluSoup } from './alu-soup.ts';
import { ptrArith } from './ptr-arith.ts';
import { loops } from './loops.ts';
import { calls } from './calls.ts';
import { helpers } from './helpers.ts';

export type { Family } from './family.ts';

/** Every family that needs no input. `mutate` (generators/mutate.ts) is added when a corpus exists. */
export const FAMILIES: readonly Family[] = [aluSoup, ptrArith, loops, calls, helpers];

export interface Generated {
  readonly family: string;
  readonly program: Program;
}

export function familyArbitrary(f: Family): fc.Arbitrary<Program> {
  return fromDraw((d) => f.build(d));
}

/** A weighted choice of family, then its program. */
export function mixArbitrary(families: readonly Family[] = FAMILIES): fc.Arbitrary<Generated> {
  return fc.oneof(...families.map((f) => ({
    weight: f.weight,
    arbitrary: familyArbitrary(f).map((program): Generated => ({ family: f.name, program })),
  })));
}

/** The PRNG seed string of iteration `i` of a campaign seeded with `seed`. */
export const iterationSeed = (seed: number | string, i: number): string => `${seed}/${i}`;

/** The family drawn for a Draw, by weight. */
function pickFamily(d: Draw, families: readonly Family[]): Family {
  return d.weighted(families.map((f) => [f, f.weight] as const));
}

/**
 * The program of iteration `i` for campaign seed `seed`: a pure function of (seed, i, families),
 * reproducible on its own without generating iterations 0..i-1.
 */
export function generate(seed: number | string, i: number, families: readonly Family[] = FAMILIES): Generated {
  const d = drawFromSeed(iterationSeed(seed, i));
  const f = pickFamily(d, families);
  return { family: f.name, program: f.build(d) };
}

/** The program of iteration `i` from one family. */
export function generateFrom(f: Family, seed: number | string, i: number): Program {
  return f.build(drawFromSeed(iterationSeed(seed, i)));
}
