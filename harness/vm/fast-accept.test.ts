/**
 * The acceptance tables of the numeric load path: an instruction is accepted at a glance iff
 * checkInsn finds it legal and it is not one of the cases left to the Insn path (a call with
 * off != 0, addr_space_cast, ld_imm64 src 3, a listed imm value >= 512). Checked over every
 * opcode byte, the register edges, and off / imm values from every class (listed values, neighbours,
 * extremes), so a wrong bit anywhere in the tables shows.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkInsn } from '../isa/validate.ts';
import type { Insn } from '../isa/insn.ts';
import { OPCODES } from '../isa/opcodes.ts';
import { OFF_CLASS, OFF_VALUES, rejectBits } from './fast-accept.ts';

const listedImms = [...new Set(OPCODES.flatMap((r) => (r.imm.kind === 'oneOf' ? r.imm.values : [])))];
const IMMS = [...new Set([...listedImms, ...listedImms.map((v) => v + 1), 0, -1, 511, 512,
  0x7fffffff, -0x80000000, 1 << 20])];
/** Registers: the legal edges (0, 10), src values of pseudo forms (1..6), the illegal ones (11, 15). */
const REGS = [0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 15];
const OFFS = [...new Set([...OFF_VALUES, -1, 2, 9, 33, 0x7fff, -0x8000])];

const LISTS_IMM = new Set(OPCODES.filter((r) => r.imm.kind === 'oneOf').map((r) => r.code));

/** The cases the numeric path leaves to the Insn path, though legal. */
function leftToInsnPath(i: Insn): boolean {
  return (i.code === 0x85 && i.off !== 0) || (i.code === 0xbf && (i.off === 1 || i.imm !== 0)) || (i.code === 0x18 && i.src === 3)
    || (LISTS_IMM.has(i.code) && (i.imm < 0 || i.imm >= 512));
}

function accepted(i: Insn): boolean {
  const hiW0 = i.hi ? i.hi.code | (i.hi.dst << 8) | (i.hi.src << 12) | (i.hi.off << 16) : 0;
  return rejectBits(i.code, i.dst, i.src, OFF_CLASS[i.off & 0xffff]!, i.imm, hiW0) === 0;
}

describe('fast-accept tables', () => {
  it('accept exactly the legal instructions not left to the Insn path (every opcode, register edge and value class)', () => {
    const wrong: string[] = [];
    let legal = 0, taken = 0;
    for (let code = 0; code < 256; code++) {
      for (const dst of REGS) {
        for (const src of REGS) {
          for (const off of OFFS) {
            for (const imm of IMMS) {
              const insn: Insn = { code, dst, src, off, imm, ...(code === 0x18 ? { hi: { code: 0, dst: 0, src: 0, off: 0, imm: 5 } } : {}) };
              const ok = checkInsn(insn) === undefined;
              if (ok) legal++;
              const want = ok && !leftToInsnPath(insn);
              if (accepted(insn)) taken++;
              if (accepted(insn) !== want) wrong.push(`0x${code.toString(16)} r${dst} r${src} off=${off} imm=${imm}: want ${want}`);
            }
          }
        }
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(legal).toBeGreaterThan(20_000);
    expect(taken).toBeGreaterThan(legal * 0.9);
  });
  it('refuse an ld_imm64 whose second slot has a non-zero code, register or off', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: -0x8000, max: 0x7fff }), (code, dst, src, off) => {
        const hi = { code, dst, src, off, imm: 7 };
        const insn: Insn = { code: 0x18, dst: 1, src: 0, off: 0, imm: 3, hi };
        expect(accepted(insn)).toBe(checkInsn(insn) === undefined);
      }), { numRuns: 2000 });
  });
});
