/**
 * Kernel invariants: did the kernel verifier report a broken internal invariant? With
 * BPF_F_TEST_REG_INVARIANTS a register whose bounds contradict each other fails the load with
 * "REG INVARIANTS VIOLATION"; an internal inconsistency prints "verifier bug" (in the log, and a
 * WARN in dmesg, which the campaign passes in as `dmesg` lines seen during the load).
 */
import type { Finding } from './finding.ts';
import type { Observation } from './observation.ts';
import { PROG_FLAGS } from '../harness/isa/program.ts';

const PATTERNS: readonly RegExp[] = [/REG INVARIANTS VIOLATION/, /verifier bug/i];

/** Is this line the kernel reporting a broken invariant of its own? */
export const isInvariantViolation = (line: string): boolean => PATTERNS.some((p) => p.test(line));

export function kernelInvariants(obs: Observation, dmesg: readonly string[] = []): Finding[] {
  const texts = [obs.kernel?.error ?? '', obs.kernel?.log ?? '', ...dmesg];
  const hit = texts.flatMap((t) => t.split('\n')).find(isInvariantViolation);
  if (!hit) return [];
  // The program carries the flag that makes the kernel fail on the violation, so that a replay
  // anywhere (not only through the campaign, which always sets it) reproduces the reject.
  const program = { ...obs.program, flags: ((obs.program.flags ?? 0) | PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS) >>> 0 };
  return [{
    oracle: 'kernel-invariants', target: 'kernel', program,
    evidence: { message: `kernel verifier invariant broken: ${hit.trim()}`, errors: { kernel: hit.trim() } },
  }];
}
