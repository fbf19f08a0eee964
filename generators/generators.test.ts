import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FAMILIES, familyArbitrary, generate, generateFrom, iterationSeed, mixArbitrary } from './index.ts';
import { mutateFamily, mutateProgram } from './mutate.ts';
import { fromDraw } from './draw.ts';
import { decode, encode } from '../harness/isa/codec.ts';
import { checkInsns } from '../harness/isa/validate.ts';
import { jumpsInRange } from '../corpus/minimize.ts';
import type { Program } from '../harness/isa/program.ts';

function wellFormed(p: Program): void {
  expect(p.insns.length).toBeGreaterThan(0);
  expect(decode(encode(p.insns))).toEqual(p.insns);
  expect(checkInsns(p.insns)).toEqual([]);
  expect(jumpsInRange(p.insns)).toBe(true);
  for (const insn of p.insns) {
    if (insn.code === 0x18 && (insn.src === 5 || insn.src === 6)) expect(insn.imm).toBeLessThan(p.maps.length);
  }
}

describe('generator families', () => {
  it('lists every family with a positive weight and a unique name', () => {
    expect(FAMILIES.map((f) => f.name)).toEqual(['alu-soup', 'ptr-arith', 'loops', 'calls', 'helpers']);
    expect(FAMILIES.every((f) => f.weight > 0)).toBe(true);
  });

  for (const f of FAMILIES) {
    it(`${f.name}: every program decodes/encodes, passes checkInsns, and its jumps resolve`, () => {
      fc.assert(fc.property(familyArbitrary(f), wellFormed), { numRuns: 150, seed: 7 });
    });
  }

  it('mutate: mutants of every family stay well-formed', () => {
    const parents = FAMILIES.flatMap((f) => Array.from({ length: 5 }, (_, i) => generateFrom(f, 3, i)));
    fc.assert(fc.property(familyArbitrary(mutateFamily(parents)), wellFormed), { numRuns: 300, seed: 11 });
  });

  it('mutate: changes its parent most of the time', () => {
    const parent = generateFrom(FAMILIES[0]!, 1, 1);
    const mutants = fc.sample(fromDraw((d) => mutateProgram(d, parent)), { seed: 5, numRuns: 50 });
    const changed = mutants.filter((m) => JSON.stringify(m.insns) !== JSON.stringify(parent.insns)).length;
    expect(changed).toBeGreaterThan(35);
  });
});

describe('deterministic generation', () => {
  it('generate(seed, i) is a pure function of seed and i', () => {
    for (let i = 0; i < 20; i++) expect(generate(1234, i)).toEqual(generate(1234, i));
  });

  it('different iterations and seeds give different programs', () => {
    const hex = new Set(Array.from({ length: 30 }, (_, i) => JSON.stringify(generate(99, i).program.insns)));
    expect(hex.size).toBeGreaterThan(25);
    expect(generate(1, 0)).not.toEqual(generate(2, 0));
  });

  it('the mix draws every family', () => {
    const seen = new Set(Array.from({ length: 300 }, (_, i) => generate(5, i).family));
    expect([...seen].sort()).toEqual(FAMILIES.map((f) => f.name).sort());
  });

  it('iteration seeds are distinct per (seed, iteration)', () => {
    expect(iterationSeed(42, 7)).toBe('42/7');
    expect(new Set([iterationSeed(4, 27), iterationSeed(42, 7), iterationSeed(427, 0)]).size).toBe(3);
  });

  it('generateFrom(f, seed, i) is deterministic for every family', () => {
    for (const f of FAMILIES) expect(generateFrom(f, 'x', 3)).toEqual(generateFrom(f, 'x', 3));
  });

  it('mixArbitrary is a fast-check arbitrary usable in properties', () => {
    fc.assert(fc.property(mixArbitrary(), (g) => FAMILIES.some((f) => f.name === g.family)), { numRuns: 30 });
  });
});
