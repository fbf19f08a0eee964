/**
 * Fixtures for corpus and oracle tests: tiny hand-written programs (raw instructions, so these
 * tests do not depend on the assembler) and entries built from them.
 */
import { mkInsn, type Insn } from '../harness/isa/insn.ts';
import type { Program } from '../harness/isa/program.ts';

/** r0 = imm; exit */
export const retProgram = (imm: number): Program => ({
  progType: 'socket_filter', maps: [], insns: [mkInsn(0xb7, 0, 0, 0, imm), mkInsn(0x95, 0, 0, 0, 0)],
});

/** r{dst} = k; r{dst} /= 0 (imm); r0 = 0; exit: a division by a constant at pc 1. */
export const divProgram = (dst: number, k: number, divisor: number): Program => ({
  progType: 'socket_filter', maps: [],
  insns: [mkInsn(0xb7, dst, 0, 0, k), mkInsn(0x37, dst, 0, 0, divisor), mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0)] as Insn[],
});
