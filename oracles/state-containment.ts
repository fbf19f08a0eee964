/**
 * State containment: at every executed instruction, are the concrete registers inside one of the
 * abstract states the model verifier explored there? The model prepares the check
 * (VerifyResult.checkTrace: every state at every instruction, live registers only, explored with
 * all scalars precise so that pruning cannot hide a path); the VM trace is the concrete side. The
 * first step no state holds is the finding.
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
  const step = trace.find((t) => t.slot === v.slot);
  const pc = step?.pc;
  const insn = insnTextAt(obs.program, pc);
  return [{
    oracle: 'state-containment', target: 'model', program: obs.program,
    evidence: {
      message: `concrete state outside the model's abstract states at insn ${v.slot}: R${v.reg}=${v.concrete}`,
      ...(pc !== undefined ? { pc } : {}),
      ...(insn ? { insn } : {}),
      abstract: `R${v.reg}: ${v.abstract}`,
      ...(step ? { concrete: concreteRegs(step.regs, step.init) } : {}),
    },
  }];
}
