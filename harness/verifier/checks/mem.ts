/**
 * What must hold for a memory access through a pointer register (check_mem_region_access,
 * check_packet_access, check_ptr_alignment, check_stack_access_within_bounds,
 * __check_ptr_off_reg, check_map_access_type), with the kernel's texts.
 * Offsets are the instruction offset plus the pointer's fixed offset.
 */
import { S64_MIN, s32 } from '../domains/bounds.ts';
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst, tnumStr } from '../domains/tnum.ts';
import type { MapDef } from '../../isa/program.ts';
import { type Reg, regStr } from '../state/reg.ts';
import { MAX_BPF_STACK } from '../state/vstate.ts';
import { EACCES, EINVAL, reject } from './reject.ts';

export const BPF_MAX_VAR_OFF = 1 << 29;
export const BPF_MAX_VAR_SIZ = 1 << 29;

export type MemKind = 'map_key' | 'map_value' | 'mem' | 'pkt';

function memAccessError(kind: MemKind, regno: number, reg: Reg, off: bigint, size: number, memSize: number): never {
  switch (kind) {
    case 'map_key': reject(`invalid access to map key, key_size=${memSize} off=${off} size=${size}`);
    case 'map_value': reject(`invalid access to map value, value_size=${memSize} off=${off} size=${size}`);
    case 'pkt': reject(`invalid access to packet, off=${off} size=${size}, R${regno}(id=${reg.id},off=${off},r=${memSize})`);
    default: reject(`invalid access to memory, mem_size=${memSize} off=${off} size=${size}`);
  }
}

function memOk(off: bigint, size: number, memSize: number, zeroOk: boolean): boolean {
  const sizeOk = size > 0 || (size === 0 && zeroOk);
  return off >= 0n && sizeOk && off + BigInt(size) <= BigInt(memSize);
}

/** __check_mem_access: returns the first error text instead of throwing (the caller adds a line). */
function checkMem(kind: MemKind, regno: number, reg: Reg, off: bigint, size: number, memSize: number, zeroOk: boolean, lines: string[]): boolean {
  if (memOk(off, size, memSize, zeroOk)) return true;
  try { memAccessError(kind, regno, reg, off, size, memSize); } catch (e) { lines.push((e as Error).message); }
  return false;
}

/** check_mem_region_access. `lines` receives the detail line the kernel prints first. */
export function checkMemRegionAccess(kind: MemKind, regno: number, reg: Reg, off: number, size: number, memSize: number, zeroOk: boolean, lines: string[] = []): void {
  const s = reg.s;
  const o = BigInt(off);
  if (s.smin < 0n && (s.smin === S64_MIN || o + s.smin !== s32(o + s.smin) || s.smin + o < 0n)) {
    reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  if (!checkMem(kind, regno, reg, s.smin + o, size, memSize, zeroOk, lines)) {
    reject(`R${regno} min value is outside of the allowed memory range`);
  }
  if (s.umax >= BigInt(BPF_MAX_VAR_OFF)) reject(`R${regno} unbounded memory access, make sure to bounds check any such access`);
  if (!checkMem(kind, regno, reg, s.umax + o, size, memSize, zeroOk, lines)) {
    reject(`R${regno} max value is outside of the allowed memory range`);
  }
}

/** check_packet_access (off includes the pointer's fixed offset). */
export function checkPacketAccess(regno: number, reg: Reg, off: number, size: number, zeroOk: boolean): void {
  if (reg.s.smin < 0n) reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  if (reg.range < 0 || !memOk(BigInt(off), size, reg.range, zeroOk)) reject(`R${regno} offset is outside of the packet`);
}

/** The var_off as the alignment messages print it: the value when known, else the tnum. */
const varOffStr = (r: Reg): string => (tnumIsConst(r.s.varOff) ? `${BigInt.asIntN(64, r.s.varOff.value)}` : tnumStr(r.s.varOff));

const ALIGN_DESC: Readonly<Record<string, string>> = {
  map_key: 'key ', map_value: 'value ', ctx: 'context ', fp: 'stack ', sock: 'sock ', sock_common: 'sock_common ',
  tcp_sock: 'tcp_sock ',
};

/** check_ptr_alignment. */
export function checkPtrAlignment(reg: Reg, off: number, size: number, strict: boolean): void {
  if (reg.type === 'pkt' || reg.type === 'pkt_meta') {
    if (!strict || size === 1) return;
    const ro = tnumAdd(reg.s.varOff, tnumConst(BigInt(2 + reg.off + off)));
    if (!tnumIsAligned(ro, BigInt(size))) {
      reject(`misaligned packet access off 2+${varOffStr(reg)}+${reg.off}+${off} size ${size}`);
    }
    return;
  }
  const desc = ALIGN_DESC[reg.type] ?? '';
  const isStrict = strict || reg.type === 'fp';
  if (!isStrict || size === 1) return;
  const ro = tnumAdd(reg.s.varOff, tnumConst(BigInt(reg.off + off)));
  if (!tnumIsAligned(ro, BigInt(size))) {
    reject(`misaligned ${desc}access off ${varOffStr(reg)}+${reg.off}+${off} size ${size}`);
  }
}

/** check_stack_access_within_bounds; returns [minOff, maxOff) of the access. */
export function checkStackBounds(regno: number, reg: Reg, off: number, size: number, what: 'read from' | 'write to' | 'indirect access to'): [number, number] {
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(reg.s.varOff)) {
    minOff = Number(BigInt.asIntN(64, reg.s.varOff.value)) + off;
    maxOff = minOff + size;
  } else {
    if (reg.s.smax >= BigInt(BPF_MAX_VAR_OFF) || reg.s.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      reject(`invalid unbounded variable-offset ${what} stack R${regno}`);
    }
    minOff = Number(reg.s.smin) + off;
    maxOff = Number(reg.s.smax) + off + size;
  }
  const bad = minOff < -MAX_BPF_STACK || minOff > -1 || maxOff > 0 || size < 0;
  if (bad) {
    if (tnumIsConst(reg.s.varOff)) reject(`invalid ${what} stack R${regno} off=${off} size=${size}`);
    reject(`invalid variable-offset ${what} stack R${regno} var_off=${tnumStr(reg.s.varOff)} off=${off} size=${size}`);
  }
  return [minOff, maxOff];
}

/** __check_ptr_off_reg: ctx (and release arguments) must be unmodified pointers. */
export function checkPtrOffReg(reg: Reg, regno: number, fixedOffOk: boolean): void {
  if (reg.off < 0) reject(`negative offset ${regStr(reg)} ptr R${regno} off=${reg.off} disallowed`);
  if (!fixedOffOk && reg.off) reject(`dereference of modified ${regStr(reg)} ptr R${regno} off=${reg.off} disallowed`);
  if (!tnumIsConst(reg.s.varOff) || reg.s.varOff.value !== 0n) {
    reject(`variable ${regStr(reg)} access var_off=${tnumStr(reg.s.varOff)} disallowed`);
  }
}

const BPF_F_RDONLY_PROG = 1 << 7;
const BPF_F_WRONLY_PROG = 1 << 8;

/** check_map_access_type: BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG maps. */
export function checkMapAccessType(map: MapDef, off: number, size: number, write: boolean): void {
  const flags = map.flags ?? 0;
  if (write && flags & BPF_F_RDONLY_PROG) reject(`write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
  if (!write && flags & BPF_F_WRONLY_PROG) reject(`read from map forbidden, value_size=${map.valueSize} off=${off} size=${size}`);
}

export { EACCES, EINVAL };
