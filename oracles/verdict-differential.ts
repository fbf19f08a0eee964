/**
 * Verdict differential: do the model and the kernel agree on accept/reject, and on the reason?
 * The kernel is the reference, so a disagreement is charged to the model. A reject by both for
 * different reasons (different error classes) is a finding too: the model promises the kernel's
 * words. A model verdict on a feature the model does not cover (`unsupported`) is not compared,
 * nor a kernel reject for a broken invariant of its own.
 */
import { errorClass, type Finding } from './finding.ts';
import { type Observation, verifierErrors } from './observation.ts';
import { isInvariantViolation } from './kernel-invariants.ts';

/** The pc of the rejecting verifier's error, when its log events name one. */
function errorPc(obs: Observation): number | undefined {
  const events = obs.model?.verdict === 'reject' ? obs.model.events : obs.kernel?.events;
  if (!events) return undefined;
  let pc: number | undefined;
  for (const e of events) if (e.kind === 'insn') pc = e.pc;
  return pc;
}

export function verdictDifferential(obs: Observation): Finding[] {
  const { model, kernel } = obs;
  if (!model || !kernel || model.unsupported) return [];
  // A reject for a broken kernel invariant (the campaign loads with BPF_F_TEST_REG_INVARIANTS,
  // without which the kernel goes on) is the kernel-invariants oracle's finding, not a model one.
  if (kernel.verdict === 'reject' && isInvariantViolation(kernel.error ?? '')) return [];
  let message: string | undefined;
  if (model.verdict !== kernel.verdict) {
    message = `model ${model.verdict}s, kernel ${kernel.verdict}s`;
  } else if (model.verdict === 'reject' && errorClass(model.error ?? '') !== errorClass(kernel.error ?? '')) {
    message = 'both reject, for different reasons';
  }
  if (!message) return [];
  const pc = errorPc(obs);
  return [{
    oracle: 'verdict-differential',
    target: 'model',
    program: obs.program,
    evidence: { message, ...(pc !== undefined ? { pc } : {}), errors: verifierErrors(obs) },
  }];
}
