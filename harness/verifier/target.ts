/**
 * The model verifier as a Target (harness/targets.ts): verify() with the kernel-format log
 * rendered from the model's events (harness/verifier/log.ts) and, on request, the structured
 * events and a checker of concrete traces (the run's path replayed through the model); run() executes in our VM (the model's semantics
 * of execution), giving r0's low 32 bits as the kernel's test_run would.
 */
import type { Program } from '../isa/program.ts';
import type { RunInput, RunResult, Target, VerifyOptions, VerifyResult } from '../targets.ts';
import { isLoadError, loadVmProgram, runVm } from '../vm/index.ts';
import { replayContainment, verify } from './index.ts';
import { BPF_COMPLEXITY_LIMIT_INSNS } from './explore.ts';
import type { PlantedBug } from './env.ts';
import type { ConcreteStep } from './containment.ts';
import { renderLog } from './log.ts';

export interface ModelTargetOptions {
  /** A deliberate soundness bug (tests of the campaign and oracles only). */
  readonly plantedBug?: PlantedBug;
}

export function createModelTarget(opts: ModelTargetOptions = {}): Target {
  const bug = opts.plantedBug ? { plantedBug: opts.plantedBug } : {};
  return {
    name: 'model',
    verify(program: Program, options: VerifyOptions = {}): VerifyResult {
      const p = options.extraFlags ? { ...program, flags: ((program.flags ?? 0) | options.extraFlags) >>> 0 } : program;
      const level = options.states ? 2 : options.logLevel ?? 0;
      const budget = options.insnBudget !== undefined && options.insnBudget < BPF_COMPLEXITY_LIMIT_INSNS ? options.insnBudget : undefined;
      const r = verify(p, { logLevel: level, ...bug, ...(budget !== undefined ? { insnLimit: budget } : {}) });
      // Below the kernel's limit a "too large" reject is the budget's, not a verdict.
      const exhausted = budget !== undefined && r.verdict === 'reject' && r.insnsProcessed > budget;
      const unsupported = exhausted ? `model: exploration budget of ${budget} processed insns exhausted` : r.unsupported;
      // The containment check follows the VM's run through the model (replayContainment), so it
      // costs one transfer per executed instruction and is made only when a trace arrives.
      const checkTrace = options.containment && r.verdict === 'accept'
        ? (trace: readonly ConcreteStep[]) => replayContainment(p, trace, bug).violation : undefined;
      return {
        target: 'model', verdict: r.verdict, errno: r.errno,
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(unsupported ? { unsupported } : {}),
        ...(exhausted ? { budgetExhausted: true } : {}),
        stats: { insnsProcessed: r.insnsProcessed },
        ...(level > 0 ? { log: renderLog(r.events) } : {}),
        ...(options.states ? { events: r.events } : {}),
        ...(checkTrace ? { checkTrace } : {}),
      };
    },
    run(program: Program, input: RunInput = {}): RunResult {
      const vp = loadVmProgram(program);
      if (isLoadError(vp)) return { target: 'model', error: vp.message };
      const r = runVm(vp, { ...(input.data ? { packet: input.data } : {}), ...(input.ctx ? { ctx: input.ctx } : {}) });
      if (r.kind === 'fault') return { target: 'model', error: `VM fault: ${r.fault.message}` };
      return { target: 'model', retval: Number(r.r0 & 0xffffffffn) };
    },
  };
}
