/**
 * State containment: at every executed instruction, are the concrete registers inside one of the
 * abstract states the model verifier explored at that pc (in the same frame depth)? The VM trace
 * gives the concrete side; a pc the VM reached but the model never visited is a violation too
 * (the model thought it dead). The first violation is the finding.
 *
 * DIVERGENCE: stack slots are not checked yet, only registers.
 */
import type { Finding } from './finding.ts';
import { regExcludes } from './containment.ts';
import { type Observation, concreteRegs, insnTextAt } from './observation.ts';
import type { VerifierState } from '../harness/verifier/state/log-state.ts';
import type { TraceEntry } from '../harness/vm/index.ts';

/** Why `state` does not contain the trace entry, or undefined when it does. */
export function stateExcludes(state: VerifierState, entry: TraceEntry): string | undefined {
  const frame = state.frames[state.frames.length - 1];
  if (!frame || state.frames.length - 1 !== entry.frame) return `frame depth ${state.frames.length - 1} != ${entry.frame}`;
  for (const [r, abs] of frame.regs) {
    if (!(entry.init & (1 << r))) return `R${r} is ${abs.type} in the model but uninitialized in the VM`;
    const why = regExcludes(abs, entry.regs[r]!, entry.regKinds[r]);
    if (why) return `R${r}: ${why}`;
  }
  return undefined;
}

function firstViolation(trace: readonly TraceEntry[], statesAt: ReadonlyMap<number, readonly VerifierState[]>):
  { entry: TraceEntry; why: string } | undefined {
  for (const entry of trace) {
    const states = statesAt.get(entry.pc);
    if (!states || states.length === 0) return { entry, why: 'the VM reached an instruction the model never visited' };
    let why: string | undefined;
    for (const s of states) {
      why = stateExcludes(s, entry);
      if (!why) break;
    }
    if (why) return { entry, why: states.length > 1 ? `in none of ${states.length} states; last: ${why}` : why };
  }
  return undefined;
}

export function stateContainment(obs: Observation): Finding[] {
  const trace = obs.vm?.trace;
  if (!trace || !obs.modelStatesAt || obs.model?.verdict !== 'accept') return [];
  const v = firstViolation(trace, obs.modelStatesAt);
  if (!v) return [];
  const insn = insnTextAt(obs.program, v.entry.pc);
  return [{
    oracle: 'state-containment', target: 'model', program: obs.program,
    evidence: {
      message: `concrete state outside the model's abstract state at pc ${v.entry.pc}: ${v.why}`,
      pc: v.entry.pc,
      ...(insn ? { insn } : {}),
      concrete: concreteRegs(v.entry.regs, v.entry.init),
    },
  }];
}
