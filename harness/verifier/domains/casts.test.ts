import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { refAlu, refExtendLoad } from '../../vm/reference.ts';
import {
  scalarCoerceToSize, scalarConst, scalarEnd, scalarMovsx, scalarSextLoad, scalarToBounds, scalarUnknown, scalarZext32,
} from './scalar.ts';
import { regBoundsSync } from './sync.ts';
import { NUM_RUNS, abstractSet, arbScalarOperand, isMember } from './test-arbitraries.ts';

const END_CODE = { le: 0x04 | 0xd0, be: 0x04 | 0xd0 | 0x08, bswap: 0x07 | 0xd0 } as const;

describe('width changes: soundness against the reference semantics (fast-check)', () => {
  it('le/be/bswap 16/32/64', () => {
    fc.assert(fc.property(arbScalarOperand, fc.constantFrom('le', 'be', 'bswap' as const), fc.constantFrom(16, 32, 64 as const), ({ s, xs }, kind, bits) => {
      const r = scalarEnd(kind, bits, s);
      for (const x of xs) expect(isMember(r, refAlu({ code: END_CODE[kind], off: 0, imm: bits }, x, 0n))).toBe(true);
    }), { numRuns: NUM_RUNS });
  });

  it('movsx 64 (8/16/32) and 32 (8/16)', () => {
    fc.assert(fc.property(arbScalarOperand, fc.constantFrom(8, 16, 32 as const), fc.boolean(), ({ s, xs }, bits, is64) => {
      if (!is64 && bits === 32) return;
      const r = scalarMovsx(bits, is64, s);
      for (const x of xs) expect(isMember(r, refAlu({ code: (is64 ? 0x07 : 0x04) | 0xb0 | 0x08, off: bits, imm: 0 }, 0n, x))).toBe(true);
    }), { numRuns: NUM_RUNS });
  });

  it('zero-extending and sign-extending loads, w-register writes', () => {
    fc.assert(fc.property(arbScalarOperand, fc.constantFrom(1, 2, 4 as const), ({ s, xs }, size) => {
      const z = scalarCoerceToSize(s, size);
      const sx = scalarSextLoad(s, size);
      const w = scalarZext32(s);
      for (const x of xs) {
        expect(isMember(z, refExtendLoad(x, size, false))).toBe(true);
        expect(isMember(sx, refExtendLoad(x, size, true))).toBe(true);
        expect(isMember(w, BigInt.asUintN(32, x))).toBe(true);
      }
      expect(scalarCoerceToSize(s, 8)).toEqual(s);
    }), { numRuns: NUM_RUNS });
  });

  it('reg_bounds_sync keeps every member', () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 4 }), (xs) => {
      const r = regBoundsSync(abstractSet(xs));
      for (const x of xs) expect(isMember(r, x)).toBe(true);
    }), { numRuns: NUM_RUNS });
  });
});

const hex = (b: object): unknown => JSON.parse(JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `0x${BigInt.asUintN(64, v).toString(16)}` : v)));

describe('width changes: cases printed by the live 6.18 kernel', () => {
  it('le32 of an unknown truncates; bswap16 of a constant swaps; be16 of unknown is 16 bits', () => {
    expect(hex(scalarToBounds(scalarEnd('le', 32, scalarUnknown())))).toEqual(hex({
      smin: 0n, smax: 0xffff_ffffn, umax: 0xffff_ffffn, varOff: { value: 0n, mask: 0xffff_ffffn },
    }));
    expect(scalarToBounds(scalarEnd('bswap', 16, scalarConst(0x1234_4670n)))).toEqual(scalarToBounds(scalarConst(0x7046n)));
    expect(hex(scalarToBounds(scalarEnd('be', 16, scalarUnknown())))).toEqual(hex({
      smin: 0n, smax: 0xffffn, umax: 0xffffn, smin32: 0n, smax32: 0xffffn, umax32: 0xffffn, varOff: { value: 0n, mask: 0xffffn },
    }));
    expect(scalarEnd('le', 64, scalarConst(5n))).toEqual(scalarConst(5n));
  });

  it('a u32 load gives smin=0,smax=umax=0xffffffff (the log of kernel-facts.md section 5)', () => {
    expect(hex(scalarToBounds(scalarCoerceToSize(scalarUnknown(), 4)))).toEqual(hex({
      smin: 0n, smax: 0xffff_ffffn, umax: 0xffff_ffffn, varOff: { value: 0n, mask: 0xffff_ffffn },
    }));
  });

  it('sign extension of a constant and of a small non-negative range', () => {
    expect(scalarMovsx(8, true, scalarConst(0x80n))).toEqual(scalarConst(-128n));
    expect(scalarMovsx(16, false, scalarConst(0xffffn))).toEqual(scalarConst(0xffff_ffffn));
    const small = regBoundsSync(abstractSet([3n, 9n]));
    // the range [3, 9] survives; var_off becomes tnum_range(3, 9) (the kernel does not re-intersect here)
    expect(hex(scalarToBounds(scalarSextLoad(small, 1)))).toEqual(hex({
      smin: 3n, smax: 9n, umin: 3n, umax: 9n, smin32: 3n, smax32: 9n, umin32: 3n, umax32: 9n, varOff: { value: 0n, mask: 0xfn },
    }));
    // a range crossing the s8 sign bit: the default [-128, 127]
    const cross = regBoundsSync(abstractSet([0x70n, 0x90n]));
    expect(hex(scalarToBounds(scalarSextLoad(cross, 1)))).toEqual(hex({ smin: -128n, smax: 127n, smin32: -128n, smax32: 127n }));
  });
});
