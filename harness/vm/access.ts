/**
 * Checked memory access: every load, store and atomic of the interpreter goes through `resolve`,
 * which turns (base register, off, size) into (region, offset) or raises the precise fault:
 * null or scalar dereference, use after free, out of bounds, misalignment (stack and atomics
 * always, everything under BPF_F_STRICT_ALIGNMENT), read-only / write-only, uninitialized stack.
 *
 * Values move as 32-bit halves: loads leave their result in st.vlo / st.vhi.
 */
import { BPF_ADD, BPF_AND, BPF_CMPXCHG, BPF_FETCH, BPF_LOAD_ACQ, BPF_OR, BPF_STORE_REL, BPF_XCHG, BPF_XOR } from '../isa/opcodes.ts';
import * as memory from './memory.ts';
import type { Region } from './memory.ts';
import type { VmState } from './state.ts';
import * as context from './context.ts';

// Module-local copies (a read through an import binding can compile to a getter call).
const { markWritten, offOf, ridOf } = memory;
const { ctxLoad, ctxStoreAllowed } = context;

const TWO32 = 4294967296;

/** Where the last successful `resolve` pointed. */
let aoff = 0;

export const enum Access { Read = 1, Write = 2, Atomic = 3 }

export interface AccessOptions {
  /** Reads of never-written stack bytes: a fault (default) or allowed (bytes read as stored, zero). */
  uninitStackOk: boolean;
}
export const accessOptions: AccessOptions = { uninitStackOk: false };

function resolve(st: VmState, pc: number, bhi: number, blo: number, off: number, size: number, how: Access): Region | null {
  const a = (blo >>> 0) + off;
  const alo = a | 0;
  const ahi = (bhi + (a >= TWO32 ? 1 : a < 0 ? -1 : 0)) | 0;
  const rid = ridOf(ahi);
  const r = rid === 0 ? undefined : st.mem.get(rid);
  if (!r) {
    const isNull = bhi === 0 && blo === 0;
    st.raise(pc, isNull ? 'null_deref' : 'scalar_deref',
      `${isNull ? 'NULL pointer' : 'non-pointer value'} dereference (${how === Access.Read ? 'read' : 'write'} of ${size} bytes at 0x${(ahi >>> 0).toString(16).padStart(8, '0')}${(alo >>> 0).toString(16).padStart(8, '0')})`,
      { size });
    return null;
  }
  const o = offOf(alo);
  if (!r.alive) {
    st.raise(pc, 'use_after_free', `access to freed ${r.label} at offset ${o} size ${size}`, { region: r, offset: o, size });
    return null;
  }
  if (o < 0 || o + size > r.bytes.length) {
    st.raise(pc, 'out_of_bounds', `${r.label} access out of bounds: offset ${o} size ${size}, region size ${r.bytes.length}`,
      { region: r, offset: o, size });
    return null;
  }
  if ((r.kind === 'stack' || how === Access.Atomic || st.strictAlign) && o % size !== 0) {
    st.raise(pc, 'misaligned', `misaligned ${r.label} access: offset ${o} size ${size}`, { region: r, offset: o, size });
    return null;
  }
  if (how !== Access.Read && !r.writable) {
    st.raise(pc, 'read_only', `write into read-only ${r.label} at offset ${o} size ${size}`, { region: r, offset: o, size });
    return null;
  }
  if (how !== Access.Write && !r.readable) {
    st.raise(pc, 'write_only', `read from write-only ${r.label} at offset ${o} size ${size}`, { region: r, offset: o, size });
    return null;
  }
  if (how !== Access.Write && r.shadow !== null && !accessOptions.uninitStackOk) {
    for (let i = 0; i < size; i++) {
      if (r.shadow[o + i] === 0) {
        st.raise(pc, 'uninit_stack', `read of uninitialized ${r.label} byte at offset ${o + i} (access offset ${o} size ${size})`,
          { region: r, offset: o, size });
        return null;
      }
    }
  }
  aoff = o;
  return r;
}

function readBytes(st: VmState, b: Uint8Array, o: number, size: number): void {
  if (size === 1) { st.vlo = b[o]!; st.vhi = 0; return; }
  if (size === 2) { st.vlo = b[o]! | (b[o + 1]! << 8); st.vhi = 0; return; }
  st.vlo = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
  st.vhi = size === 8 ? b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24) : 0;
}

function writeBytes(r: Region, o: number, size: number, vlo: number, vhi: number): void {
  const b = r.bytes;
  b[o] = vlo;
  if (size >= 2) b[o + 1] = vlo >>> 8;
  if (size >= 4) { b[o + 2] = vlo >>> 16; b[o + 3] = vlo >>> 24; }
  if (size === 8) { b[o + 4] = vhi; b[o + 5] = vhi >>> 8; b[o + 6] = vhi >>> 16; b[o + 7] = vhi >>> 24; }
  markWritten(r, o, size);
}

/** Load `size` bytes at base + off (zero-extended; sign-extended when `signed`). */
export function memLoad(st: VmState, pc: number, bhi: number, blo: number, off: number, size: number, signed: boolean): boolean {
  const r = resolve(st, pc, bhi, blo, off, size, Access.Read);
  if (r === null) return false;
  if (r.kind === 'ctx' && ctxLoad(st, r, aoff, size)) return true;
  readBytes(st, r.bytes, aoff, size);
  if (signed) {
    if (size === 1) st.vlo = (st.vlo << 24) >> 24;
    else if (size === 2) st.vlo = (st.vlo << 16) >> 16;
    st.vhi = st.vlo >> 31;
  }
  return true;
}

export function memStore(st: VmState, pc: number, bhi: number, blo: number, off: number, size: number, vlo: number, vhi: number): boolean {
  const r = resolve(st, pc, bhi, blo, off, size, Access.Write);
  if (r === null) return false;
  if (r.kind === 'ctx' && !ctxStoreAllowed(st, r, aoff, size)) {
    st.raise(pc, 'read_only', `write into read-only context field at offset ${aoff} size ${size}`, { region: r, offset: aoff, size });
    return false;
  }
  writeBytes(r, aoff, size, vlo, vhi);
  return true;
}

/** Raw bytes of a checked range, for helpers (null with a fault raised when the range is bad). */
export function memRange(st: VmState, pc: number, ptr: bigint, size: number, write: boolean): Uint8Array | null {
  if (size === 0) return new Uint8Array(0);
  const hi = Number(BigInt.asIntN(32, ptr >> 32n));
  const lo = Number(BigInt.asIntN(32, ptr));
  const how = write ? Access.Write : Access.Read;
  // Alignment does not apply to helper ranges: check bounds/liveness with size-1 access at both ends.
  const r = resolveRange(st, pc, hi, lo, size, how);
  if (r === null) return null;
  if (write) markWritten(r, aoff, size);
  return r.bytes.subarray(aoff, aoff + size);
}

function resolveRange(st: VmState, pc: number, hi: number, lo: number, size: number, how: Access): Region | null {
  const first = resolve(st, pc, hi, lo, 0, 1, how === Access.Write ? Access.Write : Access.Read);
  if (first === null) return null;
  const start = aoff;
  if (start + size > first.bytes.length) {
    st.raise(pc, 'out_of_bounds', `${first.label} range out of bounds: offset ${start} size ${size}, region size ${first.bytes.length}`,
      { region: first, offset: start, size });
    return null;
  }
  if (how === Access.Read && first.shadow !== null && !accessOptions.uninitStackOk) {
    for (let i = 0; i < size; i++) {
      if (first.shadow[start + i] === 0) {
        st.raise(pc, 'uninit_stack', `helper reads uninitialized ${first.label} byte at offset ${start + i}`,
          { region: first, offset: start, size });
        return null;
      }
    }
  }
  aoff = start;
  return first;
}

const rmw: Record<number, (a: number, b: number) => number> = {
  [BPF_ADD]: (a, b) => a + b, [BPF_OR]: (a, b) => a | b, [BPF_AND]: (a, b) => a & b, [BPF_XOR]: (a, b) => a ^ b,
};

/** BPF_STX | BPF_ATOMIC: read-modify-write, xchg, cmpxchg, load-acquire, store-release. */
export function memAtomic(st: VmState, pc: number, d: number, s: number, off: number, size: number, imm: number): boolean {
  const { lo, hi } = st;
  if (imm === BPF_LOAD_ACQ) {
    if (!memLoad(st, pc, hi[s]!, lo[s]!, off, size, false)) return false;
    lo[d] = st.vlo; hi[d] = st.vhi;
    return true;
  }
  if (imm === BPF_STORE_REL) return memStore(st, pc, hi[d]!, lo[d]!, off, size, lo[s]!, hi[s]!);
  const r = resolve(st, pc, hi[d]!, lo[d]!, off, size, Access.Atomic);
  if (r === null) return false;
  const o = aoff;
  readBytes(st, r.bytes, o, size);
  const oldLo = st.vlo, oldHi = st.vhi;
  let newLo: number, newHi: number;
  if (imm === BPF_XCHG) { newLo = lo[s]!; newHi = hi[s]!; }
  else if (imm === BPF_CMPXCHG) {
    const eq = size === 8 ? lo[0] === oldLo && hi[0] === oldHi : lo[0] === oldLo;
    newLo = eq ? lo[s]! : oldLo; newHi = eq ? hi[s]! : oldHi;
    lo[0] = oldLo; hi[0] = oldHi; // zero-extended for 32 bits (readBytes leaves vhi = 0)
  } else {
    const op = rmw[imm & ~BPF_FETCH]!;
    if ((imm & ~BPF_FETCH) === BPF_ADD) {
      const sum = (oldLo >>> 0) + (lo[s]! >>> 0);
      newLo = sum | 0; newHi = (oldHi + hi[s]! + (sum >= TWO32 ? 1 : 0)) | 0;
    } else { newLo = op(oldLo, lo[s]!) | 0; newHi = op(oldHi, hi[s]!) | 0; }
  }
  writeBytes(r, o, size, newLo, newHi);
  if (imm === BPF_XCHG || (imm !== BPF_CMPXCHG && imm & BPF_FETCH)) { lo[s] = oldLo; hi[s] = oldHi; }
  return true;
}
