/**
 * Pointer dependence of real VM runs: the two campaign findings that were address artefacts (a
 * JMP32 on xdp's data pointer, data's low byte stored into the packet) depend on pointer bits;
 * lengths from pointer differences, NULL tests, bounds checks against data_end, spills and
 * fills of whole pointers, and scalar-only programs do not.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleInsns } from '../harness/isa/asm.ts';
import { type Insn, mkInsn, mkLdImm64 } from '../harness/isa/insn.ts';
import type { ProgType } from '../harness/isa/program.ts';
import { isLoadError, loadVmProgram, runVm } from '../harness/vm/index.ts';
import { randomAluProgram } from '../harness/vm/random-programs.ts';
import { pointerDependence } from './pointer-taint.ts';
import { executionDifferential } from './execution-differential.ts';

function traced(progType: ProgType, text: string): { insns: Insn[]; dep: ReturnType<typeof pointerDependence>; r0: bigint } {
  const insns = assembleInsns(text);
  const vp = loadVmProgram({ progType, insns, maps: [] });
  if (isLoadError(vp)) throw new Error(vp.message);
  const r = runVm(vp, { trace: true });
  if (r.kind !== 'ok') throw new Error(r.fault.message);
  return { insns, dep: pointerDependence(insns, r.trace!), r0: r.r0 };
}

describe('pointer dependence of a VM run', () => {
  it('a JMP32 on the low half of xdp data decides r0 (campaign seed 4242, mutate)', () => {
    const { dep, r0 } = traced('xdp', 'r2 = *(u32 *)(r1 +0)\nif w2 > 0x2000000 goto +2\nr0 = 0\nexit\nr0 = 1\nexit');
    expect(r0).toBe(1n); // the VM's data pointer has low half 0x80000000 + offset
    expect(dep).toMatchObject({ complete: true, r0: true, packet: true });
    expect(dep.why).toBe('insn 1: a branch comparing a pointer with a scalar or another region');
  });

  it("data's low byte stored into the packet taints the packet, not r0 (campaign seed 4242, mutate)", () => {
    const { dep } = traced('sched_cls', [
      'r2 = *(u32 *)(r1 +76)', 'r3 = *(u32 *)(r1 +80)', 'r4 = r2', 'r4 += 1', 'if r4 > r3 goto +1',
      '*(u8 *)(r2 +0) = r2', 'r0 = 0', 'exit'].join('\n'));
    expect(dep).toEqual({ complete: true, r0: false, packet: true, why: 'pointer bits stored into the packet' });
  });

  it('data_end - data is a length, and a bounds-checked store of a constant taints nothing', () => {
    const { dep, r0 } = traced('sched_cls', [
      'r2 = *(u32 *)(r1 +76)', 'r3 = *(u32 *)(r1 +80)', 'r4 = r2', 'r4 += 4', 'if r4 > r3 goto +1',
      '*(u8 *)(r2 +0) = 7', 'r0 = r3', 'r0 -= r2', 'exit'].join('\n'));
    expect(r0).toBe(64n); // the 64-byte packet: sched_cls keeps the Ethernet header in data (is_l2)
    expect(dep).toEqual({ complete: true, r0: false, packet: false });
  });

  it('a pointer spilled and filled whole stays a pointer; a partial fill is pointer bits', () => {
    const whole = traced('socket_filter', '*(u64 *)(r10 -8) = r1\nr2 = *(u64 *)(r10 -8)\nr0 = *(u32 *)(r2 +0)\nexit');
    expect(whole.dep).toMatchObject({ complete: true, r0: false });
    const partial = traced('socket_filter', '*(u64 *)(r10 -8) = r1\nr0 = *(u32 *)(r10 -8)\nexit');
    expect(partial.dep).toMatchObject({ complete: true, r0: true });
  });

  it('a 64-bit NULL test of a pointer is not address-dependent; a 32-bit one is', () => {
    expect(traced('socket_filter', 'r0 = 0\nif r1 != 0 goto +1\nr0 = 1\nexit').dep).toMatchObject({ r0: false });
    expect(traced('socket_filter', 'r0 = 0\nif w1 != 0 goto +1\nr0 = 1\nexit').dep).toMatchObject({ r0: true });
  });

  it('taint survives a bpf-to-bpf call in r6-r9 and dies when overwritten', () => {
    const kept = traced('socket_filter', 'w6 = w1\ncall pc+2\nr0 = r6\nexit\nr0 = 0\nexit');
    expect(kept.dep).toMatchObject({ complete: true, r0: true });
    const cleared = traced('socket_filter', 'w6 = w1\ncall pc+2\nr6 = 0\nr0 = r6\nexit\nr0 = 0\nexit');
    expect(cleared.dep).toMatchObject({ complete: true, r0: false });
  });

  it('scalar-only programs never depend on pointer bits (law, 200 random ALU/JMP programs)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
      const insns = randomAluProgram(seed, 41);
      const vp = loadVmProgram({ progType: 'socket_filter', insns, maps: [] });
      if (isLoadError(vp)) throw new Error(vp.message);
      const r = runVm(vp, { trace: true });
      expect(r.kind).toBe('ok');
      expect(pointerDependence(insns, r.trace!)).toEqual({ complete: true, r0: false, packet: false });
    }), { numRuns: 200, examples: [[742881]] }); // 742881: a scalar computed to look like a VM stack address
  });

  it('a scalar that looks like a VM address is still a scalar; a register becomes a pointer only from one', () => {
    // 0xffff8000_80000000 is, in the VM's encoding, offset 0 of the first transient region (the stack)
    const { dep } = traced('socket_filter', 'r2 = 0xffff800080000000 ll\nr0 = 0\nif r2 > 0x5 goto +1\nr0 = 1\nexit');
    expect(dep).toEqual({ complete: true, r0: false, packet: false });
  });

  it('across a bpf_loop callback: the caller keeps r6, the callback gets fresh arguments', () => {
    // main: w6 = w10 (pointer bits); r1 = 2; r2 = &cb; r3 = 0; r4 = 0; call bpf_loop; r0 = r6; exit
    // cb:   r0 = 0; exit
    const insns = [mkInsn(0xbc, 6, 10, 0, 0), mkInsn(0xb7, 1, 0, 0, 2), mkLdImm64(2, 4, 0n), mkInsn(0xb7, 3, 0, 0, 0), mkInsn(0xb7, 4, 0, 0, 0),
      mkInsn(0x85, 0, 0, 0, 181), mkInsn(0xbf, 0, 6, 0, 0), mkInsn(0x95, 0, 0, 0, 0), mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0)];
    insns[2] = { ...insns[2]!, imm: 6 }; // the callback at slot 9 (pc 8), counted from slot 3
    const run = (list: Insn[]) => {
      const vp = loadVmProgram({ progType: 'socket_filter', insns: list, maps: [] });
      if (isLoadError(vp)) throw new Error(vp.message);
      const r = runVm(vp, { trace: true });
      if (r.kind !== 'ok') throw new Error(r.fault.message);
      expect(r.trace!.filter((t) => t.frame === 1)).toHaveLength(4); // two callback runs of two instructions
      return pointerDependence(list, r.trace!);
    };
    expect(run(insns)).toMatchObject({ complete: true, r0: true });
    const cleared = [...insns];
    cleared[6] = mkInsn(0xb7, 0, 0, 0, 9); // r0 = 9 instead of r0 = r6
    expect(run(cleared)).toEqual({ complete: true, r0: false, packet: false });
  });

  it('an incomplete trace decides nothing', () => {
    const insns = assembleInsns('r2 = *(u32 *)(r1 +0)\nif w2 > 0x2000000 goto +2\nr0 = 0\nexit\nr0 = 1\nexit');
    const vp = loadVmProgram({ progType: 'xdp', insns, maps: [] });
    if (isLoadError(vp)) throw new Error(vp.message);
    const r = runVm(vp, { trace: true });
    expect(pointerDependence(insns, r.kind === 'ok' ? r.trace!.slice(0, 1) : [])).toEqual({ complete: false, r0: false, packet: false });
  });
});

describe('execution differential on address artefacts', () => {
  it('does not report an r0 or packet computed from pointer bits, and still reports a real difference', () => {
    const xdp = { progType: 'xdp' as const, maps: [], insns: assembleInsns('r2 = *(u32 *)(r1 +0)\nif w2 > 0x2000000 goto +2\nr0 = 0\nexit\nr0 = 1\nexit') };
    const vm = { kind: 'ok' as const, r0: 1n, insnCount: 4, printk: [] };
    expect(executionDifferential({ program: xdp, input: {}, vm, kernelRun: { target: 'kernel', retval: 0 } })).toEqual([]);
    const scalar = { progType: 'xdp' as const, maps: [], insns: assembleInsns('r0 = 1\nexit') };
    expect(executionDifferential({ program: scalar, input: {}, vm: { ...vm, insnCount: 2 }, kernelRun: { target: 'kernel', retval: 0 } })).toHaveLength(1);
  });
});
