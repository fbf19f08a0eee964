import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  BuildError, CallHelper, CallKfunc, CallLocal, Exit, Gotol, JEq, JSGT, Ja, Label, LdFunc, LdImm64, LdMap,
  LdMapValue, MayGoto, Mov64, R0, R1, R2, Raw, buildProgram, resolve, symbolize, type SymItem,
} from './builder.ts';
import { encodeHex } from './codec.ts';
import { mkInsn } from './insn.ts';

const hex = (items: SymItem[]): string => encodeHex(resolve(items));

describe('builder: labels resolve to slot offsets', () => {
  it('forward and backward jumps (expected bytes by hand)', () => {
    const items = [
      Label('top'), Mov64.Imm(R0, 0), JSGT.Imm(R1, 4, 'out'), Ja('top'), Label('out'), Exit(),
    ];
    // slot 1: jsgt to slot 3 -> off +1; slot 2: ja to slot 0 -> off -3.
    expect(hex(items)).toBe('b700000000000000' + '6501010004000000' + '0500fdff00000000' + '9500000000000000');
  });

  it('counts ld_imm64 as two slots, and fills imm for gotol, calls and pseudo-func loads', () => {
    const items = [
      LdMap(R1, 0), Gotol('f'), CallLocal('f'), LdFunc(R2, 'f'), Exit(), Label('f'), Exit(),
    ];
    // slots: ld_imm64 0-1, gotol 2, call 3, ld_func 4-5, exit 6, f = slot 7.
    expect(hex(items)).toBe(
      '18510000000000000000000000000000' + '0600000004000000' + '8510000003000000'
      + '18420000020000000000000000000000' + '9500000000000000' + '9500000000000000');
  });

  it('builds helper calls by name or id, kfunc calls, map value loads, may_goto', () => {
    expect(hex([CallHelper('bpf_map_lookup_elem'), CallHelper('get_prandom_u32'), CallHelper(12)]))
      .toBe('8500000001000000' + '8500000007000000' + '850000000c000000');
    expect(hex([CallKfunc(65232)])).toBe('85200000d0fe0000');
    expect(hex([LdMapValue(R1, 1, 8)])).toBe('18610000010000000000000008000000');
    expect(hex([LdImm64(R0, 0x100000002n)])).toBe('18000000020000000000000001000000');
    expect(hex([MayGoto('x'), Label('x')])).toBe('e500000000000000');
  });

  it('a label at the end of the program is allowed (offset to one past the last slot)', () => {
    expect(hex([JEq.Reg(R1, R2, 'end'), Label('end')])).toBe('1d21000000000000');
  });
});

describe('buildProgram', () => {
  it('resolves items into a Program with its maps', () => {
    const map = { type: 'array' as const, keySize: 4, valueSize: 8, maxEntries: 1 };
    const p = buildProgram([LdMap(R1, 0), Exit()], { progType: 'xdp', maps: [map] });
    expect(p.progType).toBe('xdp');
    expect(p.maps).toEqual([map]);
    expect(encodeHex(p.insns)).toBe('18510000000000000000000000000000' + '9500000000000000');
    expect(p.flags).toBeUndefined();
  });
});

describe('builder errors', () => {
  it('undefined label', () => {
    expect(() => resolve([Ja('nowhere')])).toThrow(new BuildError("undefined label 'nowhere'", 0));
  });
  it('duplicate label', () => {
    expect(() => resolve([Label('a'), Exit(), Label('a')])).toThrow("duplicate label 'a'");
  });
  it('offset out of s16', () => {
    const far = [Ja('far'), ...Array.from({ length: 0x8000 }, () => Mov64.Imm(R0, 0)), Label('far')];
    expect(() => resolve(far)).toThrow("offset 32768 to label 'far' does not fit in s16");
    const nearEnough = [Ja('far'), ...Array.from({ length: 0x7fff }, () => Mov64.Imm(R0, 0)), Label('far')];
    expect(resolve(nearEnough)[0]!.off).toBe(0x7fff);
  });
  it('a label on an instruction that cannot jump', () => {
    expect(() => resolve([{ kind: 'insn', insn: mkInsn(0xb7, 0, 0, 0, 0), target: 'x' }, Label('x')]))
      .toThrow("cannot jump to label 'x'");
  });
  it('unknown helper name', () => {
    expect(() => CallHelper('bpf_nope')).toThrow("unknown helper 'bpf_nope'");
  });
});

describe('symbolize / resolve', () => {
  it('resolve(symbolize(p)) == p for programs with in-range jumps (fast-check)', () => {
    const insn = fc.oneof(
      fc.integer({ min: -4, max: 4 }).map((off) => mkInsn(0x05, 0, 0, off, 0)),
      fc.integer({ min: -4, max: 4 }).map((off) => mkInsn(0x15, 1, 0, off, 3)),
      fc.integer({ min: -4, max: 4 }).map((imm) => mkInsn(0x85, 0, 1, 0, imm)),
      fc.constant(mkInsn(0xb7, 0, 0, 0, 1)),
      fc.constant(resolve([LdImm64(R1, 5n)])[0]!),
    );
    fc.assert(fc.property(fc.array(insn, { maxLength: 12 }), (insns) => {
      expect(resolve(symbolize(insns))).toEqual(insns);
    }), { numRuns: 2000 });
  });

  it('deleting an instruction and re-resolving keeps jumps on their labels', () => {
    const items = [JEq.Imm(R1, 0, 'out'), Mov64.Imm(R0, 1), Mov64.Imm(R0, 2), Label('out'), Exit()];
    expect(resolve(items)[0]!.off).toBe(2);
    expect(resolve(items.filter((_, i) => i !== 1))[0]!.off).toBe(1);
    expect(resolve([Raw(mkInsn(0xff, 0, 0, 0, 0))])[0]!.code).toBe(0xff);
  });
});
