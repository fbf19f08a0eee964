/**
 * ALU transfer functions on scalars: the kernel's adjust_scalar_min_max_vals with one handler per
 * opcode (scalar_min_max_add / scalar32_min_max_add, ...), dispatched by a table.
 *
 * Invariant (soundness): for x in dst and y in src, the concrete result of `op` (64-bit, or 32-bit
 * with zero-extension) is a member of scalarAlu(op, is64, dst, src). Where the kernel gives up it
 * returns an unknown scalar, exactly as the kernel does (so the model's precision equals the
 * kernel's, not better).
 */
import {
  S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, checkAdd, checkMul, checkSub, max, min,
  s32, s64, u32, u64,
} from './bounds.ts';
import {
  type MutScalar, type Scalar, freeze, markReg32Known, markReg32Unbounded, markReg64Unbounded,
  markRegKnown, mut, scalarConst, scalarUnknown,
} from './scalar-core.ts';
import { regBoundsSyncMut, updateReg32Bounds, updateRegBounds } from './sync.ts';
import {
  tnumAdd, tnumAnd, tnumArshift, tnumIsConst, tnumLshift, tnumMul, tnumNeg, tnumOr, tnumRshift,
  tnumSub, tnumSubreg, tnumSubregIsConst, tnumXor,
} from './tnum.ts';
import { zext32To64 } from './casts.ts';

export type AluOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'or' | 'and' | 'lsh' | 'rsh' | 'arsh'
  | 'xor' | 'mov';

type Handler = (dst: MutScalar, src: Scalar, is64: boolean) => void;

/** is_safe_to_compute_dst_reg_range: is src a constant as the kernel decides it? */
export function srcIsConst(src: Scalar, is64: boolean): boolean {
  if (is64) return tnumIsConst(src.varOff) && src.smin === src.smax && src.umin === src.umax;
  return tnumSubregIsConst(src.varOff) && src.s32min === src.s32max && src.u32min === src.u32max;
}

function isSafeToComputeDstRegRange(op: AluOp, src: Scalar, is64: boolean): boolean {
  switch (op) {
    case 'add': case 'sub': case 'and': case 'xor': case 'or': case 'mul':
      return true;
    case 'lsh': case 'rsh': case 'arsh':
      // shifts by a non-constant or by >= the width are undefined: unknown result
      return srcIsConst(src, is64) && src.umax < (is64 ? 64n : 32n);
    default:
      // div, mod, sdiv, smod: 6.18 tracks no range for them; the result is unknown
      return false;
  }
}

// ---- add / sub ----

function scalar32MinMaxAdd(d: MutScalar, s: Scalar): void {
  const a = checkAdd(s32, d.s32min, s.s32min);
  const b = checkAdd(s32, d.s32max, s.s32max);
  [d.s32min, d.s32max] = a.overflow || b.overflow ? [S32_MIN, S32_MAX] : [a.value, b.value];
  const lo = checkAdd(u32, d.u32min, s.u32min);
  const hi = checkAdd(u32, d.u32max, s.u32max);
  // all additions overflow or none does: the wrapped bounds are exact; else unbounded
  [d.u32min, d.u32max] = !lo.overflow && hi.overflow ? [0n, U32_MAX] : [lo.value, hi.value];
}

function scalarMinMaxAdd(d: MutScalar, s: Scalar): void {
  const a = checkAdd(s64, d.smin, s.smin);
  const b = checkAdd(s64, d.smax, s.smax);
  [d.smin, d.smax] = a.overflow || b.overflow ? [S64_MIN, S64_MAX] : [a.value, b.value];
  const lo = checkAdd(u64, d.umin, s.umin);
  const hi = checkAdd(u64, d.umax, s.umax);
  [d.umin, d.umax] = !lo.overflow && hi.overflow ? [0n, U64_MAX] : [lo.value, hi.value];
}

function scalar32MinMaxSub(d: MutScalar, s: Scalar): void {
  const a = checkSub(s32, d.s32min, s.s32max);
  const b = checkSub(s32, d.s32max, s.s32min);
  [d.s32min, d.s32max] = a.overflow || b.overflow ? [S32_MIN, S32_MAX] : [a.value, b.value];
  const lo = checkSub(u32, d.u32min, s.u32max);
  const hi = checkSub(u32, d.u32max, s.u32min);
  // all subtractions underflow or none does: exact; else unbounded
  [d.u32min, d.u32max] = lo.overflow && !hi.overflow ? [0n, U32_MAX] : [lo.value, hi.value];
}

function scalarMinMaxSub(d: MutScalar, s: Scalar): void {
  const a = checkSub(s64, d.smin, s.smax);
  const b = checkSub(s64, d.smax, s.smin);
  [d.smin, d.smax] = a.overflow || b.overflow ? [S64_MIN, S64_MAX] : [a.value, b.value];
  const lo = checkSub(u64, d.umin, s.umax);
  const hi = checkSub(u64, d.umax, s.umin);
  [d.umin, d.umax] = lo.overflow && !hi.overflow ? [0n, U64_MAX] : [lo.value, hi.value];
}

// ---- mul ----

function signedProducts(cast: (x: bigint) => bigint, a: [bigint, bigint], b: [bigint, bigint]): bigint[] | null {
  const out: bigint[] = [];
  for (const x of a) {
    for (const y of b) {
      const p = checkMul(cast, x, y);
      if (p.overflow) return null;
      out.push(p.value);
    }
  }
  return out;
}

const minOf = (xs: bigint[]): bigint => xs.reduce(min);
const maxOf = (xs: bigint[]): bigint => xs.reduce(max);

function scalar32MinMaxMul(d: MutScalar, s: Scalar): void {
  const hi = checkMul(u32, d.u32max, s.u32max);
  const lo = checkMul(u32, d.u32min, s.u32min);
  [d.u32min, d.u32max] = hi.overflow || lo.overflow ? [0n, U32_MAX] : [lo.value, hi.value];
  const p = signedProducts(s32, [d.s32min, d.s32max], [s.s32min, s.s32max]);
  [d.s32min, d.s32max] = p === null ? [S32_MIN, S32_MAX] : [minOf(p), maxOf(p)];
}

function scalarMinMaxMul(d: MutScalar, s: Scalar): void {
  const hi = checkMul(u64, d.umax, s.umax);
  const lo = checkMul(u64, d.umin, s.umin);
  [d.umin, d.umax] = hi.overflow || lo.overflow ? [0n, U64_MAX] : [lo.value, hi.value];
  const p = signedProducts(s64, [d.smin, d.smax], [s.smin, s.smax]);
  [d.smin, d.smax] = p === null ? [S64_MIN, S64_MAX] : [minOf(p), maxOf(p)];
}

// ---- and / or / xor (var_off already computed by the caller) ----

type BitOp = 'and' | 'or' | 'xor';

function scalar32MinMaxBitop(op: BitOp, d: MutScalar, s: Scalar, dstKnown: boolean): void {
  const t = tnumSubreg(d.varOff);
  if (dstKnown && tnumSubregIsConst(s.varOff)) {
    markReg32Known(d, t.value);
    return;
  }
  if (op === 'and') {
    d.u32min = t.value;
    d.u32max = min(d.u32max, s.u32max);
  } else if (op === 'or') {
    d.u32min = max(d.u32min, s.u32min);
    d.u32max = t.value | t.mask;
  } else {
    d.u32min = t.value;
    d.u32max = t.value | t.mask;
  }
  // the u32 range gives the s32 range only when it does not cross the sign boundary
  [d.s32min, d.s32max] = s32(d.u32min) <= s32(d.u32max) ? [s32(d.u32min), s32(d.u32max)] : [S32_MIN, S32_MAX];
}

function scalarMinMaxBitop(op: BitOp, d: MutScalar, s: Scalar, dstKnown: boolean): void {
  const t = d.varOff;
  if (dstKnown && tnumIsConst(s.varOff)) {
    markRegKnown(d, t.value);
    return;
  }
  if (op === 'and') {
    d.umin = t.value;
    d.umax = min(d.umax, s.umax);
  } else if (op === 'or') {
    d.umin = max(d.umin, s.umin);
    d.umax = t.value | t.mask;
  } else {
    d.umin = t.value;
    d.umax = t.value | t.mask;
  }
  [d.smin, d.smax] = s64(d.umin) <= s64(d.umax) ? [s64(d.umin), s64(d.umax)] : [S64_MIN, S64_MAX];
  updateRegBounds(d);
}

const TNUM_BITOP = { and: tnumAnd, or: tnumOr, xor: tnumXor } as const;

/** The kernel computes var_off first; "dst known" then means the RESULT's var_off is constant. */
function bitop(op: BitOp): Handler {
  return (d, s) => {
    d.varOff = TNUM_BITOP[op](d.varOff, s.varOff);
    scalar32MinMaxBitop(op, d, s, tnumSubregIsConst(d.varOff));
    scalarMinMaxBitop(op, d, s, tnumIsConst(d.varOff));
  };
}

// ---- shifts (src is a known constant < width here) ----

function scalar32MinMaxLshInner(d: MutScalar, uminVal: bigint, umaxVal: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umaxVal > 31n || d.u32max > 1n << (31n - umaxVal)) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = u32(d.u32min << uminVal);
    d.u32max = u32(d.u32max << umaxVal);
  }
}

function scalar64MinMaxLshInner(d: MutScalar, uminVal: bigint, umaxVal: bigint): void {
  // <<32 maps the s32 range monotonically onto s64 (the sign-extension idiom <<32 s>>32)
  const by32 = uminVal === 32n && umaxVal === 32n;
  d.smax = by32 ? d.s32max << 32n : S64_MAX;
  d.smin = by32 ? d.s32min << 32n : S64_MIN;
  if (d.umax > 1n << (63n - umaxVal)) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = u64(d.umin << uminVal);
    d.umax = u64(d.umax << umaxVal);
  }
}

const lsh: Handler = (d, s, is64) => {
  if (!is64) {
    const sub = tnumSubreg(d.varOff);
    scalar32MinMaxLshInner(d, s.u32min, s.u32max);
    d.varOff = tnumSubreg(tnumLshift(sub, Number(s.u32min)));
    markReg64Unbounded(d);
    updateReg32Bounds(d);
    return;
  }
  scalar64MinMaxLshInner(d, s.umin, s.umax);
  scalar32MinMaxLshInner(d, s.umin, s.umax);
  d.varOff = tnumLshift(d.varOff, Number(s.umin));
  updateRegBounds(d);
};

const rsh: Handler = (d, s, is64) => {
  if (!is64) {
    const sub = tnumSubreg(d.varOff);
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
    d.varOff = tnumRshift(sub, Number(s.u32min));
    d.u32min >>= s.u32max;
    d.u32max >>= s.u32min;
    markReg64Unbounded(d);
    updateReg32Bounds(d);
    return;
  }
  d.smin = S64_MIN;
  d.smax = S64_MAX;
  d.varOff = tnumRshift(d.varOff, Number(s.umin));
  d.umin >>= s.umax;
  d.umax >>= s.umin;
  markReg32Unbounded(d);
  updateRegBounds(d);
};

const arsh: Handler = (d, s, is64) => {
  if (!is64) {
    const sh = s.u32min;
    d.s32min >>= sh;
    d.s32max >>= sh;
    d.varOff = tnumArshift(tnumSubreg(d.varOff), Number(sh), 32);
    d.u32min = 0n;
    d.u32max = U32_MAX;
    markReg64Unbounded(d);
    updateReg32Bounds(d);
    return;
  }
  const sh = s.umin;
  d.smin >>= sh;
  d.smax >>= sh;
  d.varOff = tnumArshift(d.varOff, Number(sh), 64);
  d.umin = 0n;
  d.umax = U64_MAX;
  markReg32Unbounded(d);
  updateRegBounds(d);
};

const HANDLERS: Partial<Record<AluOp, Handler>> = {
  add: (d, s) => { scalar32MinMaxAdd(d, s); scalarMinMaxAdd(d, s); d.varOff = tnumAdd(d.varOff, s.varOff); },
  sub: (d, s) => { scalar32MinMaxSub(d, s); scalarMinMaxSub(d, s); d.varOff = tnumSub(d.varOff, s.varOff); },
  mul: (d, s) => { d.varOff = tnumMul(d.varOff, s.varOff); scalar32MinMaxMul(d, s); scalarMinMaxMul(d, s); },
  and: bitop('and'),
  or: bitop('or'),
  xor: bitop('xor'),
  lsh,
  rsh,
  arsh,
};

/**
 * adjust_scalar_min_max_vals for dst = dst op src (ALU64 when is64, else ALU32 with zero-extension).
 * `mov` copies src (ALU32: its low word zero-extended).
 */
export function scalarAlu(op: AluOp, is64: boolean, dst: Scalar, src: Scalar): Scalar {
  if (op === 'mov') return is64 ? src : finish(mut(src), false);
  if (!isSafeToComputeDstRegRange(op, src, is64)) return scalarUnknown();
  const d = mut(dst);
  HANDLERS[op]!(d, src, is64);
  return finish(d, is64);
}

function finish(d: MutScalar, is64: boolean): Scalar {
  if (!is64) zext32To64(d);
  regBoundsSyncMut(d);
  return freeze(d);
}

/** BPF_NEG: 0 - dst with the sub transfer functions (6.18 handles NEG in adjust_scalar_min_max_vals). */
export function scalarNeg(is64: boolean, s: Scalar): Scalar {
  const d = mut(scalarConst(0n));
  scalar32MinMaxSub(d, s);
  scalarMinMaxSub(d, s);
  d.varOff = tnumNeg(s.varOff);
  return finish(d, is64);
}

/**
 * maybe_fork_scalars: 6.18 splits a dst in [-1, 0] (the `x s>> 63` / `w s>> 31` idiom) before
 * `dst &= K` / `dst |= K` with a constant K, so that the result is exact on both paths. Returns
 * undefined when no fork happens, else the two dst values BEFORE the op: `current` (-1, the path
 * the kernel continues on) and `pushed` (0, a state the kernel pushes to re-run this instruction).
 * The 32-bit variant is chosen by the dst's ranges, not by the instruction class: when only the
 * s32 range is [-1, 0], only the low word is made known.
 */
export function scalarAluFork(op: AluOp, is64: boolean, dst: Scalar, src: Scalar):
  { current: Scalar; pushed: Scalar } | undefined {
  if ((op !== 'and' && op !== 'or') || !srcIsConst(src, is64)) return undefined;
  const whole = dst.smin === -1n && dst.smax === 0n;
  if (!whole && !(dst.s32min === -1n && dst.s32max === 0n)) return undefined;
  const cur = mut(dst);
  const pushed = mut(dst);
  if (whole) {
    markRegKnown(cur, -1n);
    markRegKnown(pushed, 0n);
  } else {
    markReg32Known(cur, -1n);
    markReg32Known(pushed, 0n);
  }
  return { current: freeze(cur), pushed: freeze(pushed) };
}
