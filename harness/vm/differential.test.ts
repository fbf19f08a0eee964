/**
 * Execution differential with the live kernel: random scalar-only ALU/JMP programs
 * (random-programs.ts: every operation, 32 and 64 bit, all registers initialized, forward
 * branches) run in the VM and, when the kernel verifier accepts them and the VM ran them
 * cleanly, in the kernel (BPF_PROG_TEST_RUN, socket_filter, 64-byte zeroed packet). The low 32
 * bits of r0 (a fold of every register) must agree. Skips when bpf() is unusable (fails under
 * VERIFUZZ_REQUIRE_KERNEL=1).
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { describeKernel } from '../kernel/testing.ts';
import { loadProgram } from '../kernel/load.ts';
import type { Program } from '../isa/program.ts';
import { isLoadError, loadVmProgram, runVm } from './index.ts';
import { randomAluProgram } from './random-programs.ts';

describeKernel('VM vs kernel on random ALU/JMP programs', () => {
  it('agrees on r0 for at least 2,000 kernel-accepted programs', () => {
    const packet = new Uint8Array(64);
    let compared = 0;
    let rejected = 0;
    const rejects = new Map<string, number>();
    const mismatches: string[] = [];
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 4, max: 40 }), (seed, ops) => {
      const program: Program = { progType: 'socket_filter', insns: randomAluProgram(seed, ops), maps: [] };
      const vp = loadVmProgram(program);
      if (isLoadError(vp)) throw new Error(`VM refused a generated program: ${vp.message}`);
      const vm = runVm(vp, { packet });
      if (vm.kind !== 'ok') throw new Error(`VM fault on a scalar-only program: ${vm.fault.message}`);
      const k = loadProgram(program, { keep: true, bare: true });
      if (k.verdict !== 'accept' || !k.loaded) {
        rejected++;
        const why = (k.error ?? `errno ${k.errno}`).replace(/\d+/g, 'N');
        rejects.set(why, (rejects.get(why) ?? 0) + 1);
        return;
      }
      try {
        const run = k.loaded.run({ data: packet });
        expect(run.errno).toBe(0);
        compared++;
        const got = Number(vm.r0 & 0xffffffffn);
        if (run.retval >>> 0 !== got) mismatches.push(`seed ${seed} ops ${ops}: VM ${got}, kernel ${run.retval >>> 0}`);
      } finally {
        k.loaded.close();
      }
    }), { numRuns: 2300 });
    console.log(`VM vs kernel: ${compared} programs compared, ${mismatches.length} mismatches, ${rejected} rejected by the kernel verifier`
      + (rejects.size ? ` (${[...rejects].map(([k, v]) => `${k} x${v}`).join('; ')})` : ''));
    for (const m of mismatches.slice(0, 10)) console.log(`  MISMATCH ${m}`);
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(2000);
  });
});
