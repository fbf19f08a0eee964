/**
 * Internal opcodes of the fast interpreter.
 *
 * The interpreter switches on one byte per instruction. Most instructions keep their BPF opcode;
 * the few opcodes whose meaning depends on another field (sdiv/smod: off = 1; movsx: off = 8,
 * 16, 32) are renumbered at load time into opcode bytes the ISA leaves unused, so that the hot
 * loop never looks at `off` to choose an operation. XOP_END (0x00, not a BPF opcode) is the
 * sentinel placed after the last instruction: reaching it means control fell off the end.
 */
export const XOP_END = 0x00;

export const XOP_SDIV32_K = 0xe4;
export const XOP_SDIV32_X = 0xec;
export const XOP_SMOD32_K = 0xf4;
export const XOP_SMOD32_X = 0xfc;
export const XOP_SDIV64_K = 0xe7;
export const XOP_SDIV64_X = 0xef;
export const XOP_SMOD64_K = 0xf7;
export const XOP_SMOD64_X = 0xff;
export const XOP_MOVSX64_8 = 0xed;
export const XOP_MOVSX64_16 = 0xf5;
export const XOP_MOVSX64_32 = 0xfd;
export const XOP_MOVSX32_8 = 0xe6;
export const XOP_MOVSX32_16 = 0xee;
/** bpf_conformance's `callx` (0x8d, register in dst): an opt-in extension, Linux rejects it. */
export const XOP_CALLX = 0x8d;

/** (opcode, off) -> internal opcode, for the opcodes whose `off` selects the operation. */
const BY_OFF: Record<number, Record<number, number>> = {
  0x34: { 1: XOP_SDIV32_K }, 0x3c: { 1: XOP_SDIV32_X }, 0x94: { 1: XOP_SMOD32_K }, 0x9c: { 1: XOP_SMOD32_X },
  0x37: { 1: XOP_SDIV64_K }, 0x3f: { 1: XOP_SDIV64_X }, 0x97: { 1: XOP_SMOD64_K }, 0x9f: { 1: XOP_SMOD64_X },
  0xbf: { 8: XOP_MOVSX64_8, 16: XOP_MOVSX64_16, 32: XOP_MOVSX64_32 },
  0xbc: { 8: XOP_MOVSX32_8, 16: XOP_MOVSX32_16 },
};

/** The off values that select a variant, by variant index (index 0: any other off). */
const VARIANT_OFFS = [0, 1, 8, 16, 32];
/** Variant index of an off value (0 when off selects no variant). */
export const offVariant = (off: number): number => (off === 0 ? 0 : off === 1 ? 1 : off === 8 ? 2 : off === 16 ? 3 : off === 32 ? 4 : 0);

/** Internal opcode by (opcode * 5 + offVariant(off)): a table read, no lookups by key. */
export const XOPS = new Uint8Array(256 * 5);
for (let code = 0; code < 256; code++) {
  for (let v = 0; v < VARIANT_OFFS.length; v++) XOPS[code * 5 + v] = v === 0 ? code : BY_OFF[code]?.[VARIANT_OFFS[v]!] ?? code;
}

export function xopOf(code: number, off: number): number {
  return XOPS[(code & 0xff) * 5 + offVariant(off)]!;
}
