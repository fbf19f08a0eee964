/**
 * The oracles the campaign consults for every program, in the order findings are reported.
 * Each is a pure function of an Observation (oracles/observation.ts).
 */
import type { Finding } from './finding.ts';
import type { Observation } from './observation.ts';
import { runtimeSafety } from './runtime-safety.ts';
import { stateContainment } from './state-containment.ts';
import { kernelStateContainment } from './kernel-state-containment.ts';
import { verdictDifferential } from './verdict-differential.ts';
import { executionDifferential } from './execution-differential.ts';
import { kernelInvariants } from './kernel-invariants.ts';

export const ORACLES: ReadonlyArray<{ readonly name: string; readonly judge: (obs: Observation, dmesg: readonly string[]) => Finding[] }> = [
  { name: 'runtime-safety', judge: (o) => runtimeSafety(o) },
  { name: 'state-containment', judge: (o) => stateContainment(o) },
  { name: 'kernel-state-containment', judge: (o) => kernelStateContainment(o) },
  { name: 'verdict-differential', judge: (o) => verdictDifferential(o) },
  { name: 'execution-differential', judge: (o) => executionDifferential(o) },
  { name: 'kernel-invariants', judge: (o, dmesg) => kernelInvariants(o, dmesg) },
];

export function judge(obs: Observation, dmesg: readonly string[] = []): Finding[] {
  return ORACLES.flatMap((o) => o.judge(obs, dmesg));
}
