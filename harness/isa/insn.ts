/**
 * Instructions, wire-exact.
 *
 * A `Slot` is one 8-byte unit of bytecode. An `Insn` is one logical instruction: one slot, or two
 * for `ld_imm64` (opcode 0x18), whose second slot is kept verbatim in `hi` so that every program,
 * valid or not, encodes back to the very same bytes.
 *
 * Logical instruction indices (`Pc`) and slot indices (`SlotIdx`) are different branded numbers:
 * jump offsets count slots, the verifier and the VM count logical instructions, and the type
 * checker keeps the two apart.
 */

export type Pc = number & { readonly __brand: 'Pc' };
export type SlotIdx = number & { readonly __brand: 'SlotIdx' };
export const pc = (n: number): Pc => n as Pc;
export const slotIdx = (n: number): SlotIdx => n as SlotIdx;

/** One 8-byte slot: opcode, dst (4 bits), src (4 bits), off (s16), imm (s32). */
export interface Slot {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

export interface Insn extends Slot {
  /** The second slot of an `ld_imm64` (code 0x18), verbatim; absent for every other opcode. */
  readonly hi?: Slot;
}

export const LD_IMM64_CODE = 0x18;

export function slotsOf(insn: Insn): 1 | 2 {
  return insn.code === LD_IMM64_CODE ? 2 : 1;
}

/** The 64-bit immediate of an ld_imm64, unsigned. */
export function imm64(insn: Insn): bigint {
  const lo = BigInt(insn.imm >>> 0);
  const hi = BigInt((insn.hi?.imm ?? 0) >>> 0);
  return (hi << 32n) | lo;
}

export function mkInsn(code: number, dst: number, src: number, off: number, imm: number): Insn {
  return { code, dst, src, off, imm };
}

/** An ld_imm64 with a well-formed second slot. */
export function mkLdImm64(dst: number, src: number, value: bigint): Insn {
  const v = BigInt.asUintN(64, value);
  return {
    code: LD_IMM64_CODE, dst, src, off: 0, imm: Number(BigInt.asIntN(32, v & 0xffffffffn)),
    hi: { code: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
  };
}

/**
 * Index tables between logical instructions and slots of one program. `slotOfPc[n]` for n equal
 * to the instruction count is the total slot count; `pcOfSlot[s]` is -1 for the second slot of
 * an ld_imm64.
 */
export interface Layout {
  readonly slotOfPc: Int32Array;
  readonly pcOfSlot: Int32Array;
}

export function layoutOf(insns: readonly Insn[]): Layout {
  const slotOfPc = new Int32Array(insns.length + 1);
  let s = 0;
  for (let i = 0; i < insns.length; i++) {
    slotOfPc[i] = s;
    s += slotsOf(insns[i]!);
  }
  slotOfPc[insns.length] = s;
  const pcOfSlot = new Int32Array(s).fill(-1);
  for (let i = 0; i < insns.length; i++) pcOfSlot[slotOfPc[i]!] = i;
  return { slotOfPc, pcOfSlot };
}

/** Total number of 8-byte slots. */
export function slotCount(insns: readonly Insn[]): number {
  let s = 0;
  for (const insn of insns) s += slotsOf(insn);
  return s;
}
