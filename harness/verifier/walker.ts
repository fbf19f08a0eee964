/**
 * What a transfer handler sees while the explorer executes one instruction on one path: the
 * environment, the current state (owned and mutable for the duration of the instruction), and the
 * explorer's services (precision requests, branch pushes, stack-access notes for backtracking,
 * log output).
 */
import type { Env } from './env.ts';
import type { Frame, VState } from './state/vstate.ts';

export interface Walker {
  readonly env: Env;
  st: VState;
  /** Slot index of the instruction being executed. */
  pc: number;
  cur(): Frame;
  /** mark_chain_precision for a register of the current frame. */
  markPreciseReg(regno: number): void;
  /** mark_chain_precision for a stack slot of a frame. */
  markPreciseSlot(frameno: number, spi: number): void;
  /** Record that this instruction is a spill/fill of (frame, slot) (INSN_F_STACK_ACCESS). */
  stackAccess(frameno: number, spi: number): void;
  /** push_stack: queue another path starting at `pc` with state `st` (the caller's copy). */
  pushBranch(st: VState, pc: number): void;
  /** Append a log line (only when logging). */
  log(text: string): void;
  readonly logging: boolean;
  /** The previous loop-entry checkpoint at `pc` on the current path (may_goto widening). */
  prevEntry(pc: number): import('./prune.ts').Checkpoint | undefined;
}

/** A handler's result: the next slot to execute, or EXIT_PATH when this path is done. */
export const EXIT_PATH = -1;
