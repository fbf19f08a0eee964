/**
 * Bounds synchronisation: how the kernel makes the tnum and the four ranges of a scalar agree
 * (`__update_reg_bounds`, `__reg32_deduce_bounds`, `__reg64_deduce_bounds`,
 * `__reg_deduce_mixed_bounds`, `__reg_bound_offset`, `reg_bounds_sync`) and its sanity check.
 *
 * Invariant: each step only intersects with facts implied by the others, so the set of members is
 * never enlarged (soundness), and for a non-empty input it is unchanged. On an empty (contradictory)
 * input the result may be ill-formed; `regBoundsSanityCheck` detects that, as the kernel does.
 */
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, max, min, s32, s64, u32, u64 } from './bounds.ts';
import { type MutScalar, type Scalar, freeze, markRegKnown, mut } from './scalar-core.ts';
import {
  tnumClearSubreg, tnumContains, tnumIntersect, tnumStep, tnumIsConst, tnumOr, tnumRange, tnumSubreg, tnumSubregIsConst,
} from './tnum.ts';

const HI32 = ~0xffff_ffffn;

/** __update_reg32_bounds: learn 32-bit ranges from the low word of var_off. */
export function updateReg32Bounds(r: MutScalar): void {
  const t = tnumSubreg(r.varOff);
  r.s32min = max(r.s32min, s32(t.value | (t.mask & u32(S32_MIN))));
  r.s32max = min(r.s32max, s32(t.value | (t.mask & S32_MAX)));
  r.u32min = max(r.u32min, t.value);
  r.u32max = min(r.u32max, t.value | t.mask);
}

/** __update_reg64_bounds: learn 64-bit ranges from var_off. */
export function updateReg64Bounds(r: MutScalar): void {
  const t = r.varOff;
  r.smin = max(r.smin, s64(t.value | (t.mask & u64(S64_MIN))));
  r.smax = min(r.smax, s64(t.value | (t.mask & S64_MAX)));
  r.umin = max(r.umin, t.value);
  r.umax = min(r.umax, t.value | t.mask);
  markKnownIfSingleOverlap(r);
}

/** If the u64 range and var_off share exactly one value, the register is that constant. */
function markKnownIfSingleOverlap(r: MutScalar): void {
  const t = r.varOff;
  const next = tnumStep(t, r.umin);
  const uminIn = tnumContains(t, r.umin);
  const tmax = t.value | t.mask;
  if (uminIn && next > r.umax) markRegKnown(r, r.umin);
  else if (!uminIn && next === tmax) markRegKnown(r, tmax);
  else if (!uminIn && next <= r.umax && tnumStep(t, next) > r.umax) markRegKnown(r, next);
}

export function updateRegBounds(r: MutScalar): void {
  updateReg32Bounds(r);
  updateReg64Bounds(r);
}

/** __reg32_deduce_bounds: 32-bit ranges from 64-bit ones, then u32 <-> s32. */
export function reg32DeduceBounds(r: MutScalar): void {
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = max(r.u32min, u32(r.umin));
    r.u32max = min(r.u32max, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = max(r.s32min, s32(r.umin));
      r.s32max = min(r.s32max, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    if (u32(r.smin) <= u32(r.smax)) {
      r.u32min = max(r.u32min, u32(r.smin));
      r.u32max = min(r.u32max, u32(r.smax));
    }
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  reg32DeduceFromAdjacentUpper(r, r.umin, r.umax);
  reg32DeduceFromAdjacentUpper(r, u64(r.smin), u64(r.smax));
  reg32DeduceU32S32(r);
}

/** Upper words are two consecutive numbers and the low words go from negative to non-negative:
 * the low words still form a valid s32 range. */
function reg32DeduceFromAdjacentUpper(r: MutScalar, lo: bigint, hi: bigint): void {
  if (u32((lo >> 32n) + 1n) === u32(hi >> 32n) && s32(lo) < 0n && s32(hi) >= 0n) {
    r.s32min = max(r.s32min, s32(lo));
    r.s32max = min(r.s32max, s32(hi));
  }
}

function reg32DeduceU32S32(r: MutScalar): void {
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = max(r.s32min, s32(r.u32min));
    r.s32max = min(r.s32max, s32(r.u32max));
  }
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = max(r.u32min, u32(r.s32min));
    r.u32max = min(r.u32max, u32(r.s32max));
  } else if (r.u32max < u32(r.s32min)) {
    // the s32 range wraps; the u32 range lies wholly in its non-negative part
    r.s32min = s32(r.u32min);
    r.u32max = min(r.u32max, u32(r.s32max));
  } else if (u32(r.s32max) < r.u32min) {
    // the u32 range lies wholly in the negative part
    r.s32max = s32(r.u32max);
    r.u32min = max(r.u32min, u32(r.s32min));
  }
}

/** __reg64_deduce_bounds: u64 <-> s64, including an s64 range that crosses the sign boundary. */
export function reg64DeduceBounds(r: MutScalar): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(r.umin, u64(r.smin));
    r.umax = min(r.umax, u64(r.smax));
  } else if (r.umax < u64(r.smin)) {
    r.smin = s64(r.umin);
    r.umax = min(r.umax, u64(r.smax));
  } else if (u64(r.smax) < r.umin) {
    r.smax = s64(r.umax);
    r.umin = max(r.umin, u64(r.smin));
  }
}

/** __reg_deduce_mixed_bounds: tighten 64-bit ranges with the 32-bit ones. */
export function regDeduceMixedBounds(r: MutScalar): void {
  const newUmin = (r.umin & HI32) | r.u32min;
  const newUmax = (r.umax & HI32) | r.u32max;
  r.umin = max(r.umin, u64(newUmin));
  r.umax = min(r.umax, u64(newUmax));
  const newSmin = s64((u64(r.smin) & HI32) | r.u32min);
  const newSmax = s64((u64(r.smax) & HI32) | r.u32max);
  r.smin = max(r.smin, newSmin);
  r.smax = min(r.smax, newSmax);
  // after a sign-extending load: the 64-bit range fits s32 and the s32 range is non-negative
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    r.umin = r.s32min;
    r.umax = r.s32max;
    r.varOff = tnumIntersect(r.varOff, tnumRange(r.smin, r.smax));
  }
}

export function regDeduceBounds(r: MutScalar): void {
  reg32DeduceBounds(r);
  reg64DeduceBounds(r);
  regDeduceMixedBounds(r);
}

/** __reg_bound_offset: learn var_off bits from the u64 and u32 ranges. */
export function regBoundOffset(r: MutScalar): void {
  const var64 = tnumIntersect(r.varOff, tnumRange(r.umin, r.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(r.u32min, r.u32max));
  r.varOff = tnumOr(tnumClearSubreg(var64), var32);
}

/** A constant whose every range is that one value: each step below intersects it with facts it
 * already implies, so reg_bounds_sync leaves it as it is (the branch on a K operand syncs one). */
function isSyncedConst(r: Scalar): boolean {
  const v = r.varOff.value;
  return r.varOff.mask === 0n && r.umin === v && r.umax === v && r.smin === r.smax && r.smin === s64(v)
    && r.u32min === r.u32max && r.u32min === u32(v) && r.s32min === r.s32max && r.s32min === s32(v);
}

/** reg_bounds_sync on a mutable copy. */
export function regBoundsSyncMut(r: MutScalar): void {
  if (isSyncedConst(r)) return;
  updateRegBounds(r);
  // three rounds, as 6.18 does: a crossing-sign deduction in round 2 can still tighten the 32-bit
  // ranges in round 3 (measured against the live kernel; two rounds leave s32max/u32max loose)
  for (let round = 0; round < 3; round++) {
    const { umin, umax, smin, smax, u32min, u32max, s32min, s32max, varOff } = r;
    regDeduceBounds(r);
    // a round that changes nothing is a fixpoint: the rest would change nothing either
    if (umin === r.umin && umax === r.umax && smin === r.smin && smax === r.smax && u32min === r.u32min
      && u32max === r.u32max && s32min === r.s32min && s32max === r.s32max && varOff === r.varOff) break;
  }
  regBoundOffset(r);
  updateRegBounds(r);
}

export function regBoundsSync(s: Scalar): Scalar {
  const r = mut(s);
  regBoundsSyncMut(r);
  return freeze(r);
}

/** reg_bounds_sanity_check: undefined when consistent, else the kernel's reason text. */
export function regBoundsSanityCheck(s: Scalar): string | undefined {
  if (s.umin > s.umax || s.smin > s.smax || s.u32min > s.u32max || s.s32min > s.s32max) {
    return 'range bounds violation';
  }
  if (tnumIsConst(s.varOff)) {
    const v = s.varOff.value;
    if (s.umin !== v || s.umax !== v || s.smin !== s64(v) || s.smax !== s64(v)) {
      return 'const tnum out of sync with range bounds';
    }
  }
  if (tnumSubregIsConst(s.varOff)) {
    const v = u32(s.varOff.value);
    if (s.u32min !== v || s.u32max !== v || s.s32min !== s32(v) || s.s32max !== s32(v)) {
      return 'const subreg tnum out of sync with range bounds';
    }
  }
  return undefined;
}

/**
 * reg_bounds_sanity_check's report for a register that failed it (`msg` from
 * regBoundsSanityCheck, `ctx` the kernel's name of the register: true_reg1, false_reg2, ...):
 * 6.18's text, signed bounds printed as their two's complement in hex, as the kernel's %#llx / %#x
 * print them.
 */
export function regInvariantsViolation(ctx: string, msg: string, s: Scalar): string {
  const h = (v: bigint, bits: 32 | 64): string => `0x${BigInt.asUintN(bits, v).toString(16)}`;
  return `REG INVARIANTS VIOLATION (${ctx}): ${msg} u64=[${h(s.umin, 64)}, ${h(s.umax, 64)}] `
    + `s64=[${h(s.smin, 64)}, ${h(s.smax, 64)}] u32=[${h(s.u32min, 32)}, ${h(s.u32max, 32)}] `
    + `s32=[${h(s.s32min, 32)}, ${h(s.s32max, 32)}] var_off=(${h(s.varOff.value, 64)}, ${h(s.varOff.mask, 64)})`;
}
