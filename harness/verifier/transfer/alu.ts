/**
 * ALU and ALU64 (check_alu_op, adjust_reg_min_max_vals, adjust_ptr_min_max_vals): reserved
 * fields, operand checks, then scalar math through the domains or pointer arithmetic with the
 * kernel's sanity limits. Privileged mode: pointer - pointer and 32-bit pointer subtraction give
 * unknown scalars, pointer copies through 32-bit moves become unknown scalars (no leak errors).
 */
import type { Insn } from '../../isa/insn.ts';
import {
  BPF_ADD, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_DIV, BPF_END, BPF_LSH, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_RSH, BPF_SUB, BPF_X, BPF_XOR, bpfClass, bpfOp, bpfSrc,
} from '../../isa/opcodes.ts';
import { S32_MAX, S32_MIN, S64_MIN, fls64, s32 } from '../domains/bounds.ts';
import { type AluOp, type Scalar, regBoundsSync, scalarAlu, scalarConst, scalarEnd, scalarIsConst, scalarMovsx, scalarNeg, scalarZext32 } from '../domains/scalar.ts';
import { tnumIsConst } from '../domains/tnum.ts';
import { checkRegRead, checkRegWrite, checkRegWriteMark } from '../checks/regs.ts';
import { BPF_MAX_VAR_OFF } from '../checks/mem.ts';
import { EACCES, EINVAL, reject } from '../checks/reject.ts';
import {
  BPF_ADD_CONST, PTR_MAYBE_NULL, type Reg, UNKNOWN_SCALAR, constReg, isPktPointer, regStr, scalarReg, withReg,
} from '../state/reg.ts';
import type { Walker } from '../walker.ts';
import { assignScalarId } from './stack.ts';
import { aluOp } from './scalar-ops.ts';

export const ALU_STRING = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];

const OPS: Readonly<Record<number, AluOp>> = {
  [BPF_ADD]: 'add', [BPF_SUB]: 'sub', [BPF_MUL]: 'mul', [BPF_DIV]: 'div', [BPF_OR]: 'or', [BPF_AND]: 'and',
  [BPF_LSH]: 'lsh', [BPF_RSH]: 'rsh', [BPF_MOD]: 'mod', [BPF_XOR]: 'xor', [BPF_MOV]: 'mov', [BPF_ARSH]: 'arsh',
};

export function alu(w: Walker, insn: Insn): number {
  const op = bpfOp(insn.code);
  if (op === BPF_END || op === BPF_NEG) negOrEnd(w, insn, op);
  else if (op === BPF_MOV) mov(w, insn);
  else other(w, insn, op);
  return w.pc + 1;
}

function negOrEnd(w: Walker, insn: Insn, op: number): void {
  const is64 = bpfClass(insn.code) === BPF_ALU64;
  if (op === BPF_NEG) {
    if (bpfSrc(insn.code) !== 0 || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0) reject('BPF_NEG uses reserved fields', EINVAL);
  } else if (insn.src !== 0 || insn.off !== 0 || (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) || (is64 && bpfSrc(insn.code) !== 0)) {
    reject('BPF_END uses reserved fields', EINVAL);
  }
  checkRegRead(w, insn.dst);
  const r = w.cur().regs[insn.dst]!;
  if (r.type === 'scalar') {
    checkRegWrite(w, insn.dst);
    // 6.18 tracks byte swaps (tnum bswap), so `r0 = 0; r0 = bswap64 r0` stays the constant 0.
    const kind = is64 ? 'bswap' : bpfSrc(insn.code) ? 'be' : 'le';
    const s = op === BPF_NEG ? scalarNeg(is64, r.s) : scalarEnd(kind, insn.imm as 16 | 32 | 64, r.s);
    w.cur().regs[insn.dst] = scalarReg(s);
    return;
  }
  checkRegWriteMark(w, insn.dst);
}

function mov(w: Walker, insn: Insn): void {
  const is64 = bpfClass(insn.code) === BPF_ALU64;
  const isX = bpfSrc(insn.code) === BPF_X;
  if (isX) {
    if (!is64) {
      if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16) || insn.imm) reject('BPF_MOV uses reserved fields', EINVAL);
    } else if (insn.off === 1) {
      if (insn.imm !== 1 && insn.imm !== 1 << 16) reject('addr_space_cast insn can only convert between address space 1 and 0', EINVAL);
      reject('addr_space_cast insn can only be used in a program that has an associated arena', EINVAL);
    } else if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32) || insn.imm) {
      reject('BPF_MOV uses reserved fields', EINVAL);
    }
    checkRegRead(w, insn.src);
  } else if (insn.src !== 0 || insn.off !== 0) {
    reject('BPF_MOV uses reserved fields', EINVAL);
  }
  checkRegWrite(w, insn.dst);
  const regs = w.cur().regs;
  if (!isX) {
    regs[insn.dst] = constReg(is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0));
    return;
  }
  let src = regs[insn.src]!;
  if (is64 && insn.off === 0) {
    regs[insn.dst] = assignScalarId(w, insn.src);
    return;
  }
  if (src.type !== 'scalar') {
    regs[insn.dst] = UNKNOWN_SCALAR;
    if (!is64) regs[insn.dst] = scalarReg(scalarZext32(UNKNOWN_SCALAR.s));
    return;
  }
  if (insn.off === 0) {
    const u32ok = fls64(src.s.umax) <= 32;
    if (u32ok) src = assignScalarId(w, insn.src);
    regs[insn.dst] = scalarReg(scalarZext32(src.s), u32ok ? src.id : 0);
    return;
  }
  const noSext = src.s.umax < 1n << BigInt(insn.off - 1);
  if (noSext) src = assignScalarId(w, insn.src);
  const s = scalarMovsx(insn.off as 8 | 16 | 32, is64, src.s);
  regs[insn.dst] = scalarReg(s, noSext ? src.id : 0);
}

function other(w: Walker, insn: Insn, op: number): void {
  const isX = bpfSrc(insn.code) === BPF_X;
  const is64 = bpfClass(insn.code) === BPF_ALU64;
  const badOff = (insn.off !== 0 && insn.off !== 1) || (insn.off === 1 && op !== BPF_MOD && op !== BPF_DIV);
  if (isX) {
    if (insn.imm !== 0 || badOff) reject('BPF_ALU uses reserved fields', EINVAL);
    checkRegRead(w, insn.src);
  } else if (insn.src !== 0 || badOff) {
    reject('BPF_ALU uses reserved fields', EINVAL);
  }
  checkRegRead(w, insn.dst);
  if ((op === BPF_MOD || op === BPF_DIV) && !isX && insn.imm === 0) reject('div by zero', EINVAL);
  if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && !isX) {
    const size = is64 ? 64 : 32;
    if (insn.imm < 0 || insn.imm >= size) reject(`invalid shift ${insn.imm}`, EINVAL);
  }
  checkRegWrite(w, insn.dst);
  adjustRegMinMaxVals(w, insn, op, is64, isX);
}

function aluOpOf(op: number, off: number): AluOp {
  if (op === BPF_DIV && off === 1) return 'sdiv';
  if (op === BPF_MOD && off === 1) return 'smod';
  return OPS[op]!;
}

function adjustRegMinMaxVals(w: Walker, insn: Insn, op: number, is64: boolean, isX: boolean): void {
  const regs = w.cur().regs;
  const dst = regs[insn.dst]!;
  const src = isX ? regs[insn.src]! : constReg(BigInt(insn.imm));
  if (isX && src.type !== 'scalar') {
    if (dst.type !== 'scalar') {
      if (op === BPF_SUB) { regs[insn.dst] = UNKNOWN_SCALAR; return; }
      reject(`R${insn.dst} pointer ${ALU_STRING[op >> 4]} pointer prohibited`);
    }
    w.markPreciseReg(insn.dst);
    regs[insn.dst] = adjustPtrMinMaxVals(w, insn, op, is64, src, dst, true);
    return;
  }
  if (dst.type !== 'scalar') {
    if (isX) w.markPreciseReg(insn.src);
    regs[insn.dst] = adjustPtrMinMaxVals(w, insn, op, is64, dst, src, false);
    return;
  }
  const s = aluOp(aluOpOf(op, insn.off), is64, dst.s, plantBug(w, op, src.s));
  regs[insn.dst] = linkedAfterAlu(dst, src, s, op, is64);
}

/** The operand as a deliberately unsound model sees it (env.plantedBug; tests only). */
function plantBug(w: Walker, op: number, src: Scalar): Scalar {
  if (w.env.plantedBug !== 'and-drops-mask-top-bit' || op !== BPF_AND || !scalarIsConst(src) || src.umin === 0n) return src;
  const k = src.umin;
  const top = 1n << BigInt(k.toString(2).length - 1);
  return scalarConst(k & ~top);
}

/** The BPF_ADD_CONST rule: `r1 = r2; r1 += 4` keeps r1 linked to r2 with delta 4. */
function linkedAfterAlu(dst: Reg, src: Reg, s: Scalar, op: number, is64: boolean): Reg {
  if ((op === BPF_ADD || op === BPF_SUB) && dst.id && is64 && scalarIsConst(src.s)) {
    const val = src.s.smin;
    if (val < S32_MIN || val > S32_MAX || (op === BPF_SUB && val === S32_MIN) || dst.id & BPF_ADD_CONST) {
      return { ...scalarReg(s), off: 0 };
    }
    const off = op === BPF_SUB ? -Number(val) : Number(val);
    return { ...scalarReg(s, (dst.id | BPF_ADD_CONST) >>> 0), off };
  }
  return scalarReg(s);
}

/** check_reg_sane_offset (adjust_ptr_min_max_vals returns -EINVAL when it fails, as 6.18 does live). */
function checkRegSaneOffset(r: Reg, typeStr: string): void {
  const known = tnumIsConst(r.s.varOff);
  const val = BigInt.asIntN(64, r.s.varOff.value);
  const M = BigInt(BPF_MAX_VAR_OFF);
  if (known && (val >= M || val <= -M)) reject(`math between ${typeStr} pointer and ${val} is not allowed`, EINVAL);
  if (r.off >= BPF_MAX_VAR_OFF || r.off <= -BPF_MAX_VAR_OFF) reject(`${typeStr} pointer offset ${r.off} is not allowed`, EINVAL);
  if (r.s.smin === S64_MIN) reject(`math between ${typeStr} pointer and register with unbounded min value is not allowed`, EINVAL);
  if (r.s.smin >= M || r.s.smin <= -M) reject(`value ${r.s.smin} makes ${typeStr} pointer be out of bounds`, EINVAL);
}

const ARITH_OK = new Set(['ctx', 'map_value', 'map_key', 'fp', 'pkt_meta', 'pkt', 'mem', 'func']);

function adjustPtrMinMaxVals(w: Walker, insn: Insn, op: number, is64: boolean, ptr: Reg, offReg: Reg, dstIsOff: boolean): Reg {
  const d = insn.dst;
  const o = offReg.s;
  const known = tnumIsConst(o.varOff);
  if ((known && (o.smin !== o.smax || o.umin !== o.umax)) || o.smin > o.smax || o.umin > o.umax) return UNKNOWN_SCALAR;
  if (!is64) {
    if (op === BPF_SUB) return UNKNOWN_SCALAR;
    reject(`R${d} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.flags & PTR_MAYBE_NULL) reject(`R${d} pointer arithmetic on ${regStr(ptr)} prohibited, null-check it first`);
  const typeStr = regStr(ptr);
  if (!ARITH_OK.has(ptr.type)) {
    if (!(ptr.type === 'map_ptr' && known && o.smin === 0n && op === BPF_ADD)) reject(`R${d} pointer arithmetic on ${typeStr} prohibited`);
  }
  checkRegSaneOffset(offReg, typeStr);
  checkRegSaneOffset(ptr, typeStr);
  let out: Reg;
  switch (op) {
    case BPF_ADD:
      if (known && BigInt(ptr.off) + o.smin === s32(BigInt(ptr.off) + o.smin)) {
        out = withReg(ptr, { off: ptr.off + Number(o.smin) });
        break;
      }
      out = withReg(ptr, { s: ptrBounds(scalarAlu('add', true, ptr.s, o)) });
      if (isPktPointer(ptr)) out = withReg(out, { id: ++w.env.idGen, range: 0 });
      break;
    case BPF_SUB:
      if (dstIsOff) reject(`R${d} tried to subtract pointer from scalar`);
      if (ptr.type === 'fp') reject(`R${d} subtraction from stack pointer prohibited`);
      if (known && BigInt(ptr.off) - o.smin === s32(BigInt(ptr.off) - o.smin)) {
        out = withReg(ptr, { off: ptr.off - Number(o.smin) });
        break;
      }
      out = withReg(ptr, { s: ptrBounds(scalarAlu('sub', true, ptr.s, o)) });
      if (isPktPointer(ptr)) out = withReg(out, { id: ++w.env.idGen, range: o.smin < 0n ? 0 : ptr.range });
      break;
    case BPF_AND: case BPF_OR: case BPF_XOR:
      reject(`R${d} bitwise operator ${ALU_STRING[op >> 4]} on pointer prohibited`);
    default:
      reject(`R${d} pointer arithmetic with ${ALU_STRING[op >> 4]} operator prohibited`);
  }
  checkRegSaneOffset(out, typeStr);
  return out;
}

/** Pointers carry no 32-bit bounds of their own (__mark_reg32_unbounded + reg_bounds_sync). */
function ptrBounds(s: Scalar): Scalar {
  return regBoundsSync({ ...s, s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: 0xffffffffn });
}

export { scalarConst };
