/**
 * Loading from bytes equals loading from decoded instructions: same code words, or the same
 * refusal (pc and message), on random bytes and on generated programs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, encode } from '../isa/codec.ts';
import { isLoadError, loadVmBytes, loadVmProgram } from './index.ts';
import { randomAluProgram } from './random-programs.ts';

function same(bytes: Uint8Array): void {
  let insns;
  try { insns = decode(bytes); } catch { expect(isLoadError(loadVmBytes(bytes, 'xdp'))).toBe(true); return; }
  const a = loadVmProgram({ progType: 'xdp', insns, maps: [] });
  const b = loadVmBytes(bytes, 'xdp');
  if (isLoadError(a) || isLoadError(b)) {
    expect(b).toEqual(a);
    return;
  }
  expect([...b.code.c]).toEqual([...a.code.c]);
  expect(b.program.insns).toEqual(a.program.insns);
}

describe('loadVmBytes equals loadVmProgram(decode(bytes))', () => {
  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (raw) => same(raw)), { numRuns: 3000 });
  });
  it('on generated programs', () => {
    fc.assert(fc.property(fc.integer(), (seed) => same(encode(randomAluProgram(seed, 30)))), { numRuns: 300 });
  });
});

describe('slot numbers (computed on first use)', () => {
  it('slotOf(pc) counts two slots per ld_imm64 before pc, from bytes and from instructions alike', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const insns = randomAluProgram(seed, 12);
      const expected: number[] = [];
      let s = 0;
      for (const insn of insns) { expected.push(s); s += insn.code === 0x18 ? 2 : 1; }
      expected.push(s);
      const a = loadVmProgram({ progType: 'xdp', insns, maps: [] });
      const b = loadVmBytes(encode(insns), 'xdp');
      if (isLoadError(a) || isLoadError(b)) throw new Error('load failed');
      expect(expected.map((_, pc) => a.code.slotOf(pc))).toEqual(expected);
      expect(expected.map((_, pc) => b.code.slotOf(pc))).toEqual(expected);
    }), { numRuns: 100 });
  });
});

