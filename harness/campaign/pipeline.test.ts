import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mkInsn } from '../isa/insn.ts';
import type { Program } from '../isa/program.ts';
import type { Target, VerifyOptions, VerifyResult } from '../targets.ts';
import { generate } from '../../generators/index.ts';
import { createModelTarget } from '../verifier/target.ts';
import { describeKernel } from '../kernel/testing.ts';
import { createKernelTarget } from '../kernel/target.ts';
import { parseVerifierLog } from '../kernel/log/parse.ts';
import { examine, programHash } from './pipeline.ts';
import { BUNDLED_CORPUS, corpusPrograms } from './families.ts';

const prog = (...insns: ReturnType<typeof mkInsn>[]): Program => ({ progType: 'socket_filter', maps: [], insns });
// r0 = 0; exit
const RET0 = prog(mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0));

/** A kernel stand-in that accepts everything and records the options of each verify call. */
function recordingKernel(): Target & { calls: VerifyOptions[] } {
  const calls: VerifyOptions[] = [];
  return {
    name: 'kernel', calls,
    verify(_p: Program, o: VerifyOptions = {}): VerifyResult {
      calls.push(o);
      return { target: 'kernel', verdict: 'accept', errno: 0, stats: {}, ...(o.states ? { events: [] } : {}) };
    },
    run: () => ({ target: 'kernel', retval: 0 }),
  };
}

describe('examine: kernel states on a sample', () => {
  const model = createModelTarget();

  it('asks the kernel for its states of every accepted, cleanly run program by default, and never with 0', () => {
    const k = recordingKernel();
    const ex = examine(RET0, { model, kernel: k }, { containment: true });
    expect(k.calls.filter((o) => o.states)).toHaveLength(1);
    expect(ex.stats.kernelStatesChecked).toBe(1);
    expect(ex.observation.kernelStates).toEqual([]);
    const never = recordingKernel();
    const none = examine(RET0, { model, kernel: never }, { containment: true, kernelStatesEvery: 0 });
    expect(never.calls.some((o) => o.states)).toBe(false);
    expect(none.stats.kernelStatesChecked).toBe(0);
    const off = recordingKernel();
    examine(RET0, { model, kernel: off }, { containment: false });
    expect(off.calls.some((o) => o.states)).toBe(false);
  });

  it('samples about 1 program in N, the same ones every time', () => {
    const programs = Array.from({ length: 400 }, (_, i) => generate('sample', i).program);
    const chosen = () => programs.map((p) => {
      const k = recordingKernel();
      examine(p, { model, kernel: k }, { containment: true, kernelStatesEvery: 4 });
      return k.calls.some((o) => o.states);
    });
    const first = chosen();
    expect(chosen()).toEqual(first);
    const n = first.filter(Boolean).length;
    expect(n).toBeGreaterThan(50); // 400 / 4 = 100 expected; VM faults make a few ineligible
    expect(n).toBeLessThan(150);
  });

  it('programHash: equal programs hash alike, a changed immediate changes it', () => {
    const copy = prog(mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0));
    expect(programHash(copy)).toBe(programHash(RET0));
    expect(programHash(prog(mkInsn(0xb7, 0, 0, 0, 1), mkInsn(0x95, 0, 0, 0, 0)))).not.toBe(programHash(RET0));
  });
});

describe('the model budget', () => {
  // r1 = 0; loop: r1 += 1; if r1 < 3000 goto loop; r0 = 0; exit -- bounded, about 6,000 insns to verify
  const loop = prog(mkInsn(0xb7, 1, 0, 0, 0), mkInsn(0x07, 1, 0, 0, 1), mkInsn(0xa5, 1, 0, -2, 3000), mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0));
  const model = createModelTarget();

  it('a program that needs more than the budget is not judged: unsupported, budgetExhausted', () => {
    const r = model.verify(loop, { insnBudget: 1000 });
    expect(r.budgetExhausted).toBe(true);
    expect(r.unsupported).toBe('model: exploration budget of 1000 processed insns exhausted');
    const full = model.verify(loop, {});
    expect(full.verdict).toBe('accept');
    expect(full.budgetExhausted).toBeUndefined();
    expect(model.verify(loop, { insnBudget: 100_000 }).verdict).toBe('accept');
  });

  it('examine counts the programs the model gave up on', () => {
    expect(examine(loop, { model }, { modelInsnBudget: 1000 }).stats.modelBudgetExhausted).toBe(1);
    expect(examine(loop, { model }, {}).stats.modelBudgetExhausted).toBe(0);
  });

  it('mutate parents leave out corpus entries recorded to need more than the budget', () => {
    const files = readdirSync(BUNDLED_CORPUS).filter((f) => f.endsWith('.json'));
    const heavy = files.filter((f) => (JSON.parse(readFileSync(path.join(BUNDLED_CORPUS, f), 'utf8')).expectations?.model?.insnsProcessed ?? 0) > 100_000);
    expect(heavy.length).toBeGreaterThan(0); // the open model bug's 1,000,001
    expect(corpusPrograms([BUNDLED_CORPUS])).toHaveLength(files.length);
    expect(corpusPrograms([BUNDLED_CORPUS], { modelInsnBudget: 100_000 })).toHaveLength(files.length - heavy.length);
  });
});

describeKernel('examine with the live kernel: its states reach the oracle', () => {
  it('a sampled program carries the parsed level-2 events', () => {
    const kernel = createKernelTarget({ parseLog: (t) => parseVerifierLog(t).events });
    const ex = examine(RET0, { model: createModelTarget(), kernel }, { containment: true, kernelStatesEvery: 1 });
    expect(ex.stats.kernelStatesChecked).toBe(1);
    expect(ex.observation.kernelStates?.some((e) => e.kind === 'insn' && e.pc === 1)).toBe(true);
    expect(ex.findings).toEqual([]);
  });
});
