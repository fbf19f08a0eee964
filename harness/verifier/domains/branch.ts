/**
 * Conditional jumps on scalars: branch prediction (is_scalar_branch_taken), refinement of both
 * operands on each side (regs_refine_cond_op + reg_set_min_max) and the pruning containment test
 * (range_within + tnum_in, the scalar part of regsafe).
 *
 * Invariants (soundness): isScalarBranchTaken returns 1 only if the condition holds for every pair
 * of members, 0 only if it holds for none. For members (x, y) where the condition holds, x and y
 * are members of the refined `taken` pair; where it fails, of the `fallthrough` pair.
 */
import { max, min, s32, u32 } from './bounds.ts';
import { type MutScalar, type Scalar, freeze, markRegUnbounded, mut } from './scalar-core.ts';
import { regBoundsSanityCheck, regBoundsSyncMut } from './sync.ts';
import {
  type Tnum, tnumAnd, tnumConst, tnumIn, tnumOverlap, tnumIntersect, tnumIsConst, tnumOr, tnumSubreg,
  tnumWithSubreg, u64Not,
} from './tnum.ts';
import { isPowerOf2 } from './bounds.ts';

export type JmpOp = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';
/** The refinement ops include the negation of jset (the kernel's BPF_JSET | BPF_X). */
type RefineOp = JmpOp | 'jnset';

/** rev_opcode: the condition of the fall-through side. */
const REV: Record<RefineOp, RefineOp> = {
  jeq: 'jne', jne: 'jeq', jgt: 'jle', jle: 'jgt', jge: 'jlt', jlt: 'jge',
  jsgt: 'jsle', jsle: 'jsgt', jsge: 'jslt', jslt: 'jsge', jset: 'jnset', jnset: 'jset',
};

/** The view of one operand that a compare of the given width sees. */
interface View { t: Tnum; umin: bigint; umax: bigint; smin: bigint; smax: bigint }
const view = (r: Scalar, is32: boolean): View => (is32
  ? { t: tnumSubreg(r.varOff), umin: r.u32min, umax: r.u32max, smin: r.s32min, smax: r.s32max }
  : { t: r.varOff, umin: r.umin, umax: r.umax, smin: r.smin, smax: r.smax });

const isRegConst = (r: Scalar, is32: boolean): boolean =>
  (is32 ? (r.varOff.mask & 0xffff_ffffn) === 0n : tnumIsConst(r.varOff));
const regConstValue = (r: Scalar, is32: boolean): bigint => (is32 ? u32(r.varOff.value) : r.varOff.value);

const disjoint32 = (a: Scalar, b: Scalar): boolean =>
  a.u32min > b.u32max || a.u32max < b.u32min || a.s32min > b.s32max || a.s32max < b.s32min;

type Pred = 1 | 0 | -1;
type Predictor = (a: View, b: View, ra: Scalar, rb: Scalar, is32: boolean) => Pred;

const ordered = (taken: boolean, never: boolean): Pred => (taken ? 1 : never ? 0 : -1);

function predictEq(a: View, b: View, ra: Scalar, rb: Scalar, is32: boolean): boolean | undefined {
  if (tnumIsConst(a.t) && tnumIsConst(b.t)) return a.t.value === b.t.value;
  if (!tnumOverlap(a.t, b.t)) return false;
  if (a.umin > b.umax || a.umax < b.umin) return false;
  if (a.smin > b.smax || a.smax < b.smin) return false;
  if (!is32 && disjoint32(ra, rb)) return false;
  return undefined;
}

function predictJset(a: View, b: View, ra: Scalar, rb: Scalar, is32: boolean): Pred {
  let [t1, t2] = [a.t, b.t];
  if (!isRegConst(rb, is32)) {
    if (!isRegConst(ra, is32)) return -1;
    [t1, t2] = [t2, t1];
  }
  if ((~t1.mask & t1.value) & t2.value) return 1;
  if (!((t1.mask | t1.value) & t2.value)) return 0;
  return -1;
}

const PREDICT: Record<JmpOp, Predictor> = {
  jeq: (a, b, ra, rb, w) => { const r = predictEq(a, b, ra, rb, w); return r === undefined ? -1 : r ? 1 : 0; },
  jne: (a, b, ra, rb, w) => { const r = predictEq(a, b, ra, rb, w); return r === undefined ? -1 : r ? 0 : 1; },
  jset: predictJset,
  jgt: (a, b) => ordered(a.umin > b.umax, a.umax <= b.umin),
  jsgt: (a, b) => ordered(a.smin > b.smax, a.smax <= b.smin),
  jlt: (a, b) => ordered(a.umax < b.umin, a.umin >= b.umax),
  jslt: (a, b) => ordered(a.smax < b.smin, a.smin >= b.smax),
  jge: (a, b) => ordered(a.umin >= b.umax, a.umax < b.umin),
  jsge: (a, b) => ordered(a.smin >= b.smax, a.smax < b.smin),
  jle: (a, b) => ordered(a.umax <= b.umin, a.umin > b.umax),
  jsle: (a, b) => ordered(a.smax <= b.smin, a.smin > b.smax),
};

/** is_scalar_branch_taken: 1 always taken, 0 never taken, -1 unknown. */
export function isScalarBranchTaken(op: JmpOp, is32: boolean, a: Scalar, b: Scalar): Pred {
  return PREDICT[op](view(a, is32), view(b, is32), a, b, is32);
}

// ---- refinement ----

type Refiner = (r1: MutScalar, r2: MutScalar, is32: boolean) => void;

function refineEq(r1: MutScalar, r2: MutScalar, is32: boolean): void {
  if (is32) {
    r1.u32min = max(r1.u32min, r2.u32min);
    r1.u32max = min(r1.u32max, r2.u32max);
    r1.s32min = max(r1.s32min, r2.s32min);
    r1.s32max = min(r1.s32max, r2.s32max);
    Object.assign(r2, { u32min: r1.u32min, u32max: r1.u32max, s32min: r1.s32min, s32max: r1.s32max });
    const t = tnumIntersect(tnumSubreg(r1.varOff), tnumSubreg(r2.varOff));
    r1.varOff = tnumWithSubreg(r1.varOff, t);
    r2.varOff = tnumWithSubreg(r2.varOff, t);
    return;
  }
  r1.umin = max(r1.umin, r2.umin);
  r1.umax = min(r1.umax, r2.umax);
  r1.smin = max(r1.smin, r2.smin);
  r1.smax = min(r1.smax, r2.smax);
  Object.assign(r2, { umin: r1.umin, umax: r1.umax, smin: r1.smin, smax: r1.smax });
  r1.varOff = tnumIntersect(r1.varOff, r2.varOff);
  r2.varOff = r1.varOff;
}

/** Put the constant operand second; undefined when neither is constant. */
function constSecond(r1: MutScalar, r2: MutScalar, is32: boolean): [MutScalar, bigint] | undefined {
  if (isRegConst(r2, is32)) return [r1, regConstValue(r2, is32)];
  if (isRegConst(r1, is32)) return [r2, regConstValue(r1, is32)];
  return undefined;
}

function refineNe(r1: MutScalar, r2: MutScalar, is32: boolean): void {
  const c = constSecond(r1, r2, is32);
  if (!c) return;
  const [r, val] = c;
  // a constant at the edge of the range shrinks it
  if (is32) {
    if (r.u32min === u32(val)) r.u32min += 1n;
    if (r.u32max === u32(val)) r.u32max -= 1n;
    if (r.s32min === s32(val)) r.s32min += 1n;
    if (r.s32max === s32(val)) r.s32max -= 1n;
  } else {
    if (r.umin === val) r.umin += 1n;
    if (r.umax === val) r.umax -= 1n;
    if (r.smin === BigInt.asIntN(64, val)) r.smin += 1n;
    if (r.smax === BigInt.asIntN(64, val)) r.smax -= 1n;
  }
}

/** jset taken: only a single-bit constant teaches something (that bit is set). */
function refineJset(r1: MutScalar, r2: MutScalar, is32: boolean): void {
  const c = constSecond(r1, r2, is32);
  if (!c || !isPowerOf2(c[1])) return;
  const [r, val] = c;
  r.varOff = is32
    ? tnumWithSubreg(r.varOff, tnumOr(tnumSubreg(r.varOff), tnumConst(val)))
    : tnumOr(r.varOff, tnumConst(val));
}

/** jset not taken: every bit of the constant is clear. Ranges are forgotten first so that a dead
 * branch cannot produce an invariant violation. */
function refineJnset(r1: MutScalar, r2: MutScalar, is32: boolean): void {
  const c = constSecond(r1, r2, is32);
  if (!c) return;
  const [r, val] = c;
  markRegUnbounded(r);
  r.varOff = is32
    ? tnumWithSubreg(r.varOff, tnumAnd(tnumSubreg(r.varOff), tnumConst(u64Not(val))))
    : tnumAnd(r.varOff, tnumConst(u64Not(val)));
}

/** r1 <= r2 (strict: r1 < r2), unsigned or signed, on the compare's width. */
function refineLe(signed: boolean, strict: boolean): Refiner {
  const d = strict ? 1n : 0n;
  return (r1, r2, is32) => {
    if (signed && is32) {
      r1.s32max = min(r1.s32max, r2.s32max - d);
      r2.s32min = max(r1.s32min + d, r2.s32min);
    } else if (signed) {
      r1.smax = min(r1.smax, r2.smax - d);
      r2.smin = max(r1.smin + d, r2.smin);
    } else if (is32) {
      r1.u32max = min(r1.u32max, u32(r2.u32max - d));
      r2.u32min = max(u32(r1.u32min + d), r2.u32min);
    } else {
      r1.umax = min(r1.umax, BigInt.asUintN(64, r2.umax - d));
      r2.umin = max(BigInt.asUintN(64, r1.umin + d), r2.umin);
    }
  };
}

const REFINE: Record<RefineOp, Refiner> = {
  jeq: refineEq, jne: refineNe, jset: refineJset, jnset: refineJnset,
  jle: refineLe(false, false), jlt: refineLe(false, true),
  jsle: refineLe(true, false), jslt: refineLe(true, true),
  // a > b is b < a: the kernel flips the opcode and swaps the operands
  jge: (r1, r2, w) => REFINE.jle(r2, r1, w), jgt: (r1, r2, w) => REFINE.jlt(r2, r1, w),
  jsge: (r1, r2, w) => REFINE.jsle(r2, r1, w), jsgt: (r1, r2, w) => REFINE.jslt(r2, r1, w),
};

/** A refined side; on a violation, which operand failed first (1 or 2) and its ranges before the reset. */
interface Side { readonly pair: [Scalar, Scalar]; readonly violation?: string; readonly bad?: { readonly reg: 1 | 2; readonly s: Scalar } }

/** regs_refine_cond_op then reg_bounds_sync on both, then reg_bounds_sanity_check. On a violation
 * the kernel resets that register's ranges (__mark_reg_unbounded, var_off kept) and goes on.
 * `same`: both operands are one register (`if r1 > r1`); the kernel then refines and syncs that
 * one register through both roles, so the two updates accumulate on it. */
function refineSide(op: RefineOp, is32: boolean, a: Scalar, b: Scalar, same = false): Side {
  const r1 = mut(a);
  const r2 = same ? r1 : mut(b);
  REFINE[op](r1, r2, is32);
  regBoundsSyncMut(r1);
  regBoundsSyncMut(r2);
  const x = freeze(r1);
  const y = same ? x : freeze(r2);
  const vx = regBoundsSanityCheck(x);
  const violation = vx ?? regBoundsSanityCheck(y);
  if (violation === undefined) return { pair: [x, y] };
  const rx = resetIfBad(x);
  return { pair: [rx, same ? rx : resetIfBad(y)], violation, bad: vx !== undefined ? { reg: 1, s: x } : { reg: 2, s: y } };
}

function resetIfBad(s: Scalar): Scalar {
  if (regBoundsSanityCheck(s) === undefined) return s;
  const r = mut(s);
  markRegUnbounded(r);
  return freeze(r);
}

/**
 * reg_set_min_max: the operands refined on the taken side (condition true) and on the fall-through
 * side (condition false). Pass `same` when both operands are the same register (6.18 predicts and
 * refines `if r1 > r1` like two registers, but the updates land on one). A side is null when
 * refinement makes a register contradictory (the
 * kernel's reg_bounds_sanity_check fails), i.e. no concrete pair reaches that side.
 * DIVERGENCE: without BPF_F_TEST_REG_INVARIANTS the kernel logs a verifier bug and continues on
 * that side with the bad register's ranges reset; `regSetMinMaxKernel` gives exactly that.
 */
export function regSetMinMax(op: JmpOp, is32: boolean, a: Scalar, b: Scalar, same = false):
  { taken: [Scalar, Scalar] | null; fallthrough: [Scalar, Scalar] | null } {
  const t = refineSide(op, is32, a, b, same);
  const f = refineSide(REV[op], is32, a, b, same);
  return { taken: t.violation ? null : t.pair, fallthrough: f.violation ? null : f.pair };
}

/** reg_set_min_max as the kernel continues after an invariant violation (see regSetMinMax). */
export function regSetMinMaxKernel(op: JmpOp, is32: boolean, a: Scalar, b: Scalar, same = false):
  { taken: Side; fallthrough: Side } {
  return { taken: refineSide(op, is32, a, b, same), fallthrough: refineSide(REV[op], is32, a, b, same) };
}

/** range_within: are old's four ranges a superset of cur's? */
export function rangeWithin(old: Scalar, cur: Scalar): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax
    && old.u32min <= cur.u32min && old.u32max >= cur.u32max
    && old.s32min <= cur.s32min && old.s32max >= cur.s32max;
}

/** The scalar part of regsafe for a precise scalar: cur's ranges and tnum within old's. */
export function scalarRangeWithin(old: Scalar, cur: Scalar): boolean {
  return rangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff);
}
