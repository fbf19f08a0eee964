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
import type { Observation } from '../../oracles/observation.ts';
import type { Finding } from '../../oracles/finding.ts';
import { judge } from '../../oracles/index.ts';
import { type FamilyStats, emptyFamilyStats } from './summary.ts';

export interface Targets {
  readonly model?: Target;
  readonly kernel?: Target;
}

export interface ExamineOptions {
  /** Ask the model for its states and trace the VM run for the containment oracle. */
  readonly containment?: boolean;
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

/** Instructions traced at most per run (a trace entry holds 11 registers; loops run for millions). */
export const TRACE_LIMIT = 100_000;

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

export function examine(program: Program, targets: Targets, opts: ExamineOptions = {}): Examined {
  const stats = emptyFamilyStats();
  stats.generated = 1;
  const containment = opts.containment === true;
  const model = targets.model?.verify(program, { containment });
  const kernel = targets.kernel?.verify(program, { extraFlags: PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS });
  const dmesg = kernel && opts.dmesg ? opts.dmesg() : [];
  if (model) stats[model.verdict === 'accept' ? 'modelAccepted' : 'modelRejected']++;
  if (kernel) stats[kernel.verdict === 'accept' ? 'kernelAccepted' : 'kernelRejected']++;

  const input = standardInput(program);
  const accepted = model?.verdict === 'accept' || kernel?.verdict === 'accept';
  const vm = accepted ? vmRun(program, input, containment && model?.verdict === 'accept') : undefined;
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
  const observation: Observation = {
    program, input,
    ...(model ? { model } : {}), ...(kernel ? { kernel } : {}), ...(vm ? { vm } : {}),
    ...(kernelRun ? { kernelRun } : {}),
  };
  return { observation, findings: judge(observation, dmesg), stats };
}
