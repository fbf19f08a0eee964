/**
 * The scalar domain's public face: Scalar (tnum x u64/s64/u32/s32 ranges) and its operators.
 * The implementation is split by concern: scalar-core.ts (values, membership), sync.ts
 * (reg_bounds_sync), alu.ts (adjust_scalar_min_max_vals), casts.ts (zext, loads, movsx, bswap).
 * Every value is readonly; every operation returns a new one.
 */
import { type ScalarBounds, constBounds } from '../state/log-state.ts';
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX } from './bounds.ts';
import type { Scalar } from './scalar-core.ts';
import { tnumIsConst, tnumIsUnknown } from './tnum.ts';

export type { Scalar } from './scalar-core.ts';
export { scalarConst, scalarUnknown, scalarContains, scalarIsConst, scalarEquals } from './scalar-core.ts';
export { regBoundsSync, regBoundsSanityCheck } from './sync.ts';
export { type AluOp, scalarAlu, scalarAluFork, scalarNeg } from './alu.ts';
export { scalarZext32, scalarCoerceToSize, scalarSextLoad, scalarMovsx, scalarEnd } from './casts.ts';

/** The scalar as a log reports it: only the bounds that differ from their type's full range
 * (the kernel omits those), and var_off unless fully unknown. A constant var_off is printed as
 * just that number, whatever the ranges say (they disagree only after an invariant violation
 * reset them), so it gives all-constant bounds here too. */
export function scalarToBounds(s: Scalar): ScalarBounds {
  if (tnumIsConst(s.varOff)) return constBounds(s.varOff.value);
  const out: { -readonly [K in keyof ScalarBounds]: ScalarBounds[K] } = {};
  if (s.smin !== S64_MIN) out.smin = s.smin;
  if (s.smax !== S64_MAX) out.smax = s.smax;
  if (s.umin !== 0n) out.umin = s.umin;
  if (s.umax !== U64_MAX) out.umax = s.umax;
  if (s.s32min !== S32_MIN) out.smin32 = s.s32min;
  if (s.s32max !== S32_MAX) out.smax32 = s.s32max;
  if (s.u32min !== 0n) out.umin32 = s.u32min;
  if (s.u32max !== U32_MAX) out.umax32 = s.u32max;
  if (!tnumIsUnknown(s.varOff)) out.varOff = s.varOff;
  return out;
}
