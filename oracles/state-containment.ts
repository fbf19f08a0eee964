/**
 * State containment: at every executed instruction, are the concrete registers inside the abstract
 * state the model verifier computes there on the same path? The model provides the check
 * (VerifyResult.checkTrace: the VM trace followed through the model's transfer functions, live
 * registers only, no pruning, so nothing can hide a path); the VM trace is the concrete side. The
 * first step the state does not hold is the finding, charged to the instruction executed just
 * before it.
 *
 * DIVERGENCE: stack slots are not checked, only registers.
 */
import type { Finding } from './finding.ts';
import { type Observation, concreteRegs, insnTextAt } from './observation.ts';

export function stateContainment(obs: Observation): Finding[] {
  const trace = obs.vm?.trace;
  const check = obs.model?.checkTrace;
  if (!trace || !check || obs.model?.verdict !== 'accept') return [];
  const v = check(trace);
  if (!v) return [];
  const at = trace.findIndex((t) => t.slot === v.slot);
  const step = at >= 0 ? trace[at] : undefined;
  // The instruction whose transfer produced the state the model got wrong is the one executed
  // just before (the first step is the entry state): that is the diverging instruction.
  const producer = at > 0 ? trace[at - 1] : step;
  const pc = producer?.pc;
  const insn = insnTextAt(obs.program, pc);
  const concrete = v.concrete.replace(/\s*@$/, '');
  return [{
    oracle: 'state-containment', target: 'model', program: obs.program,
    evidence: {
      message: `after insn ${producer?.slot ?? v.slot} the concrete state is outside the model's abstract states: R${v.reg}=${concrete} at insn ${v.slot}`,
      ...(pc !== undefined ? { pc } : {}),
      ...(insn ? { insn } : {}),
      abstract: `R${v.reg}: ${v.abstract}`,
      ...(step ? { concrete: concreteRegs(step.regs, step.init) } : {}),
    },
  }];
}
