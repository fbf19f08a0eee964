/**
 * Stand-in verifiers with a rule simple enough to predict, for tests of the campaign machinery
 * (determinism, crash safety, minimization) that must not depend on the real verifiers. Both
 * reject every program, so nothing ever runs; the fake model names JSET jumps as its reason, so
 * every program holding one is a verdict-differential finding ("different reasons") and no
 * other oracle has anything to say.
 */
import type { Program } from '../../isa/program.ts';
import type { RunResult, Target, VerifyResult } from '../../targets.ts';
import { BPF_JSET, bpfClass, bpfOp, BPF_JMP, BPF_JMP32 } from '../../isa/opcodes.ts';
import { insnShape } from '../../../oracles/finding.ts';

export const hasJset = (p: Program): boolean =>
  p.insns.some((i) => (bpfClass(i.code) === BPF_JMP || bpfClass(i.code) === BPF_JMP32) && bpfOp(i.code) === BPF_JSET);

export const fakeModel: Target = {
  name: 'model',
  verify: (p: Program): VerifyResult => (hasJset(p)
    ? { target: 'model', verdict: 'reject', error: 'fake model: jset is not allowed', stats: {} }
    : { target: 'model', verdict: 'reject', error: 'fake: rejected', stats: {} }),
  run: (): RunResult => ({ target: 'model', error: 'the fake model does not run programs' }),
};

export const fakeKernel: Target = {
  name: 'kernel',
  verify: (): VerifyResult => ({ target: 'kernel', verdict: 'reject', error: 'fake: rejected', stats: {} }),
  run: (): RunResult => ({ target: 'kernel', error: 'the fake kernel does not run programs' }),
};

/**
 * A fake model with many buckets: it rejects every program, naming the shape of its next-to-last
 * instruction, so a campaign against fakeKernel keeps finding (and writing) new buckets.
 */
export const fakeManyBucketsModel: Target = {
  name: 'model',
  verify: (p: Program): VerifyResult => ({ target: 'model', verdict: 'reject', error: `fake: program ends with ${insnShape(p.insns[p.insns.length - 2])}`, stats: {} }),
  run: (): RunResult => ({ target: 'model', error: 'the fake model does not run programs' }),
};
