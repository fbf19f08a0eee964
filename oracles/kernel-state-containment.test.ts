import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkInsn, type Insn } from '../harness/isa/insn.ts';
import type { Program } from '../harness/isa/program.ts';
import type { RegState } from '../harness/verifier/state/log-state.ts';
import type { TraceEntry, RunResult as VmRun } from '../harness/vm/index.ts';
import type { VerifyResult } from '../harness/targets.ts';
import { parseVerifierLog } from '../harness/kernel/log/parse.ts';
import type { Observation } from './observation.ts';
import { judgeKernelContainment, kernelStateContainment, scalarMiss } from './kernel-state-containment.ts';
import { judge } from './index.ts';
import { MASK_PROGRAM } from './kernel-state-fixtures.ts';

const FOOTER = 'processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0';


// Its level-2 log on Linux 6.18 (the liveness table left out).
const MASK_LOG = [
  'func#0 @0',
  '0: R1=ctx() R10=fp0',
  '0: (85) call bpf_get_prandom_u32#7    ; R0=scalar()',
  '1: (bf) r6 = r0                       ; R0=scalar(id=1) R6=scalar(id=1)',
  '2: (57) r6 &= 240                     ; R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=240,var_off=(0x0; 0xf0))',
  '3: (47) r6 |= 1                       ; R6=scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=241,var_off=(0x1; 0xf0))',
  '4: (b7) r0 = 0                        ; R0=0',
  '5: (95) exit',
];

const CTX = 0xffff000180000000n;
const FP = 0xffff000280000200n;

/** A trace step: `regs` by number (initialized), everything else uninitialized. */
function step(slot: number, regs: Readonly<Record<number, bigint>>, frame = 0): TraceEntry {
  const values = new Array<bigint>(11).fill(0n);
  let init = 0;
  for (const [k, v] of Object.entries(regs)) {
    values[Number(k)] = v;
    init |= 1 << Number(k);
  }
  return { pc: slot, slot, frame, regs: values, init, regKinds: new Array(11).fill(undefined) };
}

/** The concrete run of MASK_PROGRAM when prandom returns `rnd`, with r6 at insn 4 overridden. */
function maskTrace(rnd: bigint, r6at4?: bigint): TraceEntry[] {
  const r6 = (rnd & 0xf0n) | 1n;
  return [
    step(0, { 1: CTX, 10: FP }),
    step(1, { 0: rnd, 10: FP }),
    step(2, { 0: rnd, 6: rnd, 10: FP }),
    step(3, { 0: rnd, 6: rnd & 0xf0n, 10: FP }),
    step(4, { 0: rnd, 6: r6at4 ?? r6, 10: FP }),
    step(5, { 0: 0n, 6: r6, 10: FP }),
  ];
}

const accept: VerifyResult = { target: 'kernel', verdict: 'accept', stats: {} };

function observe(log: readonly string[], trace: TraceEntry[], over: Partial<Observation> = {}): Observation {
  const vm: VmRun = { kind: 'ok', r0: 0n, insnCount: trace.length, trace, printk: [] } as unknown as VmRun;
  return {
    program: MASK_PROGRAM, input: {}, kernel: accept, vm,
    kernelStates: parseVerifierLog(log.join('\n') + '\n').events, ...over,
  };
}

describe('kernelStateContainment on hand-written logs and traces', () => {
  it('a concrete run inside the logged states gives no finding and checks every step', () => {
    const obs = observe([...MASK_LOG, FOOTER], maskTrace(0x5an));
    expect(kernelStateContainment(obs)).toEqual([]);
    expect(judgeKernelContainment(obs)).toEqual({ checked: 6, stop: 'end' });
  });

  it('a register outside its bounds is one finding charged to the instruction before', () => {
    const f = kernelStateContainment(observe([...MASK_LOG, FOOTER], maskTrace(0x5an, 0x1f1n)));
    expect(f).toHaveLength(1);
    expect(f[0]!.oracle).toBe('state-containment');
    expect(f[0]!.target).toBe('kernel');
    expect(f[0]!.evidence.pc).toBe(3);
    expect(f[0]!.evidence.insn).toBe('(47) r6 |= 1');
    expect(f[0]!.evidence.abstract).toBe('R6=scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=241,var_off=(0x1; 0xf0))');
    expect(f[0]!.evidence.concrete?.r6).toBe('0x1f1');
    expect(f[0]!.evidence.message).toContain('R6=0x1f1 at insn 4');
    expect(f[0]!.evidence.message).toContain('(smax;');
  });

  it('is one of the registered oracles', () => {
    const f = judge(observe([...MASK_LOG, FOOTER], maskTrace(0x5an, 0x1f1n)));
    expect(f.filter((x) => x.oracle === 'state-containment' && x.target === 'kernel')).toHaveLength(1);
  });

  it('a register inside its bounds but outside var_off is a finding', () => {
    const f = kernelStateContainment(observe([...MASK_LOG, FOOTER], maskTrace(0x5an, 0x52n)));
    expect(f).toHaveLength(1);
    expect(f[0]!.evidence.message).toContain('(var_off;');
  });

  it('registers the VM holds uninitialized are not checked', () => {
    const trace = maskTrace(0x5an, 0x1f1n);
    trace[4] = { ...trace[4]!, init: trace[4]!.init & ~(1 << 6) };
    expect(kernelStateContainment(observe([...MASK_LOG, FOOTER], trace))).toEqual([]);
  });

  it('one state of several containing the step is enough', () => {
    const log = [
      '0: R1=ctx() R10=fp0',
      '0: (b7) r0 = 1                        ; R0=1',
      '1: (05) goto pc+0',
      '2: (95) exit',
      '',
      'from 0 to 2: R0=0 R10=fp0',
      '2: (95) exit',
      FOOTER,
    ];
    const trace = (r0: bigint) => [step(0, { 1: CTX, 10: FP }), step(1, { 0: 1n, 10: FP }), step(2, { 0: r0, 10: FP })];
    expect(kernelStateContainment(observe(log, trace(0n)))).toEqual([]);
    expect(kernelStateContainment(observe(log, trace(1n)))).toEqual([]);
    const r = judgeKernelContainment(observe(log, trace(2n)));
    expect(r?.stop).toBe('violation');
    expect(r?.candidates).toBe(2);
  });

  it('stops at the first step at a prune point: later states need not hold it', () => {
    const log = [...MASK_LOG, '', 'from 9 to 4: safe', FOOTER];
    const obs = observe(log, maskTrace(0x5an, 0x1f1n));
    expect(kernelStateContainment(obs)).toEqual([]);
    expect(judgeKernelContainment(obs)).toEqual({ checked: 4, stop: 'pruned' });
  });

  it('stops at a step whose instruction has no logged state', () => {
    const log = [...MASK_LOG.slice(0, 6), FOOTER]; // insns 0-3 only
    const obs = observe(log, maskTrace(0x5an, 0x1f1n));
    expect(kernelStateContainment(obs)).toEqual([]);
    expect(judgeKernelContainment(obs)).toEqual({ checked: 4, stop: 'no-state' });
  });

  it('compares a step only with states of its own frame', () => {
    const trace = maskTrace(0x5an, 0x1f1n).map((s) => ({ ...s, frame: 1 }));
    expect(judgeKernelContainment(observe([...MASK_LOG, FOOTER], trace))).toEqual({ checked: 0, stop: 'frame' });
  });

  it('does not judge an incomplete log, a rejected program, a faulting VM run, or no kernel states', () => {
    const bad = maskTrace(0x5an, 0x1f1n);
    expect(judgeKernelContainment(observe(MASK_LOG, bad))).toEqual({ checked: 0, stop: 'incomplete-log' });
    expect(kernelStateContainment(observe(MASK_LOG, bad))).toEqual([]);
    const reject: VerifyResult = { target: 'kernel', verdict: 'reject', stats: {} };
    expect(judgeKernelContainment(observe([...MASK_LOG, FOOTER], bad, { kernel: reject }))).toBeUndefined();
    const fault = { kind: 'fault', trace: bad } as unknown as VmRun;
    expect(judgeKernelContainment(observe([...MASK_LOG, FOOTER], bad, { vm: fault }))).toBeUndefined();
    const { kernelStates: _, ...noStates } = observe([...MASK_LOG, FOOTER], bad);
    expect(judgeKernelContainment(noStates)).toBeUndefined();
  });
});

const U64 = (1n << 64n) - 1n;
const u64 = fc.bigInt({ min: 0n, max: U64 });
const s64 = (u: bigint): bigint => BigInt.asIntN(64, u);
const lo32 = (u: bigint): bigint => BigInt.asUintN(32, u);
const s32 = (u: bigint): bigint => BigInt.asIntN(32, lo32(u));
const min = (xs: bigint[]): bigint => xs.reduce((a, b) => (b < a ? b : a));
const max = (xs: bigint[]): bigint => xs.reduce((a, b) => (b > a ? b : a));

/** The tightest scalar holding every value of `vs`, computed here from the definitions. */
function hull(vs: bigint[]): RegState {
  const and = vs.reduce((a, b) => a & b);
  const or = vs.reduce((a, b) => a | b);
  return {
    type: 'scalar',
    bounds: {
      smin: min(vs.map(s64)), smax: max(vs.map(s64)), umin: min(vs), umax: max(vs),
      smin32: min(vs.map(s32)), smax32: max(vs.map(s32)), umin32: min(vs.map(lo32)), umax32: max(vs.map(lo32)),
      varOff: { value: and, mask: or ^ and },
    },
  };
}

describe('scalarMiss', () => {
  it('a constant holds exactly its value', () => {
    fc.assert(fc.property(u64, u64, (v, w) => {
      const c = hull([v]);
      expect(scalarMiss(c, v)).toBeUndefined();
      if (w !== v) expect(scalarMiss(c, w)).toBeDefined();
    }));
  });

  it('the hull of a set of values holds each of them (soundness of the check)', () => {
    fc.assert(fc.property(fc.array(u64, { minLength: 1, maxLength: 6 }), (vs) => {
      const h = hull(vs);
      for (const v of vs) expect(scalarMiss(h, v)).toBeUndefined();
    }));
  });

  it('an unknown scalar holds everything; each bound is named when broken', () => {
    fc.assert(fc.property(u64, (v) => {
      expect(scalarMiss({ type: 'scalar' }, v)).toBeUndefined();
    }));
    expect(scalarMiss({ type: 'scalar', bounds: { smin: 0n } }, U64)).toBe('smin');
    expect(scalarMiss({ type: 'scalar', bounds: { umax: 10n } }, 11n)).toBe('umax');
    expect(scalarMiss({ type: 'scalar', bounds: { smax32: 5n } }, 0x100000006n)).toBe('smax32');
    expect(scalarMiss({ type: 'scalar', bounds: { umin32: 2n } }, 0x100000001n)).toBe('umin32');
    expect(scalarMiss({ type: 'scalar', bounds: { varOff: { value: 1n, mask: 0xf0n } } }, 0x21n)).toBeUndefined();
    expect(scalarMiss({ type: 'scalar', bounds: { varOff: { value: 1n, mask: 0xf0n } } }, 0x121n)).toBe('var_off');
  });
});
