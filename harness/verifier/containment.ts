/**
 * The state-containment oracle for the model: at every instruction a concrete run executed, the
 * concrete registers must lie inside the abstract state the model computes there along the same
 * path (explore.ts `replay` follows the run) (scalars
 * inside their tnum and ranges, pointers into the right kind of region at an offset inside the
 * pointer's fixed + variable offset). Registers the model considers uninitialized are free.
 */
import { scalarContains } from './domains/scalar.ts';
import type { Reg } from './state/reg.ts';
import type { VState } from './state/vstate.ts';

/** The VM's view of one executed instruction (harness/vm TraceEntry, structurally). */
export interface ConcreteStep {
  readonly slot: number;
  readonly frame: number;
  readonly regs: readonly bigint[];
  readonly regKinds: ReadonlyArray<{ readonly kind: string; readonly label: string; readonly off: number } | undefined>;
}

export interface ContainmentViolation {
  readonly slot: number;
  readonly reg: number;
  readonly concrete: string;
  readonly abstract: string;
}

const REGION_OF: Readonly<Record<string, string>> = {
  fp: 'stack', ctx: 'ctx', pkt: 'packet', pkt_end: 'packet', map_value: 'map_value', map_ptr: 'map', mem: 'mem', func: 'func',
};

function regContains(a: Reg, value: bigint, kind: ConcreteStep['regKinds'][number]): boolean {
  if (a.type === 'not_init') return true;
  if (a.type === 'scalar') return scalarContains(a.s, value);
  if (!kind) return value === 0n && (a.flags & 1) !== 0; // NULL of an _or_null pointer
  const want = REGION_OF[a.type];
  const region = a.type === 'mem' && kind.kind === 'ringbuf_record' ? 'mem' : kind.kind;
  if (want && want !== region) return false;
  let off = BigInt(kind.off);
  if (a.type === 'fp') {
    off -= 512n;
    const m = /frame (\d+)/.exec(kind.label);
    if (m && Number(m[1]) !== a.frameno) return false;
  }
  if (a.type === 'pkt_end' || a.type === 'map_ptr' || a.type === 'func' || a.type === 'ctx' && a.off === 0) return true;
  return scalarContains(a.s, BigInt.asUintN(64, off - BigInt(a.off)));
}

/** The registers of the concrete step that `st` does not hold (bit i = ri); -1 when the frame
 * depths differ. `live`: registers live before the slot (dead ones are not compared). */
function failingRegs(st: VState, step: ConcreteStep, live: number): number {
  if (st.frames.length - 1 !== step.frame) return -1;
  const regs = st.frames[st.frames.length - 1]!.regs;
  let bad = 0;
  for (let r = 0; r < 11; r++) {
    if (r < 10 && !(live & (1 << r))) continue;
    if (!regContains(regs[r]!, step.regs[r]!, step.regKinds[r])) bad |= 1 << r;
  }
  return bad;
}

const lowestBit = (m: number): number => 31 - Math.clz32(m & -m);
const popcount = (m: number): number => {
  let n = 0;
  for (let x = m; x !== 0; x &= x - 1) n++;
  return n;
};

const describe = (a: Reg | undefined): string =>
  a ? `${a.type} off=${a.off} ${JSON.stringify(a.s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}` : 'no state';
const concreteText = (step: ConcreteStep, reg: number): string =>
  `0x${step.regs[reg]!.toString(16)} ${step.regKinds[reg]?.kind ?? ''}@${step.regKinds[reg]?.off ?? ''}`;

/**
 * Does one of the abstract states `candidates` (the model's states for the step's slot on the
 * run's path: one, or two when both sides of a branch lead there) hold the concrete step? When
 * none does, the violation names a register that no candidate holds, where there is one, else a
 * register of the candidate that fails the fewest (shown with that candidate's state).
 */
export function stepViolation(candidates: readonly VState[], step: ConcreteStep, live: number): ContainmentViolation | undefined {
  let common = -1;
  let blamed: { st: VState; bad: number } | undefined;
  for (const st of candidates) {
    const bad = failingRegs(st, step, live);
    if (bad === 0) return undefined;
    if (bad > 0 && (!blamed || popcount(bad) < popcount(blamed.bad))) blamed = { st, bad };
    common &= bad;
  }
  // a register no candidate holds; else one of the candidate closest to the run (fewest registers
  // outside it: the run's side of a branch, most likely)
  const reg = common > 0 ? lowestBit(common) : blamed ? lowestBit(blamed.bad) : 0;
  const shown = blamed?.st ?? candidates[0];
  return { slot: step.slot, reg, concrete: concreteText(step, reg), abstract: describe(shown?.frames[shown.frames.length - 1]?.regs[reg]) };
}

/** The run took a branch the model found impossible: charged to the jump's dst register. */
export function branchViolation(jump: { readonly dst: number }, step: ConcreteStep, taken: ConcreteStep): ContainmentViolation {
  return { slot: taken.slot, reg: jump.dst, concrete: concreteText(step, jump.dst), abstract: `no state: the model found the branch from insn ${step.slot} to insn ${taken.slot} impossible` };
}
