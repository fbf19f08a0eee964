/**
 * Scalar: the kernel's abstract value of a SCALAR_VALUE register (the numeric half of
 * bpf_reg_state): a tnum (var_off) times four intervals (u64, s64, u32, s32).
 *
 * A concrete u64 x is a member when it is in var_off and in all four ranges (the 32-bit ranges
 * constrain x's low word). Invariant of a well-formed Scalar: every field is normalised to its
 * type (smin/smax as signed s64, umin/umax as u64, s32min/s32max as s32, u32min/u32max as u32).
 * The public API is pure: values are readonly and never mutated. Inside the domain modules a
 * mutable copy (MutScalar) is used so that each function reads line by line like the kernel's.
 */
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, s32, s64, u32, u64 } from './bounds.ts';
import { type Tnum, tnumConst, tnumConstSubreg, tnumContains, tnumIsConst, tnumUnknown } from './tnum.ts';

export interface Scalar {
  readonly varOff: Tnum;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
}

export type MutScalar = { -readonly [K in keyof Scalar]: Scalar[K] };

export const mut = (s: Scalar): MutScalar => ({ ...s });
export const freeze = (s: MutScalar): Scalar => Object.freeze(s);

/** ___mark_reg_known: every field pinned to v (taken mod 2^64). */
export function scalarConst(v: bigint): Scalar {
  const x = u64(v);
  return freeze({
    varOff: tnumConst(x),
    smin: s64(x), smax: s64(x), umin: x, umax: x,
    s32min: s32(x), s32max: s32(x), u32min: u32(x), u32max: u32(x),
  });
}

/** __mark_reg_unknown's numeric part: nothing known. */
export function scalarUnknown(): Scalar {
  return freeze({ varOff: tnumUnknown, ...UNBOUNDED64, ...UNBOUNDED32 });
}

const UNBOUNDED64 = { smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX } as const;
const UNBOUNDED32 = { s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32_MAX } as const;

/** __mark_reg64_unbounded / __mark_reg32_unbounded / __mark_reg_unbounded (var_off kept). */
export const markReg64Unbounded = (r: MutScalar): void => { Object.assign(r, UNBOUNDED64); };
export const markReg32Unbounded = (r: MutScalar): void => { Object.assign(r, UNBOUNDED32); };
export function markRegUnbounded(r: MutScalar): void {
  markReg64Unbounded(r);
  markReg32Unbounded(r);
}

/** __mark_reg_known on a mutable copy. */
export const markRegKnown = (r: MutScalar, v: bigint): void => { Object.assign(r, scalarConst(v)); };

/** __mark_reg32_known: the low word becomes v, the high word's knowledge is kept. */
export function markReg32Known(r: MutScalar, v: bigint): void {
  r.varOff = tnumConstSubreg(r.varOff, u32(v));
  r.s32min = r.s32max = s32(v);
  r.u32min = r.u32max = u32(v);
}

/** Is the u64 v a member of s? */
export function scalarContains(s: Scalar, v: bigint): boolean {
  const x = u64(v);
  const sx = s64(x);
  const lo = u32(x);
  const slo = s32(x);
  return tnumContains(s.varOff, x)
    && s.umin <= x && x <= s.umax && s.smin <= sx && sx <= s.smax
    && s.u32min <= lo && lo <= s.u32max && s.s32min <= slo && slo <= s.s32max;
}

/** Known constant as the kernel decides it for 64-bit ops (tnum and both 64-bit ranges). */
export function scalarIsConst(s: Scalar): boolean {
  return tnumIsConst(s.varOff) && s.smin === s.smax && s.umin === s.umax;
}

export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask
    && a.smin === b.smin && a.smax === b.smax && a.umin === b.umin && a.umax === b.umax
    && a.s32min === b.s32min && a.s32max === b.s32max && a.u32min === b.u32min && a.u32max === b.u32max;
}
