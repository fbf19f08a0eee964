/**
 * The numeric opcode tables say what the rows of isa/opcodes.ts say, for every opcode byte and
 * every field value that matters: the field rules, and the register masks (against `masksOf`,
 * the per-kind definition).
 */
import { describe, expect, it } from 'vitest';
import { fieldOk, opcodeRow } from '../isa/opcodes.ts';
import { I_VALID, INFO, KIND, K_ATOMIC, K_LD_ABS, K_LD_IND, masksFromInfo, masksOf, ruleOk } from './load-rules.ts';

const IMMS = [0, 1, 0xf1, 0xe1, 0x100, 0x110, 16, 32, 64, -1, 0x7fffffff, 1 << 16];

describe('load-rules tables', () => {
  it('INFO marks exactly the opcodes of the ISA', () => {
    let valid = 0;
    for (let code = 0; code < 256; code++) {
      expect((INFO[code]! & I_VALID) !== 0).toBe(opcodeRow(code) !== undefined);
      if (opcodeRow(code)) valid++;
    }
    expect(valid).toBe(128); // the rows of isa/opcodes.ts
  });
  it('ruleOk agrees with the rows for off and imm values', () => {
    for (let code = 0; code < 256; code++) {
      const row = opcodeRow(code);
      if (!row) continue;
      for (const v of [...IMMS, 8, -8, 2, 3, 0x40, 0x41, 0x50, 0xa1, 0x111]) {
        expect(ruleOk(code * 4 + 2, v)).toBe(fieldOk(row.off, v));
        expect(ruleOk(code * 4 + 3, v)).toBe(fieldOk(row.imm, v));
      }
      for (let v = -1; v < 16; v++) {
        expect(ruleOk(code * 4, v)).toBe(fieldOk(row.dst, v));
        expect(ruleOk(code * 4 + 1, v)).toBe(fieldOk(row.src, v));
      }
    }
  });
  it('masks from INFO equal masksOf for every opcode, register pair and imm', () => {
    const wrong: string[] = [];
    let compared = 0;
    for (let code = 0; code < 256; code++) {
      if (!opcodeRow(code)) continue;
      for (let dst = 0; dst < 11; dst++) {
        for (let src = 0; src < 11; src++) {
          for (const imm of IMMS) {
            if (masksFromInfo(INFO[code]!, code, dst, src, imm) !== masksOf(code, dst, src, imm)) wrong.push(`0x${code.toString(16)} r${dst} r${src} ${imm}`);
            compared++;
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(compared).toBe(128 * 11 * 11 * IMMS.length);
  });
  it('masksOf by hand: add64 X, mov64 K, ld_abs, atomic cmpxchg', () => {
    expect(masksOf(0x0f, 3, 4, 0)).toBe((1 << 3) | (1 << 4) | ((1 << 3) << 16));
    expect(masksOf(0xb7, 3, 0, 5)).toBe((1 << 3) << 16);
    expect(KIND[0x30]).toBe(K_LD_ABS);
    expect(masksOf(0x30, 0, 0, 5)).toBe((1 << 6) | (1 << 16));
    expect(KIND[0x50]).toBe(K_LD_IND);
    expect(masksOf(0x50, 0, 2, 5)).toBe((1 << 6) | (1 << 2) | (1 << 16));
    expect(KIND[0xdb]).toBe(K_ATOMIC);
    expect(masksOf(0xdb, 1, 2, 0xf1)).toBe(0b111 | (1 << 16)); // cmpxchg reads r0, writes r0
  });
});
