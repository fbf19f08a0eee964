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

const HAS_VARIANTS = new Uint8Array(256);
for (const c of Object.keys(BY_OFF)) HAS_VARIANTS[Number(c)] = 1;

export function xopOf(code: number, off: number): number {
  return HAS_VARIANTS[code] === 0 ? code : BY_OFF[code]?.[off] ?? code;
}
