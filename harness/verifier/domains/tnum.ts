/**
 * tnum: tracked numbers, the kernel's bit-level abstraction (kernel/bpf/tnum.c).
 *
 * A Tnum {value, mask} stands for every u64 x with (x & ~mask) === value: bits set in `mask` are
 * unknown, the others are known and equal to `value`'s. Invariant: value & mask === 0 and both are
 * normalised u64 (BigInt.asUintN(64, ..)). Every operator is sound: for members x of a and y of b,
 * op(x, y) is a member of tnumOp(a, b). Values are readonly; every operation returns a new value.
 */
import { fls64, u64 } from './bounds.ts';

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const TNUM = (value: bigint, mask: bigint): Tnum => ({ value: u64(value), mask: u64(mask) });
const SUBREG_MASK = 0xffff_ffffn;

export const tnumUnknown: Tnum = Object.freeze({ value: 0n, mask: u64(-1n) });
export const tnumConst = (value: bigint): Tnum => TNUM(value, 0n);

/** The smallest tnum holding [min, max] (u64): the common prefix is known, the rest unknown. */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = u64(min) ^ u64(max);
  const bits = fls64(chi);
  if (bits > 63) return tnumUnknown;
  const delta = (1n << BigInt(bits)) - 1n;
  return TNUM(u64(min) & ~delta, delta);
}

export const tnumLshift = (a: Tnum, shift: number): Tnum =>
  TNUM(a.value << BigInt(shift), a.mask << BigInt(shift));
export const tnumRshift = (a: Tnum, shift: number): Tnum =>
  TNUM(a.value >> BigInt(shift), a.mask >> BigInt(shift));

/** Arithmetic right shift by the minimum shift; at insnBitness 32 only the low word counts and
 * the result is zero-extended (the kernel's tnum_arshift(a, min_shift, insn_bitness)). */
export function tnumArshift(a: Tnum, minShift: number, insnBitness: 32 | 64 = 64): Tnum {
  const bits = insnBitness;
  const sh = BigInt(minShift);
  const v = BigInt.asIntN(bits, a.value) >> sh;
  const m = BigInt.asIntN(bits, a.mask) >> sh;
  return TNUM(BigInt.asUintN(bits, v), BigInt.asUintN(bits, m));
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return TNUM(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return TNUM(dv & ~mu, mu);
}

export const tnumNeg = (a: Tnum): Tnum => tnumSub(tnumConst(0n), a);

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return TNUM(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return TNUM(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return TNUM(v & ~mu, mu);
}

/**
 * Multiplication by long multiplication over a's bits: a known 1 adds b, an unknown bit adds
 * "b or nothing" (the union of acc and acc + b), a known 0 adds nothing.
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc = tnumConst(0n);
  while (a.value !== 0n || a.mask !== 0n) {
    if (a.value & 1n) acc = tnumAdd(acc, b);
    else if (a.mask & 1n) acc = tnumUnion(acc, tnumAdd(acc, b));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return acc;
}

/** Both a and b hold (where they disagree on a known bit the result says 1, as the kernel's). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return TNUM(v & ~mu, mu);
}

/** Either a or b holds: the smallest tnum containing both. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return TNUM(v & ~mu, mu);
}

/** Keep the low `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  const m = (1n << BigInt(size * 8)) - 1n;
  return TNUM(a.value & m, a.mask & m);
}

export function tnumIsAligned(a: Tnum, size: bigint): boolean {
  if (size === 0n) return true;
  return ((a.value | a.mask) & (size - 1n)) === 0n;
}

/** Is every member of b a member of a? */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask) return false;
  return a.value === (b.value & ~a.mask);
}

/** Do a and b share a member? */
export const tnumOverlap = (a: Tnum, b: Tnum): boolean => ((a.value ^ b.value) & ~(a.mask | b.mask)) === 0n;

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumEqualsConst = (a: Tnum, b: bigint): boolean => tnumIsConst(a) && a.value === u64(b);
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === u64(-1n);
export const tnumEquals = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;
export const tnumContains = (a: Tnum, v: bigint): boolean => (u64(v) & ~a.mask) === a.value;

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
export const tnumWithSubreg = (reg: Tnum, subreg: Tnum): Tnum =>
  tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
export const tnumConstSubreg = (a: Tnum, value: bigint): Tnum => tnumWithSubreg(a, tnumConst(value));
export const tnumSubregIsConst = (a: Tnum): boolean => (a.mask & SUBREG_MASK) === 0n;

/** The kernel's tnum_strn: "(0x0; 0xffffffff)". */
export const tnumStr = (a: Tnum): string => `(${hex(a.value)}; ${hex(a.mask)})`;
const hex = (x: bigint): string => (x === 0n ? '0x0' : `0x${x.toString(16)}`);

/** ~x as a u64. */
export const u64Not = (x: bigint): bigint => u64(~x);

/** Reverse the bytes of the low `bytes` bytes of x (the kernel's swab16/32/64). */
function swab(x: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out = (out << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Byte swaps of the low 16/32/64 bits; the other bits become known 0 (tnum_bswap16/32/64). */
export const tnumBswap16 = (a: Tnum): Tnum => TNUM(swab(a.value, 2), swab(a.mask, 2));
export const tnumBswap32 = (a: Tnum): Tnum => TNUM(swab(a.value, 4), swab(a.mask, 4));
export const tnumBswap64 = (a: Tnum): Tnum => TNUM(swab(a.value, 8), swab(a.mask, 8));

/**
 * The smallest member of t strictly greater than z, or t's largest member when there is none
 * (the kernel's tnum_step). Walks the bits from the top, keeping the prefix equal to z+1 as long
 * as t allows, and bumps the lowest unknown bit above a mismatch when t's known bit is too small.
 */
export function tnumStep(t: Tnum, z: bigint): bigint {
  const tmax = t.value | t.mask;
  if (u64(z) >= tmax) return tmax;
  if (u64(z) < t.value) return t.value;
  return tnumNextMember(t, u64(z) + 1n) ?? tmax;
}

/**
 * The smallest member of t that is >= x, or undefined. Only the highest known bit where x and t
 * disagree matters: above it x already agrees with t (unknown bits take x's). If t has a 1 there,
 * the answer exceeds x from that bit on; if t has a 0, x must carry into the lowest unknown bit
 * above it where x has a 0.
 */
function tnumNextMember(t: Tnum, x: bigint): bigint | undefined {
  const diff = (x ^ t.value) & ~t.mask & U64_ALL;
  if (diff === 0n) return x;
  const i = fls64(diff) - 1;
  if (t.value & (1n << BigInt(i))) return raiseAt(t, x, i);
  const carry = t.mask & ~x & ~((2n << BigInt(i)) - 1n) & U64_ALL;
  if (carry === 0n) return undefined;
  return raiseAt(t, x, fls64(carry & -carry) - 1);
}
const U64_ALL = (1n << 64n) - 1n;

/** x's bits above j, bit j set, and t's minimum below j. */
function raiseAt(t: Tnum, x: bigint, j: number): bigint {
  const bit = 1n << BigInt(j);
  const below = bit - 1n;
  return (x & ~(bit | below)) | bit | (t.value & below);
}
