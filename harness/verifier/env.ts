/**
 * The per-verification context: the program in slot-indexed form (the kernel counts instruction
 * indices in 8-byte slots, so do we: jump offsets, log indices and error texts all use them),
 * the program type's spec, subprograms, the id generator, log settings and statistics.
 */
import { type Insn, layoutOf } from '../isa/insn.ts';
import type { MapDef, Program } from '../isa/program.ts';
import { PROG_FLAGS } from '../isa/program.ts';
import type { LogEvent } from './state/log-state.ts';
import { type ProgTypeSpec, progTypeSpec } from './spec/prog-types.ts';
import type { VState } from './state/vstate.ts';

export interface Subprog {
  readonly start: number;
  /** Deepest stack use seen while verifying it (stack_depth). */
  stackDepth: number;
}

/**
 * Deliberate soundness bugs the model can be built with, so that tests can check the campaign
 * finds, minimizes and stores what a real model bug would look like.
 * - `and-drops-mask-top-bit`: `r &= K` is modelled as `r &= K` without K's highest set bit, so
 *   the model believes e.g. `r &= 0xff` leaves at most 0x7f.
 */
export type PlantedBug = 'and-drops-mask-top-bit';

export interface Env {
  readonly prog: Program;
  /** insnAt[slot]: the instruction starting at that slot, or undefined for an ld_imm64's 2nd slot. */
  readonly insnAt: readonly (Insn | undefined)[];
  readonly len: number;
  readonly maps: readonly MapDef[];
  readonly spec: ProgTypeSpec | undefined;
  readonly strictAlignment: boolean;
  subprogs: Subprog[];
  /** subprogOf[slot]: index of the subprogram containing the slot. */
  subprogOf: Int32Array;
  idGen: number;
  readonly logLevel: number;
  readonly events: LogEvent[];
  /** Pointer type first seen per load/store instruction (save_aux_ptr_type). */
  readonly auxPtrType: (string | undefined)[];
  /** Constant map value offsets of src=6 ld_imm64 (by slot). */
  insnProcessed: number;
  jmpsProcessed: number;
  prevJmpsProcessed: number;
  prevInsnProcessed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  /** State pruning on (default). */
  prune: boolean;
  /** Processed-instruction limit below the kernel's 1,000,000 (the containment exploration's budget). */
  insnLimit?: number;
  /** A deliberate soundness bug, for testing that the oracles catch one (never set in production). */
  plantedBug?: PlantedBug;
  liveRegs?: Uint16Array;
}

export function createEnv(prog: Program, logLevel: number): Env {
  const layout = layoutOf(prog.insns);
  const len = layout.slotOfPc[prog.insns.length]!;
  const insnAt: (Insn | undefined)[] = new Array(len).fill(undefined);
  prog.insns.forEach((insn, i) => { insnAt[layout.slotOfPc[i]!] = insn; });
  const flags = prog.flags ?? 0;
  const strict = (flags & PROG_FLAGS.BPF_F_STRICT_ALIGNMENT) !== 0 && (flags & PROG_FLAGS.BPF_F_ANY_ALIGNMENT) === 0;
  return {
    prog, insnAt, len, maps: prog.maps, spec: progTypeSpec(prog.progType), strictAlignment: strict,
    subprogs: [], subprogOf: new Int32Array(len), idGen: 0, logLevel, events: [],
    auxPtrType: new Array(len).fill(undefined), insnProcessed: 0, jmpsProcessed: 0,
    prevJmpsProcessed: 0, prevInsnProcessed: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, prune: true,
  };
}

export const newId = (env: Env): number => ++env.idGen;
