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
 * The kernel log parser splits every printed prefix of reg_type_str() off into `flags`
 * (`ringbuf_mem` parses as type 'mem' with flags ['ringbuf_']); the renderer accepts both forms.
 * Pointers: `bounds` undefined means the variable offset is the known constant 0 (the kernel
 * prints nothing then); `imm=N` gives constant bounds N.
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
  /** Frame number of an fp pointer, set when it differs from the frame that prints it: 6.18
   * prints `fp[0]-8` for a pointer into the caller's stack (print_reg_state). */
  readonly frameno?: number;
  /** `P` prefix: the scalar is marked precise. */
  readonly precise?: boolean;
  /** Anything the producer could not map to a field, verbatim (e.g. `btf_id=...`). */
  readonly extra?: Readonly<Record<string, string>>;
  /** `id=N+K`: the id carries BPF_ADD_CONST and K (printed after the id) is `off`. */
  readonly addConst?: boolean;
  /** `non_own_ref` (a non-owning reference to an allocated object). */
  readonly nonOwnRef?: boolean;
  /** `map=NAME` of map pointers / values / keys when the map has a name. */
  readonly mapName?: string;
  /** `type=local|ringbuf|skb|xdp` of a dynptr_ptr register. */
  readonly dynptrType?: string;
}

/** Printed prefixes of reg_type_str(), in the kernel's printing order. */
export const REG_TYPE_PREFIXES = ['rdonly_', 'ringbuf_', 'user_', 'percpu_', 'rcu_', 'untrusted_', 'trusted_'] as const;

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;
export const U32_MAX = (1n << 32n) - 1n;

/** Value conventions of ScalarBounds: smin/smax signed 64-bit, umin/umax unsigned 64-bit,
 * smin32/smax32 signed 32-bit, umin32/umax32 unsigned 32-bit, varOff value/mask unsigned 64-bit. */
export type FullBounds = Required<ScalarBounds>;

/** The bounds of a known 64-bit constant (any bigint; normalised to 64 bits). */
export function constBounds(v: bigint): FullBounds {
  const u = BigInt.asUintN(64, v);
  const lo = BigInt.asUintN(32, u);
  const s32 = BigInt.asIntN(32, lo);
  const s = BigInt.asIntN(64, u);
  return { smin: s, smax: s, umin: u, umax: u, smin32: s32, smax32: s32, umin32: lo, umax32: lo, varOff: { value: u, mask: 0n } };
}

/** Bounds with every absent field set to the full range (what an absent field means). */
export function fullBounds(b: ScalarBounds | undefined): FullBounds {
  return {
    smin: b?.smin ?? S64_MIN, smax: b?.smax ?? S64_MAX, umin: b?.umin ?? 0n, umax: b?.umax ?? U64_MAX,
    smin32: b?.smin32 ?? S32_MIN, smax32: b?.smax32 ?? S32_MAX, umin32: b?.umin32 ?? 0n, umax32: b?.umax32 ?? U32_MAX,
    varOff: b?.varOff ?? { value: 0n, mask: U64_MAX },
  };
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
// With `spilled` set, `bytes` (when present) is the full per-byte string of a sub-register spill:
// the kernel prints the MISC/ZERO/INVALID bytes before the first 'r' (`fp-8=????0` is bytes
// '????rrrr' + spilled 0); absent means an 8-byte spill. `special` is printed verbatim after `fp-N=`
// (`dynptr_ringbuf(ref_id=2)`, `iter_num(ref_id=1,state=active,depth=0)`).

export interface FrameState {
  readonly frameno: number;
  /** Registers that are printed (initialized), by number 0..10. */
  readonly regs: ReadonlyMap<number, RegState>;
  readonly stack: readonly StackSlotState[];
  /** ` cb` / ` async_cb` suffixes: the frame is a (async) callback. */
  readonly inCallbackFn?: boolean;
  readonly inAsyncCallbackFn?: boolean;
}

export interface VerifierState {
  /** Frames outermost first; the current frame is the last. */
  readonly frames: readonly FrameState[];
  /** Acquired reference ids (`refs=2,4`). */
  readonly refs?: readonly number[];
}

/**
 * Events of one verification, in log order.
 *
 * The kernel prints one frame per state line (the current one, ` frameN:` when N > 0), so parsed
 * states have exactly one frame; the renderer prints the last frame of a multi-frame state.
 * A standalone `state` line before an instruction holds the registers scratched since the last
 * print (after `from X to Y:` that is all of them); `after: true` marks the state AFTER insn `pc`,
 * printed on its own line because other lines (mark_precise, ...) came between. For the kernel these come from parsing the text; for
 * the model they are produced while exploring. A state attached to an `insn` event is the state
 * AFTER the instruction (what the kernel prints after `;`), or the full state before it when the
 * kernel prints one on its own line (`N: R1=ctx() R10=fp0`).
 */
export type LogEvent =
  | { readonly kind: 'func'; readonly funcId: number; readonly pc: number } // func#0 @0
  // `sameLine`: level-1 quirk, printed right after the previous insn line (`8: (35) if r1 >= 0xa goto pc+1 10: R0=...`).
  | { readonly kind: 'state'; readonly pc: number; readonly state: VerifierState; readonly frame?: number; readonly after?: boolean; readonly sameLine?: boolean }
  | { readonly kind: 'insn'; readonly pc: number; readonly code: number; readonly text: string; readonly after?: VerifierState; readonly frame?: number }
  | { readonly kind: 'branch'; readonly from: number; readonly to: number; readonly state: VerifierState; readonly speculative?: boolean }
  // `N: safe`, or `from X to N: safe` (from = X) when the pruned state is a popped branch.
  | { readonly kind: 'safe'; readonly pc: number; readonly frame?: number; readonly from?: number; readonly speculative?: boolean }
  // Precision tracking, verbatim: `mark_precise: frame0: ...`, `frame 1: propagating r6`.
  | { readonly kind: 'mark_precise'; readonly text: string }
  // "caller:", "callee:", "returning from callee:", "to caller at N:", each followed by a state line.
  | { readonly kind: 'call'; readonly text: string; readonly state?: VerifierState }
  // other recognised informative lines, verbatim ("Live regs before insn:", "(0) frame 0 insn 6 +live -8 ",
  // "cur state:" + state, ...); `state`, when present, is printed right after `text` on the same line.
  | { readonly kind: 'note'; readonly text: string; readonly state?: VerifierState }
  // one row of the level-2 "Live regs before insn:" table: live registers before insn pc, the
  // strongly connected component number when the insn is in a loop.
  | { readonly kind: 'live_regs'; readonly pc: number; readonly live: readonly number[]; readonly code: number; readonly text: string; readonly scc?: number }
  // `sameLine`: printed on the previous insn's line (the level-1 quirk above).
  | { readonly kind: 'error'; readonly text: string; readonly sameLine?: boolean }
  // The footer; `verificationTimeUsec` and `stackDepth` (one per subprogram) come with BPF_LOG_STATS.
  | { readonly kind: 'stats'; readonly processed: number; readonly limit: number; readonly maxStatesPerInsn: number; readonly totalStates: number; readonly peakStates: number; readonly markRead: number; readonly verificationTimeUsec?: number; readonly stackDepth?: readonly number[] }
  | { readonly kind: 'unknown'; readonly line: number; readonly text: string; readonly sameLine?: boolean };
