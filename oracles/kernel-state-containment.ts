/**
 * Kernel state containment: at every instruction the VM executed, are the concrete scalar
 * registers inside one of the abstract states the REAL kernel verifier had there? The kernel
 * states come from its level-2 log (Observation.kernelStates, rebuilt per instruction by
 * kernel-states.ts); the concrete side is the VM trace. The first step no state holds is the
 * finding, charged to the instruction executed just before it (it produced the state).
 *
 * Soundness (no false positive on a correct kernel). By induction along the concrete run: the
 * kernel explored an abstract path through the same instructions whose state at each step
 * contains the concrete one, unless that path was pruned (then its later states only bound the
 * registers that were precise at the prune point) or the log does not show it. So the walk
 * stops, without a finding, at the first step whose instruction
 *   - is the location of ANY prune in the log (`N: safe`, `from X to N: safe`): coarser than
 *     "the concrete run's own abstract path was pruned here", which the log cannot tell apart.
 *     The finer rule "go on when an explored (unpruned) state at N holds the step" would be
 *     sound only if "holds" covered the whole state; we check scalars only, so a step that
 *     matches an explored state in its scalars but a pruned one in its stack or pointers could
 *     later be blamed on the explored path's states;
 *   - has no logged state, or was visited on a path the rebuild could not follow
 *     (kernel-states.ts `unfollowed`): the candidate list may miss the matching state;
 *   - has no logged state of the step's frame. States of other frames are left out: a path's
 *     frame number is its call depth, which the concrete run shares; a global subprogram is
 *     verified alone in frame 0, so its instructions, run at depth >= 1, stop the walk.
 * Nothing is judged when the log is incomplete (no footer, or an error line).
 *
 * DIVERGENCE: only scalar registers are checked (bounds and var_off); pointers, NOT_INIT
 * registers and stack slots are not. Registers the VM holds uninitialized are skipped.
 */
import type { TraceEntry } from '../harness/vm/index.ts';
import { fullBounds, type RegState } from '../harness/verifier/state/log-state.ts';
import { renderReg } from '../harness/verifier/log.ts';
import type { Finding } from './finding.ts';
import { type Observation, concreteRegs, hex64, insnTextAt } from './observation.ts';
import { type KernelStateAt, type KernelStates, rebuildKernelStates } from './kernel-states.ts';

/** Why the walk over the trace stopped. */
export type StopReason = 'end' | 'violation' | 'pruned' | 'no-state' | 'unfollowed' | 'frame' | 'incomplete-log';

export interface RegMiss {
  readonly reg: number;
  /** The first bound the value breaks: 'smin', ..., 'umax32', 'var_off'. */
  readonly bound: string;
  readonly state: KernelStateAt;
}

export interface KernelContainment {
  /** Trace steps checked and found contained. */
  readonly checked: number;
  readonly stop: StopReason;
  /** Index in the trace of the uncontained step (stop === 'violation'). */
  readonly at?: number;
  /** The first candidate's first uncontained register. */
  readonly miss?: RegMiss;
  /** How many kernel states were candidates at the uncontained step. */
  readonly candidates?: number;
}

/** The first bound of `reg` (a scalar) that the concrete 64-bit value breaks, or undefined. */
export function scalarMiss(reg: RegState, value: bigint): string | undefined {
  const b = fullBounds(reg.bounds);
  const u = BigInt.asUintN(64, value);
  const s = BigInt.asIntN(64, u);
  const u32 = BigInt.asUintN(32, u);
  const s32 = BigInt.asIntN(32, u32);
  if (s < b.smin) return 'smin';
  if (s > b.smax) return 'smax';
  if (u < b.umin) return 'umin';
  if (u > b.umax) return 'umax';
  if (s32 < b.smin32) return 'smin32';
  if (s32 > b.smax32) return 'smax32';
  if (u32 < b.umin32) return 'umin32';
  if (u32 > b.umax32) return 'umax32';
  if ((u & ~b.varOff.mask & ((1n << 64n) - 1n)) !== b.varOff.value) return 'var_off';
  return undefined;
}

/** The first register of `step` that `state` does not contain. */
function stateMiss(state: KernelStateAt, step: TraceEntry): RegMiss | undefined {
  for (let r = 0; r < 11; r++) {
    const reg = state.regs[r];
    if (!(step.init & (1 << r)) || reg?.type !== 'scalar') continue;
    const bound = scalarMiss(reg, step.regs[r]!);
    if (bound) return { reg: r, bound, state };
  }
  return undefined;
}

/**
 * The kernel states that may hold `step`: those of its frame (a path's frame number is its call
 * depth, which the concrete run shares), or why the step cannot be judged.
 */
function candidatesOf(ks: KernelStates, step: TraceEntry): readonly KernelStateAt[] | StopReason {
  if (ks.pruned.has(step.slot)) return 'pruned';
  if (ks.unfollowed.has(step.slot)) return 'unfollowed';
  const all = ks.bySlot.get(step.slot);
  if (!all || all.length === 0) return 'no-state';
  const same = all.filter((c) => c.frameno === step.frame);
  return same.length > 0 ? same : 'frame';
}

/** Walk the trace against the rebuilt kernel states (see the module comment). */
export function checkKernelContainment(ks: KernelStates, trace: readonly TraceEntry[]): KernelContainment {
  if (!ks.complete) return { checked: 0, stop: 'incomplete-log' };
  for (let i = 0; i < trace.length; i++) {
    const step = trace[i]!;
    const cands = candidatesOf(ks, step);
    if (typeof cands === 'string') return { checked: i, stop: cands };
    let miss: RegMiss | undefined;
    let contained = false;
    for (const c of cands) {
      const m = stateMiss(c, step);
      if (!m) {
        contained = true;
        break;
      }
      miss ??= m;
    }
    if (!contained) return { checked: i, stop: 'violation', at: i, candidates: cands.length, ...(miss ? { miss } : {}) };
  }
  return { checked: trace.length, stop: 'end' };
}

/** The judgement of one observation, or undefined when it is not judged (see kernelStateContainment). */
export function judgeKernelContainment(obs: Observation): KernelContainment | undefined {
  const trace = obs.vm?.kind === 'ok' ? obs.vm.trace : undefined;
  if (!trace || !obs.kernelStates || obs.kernel?.verdict !== 'accept') return undefined;
  return checkKernelContainment(rebuildKernelStates(obs.kernelStates), trace);
}

export function kernelStateContainment(obs: Observation): Finding[] {
  const r = judgeKernelContainment(obs);
  if (r?.stop !== 'violation' || r.at === undefined || !r.miss) return [];
  const trace = obs.vm!.trace!;
  const step = trace[r.at]!;
  // The first step is the entry state; otherwise the step before produced the state.
  const producer = r.at > 0 ? trace[r.at - 1]! : step;
  const { reg, bound, state } = r.miss;
  const abstract = `R${reg}=${renderReg(state.regs[reg]!, state.frameno)}`;
  const value = hex64(step.regs[reg]!);
  const insn = insnTextAt(obs.program, producer.pc);
  return [{
    oracle: 'state-containment', target: 'kernel', program: obs.program,
    evidence: {
      message: `after insn ${producer.slot} the concrete state is outside the kernel's abstract states: `
        + `R${reg}=${value} at insn ${step.slot}, kernel ${abstract} (${bound}; ${r.candidates} kernel state(s) at insn ${step.slot})`,
      pc: producer.pc,
      ...(insn ? { insn } : {}),
      abstract,
      concrete: concreteRegs(step.regs, step.init),
    },
  }];
}
