/**
 * A program the kernel-state containment tests share: a masked random value, so the kernel's
 * state for r6 has a var_off and ranges to break.
 */
import { mkInsn, type Insn } from '../harness/isa/insn.ts';
import type { Program } from '../harness/isa/program.ts';

// r0 = prandom(); r6 = r0; r6 &= 240; r6 |= 1; r0 = 0; exit
export const MASK_PROGRAM: Program = {
  progType: 'socket_filter', maps: [],
  insns: [
    mkInsn(0x85, 0, 0, 0, 7), mkInsn(0xbf, 6, 0, 0, 0), mkInsn(0x57, 6, 0, 0, 240),
    mkInsn(0x47, 6, 0, 0, 1), mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0),
  ] as Insn[],
};
