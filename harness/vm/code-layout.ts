/**
 * Layout of the code words of a loaded program (load.ts): one array of int32 values, STRIDE words
 * per instruction, field F_* of instruction pc at index pc * STRIDE + F_* (index n is the end
 * sentinel; zeros follow it up to wordsFor(slots)). Slot numbers (the kernel's instruction
 * numbering) are not in the words: only faults and traces need them, and the Code computes them
 * on first use (load.ts).
 *
 * The words are a plain JS array (small integers, no pointer compression in this Node: every
 * int32 is a Smi), not an Int32Array: a typed array's memory is allocated outside the JS heap,
 * and fresh programs would keep touching fresh pages (a page fault costs about 15 us on this VM,
 * a program's words half a page), while the JS heap's young generation reuses its pages. The
 * interpreter reads either kind at the same speed. Four words per instruction (not eight):
 * fewer words to allocate, write and collect per load.
 */
export type CodeWords = number[];

export const STRIDE = 4;
/** xop | dst << 8 | src << 12 | off << 16 (off signed: `w >> 16`). */
export const F_OP = 0;
/** imm; for ld_imm64 the low half of the resolved constant. */
export const F_IMM = 1;
/** Registers read (bits 0-10) and written (bits 16-26). */
export const F_MASK = 2;
/** Jump / local call target (logical pc), or -1. */
export const F_TGT = 3;
/** For ld_imm64 (which has no run-time target) the high half of the resolved constant. */
export const F_IMM2 = 3;
/**
 * Length of the code words of a program of `slots` slots: room for as many instructions as slots
 * and the sentinel. Both load paths size them so (an ld_imm64 takes two slots and one pc, so the
 * words past the sentinel are zeros): the numeric path writes each instruction as it reaches its
 * slot, before it knows the instruction count.
 */
export const wordsFor = (slots: number): number => (slots + 1) * STRIDE;

// A packed array of zeros to slice from: a slice of a packed small-integer array is packed too
// (reads need no hole checks), where `new Array(n)` would be holey for good.
let zeros: CodeWords = [0];

/** n code words, all 0 (a packed small-integer array). */
export function newCodeWords(n: number): CodeWords {
  while (zeros.length < n) zeros = zeros.concat(zeros);
  return zeros.slice(0, n);
}
