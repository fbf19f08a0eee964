/**
 * Register states of the model verifier (the kernel's bpf_reg_state).
 *
 * A Reg is an immutable value: a type, type flags (PTR_MAYBE_NULL, MEM_RDONLY, MEM_RINGBUF), a
 * fixed offset `off`, the variable part `s` (a Scalar: the value of a scalar, or the variable
 * offset of a pointer), ids for linked scalars / null checks (`id`) and references (`refObjId`),
 * and per-type extras (map index, packet range, memory size, stack frame number).
 * Invariant: a register is replaced, never mutated; `s` of a pointer holds its var_off + bounds.
 */
import { type Scalar, scalarConst, scalarUnknown, scalarIsConst } from '../domains/scalar.ts';

export type RegType =
  | 'not_init' | 'scalar' | 'ctx' | 'fp' | 'map_ptr' | 'map_value' | 'map_key'
  | 'pkt' | 'pkt_meta' | 'pkt_end' | 'mem' | 'sock' | 'sock_common' | 'tcp_sock' | 'func';

/** Type flags (the kernel's type modifiers). */
export const PTR_MAYBE_NULL = 1;
export const MEM_RDONLY = 2;
export const MEM_RINGBUF = 4;

/** BPF_ADD_CONST: the scalar is linked to others with a constant delta kept in `off`. */
export const BPF_ADD_CONST = 1 << 31;

/** Packet range markers (the kernel's BEYOND_PKT_END / AT_PKT_END). */
export const BEYOND_PKT_END = -2;
export const AT_PKT_END = -1;

export interface Reg {
  readonly type: RegType;
  readonly flags: number;
  readonly off: number;
  readonly s: Scalar;
  readonly id: number;
  readonly refObjId: number;
  /** map_ptr / map_value / map_key: index into Program.maps; -1 otherwise. */
  readonly map: number;
  /** pkt / pkt_meta: bytes known to be readable from `off` (or AT/BEYOND_PKT_END). */
  readonly range: number;
  /** mem: the size of the memory region. */
  readonly memSize: number;
  /** fp: the frame the pointer points into. */
  readonly frameno: number;
}

const ZERO = scalarConst(0n);
const UNKNOWN = scalarUnknown();

const BASE: Reg = Object.freeze({
  type: 'not_init', flags: 0, off: 0, s: UNKNOWN, id: 0, refObjId: 0, map: -1, range: 0, memSize: 0, frameno: 0,
});

export const NOT_INIT: Reg = BASE;
export const UNKNOWN_SCALAR: Reg = Object.freeze({ ...BASE, type: 'scalar' });

export function scalarReg(s: Scalar, id = 0): Reg {
  return { ...BASE, type: 'scalar', s, id };
}
export const constReg = (v: bigint): Reg => scalarReg(scalarConst(v));
export const ZERO_REG: Reg = Object.freeze(scalarReg(ZERO));

/** A pointer of `type` with a zero offset (mark_reg_known_zero + type). */
export function ptrReg(type: RegType, extra: Partial<Reg> = {}): Reg {
  return { ...BASE, type, s: ZERO, ...extra };
}

export const isScalar = (r: Reg): boolean => r.type === 'scalar';
export const isPointer = (r: Reg): boolean => r.type !== 'scalar' && r.type !== 'not_init';
export const mayBeNull = (r: Reg): boolean => (r.flags & PTR_MAYBE_NULL) !== 0;
export const isPktPointer = (r: Reg): boolean => r.type === 'pkt' || r.type === 'pkt_meta';
export const isPktPointerAny = (r: Reg): boolean => r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end';

/** register_is_null: a scalar known to be 0. */
export function regIsNull(r: Reg): boolean {
  return r.type === 'scalar' && scalarIsConst(r.s) && r.s.umin === 0n;
}

/** reg_not_null: pointer types that can never be NULL. */
export function regNotNull(r: Reg): boolean {
  if (mayBeNull(r)) return false;
  // map_ptr since 2025 ("unpriv: cmp map pointer with zero"), in 6.18: `if r1 == 0` on a map
  // pointer is decided, in JMP32 too (found by a campaign: entry verdict-differential-4af777)
  return r.type === 'sock' || r.type === 'tcp_sock' || r.type === 'map_value' || r.type === 'map_key'
    || r.type === 'sock_common' || r.type === 'mem' || r.type === 'map_ptr';
}

const BASE_NAMES: Readonly<Record<RegType, string>> = {
  not_init: '?', scalar: 'scalar', ctx: 'ctx', fp: 'fp', map_ptr: 'map_ptr', map_value: 'map_value',
  map_key: 'map_key', pkt: 'pkt', pkt_meta: 'pkt_meta', pkt_end: 'pkt_end', mem: 'mem', sock: 'sock',
  sock_common: 'sock_common', tcp_sock: 'tcp_sock', func: 'func',
};

/** reg_type_str: the kernel's printed type name (`map_value_or_null`, `rdonly_mem`, `ringbuf_mem`). */
export function regTypeStr(type: RegType, flags = 0): string {
  let prefix = '';
  if (flags & MEM_RDONLY) prefix += 'rdonly_';
  if (flags & MEM_RINGBUF) prefix += 'ringbuf_';
  const suffix = flags & PTR_MAYBE_NULL ? '_or_null' : '';
  return prefix + BASE_NAMES[type] + suffix;
}
export const regStr = (r: Reg): string => regTypeStr(r.type, r.flags);

/** Replace fields of a register (a new value). */
export function withReg(r: Reg, patch: Partial<Reg>): Reg {
  return { ...r, ...patch };
}
