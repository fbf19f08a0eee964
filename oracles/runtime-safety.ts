/**
 * Runtime safety: a verifier accepted the program; did the sanitizing VM see an unsafe access
 * (out of bounds, uninitialised register, use after free, null or scalar dereference,
 * misalignment, a lock or reference violation)? One finding per verifier that accepted it.
 *
 * Faults that say nothing about safety are not findings: the instruction budget (a long but
 * legal loop), a feature the VM does not implement, and reads of never-written stack bytes, which
 * privileged programs may do (the kernel accepts them for CAP_PERFMON).
 */
import type { Finding, TargetName } from './finding.ts';
import { type Observation, concreteRegs, insnTextAt, verifierErrors } from './observation.ts';
import type { FaultKind } from '../harness/vm/index.ts';

export const INCONCLUSIVE_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>([
  'budget', 'unsupported', 'unknown_helper', 'uninit_stack',
]);

export function runtimeSafety(obs: Observation): Finding[] {
  const run = obs.vm;
  if (!run || run.kind !== 'fault' || INCONCLUSIVE_FAULTS.has(run.fault.kind)) return [];
  const accepted: TargetName[] = [];
  if (obs.model?.verdict === 'accept') accepted.push('model');
  if (obs.kernel?.verdict === 'accept') accepted.push('kernel');
  const last = run.trace?.[run.trace.length - 1];
  return accepted.map((target) => ({
    oracle: 'runtime-safety',
    target,
    program: obs.program,
    evidence: {
      message: `${target} verifier accepted a program that faults at run time: ${run.fault.kind}: ${run.fault.message}`,
      pc: run.fault.pc,
      ...(insnTextAt(obs.program, run.fault.pc) ? { insn: insnTextAt(obs.program, run.fault.pc) } : {}),
      ...(last && last.pc === run.fault.pc ? { concrete: concreteRegs(last.regs, last.init) } : {}),
      errors: { ...verifierErrors(obs), vm: `${run.fault.kind}: ${run.fault.message}` },
    },
  }));
}
