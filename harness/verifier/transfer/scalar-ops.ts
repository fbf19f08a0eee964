/**
 * The domain operators as the transfer functions call them, with two exact shortcuts:
 * constant op constant is computed concretely (the kernel's tnum and bounds collapse to the very
 * same constant after reg_bounds_sync), and results for a (value, operation, constant) triple are
 * memoised per immutable input value (states share Scalar objects across paths).
 * Invariant: every function returns exactly what the domain function would.
 */
import type { JmpOp } from '../domains/branch.ts';
import { regSetMinMaxKernel } from '../domains/branch.ts';
import { type AluOp, type Scalar, scalarAlu, scalarConst } from '../domains/scalar.ts';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;

const isConst = (s: Scalar): boolean => s.varOff.mask === 0n;

function concrete(op: AluOp, is64: boolean, a: bigint, b: bigint): bigint | undefined {
  const m = is64 ? M64 : M32;
  const w = is64 ? 64n : 32n;
  // is_safe_to_compute_dst_reg_range compares the whole 64-bit umax of the shift amount with the
  // width, in ALU32 too: `w4 >>= w1` with r1 = 1 << 32 is unknown, not w4 >> 0
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && b >= w) return undefined;
  a &= m;
  b &= m;
  switch (op) {
    case 'add': return (a + b) & m;
    case 'sub': return (a - b) & m;
    case 'mul': return (a * b) & m;
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'lsh': return b < w ? (a << b) & m : undefined;
    case 'rsh': return b < w ? a >> b : undefined;
    case 'arsh': return b < w ? BigInt.asUintN(Number(w), BigInt.asIntN(Number(w), a) >> b) : undefined;
    default: return undefined;
  }
}

/** The memoised result of `compute` for (value, key): results per immutable input value. */
function memoized<T>(memo: WeakMap<Scalar, Map<string, T>>, value: Scalar, key: string, compute: () => T): T {
  let m = memo.get(value);
  const hit = m?.get(key);
  if (hit) return hit;
  const r = compute();
  if (!m) { m = new Map(); memo.set(value, m); }
  m.set(key, r);
  return r;
}

const aluMemo = new WeakMap<Scalar, Map<string, Scalar>>();

export function aluOp(op: AluOp, is64: boolean, dst: Scalar, src: Scalar): Scalar {
  const srcConst = isConst(src);
  if (srcConst && isConst(dst)) {
    const v = concrete(op, is64, dst.varOff.value, src.varOff.value);
    if (v !== undefined) return scalarConst(v);
  }
  if (!srcConst) return scalarAlu(op, is64, dst, src);
  return memoized(aluMemo, dst, `${op}${is64 ? 'q' : 'w'}${src.varOff.value}`, () => scalarAlu(op, is64, dst, src));
}

type Side = ReturnType<typeof regSetMinMaxKernel>;
const branchMemo = new WeakMap<Scalar, Map<string, Side>>();

/** reg_set_min_max; `same`: both operands are one register (`if w0 <= w0`): the updates land on it. */
export function setMinMax(op: JmpOp, is32: boolean, a: Scalar, b: Scalar, same = false): Side {
  if (same || !isConst(b)) return regSetMinMaxKernel(op, is32, a, b, same);
  return memoized(branchMemo, a, `${op}${is32 ? 'w' : 'q'}${b.varOff.value}`, () => regSetMinMaxKernel(op, is32, a, b));
}
