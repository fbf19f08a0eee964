import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { generate, mixArbitrary } from '../../generators/index.ts';
import { mkInsn } from '../isa/insn.ts';
import { assembleInsns } from '../isa/asm.ts';
import type { Program } from '../isa/program.ts';
import { isLoadError, loadVmProgram, runVm, type TraceEntry } from '../vm/index.ts';
import { type ConcreteStep, stepViolation } from './containment.ts';
import { scalarConst } from './domains/scalar.ts';
import { scalarReg } from './state/reg.ts';
import { type VState, newFrame } from './state/vstate.ts';
import { replayContainment, verify } from './index.ts';

const FP = { kind: 'stack', label: 'stack of frame 0', off: 512 };
const CTX = { kind: 'ctx', label: 'ctx', off: 0 };
/** A hand-written step: r1 the context, r10 the frame pointer, r0 = `r0` when given. */
function step(slot: number, r0?: bigint): ConcreteStep {
  const regs = new Array<bigint>(11).fill(0n);
  if (r0 !== undefined) regs[0] = r0;
  const regKinds = new Array<ConcreteStep['regKinds'][number]>(11).fill(undefined);
  regKinds[1] = CTX;
  regKinds[10] = FP;
  return { slot, frame: 0, regs, regKinds };
}
const prog = (...insns: ReturnType<typeof mkInsn>[]): Program => ({ progType: 'socket_filter', maps: [], insns });

/** The VM's traced run of a program on its zeroed 64-byte packet, or undefined. */
function traceOf(p: Program, seed = 0): TraceEntry[] | undefined {
  const vp = loadVmProgram(p);
  if (isLoadError(vp)) return undefined;
  const run = runVm(vp, { trace: true, uninitStackOk: true, budget: 100_000, seed });
  return run.kind === 'ok' ? run.trace : undefined;
}

describe('replayContainment: the run followed through the model', () => {
  // r0 = 7; exit
  const seven = prog(mkInsn(0xb7, 0, 0, 0, 7), mkInsn(0x95, 0, 0, 0, 0));

  it('holds a run the model describes and flags a value outside the abstract state', () => {
    expect(replayContainment(seven, [step(0), step(1, 7n)])).toEqual({ checked: 2 });
    const bad = replayContainment(seven, [step(0), step(1, 8n)]);
    expect(bad.checked).toBe(1);
    expect(bad.violation).toMatchObject({ slot: 1, reg: 0 });
    expect(bad.violation?.concrete).toMatch(/^0x8 /);
  });

  it('flags a branch the model found impossible', () => {
    // r0 = 0; if r0 == 0 goto +1; r0 = 1; exit -- the model knows the jump is always taken
    const p = prog(mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x15, 0, 0, 1, 0), mkInsn(0xb7, 0, 0, 0, 1), mkInsn(0x95, 0, 0, 0, 0));
    expect(replayContainment(p, [step(0), step(1, 0n), step(3, 0n)]).violation).toBeUndefined();
    const fell = replayContainment(p, [step(0), step(1, 0n), step(2, 0n)]);
    expect(fell.violation?.slot).toBe(2);
    expect(fell.violation?.abstract).toMatch(/from insn 1 to insn 2 impossible/);
  });

  it('follows both sides of a branch to the same insn until the run tells them apart (no false finding)', () => {
    // found by a campaign: r6 = (s16)random; r3 = r6; call f; r2 = r6; exit
    //                      f: if r3 s< 0 goto +0; r0 = 0; exit
    // Both sides of the jump reach insn 9 with r3 dead there; the fall-through side's linked r6 in
    // the caller is [0, 32767], which a negative run contradicts only back in the caller.
    const p = prog(
      mkInsn(0x85, 0, 0, 0, 7), mkInsn(0xbf, 1, 0, 0, 0), mkInsn(0xbf, 6, 1, 0, 0), mkInsn(0xbf, 6, 6, 16, 0),
      mkInsn(0xbf, 3, 6, 0, 0), mkInsn(0x85, 0, 1, 0, 2), mkInsn(0xbf, 2, 6, 0, 0), mkInsn(0x95, 0, 0, 0, 0),
      mkInsn(0xc5, 3, 0, 0, 0), mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0));
    expect(verify(p).verdict).toBe('accept');
    const vp = loadVmProgram(p);
    if (isLoadError(vp)) throw new Error(vp.message);
    let negative = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const run = runVm(vp, { trace: true, seed });
      expect(run.kind).toBe('ok');
      if (BigInt.asIntN(64, run.trace![6]!.regs[6]!) < 0n) negative++;
      expect(replayContainment(p, run.trace!)).toEqual({ checked: run.trace!.length });
    }
    expect(negative).toBeGreaterThan(0);
  });

  it('a copy of a delta-linked scalar starts a new link, as 6.18 does (three campaign buckets, no false finding)', () => {
    // r2 = (s8)w2 + 1 carries the add-const flag; `w1 = w2` must unlink r2 (id and delta cleared,
    // then a fresh id: 6.18 logs r2 as id=3) instead of copying the flagged id into r1, which
    // let the model sync r1 from r2 into [-1, 1] on the jset branch. Entry 522e1b and, from a
    // campaign of seed 4242, buckets 28ca2a and 457d4c.
    const shapes = [
      'call bpf_get_prandom_u32\nr1 = r0\nr2 = r1\nr2 &= 1\nr3 = 0\nw1 &= w2\nw2 = (s8)w2\nr2 += 1\nw1 = w2\nif w2 & 0x1 goto +0\nr3 += 1\nif r3 != 0x1 goto -7\nexit',
      'call bpf_get_prandom_u32\nr1 = r0\nr2 = r1\nr2 &= 1\nr3 = 0\nw1 &= w2\nw2 = (s8)w2\nr2 += 1\nw1 = w2\nif r2 & 0x1 goto -5\nexit',
    ];
    for (const text of shapes) {
      const p: Program = { progType: 'socket_filter', maps: [], insns: assembleInsns(text) };
      expect(verify(p).verdict).toBe('accept');
      for (let seed = 0; seed < 16; seed++) {
        const trace = traceOf(p, seed);
        expect(trace).toBeDefined();
        expect(replayContainment(p, trace!)).toEqual({ checked: trace!.length });
      }
    }
  });

  it('names a register some candidate state does not hold, never one every candidate holds', () => {
    /** A frame-0 state whose listed registers are constants (the others not initialised: free). */
    const state = (consts: Record<number, bigint>): VState => {
      const f = newFrame(0, -1, 0);
      for (const [r, v] of Object.entries(consts)) f.regs[Number(r)] = scalarReg(scalarConst(v));
      return { frames: [f], refs: [], lockId: 0, lockMap: -1 };
    };
    const base = step(3, 1n);
    const at = { ...base, regs: base.regs.map((v, r) => (r === 1 || r === 2 ? 1n : v)) }; // r0 = r1 = r2 = 1
    const live = 0b111;
    // r2 is outside both candidates
    expect(stepViolation([state({ 0: 1n, 2: 2n }), state({ 0: 1n, 1: 5n, 2: 7n })], at, live)?.reg).toBe(2);
    // nothing outside both: one register of a candidate, not r0 which both hold (a campaign once got R0)
    expect(stepViolation([state({ 0: 1n, 2: 9n }), state({ 0: 1n, 1: 6n })], at, live)?.reg).toBe(2);
    // the candidate outside on fewer registers is the one named
    expect(stepViolation([state({ 1: 5n, 2: 9n }), state({ 0: 7n })], at, live)?.reg).toBe(0);
    expect(stepViolation([state({ 0: 1n, 1: 1n, 2: 1n }), state({ 0: 7n })], at, live)).toBeUndefined();
  });

  it('claims nothing where the run and the model stop corresponding', () => {
    const r = replayContainment(seven, [step(1, 7n)]);
    expect(r.violation).toBeUndefined();
    expect(r.checked).toBe(0);
    expect(r.lost).toMatch(/run is at insn 1, the model at insn 0/);
  });

  it('law: moving the frame pointer at any step of a real run is a violation at that step', () => {
    fc.assert(fc.property(mixArbitrary(), fc.nat(), ({ program }, k) => {
      if (verify(program).verdict !== 'accept') return;
      const trace = traceOf(program);
      if (!trace || trace.length === 0) return;
      expect(replayContainment(program, trace).violation).toBeUndefined();
      const at = k % trace.length;
      const moved = trace.map((t, i) => (i !== at ? t : {
        ...t, regKinds: t.regKinds.map((rk, r) => (r === 10 && rk ? { ...rk, off: rk.off + 8 } : rk)),
      }));
      const v = replayContainment(program, moved).violation;
      expect(v).toMatchObject({ slot: trace[at]!.slot, reg: 10 });
    }), { numRuns: 150 });
  });

  it('for 5,000 generated programs the model accepts: every step checked, 0 violations', () => {
    let accepted = 0;
    let steps = 0;
    let checked = 0;
    let violations = 0;
    let vmFaults = 0;
    const first: string[] = [];
    for (let i = 0; accepted < 5000 && i < 20000; i++) {
      const g = generate('containment', i);
      if (verify(g.program).verdict !== 'accept') continue;
      accepted++;
      const trace = traceOf(g.program);
      if (!trace) { vmFaults++; if (first.length < 5) first.push(`#${i} ${g.family}: VM fault`); continue; }
      const r = replayContainment(g.program, trace);
      steps += trace.length;
      checked += r.checked;
      if (r.violation) { violations++; if (first.length < 5) first.push(`#${i} ${g.family}: ${JSON.stringify(r.violation)}`); }
      else if (r.lost && first.length < 5) first.push(`#${i} ${g.family}: lost: ${r.lost}`);
    }
    console.log(`containment: ${accepted} accepted, ${steps} steps run, ${checked} checked, ${violations} violations, ${vmFaults} VM faults\n${first.join('\n')}`);
    expect(accepted).toBe(5000);
    expect(violations).toBe(0);
    expect(vmFaults).toBe(0);
    expect(checked).toBeGreaterThanOrEqual(steps * 0.99);
  }, 900_000);
});
