/**
 * Laws of the ISA front end (fast-check): encode/decode is the identity on every instruction, and
 * assembling the disassembly gives back the same bytes, for valid instructions drawn from the
 * opcode table's field rules and for arbitrary 8-byte slots (invalid ones go through `.raw`).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { type Insn } from './insn.ts';
import { OPCODES, type FieldRule, type OpcodeRow } from './opcodes.ts';
import { checkInsn } from './validate.ts';
import { decode, encode, encodeHex, DecodeError } from './codec.ts';
import { listInsns } from './disasm.ts';
import { assembleInsns } from './asm.ts';

const S16 = fc.integer({ min: -0x8000, max: 0x7fff });
const S32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const interesting32 = fc.oneof(S32, fc.constantFrom(0, 1, -1, 0x7fffffff, -0x80000000, 16, 32, 64));

function fieldArb(rule: FieldRule, width: 'reg' | 'off' | 'imm'): fc.Arbitrary<number> {
  switch (rule.kind) {
    case 'zero': return fc.constant(0);
    case 'oneOf': return fc.constantFrom(...rule.values);
    case 'reg': return fc.integer({ min: 0, max: 10 });
    case 'any': return width === 'reg' ? fc.integer({ min: 0, max: 15 }) : width === 'off' ? S16 : interesting32;
  }
}

function rowInsn(row: OpcodeRow): fc.Arbitrary<Insn> {
  return fc.record({
    dst: fieldArb(row.dst, 'reg'), src: fieldArb(row.src, 'reg'), off: fieldArb(row.off, 'off'),
    imm: fieldArb(row.imm, 'imm'), hiImm: S32,
  }).map(({ dst, src, off, imm, hiImm }) => {
    const insn: Insn = { code: row.code, dst, src, off, imm };
    return row.kind === 'ld_imm64' ? { ...insn, hi: { code: 0, dst: 0, src: 0, off: 0, imm: hiImm } } : insn;
  });
}

/** Valid instructions: a row of the table, fields by its rules, cross-field rules by filter. */
export const validInsn: fc.Arbitrary<Insn> = fc.constantFrom(...OPCODES).chain(rowInsn).filter((i) => !checkInsn(i));

const slotBytes = fc.uint8Array({ minLength: 8, maxLength: 8 });
/** Any program of whole slots whose last slot is not a lone ld_imm64 opcode. */
const anyProgramBytes = fc.array(slotBytes, { maxLength: 12 }).map((slots) => {
  const flat = new Uint8Array(slots.length * 8);
  slots.forEach((s, i) => flat.set(s, i * 8));
  return flat;
  // a trailing lone 0x18 slot gets its second slot
}).map((b) => (b.length && decodesCut(b) ? Uint8Array.from([...b, 0, 0, 0, 0, 0, 0, 0, 0]) : b));

function decodesCut(b: Uint8Array): boolean {
  try {
    decode(b);
    return false;
  } catch {
    return true;
  }
}

describe('round trips', () => {
  it('valid instructions: decode(encode(x)) == x and asm(disasm(x)) == x', () => {
    fc.assert(fc.property(fc.array(validInsn, { minLength: 1, maxLength: 8 }), (insns) => {
      const bytes = encode(insns);
      expect(decode(bytes)).toEqual(insns);
      expect(encodeHex(assembleInsns(listInsns(insns)))).toBe(encodeHex(insns));
    }), { numRuns: 5000 });
  });

  it('the listing with labels (L<slot>:) re-assembles to the same bytes too', () => {
    const jumpy = fc.oneof(validInsn, fc.integer({ min: -6, max: 6 }).map((off) => ({ code: 0x05, dst: 0, src: 0, off, imm: 0 })));
    fc.assert(fc.property(fc.array(jumpy, { minLength: 1, maxLength: 10 }), anyProgramBytes, (insns, raw) => {
      const all = [...insns, ...decode(raw)];
      expect(encodeHex(assembleInsns(listInsns(all, { labels: true })))).toBe(encodeHex(all));
    }), { numRuns: 3000 });
  });

  it('every opcode row has a valid instruction that round-trips', () => {
    for (const row of OPCODES) {
      fc.assert(fc.property(rowInsn(row).filter((i) => !checkInsn(i)), (insn) => {
        expect(encodeHex(assembleInsns(listInsns([insn])))).toBe(encodeHex([insn]));
      }), { numRuns: 30 });
    }
  });

  it('arbitrary slots (raw forms included): bytes -> listing -> bytes is the identity', () => {
    fc.assert(fc.property(anyProgramBytes, (bytes) => {
      const insns = decode(bytes);
      expect(encode(insns)).toEqual(bytes);
      expect(encode(assembleInsns(listInsns(insns)))).toEqual(bytes);
    }), { numRuns: 5000 });
  });

  it('random bytes to the decoder throw nothing but a DecodeError with a byte offset', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        const insns = decode(bytes);
        expect(encode(insns)).toEqual(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        const off = (e as DecodeError).byteOffset;
        expect(off).toBeGreaterThanOrEqual(0);
        expect(off).toBeLessThanOrEqual(bytes.length);
      }
    }), { numRuns: 5000 });
  });
});
