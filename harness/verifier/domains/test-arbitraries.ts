/**
 * fast-check arbitraries for the domain tests: concrete u64 values that hit the interesting
 * boundaries (0, 2^31, 2^32, 2^63, 2^64 and their neighbours), tnums with a member, and scalars
 * with a few of their concrete members. Membership and the best abstraction of a set are written
 * here independently of the code under test, so that the tests do not check the domain with itself.
 */
import fc from 'fast-check';
import type { Tnum } from './tnum.ts';
import type { Scalar } from './scalar-core.ts';
import { regBoundsSync } from './sync.ts';

const M64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const BOUNDARIES = [0n, 1n << 7n, 1n << 15n, 1n << 31n, 1n << 32n, 1n << 63n, 1n << 64n];

/** A u64 that is often near a boundary, small, a mask, or a small negative number. */
export const arbU64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.bigInt({ min: 0n, max: 300n }),
  fc.tuple(fc.constantFrom(...BOUNDARIES), fc.integer({ min: -4, max: 4 })).map(([b, d]) => u64(b + BigInt(d))),
  fc.integer({ min: 0, max: 64 }).map((k) => u64((1n << BigInt(k)) - 1n)),
  fc.integer({ min: 0, max: 63 }).map((k) => u64(-(1n << BigInt(k)))),
  fc.bigInt({ min: -300n, max: -1n }).map(u64),
  fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
);

/** A mask with runs of unknown bits (dense, sparse, low, high). */
const arbMask: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.constant(0n),
  fc.integer({ min: 0, max: 64 }).map((k) => u64((1n << BigInt(k)) - 1n)),
  fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 16 })).map(([at, n]) => u64(((1n << BigInt(n)) - 1n) << BigInt(at))),
  fc.tuple(fc.bigInt({ min: 0n, max: M64 }), fc.bigInt({ min: 0n, max: M64 })).map(([a, b]) => a & b),
);

/** A tnum and one of its members. */
export const arbTnumMember: fc.Arbitrary<{ t: Tnum; x: bigint }> = fc
  .tuple(arbU64, arbMask, fc.bigInt({ min: 0n, max: M64 }))
  .map(([v, m, r]) => ({ t: { value: v & ~m & M64, mask: m }, x: (v & ~m) | (r & m) }));

export const isTnumMember = (t: Tnum, x: bigint): boolean => (u64(x) & ~t.mask) === t.value;

/** Is the u64 x in s (tnum and all four ranges)? */
export function isMember(s: Scalar, x: bigint): boolean {
  const v = u64(x);
  const sv = BigInt.asIntN(64, v);
  const lo = BigInt.asUintN(32, v);
  const slo = BigInt.asIntN(32, v);
  return isTnumMember(s.varOff, v) && s.umin <= v && v <= s.umax && s.smin <= sv && sv <= s.smax
    && s.u32min <= lo && lo <= s.u32max && s.s32min <= slo && slo <= s.s32max;
}

const minOf = (xs: bigint[]): bigint => xs.reduce((a, b) => (a < b ? a : b));
const maxOf = (xs: bigint[]): bigint => xs.reduce((a, b) => (a > b ? a : b));

/** The best scalar (before reg_bounds_sync) holding exactly the values of a set. */
export function abstractSet(xs: readonly bigint[]): Scalar {
  const vs = xs.map(u64);
  const diff = vs.reduce((m, v) => m | (v ^ vs[0]!), 0n);
  const s64s = vs.map((v) => BigInt.asIntN(64, v));
  const u32s = vs.map((v) => BigInt.asUintN(32, v));
  const s32s = vs.map((v) => BigInt.asIntN(32, v));
  return {
    varOff: { value: vs[0]! & ~diff, mask: diff },
    umin: minOf(vs), umax: maxOf(vs), smin: minOf(s64s), smax: maxOf(s64s),
    u32min: minOf(u32s), u32max: maxOf(u32s), s32min: minOf(s32s), s32max: maxOf(s32s),
  };
}

/** Values clustered around one base (so that ranges are narrow), or spread out. */
const arbValueSet: fc.Arbitrary<bigint[]> = fc.oneof(
  fc.array(arbU64, { minLength: 1, maxLength: 4 }),
  fc.tuple(arbU64, fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 0, maxLength: 4 }))
    .map(([b, ds]) => [b, ...ds.map((d) => u64(b + BigInt(d)))]),
);

/** A synced scalar abstracting a random set, with those values as members. */
export const arbScalarMembers: fc.Arbitrary<{ s: Scalar; xs: bigint[] }> = arbValueSet
  .map((xs) => ({ s: regBoundsSync(abstractSet(xs)), xs: xs.map(u64) }));

/** Sometimes an unknown scalar or a constant, mostly a set abstraction. */
export const arbScalarOperand: fc.Arbitrary<{ s: Scalar; xs: bigint[] }> = fc.oneof(
  { weight: 6, arbitrary: arbScalarMembers },
  { weight: 1, arbitrary: arbU64.map((x) => ({ s: regBoundsSync(abstractSet([x])), xs: [x] })) },
  {
    weight: 1,
    arbitrary: fc.array(arbU64, { minLength: 1, maxLength: 3 }).map((xs) => ({
      s: { varOff: { value: 0n, mask: M64 }, umin: 0n, umax: M64, smin: -(1n << 63n), smax: (1n << 63n) - 1n,
        u32min: 0n, u32max: 0xffff_ffffn, s32min: -(1n << 31n), s32max: (1n << 31n) - 1n } as Scalar,
      xs,
    })),
  },
);

export const NUM_RUNS = Number(process.env.VERIFUZZ_PROPERTY_RUNS ?? 3000);
