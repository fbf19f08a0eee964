/**
 * What must hold for helper arguments (check_func_arg, check_reg_type, check_func_arg_reg_off,
 * check_mem_size_reg, check_helper_mem_access), driven by the prototype's argument kinds.
 * Collects what the call's transfer needs in a CallMeta.
 */
import { tnumIsConst } from '../domains/tnum.ts';
import type { ArgKind, HelperProto } from '../spec/helpers.ts';
import { type Reg, MEM_RDONLY, regIsNull, regStr, withReg } from '../state/reg.ts';
import { INVALID_SLOT, isSpilledScalar } from '../state/vstate.ts';
import type { Walker } from '../walker.ts';
import {
  BPF_MAX_VAR_SIZ, checkMapAccessType, checkMemRegionAccess, checkPacketAccess, checkPtrOffReg, checkStackBounds,
} from './mem.ts';
import { checkRegRead } from './regs.ts';
import { EINVAL, reject } from './reject.ts';

export interface CallMeta {
  map: number;
  constMapKey: bigint;
  refObjId: number;
  releaseRegno: number;
  memSize: number;
  msizeMaxValue: bigint;
  /** Stack bytes a helper writes (raw mode): [frame, minOff, maxOff). */
  rawStack?: [number, number, number];
  rawRegno: number;
}

// 6.18 accepts any memory for map keys and values (compatible_reg_types: mem_types); the live
// kernel's text lists them all: "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ...".
const MEM_TYPES = ['fp', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'ringbuf_mem', 'buf', 'trusted_ptr_'];

const COMPATIBLE: Readonly<Record<ArgKind, readonly string[]>> = {
  anything: [], const_map_ptr: ['map_ptr'], map_key: MEM_TYPES, map_value: MEM_TYPES,
  uninit_map_value: MEM_TYPES, ctx: ['ctx'], mem: MEM_TYPES, mem_or_null: MEM_TYPES, uninit_mem: MEM_TYPES,
  const_size: ['scalar'], const_size_or_zero: ['scalar'], const_alloc_size_or_zero: ['scalar'],
  ringbuf_mem_release: ['ringbuf_mem'],
};

const typeName = (r: Reg): string => regStr(withReg(r, { flags: r.flags & ~MEM_RDONLY }));

/** check_reg_type. */
function checkRegType(regno: number, r: Reg, kind: ArgKind): void {
  const list = COMPATIBLE[kind];
  if (list.includes(typeName(r))) return;
  reject(`R${regno} type=${regStr(r)} expected=${list.join(', ')}`);
}

export function checkFuncArg(w: Walker, regno: number, kind: ArgKind, meta: CallMeta, proto: HelperProto): void {
  checkRegRead(w, regno);
  if (kind === 'anything') return;
  const r = w.cur().regs[regno]!;
  const nullable = kind === 'mem_or_null';
  if (!(nullable && regIsNull(r))) {
    checkRegType(regno, r, kind);
    if (kind === 'ringbuf_mem_release') {
      if (r.off) reject(`R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, EINVAL);
      checkPtrOffReg(r, regno, false);
    } else if (r.type === 'ctx' || r.type === 'map_ptr') {
      checkPtrOffReg(r, regno, false);
    }
    if ((r.type === 'pkt' || r.type === 'pkt_meta') && !(w.env.spec && w.env.spec.pkt !== 'none' && proto.pktAccess)) {
      reject('helper access to the packet is not allowed');
    }
  }
  if (kind === 'ringbuf_mem_release') {
    if (!r.refObjId && !regIsNull(r)) reject(`R${regno} must be referenced when passed to release function`, EINVAL);
    meta.releaseRegno = regno;
  }
  if (r.refObjId) meta.refObjId = r.refObjId;
  const maps = w.env.maps;
  switch (kind) {
    case 'const_map_ptr': meta.map = r.map; break;
    case 'map_key': {
      if (meta.map < 0) reject('invalid map_ptr to access map->key', EACCES_);
      const map = maps[meta.map]!;
      checkHelperMemAccess(w, regno, BigInt(map.keySize), false, false, meta);
      if (map.type === 'array' || map.type === 'percpu_array') meta.constMapKey = constantMapKey(w, r, map.keySize);
      break;
    }
    case 'map_value': case 'uninit_map_value': {
      if (meta.map < 0) reject('invalid map_ptr to access map->value', EACCES_);
      checkHelperMemAccess(w, regno, BigInt(maps[meta.map]!.valueSize), kind === 'uninit_map_value', false, meta);
      break;
    }
    case 'const_size': case 'const_size_or_zero':
      checkMemSizeReg(w, regno, kind === 'const_size_or_zero', proto.args[regno - 2] === 'uninit_mem', meta);
      break;
    case 'const_alloc_size_or_zero':
      if (!tnumIsConst(r.s.varOff)) reject(`R${regno} is not a known constant'`);
      meta.memSize = Number(r.s.varOff.value);
      w.markPreciseReg(regno);
      break;
    default:
  }
}
const EACCES_ = 13;

/** check_mem_size_reg: the size in `regno` describes the memory in `regno - 1`. */
function checkMemSizeReg(w: Walker, regno: number, zeroOk: boolean, write: boolean, meta: CallMeta): void {
  const r = w.cur().regs[regno]!;
  meta.msizeMaxValue = r.s.umax;
  const m = tnumIsConst(r.s.varOff) ? meta : undefined;
  if (r.s.smin < 0n) reject(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
  if (r.s.umin === 0n && !zeroOk) reject(`R${regno} invalid zero-sized read: u64=[${r.s.umin},${r.s.umax}]`);
  if (r.s.umax >= BigInt(BPF_MAX_VAR_SIZ)) reject(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
  checkHelperMemAccess(w, regno - 1, r.s.umax, write, zeroOk, m);
  w.markPreciseReg(regno);
}

/** check_helper_mem_access. */
export function checkHelperMemAccess(w: Walker, regno: number, size: bigint, write: boolean, zeroOk: boolean, meta: CallMeta | undefined): void {
  const r = w.cur().regs[regno]!;
  const n = Number(size);
  switch (r.type) {
    case 'pkt': case 'pkt_meta':
      checkPacketAccess(regno, r, r.off, n, zeroOk);
      return;
    case 'map_key':
      if (write) reject(`R${regno} cannot write into ${regStr(r)}`);
      checkMemRegionAccess('map_key', regno, r, r.off, n, w.env.maps[r.map]!.keySize, false);
      return;
    case 'map_value': {
      const map = w.env.maps[r.map]!;
      checkMapAccessType(map, r.off, n, write);
      checkMemRegionAccess('map_value', regno, r, r.off, n, map.valueSize, zeroOk);
      return;
    }
    case 'mem':
      if (write && r.flags & MEM_RDONLY) reject(`R${regno} cannot write into ${regStr(r)}`);
      checkMemRegionAccess('mem', regno, r, r.off, n, r.memSize, zeroOk);
      return;
    case 'fp': {
      if (n === 0 && !zeroOk) reject('invalid zero-sized read');
      const [minOff, maxOff] = checkStackBounds(regno, r, r.off, n, write ? 'write to' : 'read from');
      const f = w.st.frames[r.frameno]!;
      const sz = -minOff;
      if (f.allocated < sz) f.allocated = sz;
      const sp = w.env.subprogs[f.subprog];
      if (sp && sp.stackDepth < sz) sp.stackDepth = sz;
      if (write) {
        if (meta) { meta.rawStack = [r.frameno, minOff, maxOff]; meta.rawRegno = regno; } else meta2(w, r.frameno, minOff, maxOff);
      }
      return;
    }
    default:
      if (zeroOk && n === 0 && regIsNull(r)) return;
      reject(`R${regno} type=${regStr(r)} expected=fp`);
  }
}

/** A variable-size helper write into the stack: clobbered right away. */
function meta2(w: Walker, frameno: number, minOff: number, maxOff: number): void {
  const f = w.st.frames[frameno]!;
  for (let i = minOff; i < maxOff; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / 8);
    const sl = f.stack[spi] ?? INVALID_SLOT;
    const k = slot % 8;
    const types = [...sl.types].map((c) => (c === 'r' ? 'm' : c));
    types[k] = 'm';
    f.stack[spi] = { types: types.join('') };
  }
}

/** get_constant_map_key: a constant key on the stack lets an array lookup skip the NULL check. */
function constantMapKey(w: Walker, key: Reg, keySize: number): bigint {
  if (key.type !== 'fp' || !tnumIsConst(key.s.varOff)) return -1n;
  const stackOff = key.off + Number(BigInt.asIntN(64, key.s.varOff.value));
  const slot = -stackOff - 1;
  const spi = Math.floor(slot / 8);
  const off = slot % 8;
  const f = w.st.frames[key.frameno]!;
  const sl = f.stack[spi] ?? INVALID_SLOT;
  let zero = 0;
  for (let i = off; i >= 0 && sl.types[i] === '0'; i--) zero++;
  if (zero >= keySize) return 0n;
  if (!isSpilledScalar(sl)) return -1n;
  let spill = 0;
  for (let i = off; i >= 0 && sl.types[i] === 'r'; i--) spill++;
  if (spill !== keySize) return -1n;
  const v = sl.spilled!.s.varOff;
  if (!tnumIsConst(v)) return -1n;
  w.markPreciseSlot(key.frameno, spi);
  return v.value;
}
