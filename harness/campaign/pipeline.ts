/**
 * One program through the whole product: both verifiers, the VM, the kernel's run (only after a
 * clean VM run of a program the kernel accepted), then every oracle. Returns the observation,
 * the findings and the per-family counts it adds. Pure but for the targets it calls.
 */
import type { Program } from '../isa/program.ts';
import { PROG_FLAGS } from '../isa/program.ts';
import type { Target } from '../targets.ts';
import { defaultRunInput } from '../kernel/loaded.ts';
import { isLoadError, loadVmProgram, runVm, type RunResult as VmRun } from '../vm/index.ts';
import { type Observation, TRACE_LIMIT } from '../../oracles/observation.ts';
import type { Finding } from '../../oracles/finding.ts';
import { judge } from '../../oracles/index.ts';
import { type FamilyStats, emptyFamilyStats } from './summary.ts';

export interface Targets {
  readonly model?: Target;
  readonly kernel?: Target;
}

export interface ExamineOptions {
  /** Ask the model for its states and trace the VM run for the containment oracles. */
  readonly containment?: boolean;
  /**
   * With containment and a kernel: check the kernel's own states (a second load with a level-2
   * log, parsed) for 1 program in N, chosen by a hash of the program so that the choice is the
   * same in every run and for every worker; 0: never. Default 1: every program (replay,
   * minimize); the campaign samples (a level-2 load costs 5-8 times a plain one on branchy programs).
   */
  readonly kernelStatesEvery?: number;
  /** Stop the model after this many processed instructions: the program is then not judged by
   * the model (`unsupported`), see harness/verifier/target.ts. Default: the kernel's 1,000,000. */
  readonly modelInsnBudget?: number;
  /** Source of new dmesg lines, read after each kernel load. */
  readonly dmesg?: () => string[];
}

export interface Examined {
  readonly observation: Observation;
  readonly findings: Finding[];
  readonly stats: FamilyStats;
}

/** The input every run of a program uses: a 64-byte zeroed packet, or a zeroed context. */
export function standardInput(program: Program): { packet?: Uint8Array; ctx?: Uint8Array } {
  const k = defaultRunInput(program.progType);
  return { ...(k.data ? { packet: k.data } : {}), ...(k.ctx ? { ctx: k.ctx } : {}) };
}

/**
 * The VM's run of the program. With `trace`, the first TRACE_LIMIT steps are traced; a longer
 * run is repeated untraced with the full budget, and keeps the traced prefix for containment.
 */
function vmRun(program: Program, input: Observation['input'], trace: boolean): VmRun | undefined {
  const vp = loadVmProgram(program);
  if (isLoadError(vp)) return undefined;
  if (!trace) return runVm(vp, input);
  const traced = runVm(vp, { ...input, trace: true, budget: TRACE_LIMIT });
  if (traced.kind === 'ok' || traced.fault.kind !== 'budget') return traced;
  const full = runVm(vp, input);
  return traced.trace ? { ...full, trace: traced.trace } : full;
}

/** FNV-1a over the instruction fields: a stable choice of programs for sampling. */
export function programHash(program: Program): number {
  let h = 0x811c9dc5;
  for (const i of program.insns) {
    for (const v of [i.code, i.dst, i.src, i.off, i.imm]) h = Math.imul(h ^ (v & 0xffff) ^ (v >>> 16), 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The kernel's states are requested only for programs it verified in at most this many processed
 * instructions: a level-2 log takes 100-200 bytes an instruction and parses at about 6 MB/s, so
 * this bounds the cost at a few hundred milliseconds (and the VM trace stops at TRACE_LIMIT anyway).
 */
export const KERNEL_STATES_MAX_INSNS = 10_000;

export function examine(program: Program, targets: Targets, opts: ExamineOptions = {}): Examined {
  const stats = emptyFamilyStats();
  stats.generated = 1;
  const containment = opts.containment === true;
  const model = targets.model?.verify(program, { containment, ...(opts.modelInsnBudget ? { insnBudget: opts.modelInsnBudget } : {}) });
  const kernel = targets.kernel?.verify(program, { extraFlags: PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS });
  const dmesg = kernel && opts.dmesg ? opts.dmesg() : [];
  if (model) stats[model.verdict === 'accept' ? 'modelAccepted' : 'modelRejected']++;
  if (model?.budgetExhausted) stats.modelBudgetExhausted++;
  if (kernel) stats[kernel.verdict === 'accept' ? 'kernelAccepted' : 'kernelRejected']++;

  const input = standardInput(program);
  const accepted = model?.verdict === 'accept' || kernel?.verdict === 'accept';
  const every = Math.floor(opts.kernelStatesEvery ?? 1);
  const kernelStates = containment && every > 0 && kernel?.verdict === 'accept'
    && (kernel.stats.insnsProcessed ?? 0) <= KERNEL_STATES_MAX_INSNS && programHash(program) % every === 0;
  const vm = accepted ? vmRun(program, input, containment && (model?.verdict === 'accept' || kernelStates)) : undefined;
  if (vm) {
    stats.vmRuns++;
    if (vm.kind === 'fault') stats.vmFaults++;
  }
  // design.md: the host kernel runs a program only after its verifier accepted it AND our VM ran
  // it cleanly on the same input.
  let kernelRun;
  if (targets.kernel && kernel?.verdict === 'accept' && vm?.kind === 'ok') {
    kernelRun = targets.kernel.run(program, { ...(input.packet ? { data: input.packet } : {}), ...(input.ctx ? { ctx: input.ctx } : {}) });
    stats.kernelRuns++;
  }
  // The kernel's states, for a clean traced run only (the oracle judges nothing else).
  const states = kernelStates && vm?.kind === 'ok' && vm.trace ? targets.kernel!.verify(program, { states: true }).events : undefined;
  if (states) stats.kernelStatesChecked++;
  const observation: Observation = {
    program, input,
    ...(model ? { model } : {}), ...(kernel ? { kernel } : {}), ...(vm ? { vm } : {}),
    ...(kernelRun ? { kernelRun } : {}), ...(states ? { kernelStates: states } : {}),
  };
  return { observation, findings: judge(observation, dmesg), stats };
}
