/**
 * Width changes of scalars: zero-extension of a 32-bit result (zext_32_to_64), truncating loads
 * (coerce_reg_to_size), sign-extending loads and movsx (coerce_reg_to_size_sx,
 * coerce_subreg_to_size_sx) and byte swaps (BPF_END).
 *
 * Invariant (soundness): for x in s, the concrete conversion of x is a member of the result.
 */
import { S32_MAX, S32_MIN, U32_MAX, U64_MAX, max, min, s16, s32, s64, s8, u32, u64 } from './bounds.ts';
import { type MutScalar, type Scalar, freeze, markReg32Unbounded, markRegUnbounded, mut } from './scalar-core.ts';
import { regBoundsSync, regBoundsSyncMut } from './sync.ts';
import {
  tnumBswap16, tnumBswap32, tnumBswap64, tnumCast, tnumConst, tnumIsConst, tnumRange, tnumSubreg, tnumUnknown,
} from './tnum.ts';

/** __reg_assign_32_into_64 after dropping the high word of var_off (zext_32_to_64). */
export function zext32To64(r: MutScalar): void {
  r.varOff = tnumSubreg(r.varOff);
  r.umin = r.u32min;
  r.umax = r.u32max;
  // the s32 bounds carry over only when both are non-negative
  if (r.s32min >= 0n && r.s32max >= 0n) {
    r.smin = r.s32min;
    r.smax = r.s32max;
  } else {
    r.smin = 0n;
    r.smax = U32_MAX;
  }
}

/** A w-register write of s: the low word zero-extended, then reg_bounds_sync. */
export function scalarZext32(s: Scalar): Scalar {
  const r = mut(s);
  zext32To64(r);
  regBoundsSyncMut(r);
  return freeze(r);
}

/** coerce_reg_to_size: keep the low `size` bytes (a zero-extending load of that size). */
export function scalarCoerceToSize(s: Scalar, size: 1 | 2 | 4 | 8): Scalar {
  if (size === 8) return s;
  const r = mut(s);
  r.varOff = tnumCast(r.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  if (size < 4) markReg32Unbounded(r);
  regBoundsSyncMut(r);
  return freeze(r);
}

const SEXT: Record<1 | 2 | 4, (x: bigint) => bigint> = { 1: s8, 2: s16, 4: s32 };
const SMIN_OF: Record<1 | 2 | 4, bigint> = { 1: -128n, 2: -32768n, 4: S32_MIN };

/** coerce_reg_to_size_sx: sign-extend the low `size` bytes to 64 bits (LDX MEMSX, movsx64). */
export function scalarSextLoad(s: Scalar, size: 1 | 2 | 4): Scalar {
  const sext = SEXT[size];
  if (tnumIsConst(s.varOff)) return allFromValue(u64(sext(s.varOff.value)));
  const bits = BigInt(size * 8);
  if (u64(s.smax) >> bits !== u64(s.smin) >> bits) return sext64Default(size);
  const a = sext(s.smax);
  const b = sext(s.smin);
  const hi = max(a, b);
  const lo = min(a, b);
  if ((hi >= 0n) !== (lo >= 0n)) return sext64Default(size);
  return freeze({
    smin: lo, smax: hi, s32min: s32(lo), s32max: s32(hi),
    umin: u64(lo), umax: u64(hi), u32min: u32(lo), u32max: u32(hi),
    varOff: tnumRange(u64(lo), u64(hi)),
  });
}

/** The const branch assigns every field from one u64 (the 32-bit ones truncate it). */
function allFromValue(v: bigint): Scalar {
  return freeze({
    varOff: tnumConst(v), smin: s64(v), smax: s64(v), umin: v, umax: v,
    s32min: s32(v), s32max: s32(v), u32min: u32(v), u32max: u32(v),
  });
}

/** set_sext64_default_val */
function sext64Default(size: 1 | 2 | 4): Scalar {
  const lo = SMIN_OF[size];
  const hi = -lo - 1n;
  return freeze({
    smin: lo, smax: hi, s32min: lo, s32max: hi,
    umin: 0n, umax: U64_MAX, u32min: 0n, u32max: U32_MAX, varOff: tnumUnknown,
  });
}

/** coerce_subreg_to_size_sx: sign-extend the low `size` bytes into the low word (movsx32). */
function coerceSubregToSizeSx(s: Scalar, size: 1 | 2): MutScalar {
  const r = mut(s);
  const sext = SEXT[size];
  if (tnumIsConst(r.varOff)) {
    const v = u64(sext(r.varOff.value));
    r.varOff = tnumConst(v);
    r.s32min = r.s32max = s32(v);
    r.u32min = r.u32max = u32(v);
    return r;
  }
  const bits = BigInt(size * 8);
  const sameTop = u32(r.s32max) >> bits === u32(r.s32min) >> bits;
  const a = sext(r.s32max);
  const b = sext(r.s32min);
  const hi = max(a, b);
  const lo = min(a, b);
  if (sameTop && (lo >= 0n) === (hi >= 0n)) {
    r.s32min = lo;
    r.s32max = hi;
    r.u32min = u32(lo);
    r.u32max = u32(hi);
    r.varOff = tnumSubreg(tnumRange(u64(lo), u64(hi)));
    return r;
  }
  r.s32min = SMIN_OF[size];
  r.s32max = -SMIN_OF[size] - 1n;
  r.u32min = 0n;
  r.u32max = U32_MAX;
  r.varOff = tnumSubreg(tnumUnknown);
  return r;
}

/** movsx: `rD = (s8/s16/s32) rS` (is64) or `wD = (s8/s16) wS` (ALU32, zero-extended). */
export function scalarMovsx(bits: 8 | 16 | 32, is64: boolean, s: Scalar): Scalar {
  const size = (bits / 8) as 1 | 2 | 4;
  if (is64) return scalarSextLoad(s, size);
  if (size === 4) throw new RangeError('movsx32 has no 32-bit source size');
  const r = coerceSubregToSizeSx(s, size);
  zext32To64(r);
  regBoundsSyncMut(r);
  return freeze(r);
}

const TNUM_BSWAP = { 16: tnumBswap16, 32: tnumBswap32, 64: tnumBswap64 } as const;

/**
 * BPF_END (scalar_byte_swap): `le`/`be` are ALU-class conversions (on this little-endian machine
 * `le` swaps nothing, `be` swaps), `bswap` is the ALU64-class unconditional swap. A swap moves the
 * tnum's bytes and forgets the ranges (they are re-derived from the tnum); a 16/32-bit conversion
 * then truncates as coerce_reg_to_size does. No zero-extension step beyond that, even for the
 * ALU-class forms (le64 leaves all 64 bits).
 */
export function scalarEnd(kind: 'le' | 'be' | 'bswap', bits: 16 | 32 | 64, s: Scalar): Scalar {
  let out = s;
  if (kind !== 'le') {
    const r = mut(s);
    r.varOff = TNUM_BSWAP[bits](r.varOff);
    markRegUnbounded(r);
    out = freeze(r);
  }
  if (bits !== 64) out = scalarCoerceToSize(out, (bits / 8) as 2 | 4);
  return regBoundsSync(out);
}
