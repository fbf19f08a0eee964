import { describe, expect, it } from 'vitest';
import type { Program } from '../harness/isa/program.ts';
import { mkInsn } from '../harness/isa/insn.ts';
import type { VerifyResult } from '../harness/targets.ts';
import type { RunResult as VmRun } from '../harness/vm/index.ts';
import { runtimeSafety } from './runtime-safety.ts';
import { verdictDifferential } from './verdict-differential.ts';
import { executionDifferential } from './execution-differential.ts';
import { kernelInvariants } from './kernel-invariants.ts';
import { stateContainment } from './state-containment.ts';
import { bucketKey } from './finding.ts';

// r0 = *(u64 *)(r1 +0); exit
const program: Program = { progType: 'socket_filter', maps: [], insns: [mkInsn(0x79, 0, 1, 0, 0), mkInsn(0x95, 0, 0, 0, 0)] };
const accept = (target: 'model' | 'kernel'): VerifyResult => ({ target, verdict: 'accept', stats: {} });
const reject = (target: 'model' | 'kernel', error: string): VerifyResult => ({ target, verdict: 'reject', error, stats: {} });
const fault = (kind: 'out_of_bounds' | 'budget'): VmRun => ({
  kind: 'fault', insnCount: 1, printk: [],
  fault: { kind, pc: 0, slot: 0, message: 'read of 8 bytes at offset 200 of ctx (size 192)' },
});
const ok = (r0: bigint, packetOut?: Uint8Array): VmRun => ({ kind: 'ok', r0, insnCount: 2, printk: [], ...(packetOut ? { packetOut } : {}) });

describe('runtime safety', () => {
  it('charges every verifier that accepted a faulting program', () => {
    const f = runtimeSafety({ program, input: {}, model: accept('model'), kernel: accept('kernel'), vm: fault('out_of_bounds') });
    expect(f.map((x) => x.target)).toEqual(['model', 'kernel']);
    expect(f[0]!.evidence.pc).toBe(0);
    expect(f[0]!.evidence.insn).toBe('(79) r0 = *(u64 *)(r1 +0)');
    expect(f[0]!.evidence.errors?.vm).toBe('out_of_bounds: read of 8 bytes at offset 200 of ctx (size 192)');
  });
  it('ignores rejected programs, clean runs and inconclusive faults', () => {
    expect(runtimeSafety({ program, input: {}, model: reject('model', 'x'), kernel: reject('kernel', 'x'), vm: fault('out_of_bounds') })).toEqual([]);
    expect(runtimeSafety({ program, input: {}, model: accept('model'), vm: ok(0n) })).toEqual([]);
    expect(runtimeSafety({ program, input: {}, model: accept('model'), vm: fault('budget') })).toEqual([]);
  });
});

describe('verdict differential', () => {
  it('reports accept/reject disagreement against the model', () => {
    const f = verdictDifferential({ program, input: {}, model: accept('model'), kernel: reject('kernel', 'R1 invalid mem access') });
    expect(f).toHaveLength(1);
    expect(f[0]!.target).toBe('model');
    expect(f[0]!.evidence.message).toBe('model accepts, kernel rejects');
  });
  it('reports different reject reasons, but not different registers or numbers', () => {
    expect(verdictDifferential({ program, input: {}, model: reject('model', 'R1 !read_ok'), kernel: reject('kernel', 'R2 !read_ok') })).toEqual([]);
    const f = verdictDifferential({ program, input: {}, model: reject('model', 'R1 !read_ok'), kernel: reject('kernel', 'invalid stack off=-8') });
    expect(f[0]!.evidence.message).toBe('both reject, for different reasons');
  });
  it('does not compare a model verdict on an unsupported feature', () => {
    const model: VerifyResult = { ...reject('model', 'unsupported: kfunc calls'), unsupported: 'kfunc calls' };
    expect(verdictDifferential({ program, input: {}, model, kernel: accept('kernel') })).toEqual([]);
  });
  it('leaves kernel invariant violations to the kernel-invariants oracle', () => {
    const kernel = reject('kernel', 'verifier bug: REG INVARIANTS VIOLATION (false_reg1): range bounds violation u64=[0x0, 0x1]');
    expect(verdictDifferential({ program, input: {}, model: accept('model'), kernel })).toEqual([]);
    expect(kernelInvariants({ program, input: {}, model: accept('model'), kernel })).toHaveLength(1);
  });
  it('needs both verifiers', () => {
    expect(verdictDifferential({ program, input: {}, model: accept('model') })).toEqual([]);
  });
});

describe('execution differential', () => {
  it('compares the low 32 bits of r0 only', () => {
    expect(executionDifferential({ program, input: {}, vm: ok(0x1_0000_0007n), kernelRun: { target: 'kernel', retval: 7 } })).toEqual([]);
    const f = executionDifferential({ program, input: {}, vm: ok(8n), kernelRun: { target: 'kernel', retval: 7 } });
    expect(f[0]!.evidence.message).toBe('r0 differs: VM 0x8 (low 32 bits 0x8), kernel 0x7');
  });
  it('compares packets byte by byte', () => {
    const f = executionDifferential({ program, input: {}, vm: ok(0n, Uint8Array.of(1, 2, 3)), kernelRun: { target: 'kernel', retval: 0, dataOut: Uint8Array.of(1, 9, 3) } });
    expect(f[0]!.evidence.message).toBe('packet differs from byte 1: VM 2, kernel 9');
  });
  it('does not compare programs that call a nondeterministic helper', () => {
    // call bpf_get_prandom_u32 (id 7); exit
    const random: Program = { progType: 'socket_filter', maps: [], insns: [mkInsn(0x85, 0, 0, 0, 7), mkInsn(0x95, 0, 0, 0, 0)] };
    expect(executionDifferential({ program: random, input: {}, vm: ok(8n), kernelRun: { target: 'kernel', retval: 7 } })).toEqual([]);
    // a returned pointer: the VM's encoding (region 1, offset 0) against a real kernel address
    expect(executionDifferential({ program, input: {}, vm: ok(0xffff_0001_8000_0000n), kernelRun: { target: 'kernel', retval: 0x2b62000 } })).toEqual([]);
    expect(executionDifferential({ program, input: {}, vm: ok(0x0000_0001_8000_0000n), kernelRun: { target: 'kernel', retval: 0x2b62000 } })).toHaveLength(1);
  });
  it('does not judge a faulting VM run or a missing kernel run', () => {
    expect(executionDifferential({ program, input: {}, vm: fault('out_of_bounds'), kernelRun: { target: 'kernel', retval: 1 } })).toEqual([]);
    expect(executionDifferential({ program, input: {}, vm: ok(1n) })).toEqual([]);
  });
});

describe('kernel invariants', () => {
  it('finds the invariant violation in the log or dmesg', () => {
    const kernel: VerifyResult = { ...reject('kernel', 'REG INVARIANTS VIOLATION (false_reg1): range bounds violation u64=[0x1, 0x0]'), log: '' };
    expect(kernelInvariants({ program, input: {}, kernel })[0]!.evidence.message).toContain('REG INVARIANTS VIOLATION');
    expect(kernelInvariants({ program, input: {}, kernel })[0]!.program.flags).toBe(128); // BPF_F_TEST_REG_INVARIANTS travels with it
    expect(kernelInvariants({ program, input: {}, kernel: accept('kernel') }, ['WARNING: verifier bug: scalar'])).toHaveLength(1);
    expect(kernelInvariants({ program, input: {}, kernel: reject('kernel', 'R1 !read_ok') })).toEqual([]);
  });
});

describe('state containment', () => {
  const entry = (pc: number, r0: bigint) => ({ pc, slot: pc, frame: 0, regs: [r0, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n], init: 1 << 0 | 1 << 10, regKinds: [] });
  // A stand-in checker: r0 must be at most 8 at every step.
  const model: VerifyResult = {
    ...accept('model'),
    checkTrace: (trace) => {
      const bad = trace.find((t) => t.regs[0]! > 8n);
      return bad ? { slot: bad.slot, reg: 0, concrete: `0x${bad.regs[0]!.toString(16)}`, abstract: 'scalar(umax=8)' } : undefined;
    },
  };
  it('reports the first step outside the model states, with the instruction and the registers', () => {
    const vm: VmRun = { kind: 'ok', r0: 0n, insnCount: 2, printk: [], trace: [entry(0, 3n), entry(1, 9n)] };
    const f = stateContainment({ program, input: {}, model, vm });
    expect(f).toHaveLength(1);
    expect(f[0]!.evidence.pc).toBe(0); // charged to the instruction that produced the state
    expect(f[0]!.evidence.insn).toBe('(79) r0 = *(u64 *)(r1 +0)');
    expect(f[0]!.evidence.message).toBe("after insn 0 the concrete state is outside the model's abstract states: R0=0x9 at insn 1");
    expect(f[0]!.evidence.abstract).toBe('R0: scalar(umax=8)');
    expect(f[0]!.evidence.concrete).toEqual({ r0: '0x9', r10: '0x0' }); // registers at the violating step
  });
  it('is silent when contained, without a trace, or when the model rejected', () => {
    const vm: VmRun = { kind: 'ok', r0: 0n, insnCount: 2, printk: [], trace: [entry(0, 3n), entry(1, 4n)] };
    expect(stateContainment({ program, input: {}, model, vm })).toEqual([]);
    expect(stateContainment({ program, input: {}, model, vm: ok(0n) })).toEqual([]);
    expect(stateContainment({ program, input: {}, model: reject('model', 'x'), vm })).toEqual([]);
  });
});

describe('buckets across oracles', () => {
  it('the same bug found with other constants shares a bucket', () => {
    const a = verdictDifferential({ program, input: {}, model: accept('model'), kernel: reject('kernel', 'invalid access to map value, value_size=8 off=8 size=8') })[0]!;
    const b = verdictDifferential({ program, input: {}, model: accept('model'), kernel: reject('kernel', 'invalid access to map value, value_size=16 off=12 size=4') })[0]!;
    expect(bucketKey(a)).toBe(bucketKey(b));
  });
});
