/**
 * One interface over the verifiers under test: the real kernel (harness/kernel/target.ts) and
 * the model verifier (harness/verifier/, wired by its engineers: replace the `model` row of
 * TARGET_FACTORIES with a factory returning its Target).
 *
 * Invariant: `verify` never throws for a program the verifier rejects (that is a result); it
 * throws UserError for a program that cannot even be set up (a map the kernel refuses to create)
 * and UnavailableError when the target cannot be used here. `run` must only be given programs
 * that the kernel verifier accepted AND that our VM ran cleanly on the same input (design.md):
 * targets do not re-check this, callers (check, oracles, campaign) do.
 */
import type { Program } from './isa/program.ts';
import type { LogEvent } from './verifier/state/log-state.ts';
import type { ConcreteStep, ContainmentViolation } from './verifier/containment.ts';
import { UnavailableError } from './errors.ts';

export type TargetName = 'kernel' | 'model';
export const TARGET_NAMES: readonly TargetName[] = ['kernel', 'model'];

export interface VerifyOptions {
  /** 0: verdict, error, statistics; 1 or 2: also the log text (kernel format). */
  readonly logLevel?: 0 | 1 | 2;
  /** Also return the structured states (events); implies a level-2 log for the kernel. */
  readonly states?: boolean;
  /** Extra prog_flags, e.g. BPF_F_TEST_REG_INVARIANTS. */
  readonly extraFlags?: number;
  /** Also prepare `checkTrace` for the state-containment oracle (targets that can: the model). */
  readonly containment?: boolean;
  /**
   * Give up after this many processed instructions (targets that can: the model). A program
   * that needs more gets `unsupported` and `budgetExhausted`, not the kernel's "too large"
   * verdict, which only the full 1,000,000 can give.
   */
  readonly insnBudget?: number;
}

export interface VerifyStats {
  /** `processed N insns`. */
  readonly insnsProcessed?: number;
  readonly verificationTimeUs?: number;
}

export interface VerifyResult {
  readonly target: TargetName;
  readonly verdict: 'accept' | 'reject';
  /** The verifier's one-line reason on reject (kernel text). */
  readonly error?: string;
  /** Kernel errno of the load (0 on accept); the model reports the errno it would return. */
  readonly errno?: number;
  /** Set when the verifier could not judge the program (the model meets a feature it does not
   * cover): its verdict then says nothing, and oracles do not compare it. */
  readonly unsupported?: string;
  /** The verifier stopped at VerifyOptions.insnBudget (then `unsupported` says so too). */
  readonly budgetExhausted?: boolean;
  readonly stats: VerifyStats;
  readonly log?: string;
  /** Structured per-instruction states, when requested and available. */
  readonly events?: readonly LogEvent[];
  /** With `containment` (the model): checks a concrete VM trace against every abstract state the
   * model explored, returning the first step no state holds. */
  readonly checkTrace?: (trace: readonly ConcreteStep[]) => ContainmentViolation | undefined;
}

export interface RunInput {
  /** Packet bytes (skb/xdp types); default: 64 zero bytes for them. */
  readonly data?: Uint8Array;
  /** Context bytes (raw_tracepoint args, syscall ctx). */
  readonly ctx?: Uint8Array;
}

export interface RunResult {
  readonly target: TargetName;
  /** Set when the program could not run (rejected at load, or test_run failed). */
  readonly error?: string;
  readonly errno?: number;
  /** r0 as the target reports it: the kernel's test_run gives the low 32 bits (u32). */
  readonly retval?: number;
  readonly dataOut?: Uint8Array;
  readonly ctxOut?: Uint8Array;
  /** Map contents after the run, per map index: array-like maps by key 0..n-1 (capped). */
  readonly maps?: readonly (readonly (Uint8Array | undefined)[] | undefined)[];
}

export interface Target {
  readonly name: TargetName;
  verify(program: Program, options?: VerifyOptions): VerifyResult;
  run(program: Program, input?: RunInput): RunResult;
  /** Release cached resources (vmlinux BTF index, buffers). */
  close?(): void;
}

type Factory = () => Promise<Target>;

const TARGET_FACTORIES: Record<TargetName, Factory> = {
  kernel: async () => (await import('./kernel/target.ts')).createKernelTarget(),
  model: async () => (await import('./verifier/target.ts')).createModelTarget(),
};

/** The target of that name, or UnavailableError with a one-line reason. */
export async function getTarget(name: TargetName): Promise<Target> {
  return TARGET_FACTORIES[name]();
}
