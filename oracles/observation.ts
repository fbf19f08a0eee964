/**
 * What the campaign observed about one program: the input it ran on, each verifier's verdict,
 * the VM's run and the kernel's run. Oracles are pure functions from an Observation to findings;
 * anything absent (a target not used, a run not made) is simply not judged.
 */
import type { Program } from '../harness/isa/program.ts';
import type { RunResult as KernelRun, VerifyResult } from '../harness/targets.ts';
import type { RunResult as VmRun } from '../harness/vm/index.ts';
import type { LogEvent } from '../harness/verifier/state/log-state.ts';
import type { Evidence, Finding } from './finding.ts';
import { kernelInsnText } from '../harness/isa/disasm.ts';

export interface Observation {
  readonly program: Program;
  readonly input: { readonly packet?: Uint8Array; readonly ctx?: Uint8Array };
  readonly model?: VerifyResult;
  readonly kernel?: VerifyResult;
  readonly vm?: VmRun;
  readonly kernelRun?: KernelRun;
  /** The parsed events (harness/kernel/log/parse.ts) of a level-2 kernel log of the same program,
   * when the campaign sampled this program for kernel state containment (else absent). */
  readonly kernelStates?: readonly LogEvent[];
}

export type OracleFn = (obs: Observation) => Finding[];

/** Instructions traced at most per VM run (a trace entry holds 11 registers; loops run for millions). */
export const TRACE_LIMIT = 100_000;

/** The instruction at pc as the kernel log prints it, for evidence. */
export function insnTextAt(program: Program, pc: number | undefined): string | undefined {
  if (pc === undefined) return undefined;
  const insn = program.insns[pc];
  return insn ? kernelInsnText(insn) : undefined;
}

export const hex64 = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

/** Concrete registers r0..r10 that are initialized, as hex, from a VM trace entry. */
export function concreteRegs(regs: readonly bigint[], init: number): Record<string, string> {
  const out: Record<string, string> = {};
  regs.forEach((v, r) => {
    if (init & (1 << r)) out[`r${r}`] = hex64(v);
  });
  return out;
}

/** The errors of the verifiers, for evidence (only those present). */
export function verifierErrors(obs: Observation): NonNullable<Evidence['errors']> {
  return {
    ...(obs.model?.error ? { model: obs.model.error } : {}),
    ...(obs.kernel?.error ? { kernel: obs.kernel.error } : {}),
  };
}
