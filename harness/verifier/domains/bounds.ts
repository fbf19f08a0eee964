/**
 * Fixed-width integer helpers for the verifier's bounds (u64/s64/u32/s32) on bigint.
 *
 * Abstraction: none -- these are the C casts and limits the kernel's bounds code uses, so that
 * `(s32)x` reads as `s32(x)`. Invariant: every function returns a bigint already normalised to its
 * type's range (u64 in [0, 2^64), s64 in [-2^63, 2^63), u32 in [0, 2^32), s32 in [-2^31, 2^31)).
 */

export const U64_MAX = (1n << 64n) - 1n;
export const S64_MAX = (1n << 63n) - 1n;
export const S64_MIN = -(1n << 63n);
export const U32_MAX = (1n << 32n) - 1n;
export const S32_MAX = (1n << 31n) - 1n;
export const S32_MIN = -(1n << 31n);

export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
export const s16 = (x: bigint): bigint => BigInt.asIntN(16, x);
export const s8 = (x: bigint): bigint => BigInt.asIntN(8, x);

export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** C's check_add_overflow etc.: the wrapped result and whether it overflowed the type. */
export interface Checked { readonly value: bigint; readonly overflow: boolean }
export type Cast = (x: bigint) => bigint;

export function checkedOp(cast: Cast, exact: bigint): Checked {
  const value = cast(exact);
  return { value, overflow: value !== exact };
}
export const checkAdd = (cast: Cast, a: bigint, b: bigint): Checked => checkedOp(cast, a + b);
export const checkSub = (cast: Cast, a: bigint, b: bigint): Checked => checkedOp(cast, a - b);
export const checkMul = (cast: Cast, a: bigint, b: bigint): Checked => checkedOp(cast, a * b);

/** Highest set bit, 1-based (the kernel's fls64); 0 for 0. */
export function fls64(x: bigint): number {
  const hi = Number(x >> 32n);
  if (hi !== 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(Number(x & 0xffff_ffffn));
}

export const isPowerOf2 = (x: bigint): boolean => x !== 0n && (x & (x - 1n)) === 0n;
