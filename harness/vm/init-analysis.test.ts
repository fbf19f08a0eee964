/**
 * Soundness of the static init analysis against the run-time tracking (which is exact: every
 * read and write of a register is tracked by the interpreter): at every executed instruction,
 * the registers the analysis says are initialized are initialized in the run (the trace's
 * `init`), and a program the analysis fully proves never faults on a register read. Random
 * programs include reads of registers never written, helper and subprogram calls, branches.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Insn, mkInsn as I, mkLdImm64 } from '../isa/insn.ts';
import type { MapDef } from '../isa/program.ts';
import { isLoadError, loadVmProgram, type RunResult, runVm } from './index.ts';
import { analyzeInit } from './init-analysis.ts';
import { HELPERS } from './helpers.ts';
import { randomAluProgram } from './random-programs.ts';

const ARRAY8: MapDef = { type: 'array', keySize: 4, valueSize: 8, maxEntries: 2 };
const summary = (r: RunResult): unknown => (r.kind === 'ok' ? ['ok', r.r0, r.insnCount] : ['fault', r.fault.kind, r.fault.pc, r.insnCount]);
const known = (id: number): boolean => HELPERS[id] !== undefined;

/** Registers the analysis claims at an executed pc but the run had not initialized, per trace entry. */
function unsoundAt(insns: Insn[]): { checked: number; bad: string[]; proven: boolean; uninitFault: boolean } | undefined {
  const vp = loadVmProgram({ progType: 'xdp', insns, maps: [ARRAY8] });
  if (isLoadError(vp)) return undefined;
  const a = analyzeInit(vp.code.c, vp.code.n, 0x402, known);
  const must = Int32Array.from(a.must);
  const r = runVm(vp, { budget: 5000, trace: true });
  const bad: string[] = [];
  for (const e of r.trace ?? []) if ((must[e.pc]! & ~e.init) !== 0) bad.push(`pc ${e.pc}: must ${must[e.pc]!.toString(2)} init ${e.init.toString(2)}`);
  return { checked: r.trace?.length ?? 0, bad, proven: a.allProven, uninitFault: r.kind === 'fault' && r.fault.kind === 'uninit_reg' };
}

const insn = fc.record({
  code: fc.constantFrom(0xb7, 0xbf, 0x0f, 0x07, 0x85, 0x15, 0x55, 0x5d, 0x05, 0x95, 0x61, 0x7b, 0x79, 0x18, 0xa7, 0xd4),
  dst: fc.integer({ min: 0, max: 9 }), src: fc.integer({ min: 0, max: 10 }), off: fc.integer({ min: -3, max: 4 }),
  imm: fc.constantFrom(0, 1, 2, 5, 7, 12, 16, 93, 9999, -8),
});

describe('static init analysis is sound', () => {
  it('random small programs: what it proves holds at every executed instruction', () => {
    let programs = 0, steps = 0, proven = 0;
    fc.assert(fc.property(fc.array(insn, { minLength: 1, maxLength: 16 }), fc.boolean(), (raw, localCalls) => {
      const insns = raw.map((r) => {
        if (r.code === 0x18) return mkLdImm64(r.dst, 0, BigInt(r.imm));
        if (r.code === 0x85) return I(0x85, 0, localCalls && r.imm < 5 ? 1 : 0, 0, r.imm);
        if (r.code === 0x61 || r.code === 0x79) return I(r.code, r.dst, 10, -8, 0);
        if (r.code === 0x7b) return I(r.code, 10, r.src === 10 ? 1 : r.src, -8, 0);
        const src = (r.code & 0x08) ? r.src : 0;
        return I(r.code, r.dst, src, (r.code & 0x07) === 5 ? r.off : 0, (r.code & 0x08) && r.code !== 0x95 ? 0 : r.code === 0x95 || r.code === 0x05 ? 0 : r.imm);
      });
      const res = unsoundAt(insns);
      if (!res) return;
      programs++; steps += res.checked;
      if (res.proven) proven++;
      expect(res.bad).toEqual([]);
      if (res.proven) expect(res.uninitFault).toBe(false);
    }), { numRuns: 4000 });
    console.log(`init analysis: ${programs} random programs, ${steps} executed instructions checked, ${proven} fully proven`);
    expect(programs).toBeGreaterThan(500);
    expect(proven).toBeGreaterThan(50);
  });
  it('generated ALU programs are fully proven, and a read of a never-written register is not', () => {
    const p = loadVmProgram({ progType: 'socket_filter', insns: randomAluProgram(1, 30), maps: [] });
    expect(!isLoadError(p) && p.code.staticInit).toBe(true);
    const q = loadVmProgram({ progType: 'socket_filter', insns: [I(0x55, 1, 0, 1, 0), I(0xb7, 2, 0, 0, 1), I(0xbf, 0, 2, 0, 0), I(0x95, 0, 0, 0, 0)], maps: [] });
    expect(!isLoadError(q) && q.code.staticInit).toBe(false);
    expect(!isLoadError(q) && summary(runVm(q))).toEqual(['fault', 'uninit_reg', 2, 2]);
  });
});
