/**
 * Layout of the code words of a loaded program (load.ts): one Int32Array, STRIDE words per
 * instruction, field F_* of instruction pc at index pc * STRIDE + F_*.
 */
export const STRIDE = 8;
/** xop | dst << 8 | src << 12 */
export const F_OP = 0;
export const F_OFF = 1;
/** imm; for ld_imm64 the low half of the resolved constant. */
export const F_IMM = 2;
/** For ld_imm64 the high half of the resolved constant. */
export const F_IMM2 = 3;
/** Jump / local call target (logical pc), or -1. */
export const F_TGT = 4;
/** Registers read (bits 0-10) and written (bits 16-26). */
export const F_MASK = 5;
/** Slot index of the instruction (the kernel's numbering). */
export const F_SLOT = 6;
/** Word 7 is unused, always 0 (STRIDE stays a power of two: the interpreter indexes with pc << 3). */
export const F_UNUSED = 7;
