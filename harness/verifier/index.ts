/**
 * The model verifier: `verify(program, opts)` runs the kernel's passes in order (ld_imm64 and
 * opcode sanity, subprograms, control flow, liveness, abstract interpretation, combined stack
 * depth) and returns the verdict with the kernel's error text, `processed N insns` as the kernel
 * counts it, and (on request) the log as LogEvents.
 *
 * Privileged mode (root with CAP_BPF + CAP_PERFMON, as on this project's machines): pointer leaks,
 * uninitialized stack reads and bounded loops are allowed, exactly as the kernel allows them.
 * Features outside the model (kfuncs, BTF, unmodelled helpers and program types) give a reject
 * with `unsupported` set; such verdicts say nothing about the kernel's.
 */
import type { Program } from '../isa/program.ts';
import type { LogEvent } from './state/log-state.ts';
import { checkCfg, checkOpcodes, findSubprogs, isPseudoCall, resolvePseudoLdimm64 } from './cfg.ts';
import { createEnv, type Env, type PlantedBug } from './env.ts';
import { explore, replayTrace, type ReplayOutcome } from './explore.ts';
import type { ConcreteStep } from './containment.ts';
export type { ReplayOutcome } from './explore.ts';
import { computeLiveRegs } from './liveness.ts';
import { E2BIG, EACCES, Reject, reject, unsupported } from './checks/reject.ts';
import { MAX_BPF_STACK, MAX_CALL_FRAMES, type VState } from './state/vstate.ts';

export interface VerifyOptions {
  /** 0: verdict only; 1: the failing path's instructions; 2: plus the state after each one. */
  readonly logLevel?: number;
  /** State pruning (default on). Off, every path is explored: the states then cover every
   * concrete execution exactly, which the containment oracle needs. */
  readonly prune?: boolean;
  /** A deliberate soundness bug (tests of the oracles only; see env.ts). */
  readonly plantedBug?: PlantedBug;
  /** Stop (reject, "too large") after this many processed instructions instead of 1,000,000. */
  readonly insnLimit?: number;
}

export interface VerifyResult {
  readonly verdict: 'accept' | 'reject';
  /** The kernel's one-line reason (the last log line before the statistics), on reject. */
  readonly error?: string;
  readonly errno: number;
  /** Set when the program uses a feature the model does not cover. */
  readonly unsupported?: string;
  readonly insnsProcessed: number;
  readonly events: LogEvent[];
  readonly stats: { readonly totalStates: number; readonly peakStates: number; readonly maxStatesPerInsn: number };
}

export function verify(program: Program, opts: VerifyOptions = {}): VerifyResult {
  const env = createEnv(program, opts.logLevel ?? 0);
  if (opts.prune === false) env.prune = false;
  if (opts.plantedBug) env.plantedBug = opts.plantedBug;
  if (opts.insnLimit !== undefined) env.insnLimit = opts.insnLimit;
  try {
    if (!env.spec) unsupported(`program type ${program.progType}`);
    if (env.len === 0) reject('empty program', 22);
    if (env.len > 1_000_000) reject(`program of ${env.len} instructions is too large`, E2BIG);
    const { cfg, live } = prepare(env);
    explore(env, cfg, live);
    checkMaxStackDepth(env);
    return finish(env, undefined);
  } catch (e) {
    if (e instanceof Reject) return finish(env, e);
    if (e instanceof RangeError && /call stack/i.test(e.message)) return finish(env, new Reject('model: recursion limit of the host', 7, true));
    throw e;
  }
}

/** The passes before abstract interpretation; throws Reject. */
function prepare(env: Env): { cfg: ReturnType<typeof checkCfg>; live: Uint16Array } {
  resolvePseudoLdimm64(env);
  findSubprogs(env);
  checkOpcodes(env);
  const cfg = checkCfg(env);
  const live = computeLiveRegs(env);
  env.liveRegs = live;
  return { cfg, live };
}

/**
 * The state-containment check of one concrete run of a program the model accepted: the run's
 * path through the model's transfer functions (explore.ts `replay`), each abstract state holding
 * the concrete live registers: the first violation, the steps checked, or why the check ended early.
 */
export function replayContainment(program: Program, trace: readonly ConcreteStep[], opts: Pick<VerifyOptions, 'plantedBug'> = {}): ReplayOutcome {
  const env = createEnv(program, 0);
  if (opts.plantedBug) env.plantedBug = opts.plantedBug;
  if (!env.spec || env.len === 0) return { checked: 0, lost: 'the model does not verify this program' };
  try {
    const { cfg, live } = prepare(env);
    return replayTrace(env, cfg, live, trace);
  } catch (e) {
    if (e instanceof Reject) return { checked: 0, lost: `the model rejects the program: ${e.text}` };
    throw e;
  }
}

function finish(env: Env, err: Reject | undefined): VerifyResult {
  const stats = { totalStates: env.totalStates, peakStates: env.peakStates, maxStatesPerInsn: env.maxStatesPerInsn };
  if (env.logLevel > 0) {
    if (err) env.events.push({ kind: 'error', text: err.text });
    else if (env.logLevel === 1) env.events.length = 0;
    env.events.push({
      kind: 'stats', processed: env.insnProcessed, limit: 1_000_000, maxStatesPerInsn: env.maxStatesPerInsn,
      totalStates: env.totalStates, peakStates: env.peakStates, markRead: 0,
    });
  }
  const base = { insnsProcessed: env.insnProcessed, events: env.events, stats };
  if (!err) return { verdict: 'accept', errno: 0, ...base };
  return { verdict: 'reject', error: err.text, errno: err.errno, ...(err.unsupported ? { unsupported: err.text } : {}), ...base };
}

/** check_max_stack_depth: the combined stack of every call chain (rounded to 16 with the JIT). */
function checkMaxStackDepth(env: Env): void {
  const round = (n: number): number => Math.ceil(n / 16) * 16;
  const walk = (sub: number, frame: number, depth: number): void => {
    const d = depth + round(env.subprogs[sub]!.stackDepth);
    if (d > MAX_BPF_STACK) reject(`combined stack size of ${frame + 1} calls is ${d}. Too large`, EACCES);
    const start = env.subprogs[sub]!.start;
    const end = env.subprogs[sub + 1]?.start ?? env.len;
    for (let i = start; i < end; i++) {
      const insn = env.insnAt[i];
      if (!insn || !isPseudoCall(insn)) continue;
      const callee = env.subprogOf[i + insn.imm + 1]!;
      if (frame + 1 >= MAX_CALL_FRAMES) reject(`the call stack of ${frame + 1} frames is too deep !`, E2BIG);
      walk(callee, frame + 1, d);
    }
  };
  walk(0, 0, 0);
}
