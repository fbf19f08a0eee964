import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type Tnum, tnumAdd, tnumAnd, tnumArshift, tnumBswap16, tnumBswap32, tnumBswap64, tnumCast, tnumConst,
  tnumIn, tnumIntersect, tnumLshift, tnumMul, tnumNeg, tnumOr, tnumOverlap, tnumRange, tnumRshift, tnumStep,
  tnumStr, tnumSub, tnumSubreg, tnumUnion, tnumUnknown, tnumWithSubreg, tnumXor, tnumClearSubreg,
  tnumIsAligned, tnumContains,
} from './tnum.ts';
import { NUM_RUNS, arbTnumMember, arbU64, isTnumMember } from './test-arbitraries.ts';

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const T = (value: bigint, mask: bigint): Tnum => ({ value, mask });
const wellFormed = (t: Tnum): boolean => (t.value & t.mask) === 0n && t.value === u64(t.value) && t.mask === u64(t.mask);

/** Concrete semantics, written independently of tnum.ts. */
const BINARY: Record<string, [(a: Tnum, b: Tnum) => Tnum, (x: bigint, y: bigint) => bigint]> = {
  add: [tnumAdd, (x, y) => u64(x + y)],
  sub: [tnumSub, (x, y) => u64(x - y)],
  mul: [tnumMul, (x, y) => u64(x * y)],
  and: [tnumAnd, (x, y) => x & y],
  or: [tnumOr, (x, y) => x | y],
  xor: [tnumXor, (x, y) => x ^ y],
};

describe('tnum: soundness of binary operators (fast-check, 64-bit)', () => {
  for (const [name, [abs, conc]] of Object.entries(BINARY)) {
    it(`${name}: op(x, y) is in tnumOp(a, b) for x in a, y in b`, () => {
      fc.assert(fc.property(arbTnumMember, arbTnumMember, ({ t: a, x }, { t: b, x: y }) => {
        const r = abs(a, b);
        expect(wellFormed(r)).toBe(true);
        expect(isTnumMember(r, conc(x, y))).toBe(true);
      }), { numRuns: NUM_RUNS });
    });
  }
});

/** All 3^4 tnums over 4 bits placed at bit `at`, with their members. */
function smallTnums(at: number): { t: Tnum; xs: bigint[] }[] {
  const out: { t: Tnum; xs: bigint[] }[] = [];
  for (let m = 0; m < 16; m++) {
    for (let v = 0; v < 16; v++) {
      if (v & m) continue;
      const xs: bigint[] = [];
      for (let x = 0; x < 16; x++) if ((x & ~m) === v) xs.push(BigInt(x) << BigInt(at));
      out.push({ t: T(BigInt(v) << BigInt(at), BigInt(m) << BigInt(at)), xs });
    }
  }
  return out;
}

describe('tnum: exhaustive soundness over all 4-bit tnums (low bits, and the top bits where carries fall off)', () => {
  for (const at of [0, 60]) {
    const all = smallTnums(at);
    it(`every op on every pair of tnums at bit ${at} (${all.length}^2 pairs)`, () => {
      let checked = 0;
      for (const [abs, conc] of Object.values(BINARY)) {
        for (const a of all) {
          for (const b of all) {
            const r = abs(a.t, b.t);
            for (const x of a.xs) for (const y of b.xs) { if (!isTnumMember(r, conc(x, y))) throw new Error(`${tnumStr(a.t)} ${tnumStr(b.t)}: ${conc(x, y)} not in ${tnumStr(r)}`); checked++; }
          }
        }
      }
      // each bit contributes 1 + 1 + 2 members over its three states: 4^4 members in all, per side
      expect(checked).toBe(6 * 256 * 256);
    });
  }
});

describe('tnum: soundness of unary operators and shifts', () => {
  it('neg, lshift, rshift, arshift (64 and 32), cast, subreg, clear_subreg, bswap', () => {
    fc.assert(fc.property(arbTnumMember, fc.integer({ min: 0, max: 63 }), ({ t, x }, k) => {
      const sh = BigInt(k);
      expect(isTnumMember(tnumNeg(t), u64(-x))).toBe(true);
      expect(isTnumMember(tnumLshift(t, k), u64(x << sh))).toBe(true);
      expect(isTnumMember(tnumRshift(t, k), x >> sh)).toBe(true);
      expect(isTnumMember(tnumArshift(t, k, 64), u64(BigInt.asIntN(64, x) >> sh))).toBe(true);
      const k32 = k % 32;
      const w = BigInt.asUintN(32, x);
      expect(isTnumMember(tnumArshift(tnumSubreg(t), k32, 32), BigInt.asUintN(32, BigInt.asIntN(32, w) >> BigInt(k32)))).toBe(true);
      for (const size of [1, 2, 4, 8]) expect(isTnumMember(tnumCast(t, size), BigInt.asUintN(size * 8, x))).toBe(true);
      expect(isTnumMember(tnumSubreg(t), w)).toBe(true);
      expect(isTnumMember(tnumClearSubreg(t), x - w)).toBe(true);
      expect(isTnumMember(tnumBswap16(t), swab(BigInt.asUintN(16, x), 2))).toBe(true);
      expect(isTnumMember(tnumBswap32(t), swab(BigInt.asUintN(32, x), 4))).toBe(true);
      expect(isTnumMember(tnumBswap64(t), swab(x, 8))).toBe(true);
    }), { numRuns: NUM_RUNS });
  });
});

/** Independent byte reversal of an n-byte value. */
function swab(x: bigint, n: number): bigint {
  const bytes = Array.from({ length: n }, (_, i) => (x >> BigInt(8 * i)) & 0xffn);
  return bytes.reduce((acc, b) => (acc << 8n) | b, 0n);
}

describe('tnum: lattice operations and predicates', () => {
  it('intersect keeps common members; union keeps members of either; with_subreg combines halves', () => {
    fc.assert(fc.property(arbTnumMember, arbTnumMember, ({ t: a, x }, { t: b, x: y }) => {
      expect(isTnumMember(tnumUnion(a, b), x)).toBe(true);
      expect(isTnumMember(tnumUnion(a, b), y)).toBe(true);
      if (isTnumMember(b, x)) expect(isTnumMember(tnumIntersect(a, b), x)).toBe(true);
      expect(isTnumMember(tnumWithSubreg(a, b), (x & ~0xffff_ffffn) | (y & 0xffff_ffffn))).toBe(true);
      // overlap <=> some common member; with a shared member it must say true
      if (isTnumMember(b, x)) expect(tnumOverlap(a, b)).toBe(true);
      // tnumIn(a, b) means every member of b is in a: check on y
      if (tnumIn(a, b)) expect(isTnumMember(a, y)).toBe(true);
      expect(tnumIn(tnumUnion(a, b), a)).toBe(true);
      expect(tnumContains(a, x)).toBe(true);
    }), { numRuns: NUM_RUNS });
  });

  it('range: every value of [min, max] is a member', () => {
    fc.assert(fc.property(arbU64, arbU64, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (p, q, r) => {
      const [lo, hi] = p <= q ? [p, q] : [q, p];
      const t = tnumRange(lo, hi);
      expect(wellFormed(t)).toBe(true);
      const inside = lo + (hi > lo ? r % (hi - lo + 1n) : 0n);
      for (const v of [lo, hi, inside]) expect(isTnumMember(t, v)).toBe(true);
    }), { numRuns: NUM_RUNS });
  });

  it('overlap is exact: false means no common member (exhaustive over 4-bit tnums)', () => {
    const all = smallTnums(0);
    for (const a of all) {
      for (const b of all) {
        const common = a.xs.some((x) => isTnumMember(b.t, x));
        expect(tnumOverlap(a.t, b.t)).toBe(common);
      }
    }
  });

  it('step is the next member above z, or the largest member (exhaustive over 4-bit tnums, z in 0..17)', () => {
    for (const { t, xs } of [...smallTnums(0), ...smallTnums(3)]) {
      const tmax = t.value | t.mask;
      for (let z = 0n; z < 140n; z++) {
        const next = xs.filter((x) => x > z).sort((a, b) => (a < b ? -1 : 1))[0];
        const want = z >= tmax ? tmax : z < t.value ? t.value : next ?? tmax;
        expect(tnumStep(t, z)).toBe(want);
      }
    }
  });

  it('step agrees with brute force on random 64-bit tnums with few unknown bits', () => {
    fc.assert(fc.property(arbU64, fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 5 }), arbU64, (v, bits, z) => {
      const mask = bits.reduce((m, b) => m | (1n << BigInt(b)), 0n);
      const t = T(v & ~mask, mask);
      const members: bigint[] = [];
      const ub = [...new Set(bits)];
      for (let i = 0; i < 1 << ub.length; i++) {
        members.push(ub.reduce((acc, b, j) => ((i >> j) & 1 ? acc | (1n << BigInt(b)) : acc), t.value));
      }
      const tmax = t.value | t.mask;
      const above = members.filter((x) => x > z).sort((a, b) => (a < b ? -1 : 1));
      const want = z >= tmax ? tmax : z < t.value ? t.value : above[0] ?? tmax;
      expect(tnumStep(t, z)).toBe(want);
    }), { numRuns: NUM_RUNS });
  });
});

describe('tnum: hand-computed kernel cases', () => {
  it('range, add, sub, mul, and', () => {
    expect(tnumRange(0n, 100n)).toEqual(T(0n, 0x7fn));
    expect(tnumRange(5n, 5n)).toEqual(T(5n, 0n));
    expect(tnumRange(0n, u64(-1n))).toEqual(tnumUnknown);
    expect(tnumRange(0x10n, 0x1fn)).toEqual(T(0x10n, 0xfn));
    // {0,1} + {0,2} = {0,1,2,3}
    expect(tnumAdd(T(0n, 1n), T(0n, 2n))).toEqual(T(0n, 3n));
    // {0,1} + 1 = {1,2}: bits 0 and 1 unknown
    expect(tnumAdd(T(0n, 1n), tnumConst(1n))).toEqual(T(0n, 3n));
    expect(tnumSub(tnumConst(0n), tnumConst(1n))).toEqual(tnumConst(u64(-1n)));
    // {0,2} * 3: a's bit 1 is unknown, so acc = union(0, 3 << 1) = (0; 0x6)
    expect(tnumMul(T(0n, 2n), tnumConst(3n))).toEqual(T(0n, 0x6n));
    // 6.18's union-based tnum_mul, as the live kernel printed it (the older hma version gives mask 0x...1ff)
    expect(tnumMul(T(0x1000_0000_0000_0010n, 0xfn), T(3n, 4n))).toEqual(T(0x3000_0000_0000_0000n, 0x4000_0000_0000_00ffn));
    expect(tnumMul(tnumConst(6n), tnumConst(7n))).toEqual(tnumConst(42n));
    expect(tnumAnd(T(0n, 0xffn), tnumConst(0x0fn))).toEqual(T(0n, 0x0fn));
    expect(tnumOr(T(0n, 0xffn), tnumConst(0x0fn))).toEqual(T(0x0fn, 0xf0n));
    expect(tnumXor(T(1n, 0n), T(0n, 1n))).toEqual(T(0n, 1n));
  });

  it('arshift 32 zero-extends; intersect says 1 where the two disagree; alignment; printing', () => {
    expect(tnumArshift(T(0x8000_0000n, 0n), 4, 32)).toEqual(T(0xf800_0000n, 0n));
    expect(tnumArshift(T(0x8000_0000n, 0n), 4, 64)).toEqual(T(0x0800_0000n, 0n));
    expect(tnumIntersect(tnumConst(1n), tnumConst(2n))).toEqual(tnumConst(3n));
    expect(tnumIsAligned(T(0x10n, 0xf0n), 8n)).toBe(true);
    expect(tnumIsAligned(T(0x10n, 0xf4n), 8n)).toBe(false);
    expect(tnumStr(T(0n, 0xffff_ffffn))).toBe('(0x0; 0xffffffff)');
    expect(tnumBswap16(T(0x12_34n, 0x00_f0n))).toEqual(T(0x34_12n, 0xf0_00n));
  });
});
