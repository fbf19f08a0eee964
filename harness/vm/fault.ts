/**
 * Faults: what the sanitizing VM reports instead of undefined behaviour. A fault is a value (the
 * run's result), never an exception: kind, where (pc, slot), what memory (region, offset, size)
 * and a one-line message.
 */
import type { RegionKind } from './memory.ts';

export type FaultKind =
  | 'out_of_bounds' // access outside its region
  | 'uninit_stack' // read of a stack byte never written
  | 'use_after_free' // access to a freed region (dead frame, submitted/discarded record, deleted element)
  | 'null_deref' // access through a NULL pointer
  | 'scalar_deref' // access through a value that is not a pointer
  | 'misaligned' // alignment the kernel requires (stack, atomics, BPF_F_STRICT_ALIGNMENT)
  | 'read_only' // write to memory the program may only read
  | 'write_only' // read of memory the program may only write
  | 'uninit_reg' // read of a register never written (or clobbered by a call)
  | 'unknown_helper' // a helper id the VM does not implement
  | 'helper_arg' // a helper argument the kernel would never accept at run time
  | 'call_depth' // more than 8 nested frames
  | 'lock' // spin lock misuse (double lock, unlock without lock, exit with a lock held)
  | 'leak' // exit with a reference still held (ring buffer record)
  | 'fell_off_end' // control flow left the program without exit
  | 'budget' // instruction budget exhausted
  | 'unsupported'; // an instruction or feature the VM does not implement

export interface FaultRegion {
  readonly rid: number;
  readonly kind: RegionKind;
  readonly label: string;
  readonly size: number;
}

export interface Fault {
  readonly kind: FaultKind;
  /** Logical instruction index (index into Program.insns). */
  readonly pc: number;
  /** Slot index (the kernel's instruction numbering). */
  readonly slot: number;
  readonly message: string;
  readonly region?: FaultRegion;
  readonly offset?: number;
  readonly size?: number;
}

/** A program the VM refuses before running it. */
export interface LoadError {
  readonly kind: 'load_error';
  /** Logical instruction index, or -1 when the problem is not one instruction. */
  readonly pc: number;
  readonly message: string;
}

export const isLoadError = (x: unknown): x is LoadError =>
  typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'load_error';
