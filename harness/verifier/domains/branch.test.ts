import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { refJmp } from '../../vm/reference.ts';
import { type JmpOp, isScalarBranchTaken, regSetMinMax, regSetMinMaxKernel, scalarRangeWithin } from './branch.ts';
import { type Scalar, scalarAlu, scalarCoerceToSize, scalarConst, scalarToBounds, scalarUnknown } from './scalar.ts';
import { regBoundsSync } from './sync.ts';
import { NUM_RUNS, abstractSet, arbScalarOperand, arbU64, isMember } from './test-arbitraries.ts';

const CODE: Record<JmpOp, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70, jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0,
};
const OPS = Object.keys(CODE) as JmpOp[];
const holds = (op: JmpOp, is32: boolean, x: bigint, y: bigint): boolean =>
  refJmp({ code: (is32 ? 0x06 : 0x05) | CODE[op] | 0x08, off: 0, imm: 0 }, x, y);

describe('branches: soundness against the reference semantics (fast-check)', () => {
  for (const op of OPS) {
    it(`${op}: prediction is never wrong, and each concrete pair lands in its side's refined pair`, () => {
      fc.assert(fc.property(arbScalarOperand, arbScalarOperand, fc.boolean(), (a, b, is32) => {
        const pred = isScalarBranchTaken(op, is32, a.s, b.s);
        const { taken, fallthrough } = regSetMinMax(op, is32, a.s, b.s);
        const kernel = regSetMinMaxKernel(op, is32, a.s, b.s);
        for (const x of a.xs) {
          for (const y of b.xs) {
            const c = holds(op, is32, x, y);
            if (pred === 1) expect(c).toBe(true);
            if (pred === 0) expect(c).toBe(false);
            const side = c ? taken : fallthrough;
            expect(side).not.toBeNull();
            expect(isMember(side![0], x) && isMember(side![1], y)).toBe(true);
            const k = c ? kernel.taken : kernel.fallthrough;
            expect(k.violation).toBeUndefined();
          }
        }
      }), { numRuns: NUM_RUNS });
    });
  }

  it('same register on both sides: the single operand lands in its side', () => {
    fc.assert(fc.property(arbScalarOperand, fc.constantFrom(...OPS), fc.boolean(), (a, op, is32) => {
      const { taken, fallthrough } = regSetMinMax(op, is32, a.s, a.s, true);
      for (const x of a.xs) {
        const side = holds(op, is32, x, x) ? taken : fallthrough;
        expect(side).not.toBeNull();
        expect(isMember(side![0], x)).toBe(true);
      }
    }), { numRuns: NUM_RUNS });
  });

  it('ranges within: cur inside old means every member of cur is in old', () => {
    fc.assert(fc.property(fc.array(arbU64, { minLength: 1, maxLength: 4 }), fc.array(arbU64, { maxLength: 3 }), arbScalarOperand, (xs, more, other) => {
      const cur = regBoundsSync(abstractSet(xs));
      const old = regBoundsSync(abstractSet([...xs, ...more]));
      expect(scalarRangeWithin(scalarUnknown(), cur)).toBe(true);
      expect(scalarRangeWithin(cur, cur)).toBe(true);
      if (scalarRangeWithin(other.s, cur)) for (const x of xs) expect(isMember(other.s, x)).toBe(true);
      if (scalarRangeWithin(old, cur)) for (const x of xs) expect(isMember(old, x)).toBe(true);
    }), { numRuns: NUM_RUNS });
  });
});

const hex = (b: object): unknown => JSON.parse(JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `0x${BigInt.asUintN(64, v).toString(16)}` : v)));
const U = scalarUnknown();
const C = (v: bigint): Scalar => scalarConst(v);

describe('branches: cases printed by the live 6.18 kernel', () => {
  it('u32 load, if r6 > 0x64 (kernel-facts.md section 5): both sides', () => {
    const r6 = scalarCoerceToSize(U, 4);
    const { taken, fallthrough } = regSetMinMax('jgt', false, r6, C(100n));
    expect(hex(scalarToBounds(fallthrough![0]))).toEqual(hex({
      smin: 0n, smax: 100n, umax: 100n, smin32: 0n, smax32: 100n, umax32: 100n, varOff: { value: 0n, mask: 0x7fn },
    }));
    expect(hex(scalarToBounds(taken![0]))).toEqual(hex({
      smin: 101n, smax: 0xffff_ffffn, umin: 101n, umax: 0xffff_ffffn, umin32: 101n, varOff: { value: 0n, mask: 0xffff_ffffn },
    }));
    expect(isScalarBranchTaken('jgt', false, r6, C(100n))).toBe(-1);
  });

  it('predictions: ranges, the 32-bit halves of a 64-bit compare, tnums that cannot meet', () => {
    const byte = scalarAlu('and', true, U, C(0xffn));
    expect(isScalarBranchTaken('jgt', false, byte, C(255n))).toBe(0);
    expect(isScalarBranchTaken('jle', false, byte, C(255n))).toBe(1);
    expect(isScalarBranchTaken('jsge', false, byte, C(0n))).toBe(1);
    // (0; 0xf0) never equals 5, although 5 is inside [0, 0xf0]
    const hi = scalarAlu('and', true, U, C(0xf0n));
    expect(isScalarBranchTaken('jeq', false, hi, C(5n))).toBe(0);
    expect(isScalarBranchTaken('jne', false, hi, C(5n))).toBe(1);
    // jset: a known set bit or no possible common bit
    const odd = scalarAlu('or', true, U, C(1n));
    expect(isScalarBranchTaken('jset', false, odd, C(1n))).toBe(1);
    expect(isScalarBranchTaken('jset', false, hi, C(0xfn))).toBe(0);
    expect(isScalarBranchTaken('jset', false, hi, U)).toBe(-1);
    // jmp32 looks at the low words only
    expect(isScalarBranchTaken('jeq', true, C(0x1_0000_0005n), C(5n))).toBe(1);
    expect(isScalarBranchTaken('jeq', false, C(0x1_0000_0005n), C(5n))).toBe(0);
  });

  it('if r6 > r6 and if w6 s>= w6 refine the one register twice (6.18 does not special-case it)', () => {
    const gt = regSetMinMax('jgt', false, U, U, true);
    expect([gt.taken![0].umin, gt.taken![0].umax]).toEqual([1n, (1n << 64n) - 2n]);
    expect(isScalarBranchTaken('jgt', false, U, U)).toBe(-1);
    const sge = regSetMinMax('jsge', true, U, U, true);
    expect([sge.fallthrough![0].s32min, sge.fallthrough![0].s32max]).toEqual([-(1n << 31n) + 1n, (1n << 31n) - 2n]);
  });

  it('jset with a single bit sets it on the taken side and clears it on the other', () => {
    const { taken, fallthrough } = regSetMinMax('jset', false, U, C(8n));
    expect(taken![0].varOff).toEqual({ value: 8n, mask: BigInt.asUintN(64, ~8n) });
    expect(fallthrough![0].varOff).toEqual({ value: 0n, mask: BigInt.asUintN(64, ~8n) });
    // two bits: nothing learnt when taken, both cleared when not
    const two = regSetMinMax('jset', false, U, C(6n));
    expect(scalarToBounds(two.taken![0])).toEqual({});
    expect(two.fallthrough![0].varOff).toEqual({ value: 0n, mask: BigInt.asUintN(64, ~6n) });
  });

  it('jne against a range edge shrinks the range; jeq intersects both operands', () => {
    const byte = scalarAlu('and', true, U, C(0xffn));
    const ne = regSetMinMax('jne', false, byte, C(0n));
    expect(ne.taken![0].umin).toBe(1n);
    expect(ne.fallthrough![0]).toEqual(C(0n));
    // a: [10, 20] with var_off (0; 0x1e); b: [12, 40] with var_off (8; 0x24) = {8, 12, 40, 44}
    // jeq: ranges meet in [12, 20], tnums in (8; 0x4) = {8, 12}: the only common value is 12
    const a = regBoundsSync(abstractSet([10n, 20n]));
    const b = regBoundsSync(abstractSet([12n, 40n]));
    const eq = regSetMinMax('jeq', false, a, b).taken!;
    expect(eq[0]).toEqual(C(12n));
    expect(eq[1]).toEqual(C(12n));
  });

  it('an impossible side is null; the kernel variant reports the violation and resets the ranges', () => {
    // [-5, -1] s>= 10 never holds: the kernel predicts it; refining anyway gives smin > smax
    const neg = regBoundsSync(abstractSet([BigInt.asUintN(64, -5n), BigInt.asUintN(64, -1n)]));
    expect(isScalarBranchTaken('jsge', false, neg, C(10n))).toBe(0);
    const r = regSetMinMax('jsge', false, neg, C(10n));
    expect(r.taken).toBeNull();
    expect(r.fallthrough).not.toBeNull();
    const k = regSetMinMaxKernel('jsge', false, neg, C(10n));
    expect(k.taken.violation).toBe('range bounds violation');
    expect(k.taken.pair[0].smin).toBe(-(1n << 63n));
    expect(k.taken.pair[0].varOff).toEqual(neg.varOff);
  });
});
