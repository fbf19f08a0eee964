/**
 * The structured verifier state, as a log reports it: one type, two producers.
 *
 * The kernel log parser (harness/kernel/log/) turns the kernel's `log_level = 2` text into these
 * values; the model verifier emits them directly as events. Oracles compare like with like, and the
 * kernel-format text log is a rendering of these events (harness/verifier/log.ts).
 *
 * Numbers are bigint where the kernel prints 64-bit values. Fields a producer does not know are left
 * undefined (the kernel log omits what is implied: a scalar without bounds is fully unknown).
 * Additive changes only: both producers and several oracles read this file.
 */

/** A tnum: bits set in `mask` are unknown; known bits are in `value` (value & mask === 0). */
export interface TnumValue {
  readonly value: bigint;
  readonly mask: bigint;
}

/** Scalar bounds as the kernel prints them; an absent bound is the type's full range. */
export interface ScalarBounds {
  readonly smin?: bigint;
  readonly smax?: bigint;
  readonly umin?: bigint;
  readonly umax?: bigint;
  readonly smin32?: bigint;
  readonly smax32?: bigint;
  readonly umin32?: bigint;
  readonly umax32?: bigint;
  readonly varOff?: TnumValue;
}

/**
 * One register. `type` is the kernel's printed type name without modifiers split off:
 * 'scalar', 'ctx', 'fp' (stack pointer), 'map_ptr', 'map_value', 'map_key', 'pkt', 'pkt_meta',
 * 'pkt_end', 'mem', 'ringbuf_mem', 'ptr_' + BTF name, ... `orNull` / `rdonly` / `alloc` etc. are
 * the printed prefixes and suffixes (`map_value_or_null`, `rdonly_mem`, ...).
 */
export interface RegState {
  readonly type: string;
  readonly orNull?: boolean;
  /** Printed type modifiers besides _or_null, e.g. 'rdonly_', 'alloc_', 'trusted_', 'rcu_'. */
  readonly flags?: readonly string[];
  readonly id?: number;
  readonly refObjId?: number;
  /** Fixed offset of a pointer (`off=`), or the frame-pointer offset for 'fp' (fp-8 has off -8). */
  readonly off?: number;
  /** Packet pointers: verified range (`r=`). */
  readonly range?: number;
  /** Map pointers and map values: key and value size (`ks=`, `vs=`). */
  readonly keySize?: number;
  readonly valueSize?: number;
  /** Memory size (`sz=`) for mem / ringbuf_mem. */
  readonly memSize?: number;
  /** Scalar value, or the variable part of a pointer's offset. For a known constant scalar the
   * kernel prints just the number; parsers set all bounds and varOff from it. */
  readonly bounds?: ScalarBounds;
  /** Frame number for fp pointers into a caller's frame (`fp[1]-8` style is not printed by 6.18;
   * kept for the model). */
  readonly frameno?: number;
  /** `P` prefix: the scalar is marked precise. */
  readonly precise?: boolean;
  /** Anything the producer could not map to a field, verbatim (e.g. `btf_id=...`). */
  readonly extra?: Readonly<Record<string, string>>;
}

/** One 8-byte stack slot at `off` (negative, multiple of 8: -8 is fp-8). */
export interface StackSlotState {
  readonly off: number;
  /** The kernel's per-byte type string for non-spill slots, e.g. 'mmmmmmmm', '0000????'. */
  readonly bytes?: string;
  /** A spilled register (`fp-8=ctx()`, `fp-8=scalar(...)`). */
  readonly spilled?: RegState;
  /** Special slots printed by name: 'dynptr_ringbuf', 'iter_num', ... (verbatim). */
  readonly special?: string;
}

export interface FrameState {
  readonly frameno: number;
  /** Registers that are printed (initialized), by number 0..10. */
  readonly regs: ReadonlyMap<number, RegState>;
  readonly stack: readonly StackSlotState[];
}

export interface VerifierState {
  /** Frames outermost first; the current frame is the last. */
  readonly frames: readonly FrameState[];
  /** Acquired reference ids (`refs=2,4`). */
  readonly refs?: readonly number[];
}

/**
 * Events of one verification, in log order. For the kernel these come from parsing the text; for
 * the model they are produced while exploring. A state attached to an `insn` event is the state
 * AFTER the instruction (what the kernel prints after `;`), or the full state before it when the
 * kernel prints one on its own line (`N: R1=ctx() R10=fp0`).
 */
export type LogEvent =
  | { readonly kind: 'func'; readonly funcId: number; readonly pc: number } // func#0 @0
  | { readonly kind: 'state'; readonly pc: number; readonly state: VerifierState; readonly frame?: number }
  | { readonly kind: 'insn'; readonly pc: number; readonly code: number; readonly text: string; readonly after?: VerifierState; readonly frame?: number }
  | { readonly kind: 'branch'; readonly from: number; readonly to: number; readonly state: VerifierState }
  | { readonly kind: 'safe'; readonly pc: number; readonly frame?: number }
  | { readonly kind: 'mark_precise'; readonly text: string }
  | { readonly kind: 'call'; readonly text: string } // "caller:", "callee:", "returning from callee:", "to caller at N:"
  | { readonly kind: 'note'; readonly text: string } // other recognised informative lines (liveness table, "(0) frame 0 insn 6 +live -8", ...)
  | { readonly kind: 'error'; readonly text: string }
  | { readonly kind: 'stats'; readonly processed: number; readonly limit: number; readonly maxStatesPerInsn: number; readonly totalStates: number; readonly peakStates: number; readonly markRead: number }
  | { readonly kind: 'unknown'; readonly line: number; readonly text: string };
