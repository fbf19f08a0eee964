/**
 * Kernel invariants: did the kernel verifier report a broken internal invariant? With
 * BPF_F_TEST_REG_INVARIANTS a register whose bounds contradict each other fails the load with
 * "REG INVARIANTS VIOLATION"; an internal inconsistency prints "verifier bug" (in the log, and a
 * WARN in dmesg, which the campaign passes in as `dmesg` lines seen during the load).
 */
import type { Finding } from './finding.ts';
import type { Observation } from './observation.ts';

const PATTERNS: readonly RegExp[] = [/REG INVARIANTS VIOLATION/, /verifier bug/i];

/** Is this line the kernel reporting a broken invariant of its own? */
export const isInvariantViolation = (line: string): boolean => PATTERNS.some((p) => p.test(line));

export function kernelInvariants(obs: Observation, dmesg: readonly string[] = []): Finding[] {
  const texts = [obs.kernel?.error ?? '', obs.kernel?.log ?? '', ...dmesg];
  const hit = texts.flatMap((t) => t.split('\n')).find(isInvariantViolation);
  if (!hit) return [];
  return [{
    oracle: 'kernel-invariants', target: 'kernel', program: obs.program,
    evidence: { message: `kernel verifier invariant broken: ${hit.trim()}`, errors: { kernel: hit.trim() } },
  }];
}
