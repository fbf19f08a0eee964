/**
 * Loads, stores and atomics (check_mem_access, check_load_mem/check_store_mem, check_atomic):
 * one dispatch on the pointer type, the checks from checks/mem.ts, and the state change (the
 * loaded register, or the stack slots written).
 */
import type { Insn } from '../../isa/insn.ts';
import {
  ATOMIC_RMW_OPS, BPF_ATOMIC, BPF_CMPXCHG, BPF_DW, BPF_FETCH, BPF_LOAD_ACQ, BPF_MEM, BPF_MEMSX, BPF_STORE_REL, BPF_W,
  bpfMode, bpfSize, opcodeRow,
} from '../../isa/opcodes.ts';
import { scalarCoerceToSize, scalarSextLoad } from '../domains/scalar.ts';
import { tnumIsConst, tnumStr } from '../domains/tnum.ts';
import { checkRegRead, checkRegWrite } from '../checks/regs.ts';
import {
  checkMapAccessType, checkMemRegionAccess, checkPacketAccess, checkPtrAlignment, checkPtrOffReg, checkStackBounds,
} from '../checks/mem.ts';
import { EINVAL, reject, unsupported } from '../checks/reject.ts';
import {
  MEM_RDONLY, PTR_MAYBE_NULL, type Reg, UNKNOWN_SCALAR, mayBeNull, ptrReg, regStr, withReg,
} from '../state/reg.ts';
import type { Frame } from '../state/vstate.ts';
import { type Walker } from '../walker.ts';
import { type StackWriteValue, stackReadData, stackReadFixed, stackWriteFixed, stackWriteVar } from './stack.ts';

const NO_VALUE: StackWriteValue = { regno: -1, isSt: false, imm: 0 };

/** grow_stack_state: account the stack depth of the frame's subprogram. */
function growStack(w: Walker, f: Frame, minOff: number): void {
  const size = -minOff;
  if (f.allocated < size) f.allocated = size;
  const sp = w.env.subprogs[f.subprog];
  if (sp && sp.stackDepth < size) sp.stackDepth = size;
}

function stackAccess(w: Walker, regno: number, reg: Reg, off: number, size: number, write: boolean, value: StackWriteValue, wantReg: boolean): Reg | undefined {
  const [minOff, maxOff] = checkStackBounds(regno, reg, off, size, write ? 'write to' : 'read from');
  const f = w.st.frames[reg.frameno]!;
  growStack(w, f, minOff);
  const fixed = tnumIsConst(reg.s.varOff);
  if (write) {
    if (fixed) stackWriteFixed(w, f, minOff, size, value);
    else stackWriteVar(w, f, minOff, maxOff, value);
    return undefined;
  }
  if (!fixed) {
    if (!wantReg) reject(`variable offset stack pointer cannot be passed into helper function; var_off=${tnumStr(reg.s.varOff)} off=${off} size=${size}`);
    return stackReadData(f, minOff, maxOff);
  }
  const fill = stackReadFixed(w, f, minOff, size, wantReg);
  if (fill.restores) w.stackAccess(f.frameno, Math.floor((-minOff - 1) / 8));
  return fill.reg;
}

/** check_mem_access. Returns the loaded register for a read into a register. */
export function checkMemAccess(
  w: Walker, regno: number, insnOff: number, size: number, write: boolean, value: StackWriteValue,
  wantReg: boolean, ldsx: boolean, strictOnce: boolean,
): Reg | undefined {
  const env = w.env;
  const reg = w.cur().regs[regno]!;
  checkPtrAlignment(reg, insnOff, size, env.strictAlignment || strictOnce);
  const off = insnOff + reg.off;
  let out: Reg | undefined;
  if (mayBeNull(reg) && reg.type !== 'scalar') reject(`R${regno} invalid mem access '${regStr(reg)}'`);
  switch (reg.type) {
    case 'map_key':
      if (write) reject(`write to change key R${regno} not allowed`);
      checkMemRegionAccess('map_key', regno, reg, off, size, env.maps[reg.map]!.keySize, false);
      out = UNKNOWN_SCALAR;
      break;
    case 'map_value': {
      const map = env.maps[reg.map]!;
      checkMapAccessType(map, off, size, write);
      checkMemRegionAccess('map_value', regno, reg, off, size, map.valueSize, false);
      out = UNKNOWN_SCALAR;
      break;
    }
    case 'mem':
      if (write && reg.flags & MEM_RDONLY) reject(`R${regno} cannot write into ${regStr(reg)}`);
      checkMemRegionAccess('mem', regno, reg, off, size, reg.memSize, false);
      out = UNKNOWN_SCALAR;
      break;
    case 'ctx':
      out = ctxAccess(w, regno, reg, off, size, write, ldsx);
      break;
    case 'fp':
      out = stackAccess(w, regno, reg, off, size, write, value, wantReg);
      break;
    case 'pkt': case 'pkt_meta':
      if (write && env.spec?.pkt !== 'write') reject('cannot write into packet');
      checkPacketAccess(regno, reg, off, size, false);
      out = UNKNOWN_SCALAR;
      break;
    case 'map_ptr':
      mapPtrAccess(w, regno, reg, off, write);
      break;
    case 'sock': case 'sock_common': case 'tcp_sock':
      unsupported(`access to ${regStr(reg)}`);
      break;
    default:
      reject(`R${regno} invalid mem access '${regStr(reg)}'`);
  }
  if (write || !wantReg || !out) return undefined;
  if (size < 8 && out.type === 'scalar') {
    const s = ldsx ? scalarSextLoad(out.s, size as 1 | 2 | 4) : scalarCoerceToSize(out.s, size as 1 | 2 | 4);
    return withReg(out, { s });
  }
  return out;
}

const MAP_STRUCT: Readonly<Record<string, string>> = {
  array: 'bpf_array', percpu_array: 'bpf_array', prog_array: 'bpf_array', hash: 'bpf_htab', percpu_hash: 'bpf_htab',
  lru_hash: 'bpf_htab', ringbuf: 'bpf_ringbuf_map', queue: 'bpf_queue_stack', stack: 'bpf_queue_stack',
};

/** check_ptr_to_map_access: reads of struct bpf_map fields need vmlinux BTF (not modelled). */
function mapPtrAccess(w: Walker, regno: number, reg: Reg, off: number, write: boolean): never {
  const tname = MAP_STRUCT[w.env.maps[reg.map]?.type ?? ''];
  if (!tname) unsupported('map_ptr access for this map type');
  if (off < 0) reject(`R${regno} is ${tname} invalid negative access: off=${off}`);
  if (write) reject(`only read from ${tname} is supported`);
  unsupported('map_ptr field reads (vmlinux BTF layout)');
}

function ctxAccess(w: Walker, regno: number, reg: Reg, off: number, size: number, write: boolean, ldsx: boolean): Reg {
  checkPtrOffReg(reg, regno, false);
  const spec = w.env.spec;
  if (!spec) unsupported(`program type ${w.env.prog.progType}`);
  const t = spec.ctx(off, size, write, ldsx);
  if (t === undefined) reject(`invalid bpf_context access off=${off} size=${size}`);
  if (t === 'scalar') return UNKNOWN_SCALAR;
  if (t === 'sock_common') return ptrReg('sock_common', { flags: PTR_MAYBE_NULL, id: ++w.env.idGen });
  return ptrReg(t);
}

const MISMATCH_NOT_OK = new Set(['ctx', 'sock', 'sock_common', 'tcp_sock']);

/** save_aux_ptr_type: one load/store instruction may not see ctx and another pointer type. */
export function saveAuxPtrType(w: Walker, reg: Reg): void {
  const t = regStr(reg);
  const prev = w.env.auxPtrType[w.pc];
  if (prev === undefined) { w.env.auxPtrType[w.pc] = t; return; }
  if (prev !== t && (MISMATCH_NOT_OK.has(reg.type) || MISMATCH_NOT_OK.has(prev.replace('_or_null', '')))) {
    reject('same insn cannot be used with different pointers', EINVAL);
  }
}

const sizeOf = (insn: Insn): number => opcodeRow(insn.code)?.size ?? 0;

export function ldx(w: Walker, insn: Insn): number {
  checkRegRead(w, insn.src);
  checkRegWrite(w, insn.dst);
  const src = w.cur().regs[insn.src]!;
  const v = checkMemAccess(w, insn.src, insn.off, sizeOf(insn), false, NO_VALUE, true, bpfMode(insn.code) === BPF_MEMSX, false);
  w.cur().regs[insn.dst] = v ?? UNKNOWN_SCALAR;
  saveAuxPtrType(w, src);
  return w.pc + 1;
}

export function st(w: Walker, insn: Insn): number {
  if (bpfMode(insn.code) !== BPF_MEM || insn.src !== 0) reject('BPF_ST uses reserved fields', EINVAL);
  checkRegRead(w, insn.dst);
  const dst = w.cur().regs[insn.dst]!;
  checkMemAccess(w, insn.dst, insn.off, sizeOf(insn), true, { regno: -1, isSt: true, imm: insn.imm }, false, false, false);
  saveAuxPtrType(w, dst);
  return w.pc + 1;
}

export function stx(w: Walker, insn: Insn): number {
  if (bpfMode(insn.code) === BPF_ATOMIC) return atomic(w, insn);
  if (bpfMode(insn.code) !== BPF_MEM || insn.imm !== 0) reject('BPF_STX uses reserved fields', EINVAL);
  checkRegRead(w, insn.src);
  checkRegRead(w, insn.dst);
  const dst = w.cur().regs[insn.dst]!;
  checkMemAccess(w, insn.dst, insn.off, sizeOf(insn), true, { regno: insn.src, isSt: false, imm: 0 }, false, false, false);
  saveAuxPtrType(w, dst);
  return w.pc + 1;
}

const atomicPtrTypeOk = (r: Reg): boolean => !['ctx', 'pkt', 'pkt_meta', 'sock', 'sock_common', 'tcp_sock'].includes(r.type);

function atomic(w: Walker, insn: Insn): number {
  const imm = insn.imm;
  if (imm === BPF_LOAD_ACQ || imm === BPF_STORE_REL) unsupported('load-acquire / store-release');
  if (!ATOMIC_RMW_OPS.includes(imm)) reject(`BPF_ATOMIC uses invalid atomic opcode ${(imm >>> 0).toString(16).padStart(2, '0')}`, EINVAL);
  const size = bpfSize(insn.code);
  if (size !== BPF_W && size !== BPF_DW) reject('invalid atomic operand size', EINVAL);
  checkRegRead(w, insn.src);
  checkRegRead(w, insn.dst);
  if (imm === BPF_CMPXCHG) checkRegRead(w, 0);
  const dst = w.cur().regs[insn.dst]!;
  if (!atomicPtrTypeOk(dst)) reject(`BPF_ATOMIC stores into R${insn.dst} ${regStr(dst)} is not allowed`);
  const bytes = sizeOf(insn);
  let loadReg = -1;
  if (imm & BPF_FETCH) {
    loadReg = imm === BPF_CMPXCHG ? 0 : insn.src;
    checkRegWrite(w, loadReg);
  }
  checkMemAccess(w, insn.dst, insn.off, bytes, false, NO_VALUE, false, false, true);
  if (loadReg >= 0) {
    const v = checkMemAccess(w, insn.dst, insn.off, bytes, false, NO_VALUE, true, false, true);
    w.cur().regs[loadReg] = v ?? UNKNOWN_SCALAR;
  }
  checkMemAccess(w, insn.dst, insn.off, bytes, true, NO_VALUE, false, false, true);
  return w.pc + 1;
}
