/**
 * Whole-program differential: the fast VM and the bigint reference interpreter compute the same
 * r0 and the same instruction count on random scalar-only programs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkInsn } from '../isa/insn.ts';
import { isLoadError, loadVmProgram, runVm } from './index.ts';
import { randomAluProgram } from './random-programs.ts';
import { refRun } from './reference-run.ts';

describe('fast VM equals the reference interpreter on whole programs', () => {
  it('random ALU/JMP programs', () => {
    fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 60 }), (seed, ops) => {
      const insns = randomAluProgram(seed, ops);
      const ref = refRun(insns);
      const vp = loadVmProgram({ progType: 'socket_filter', insns, maps: [] });
      if (isLoadError(vp)) throw new Error(vp.message);
      const vm = runVm(vp);
      expect(ref.kind).toBe('ok');
      expect(vm.kind).toBe('ok');
      if (ref.kind === 'ok' && vm.kind === 'ok') {
        expect(vm.r0).toBe(ref.r0);
        expect(vm.insnCount).toBe(ref.insnCount);
      }
    }), { numRuns: 1000 });
  });
  it('a counted loop (hand-checked: sum of 1..100 = 5050)', () => {
    const insns = [mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0xb7, 1, 0, 0, 100), mkInsn(0x0f, 0, 1, 0, 0), mkInsn(0x17, 1, 0, 0, 1),
      mkInsn(0x55, 1, 0, -3, 0), mkInsn(0x95, 0, 0, 0, 0)];
    expect(refRun(insns)).toMatchObject({ kind: 'ok', r0: 5050n, insnCount: 2 + 300 + 1 });
  });
});
