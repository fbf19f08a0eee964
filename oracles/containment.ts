/**
 * Containment of one concrete register in one abstract register (log-state syntax).
 *
 * A scalar contains a 64-bit value when the value lies in all eight bounds and agrees with the
 * tnum's known bits (an absent bound is the full range). A pointer contains a VM pointer when the
 * VM region has the kind the pointer type names and the offset inside the region lies in the
 * pointer's fixed offset plus its variable part (none when the pointer has no bounds). `_or_null` types also contain 0. Types the VM
 * cannot attribute (BTF pointers, ...) contain everything: they are not judged.
 */
import { constBounds, type RegState, type ScalarBounds } from '../harness/verifier/state/log-state.ts';
import type { RegKind } from '../harness/vm/index.ts';

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const S64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const U32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const S32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** Which bound of the scalar (if any) excludes the value; undefined when it is contained. */
export function scalarExcludes(b: ScalarBounds | undefined, value: bigint): string | undefined {
  if (!b) return undefined;
  const u = U64(value), s = S64(value), u32 = U32(value), s32 = S32(value);
  const checks: Array<[string, bigint | undefined, bigint, 'min' | 'max']> = [
    ['smin', b.smin, s, 'min'], ['smax', b.smax, s, 'max'], ['umin', b.umin, u, 'min'], ['umax', b.umax, u, 'max'],
    ['smin32', b.smin32, s32, 'min'], ['smax32', b.smax32, s32, 'max'], ['umin32', b.umin32, u32, 'min'], ['umax32', b.umax32, u32, 'max'],
  ];
  for (const [name, bound, v, side] of checks) {
    if (bound === undefined) continue;
    if (side === 'min' ? v < bound : v > bound) return `${name}=${bound}`;
  }
  if (b.varOff && (u & ~b.varOff.mask & 0xffffffffffffffffn) !== b.varOff.value) {
    return `var_off=(0x${b.varOff.value.toString(16)}; 0x${b.varOff.mask.toString(16)})`;
  }
  return undefined;
}

/** The VM region kinds a pointer type may point into, and the region offset its off=0 means. */
const POINTER_REGIONS: Readonly<Record<string, { kinds: readonly string[]; base: (k: RegKind) => number }>> = {
  fp: { kinds: ['stack'], base: () => 512 },
  ctx: { kinds: ['ctx', 'ctx_buf'], base: () => 0 },
  map_value: { kinds: ['map_value'], base: () => 0 },
  map_ptr: { kinds: ['map'], base: () => 0 },
  pkt: { kinds: ['packet'], base: () => 0 },
  pkt_meta: { kinds: ['packet'], base: () => 0 },
  mem: { kinds: ['mem', 'ringbuf_record'], base: () => 0 },
  ringbuf_mem: { kinds: ['ringbuf_record'], base: () => 0 },
};

/**
 * Does the abstract register contain the concrete one? Returns undefined when it does, else a
 * one-line reason.
 */
export function regExcludes(abs: RegState, value: bigint, kind: RegKind | undefined): string | undefined {
  if (abs.type === 'scalar') {
    const why = scalarExcludes(abs.bounds, value);
    return why ? `value 0x${U64(value).toString(16)} outside ${why}` : undefined;
  }
  if (abs.orNull && U64(value) === 0n) return undefined;
  const spec = POINTER_REGIONS[abs.type];
  if (!spec) return undefined; // not judged
  if (!kind) return `expected a ${abs.type} pointer, got scalar 0x${U64(value).toString(16)}`;
  if (!spec.kinds.includes(kind.kind)) return `expected a ${abs.type} pointer, got a pointer into ${kind.kind} (${kind.label})`;
  const varOff = BigInt(kind.off - spec.base(kind) - (abs.off ?? 0));
  // A pointer printed without bounds has no variable part (unlike a scalar, which is then unknown).
  const why = scalarExcludes(abs.bounds ?? constBounds(0n), varOff);
  return why ? `${abs.type} offset ${kind.off - spec.base(kind)} outside off=${abs.off ?? 0} + ${why}` : undefined;
}
