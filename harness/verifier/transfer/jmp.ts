/**
 * Jumps (check_cond_jmp_op, BPF_JA, BPF_EXIT): branch decision (is_branch_taken for scalars via
 * the domains, for pointers against 0, for packet pointers against pkt_end), refinement on both
 * sides (reg_set_min_max, linked scalar ids, null checks by id, packet ranges from comparisons
 * with pkt_end), and the fork: the taken side is pushed, the fall-through continues.
 */
import type { Insn } from '../../isa/insn.ts';
import {
  BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT,
  BPF_JSLE, BPF_JSLT, BPF_X, bpfClass, bpfOp, bpfSrc,
} from '../../isa/opcodes.ts';
import { type JmpOp, isScalarBranchTaken } from '../domains/branch.ts';
import { type Scalar, scalarConst } from '../domains/scalar.ts';
import { tnumIsConst, tnumSubreg } from '../domains/tnum.ts';
import { regInvariantsViolation } from '../domains/sync.ts';
import { checkRegRead } from '../checks/regs.ts';
import { EINVAL, reject } from '../checks/reject.ts';
import {
  AT_PKT_END, BEYOND_PKT_END, BPF_ADD_CONST, PTR_MAYBE_NULL, type Reg, ZERO_REG, mayBeNull, regNotNull,
  isPktPointerAny, withReg,
} from '../state/reg.ts';
import { type VState, cloneState, mapAllRegs } from '../state/vstate.ts';
import { PROG_FLAGS } from '../../isa/program.ts';
import { scalarAlu } from '../domains/scalar.ts';
import { EXIT_PATH, type Walker } from '../walker.ts';
import { setMinMax } from './scalar-ops.ts';

const OPS: Readonly<Record<number, JmpOp>> = {
  [BPF_JEQ]: 'jeq', [BPF_JNE]: 'jne', [BPF_JGT]: 'jgt', [BPF_JGE]: 'jge', [BPF_JLT]: 'jlt', [BPF_JLE]: 'jle',
  [BPF_JSGT]: 'jsgt', [BPF_JSGE]: 'jsge', [BPF_JSLT]: 'jslt', [BPF_JSLE]: 'jsle', [BPF_JSET]: 'jset',
};
const FLIP: Readonly<Record<JmpOp, JmpOp>> = {
  jeq: 'jeq', jne: 'jne', jset: 'jset', jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge',
  jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge',
};

const isRegConst = (r: Reg, is32: boolean): boolean =>
  r.type === 'scalar' && tnumIsConst(is32 ? tnumSubreg(r.s.varOff) : r.s.varOff);

/** is_pkt_ptr_branch_taken. */
function pktPtrBranchTaken(dst: Reg, src: Reg, op: JmpOp): -1 | 0 | 1 {
  let pkt: Reg;
  if (src.type === 'pkt_end') pkt = dst;
  else if (dst.type === 'pkt_end') { pkt = src; op = FLIP[op]; }
  else return -1;
  if (pkt.range >= 0) return -1;
  switch (op) {
    case 'jle': case 'jgt':
      if (pkt.range === BEYOND_PKT_END) return op === 'jgt' ? 1 : 0;
      break;
    case 'jlt': case 'jge':
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return op === 'jge' ? 1 : 0;
      break;
  }
  return -1;
}

/** is_branch_taken. */
export function isBranchTaken(a: Reg, b: Reg, op: JmpOp, is32: boolean): -1 | 0 | 1 {
  if (isPktPointerAny(a) && isPktPointerAny(b) && !is32) return pktPtrBranchTaken(a, b, op);
  if (a.type !== 'scalar' || b.type !== 'scalar') {
    if (!isRegConst(b, is32)) { op = FLIP[op]; [a, b] = [b, a]; }
    if (!isRegConst(b, is32)) return -1;
    if (!regNotNull(a)) return -1;
    const v = is32 ? b.s.varOff.value & 0xffffffffn : b.s.varOff.value;
    if (v !== 0n) return -1;
    if (op === 'jeq') return 0;
    if (op === 'jne') return 1;
    return -1;
  }
  return isScalarBranchTaken(op, is32, a.s, b.s);
}

export function ja(w: Walker, insn: Insn): number {
  const is32 = bpfClass(insn.code) === BPF_JMP32;
  if (bpfSrc(insn.code) !== 0 || insn.src !== 0 || insn.dst !== 0 || (!is32 && insn.imm !== 0) || (is32 && insn.off !== 0)) {
    reject('BPF_JA uses reserved fields', EINVAL);
  }
  return w.pc + (is32 ? insn.imm : insn.off) + 1;
}

export function jcond(w: Walker, insn: Insn): number {
  const op = OPS[bpfOp(insn.code)];
  if (!op) reject(`invalid BPF_JMP/JMP32 opcode ${bpfOp(insn.code).toString(16)}`, EINVAL);
  const isX = bpfSrc(insn.code) === BPF_X;
  const is32 = bpfClass(insn.code) === BPF_JMP32;
  if (isX) {
    if (insn.imm !== 0) reject('BPF_JMP/JMP32 uses reserved fields', EINVAL);
    checkRegRead(w, insn.src);
  } else if (insn.src !== 0) {
    reject('BPF_JMP/JMP32 uses reserved fields', EINVAL);
  }
  checkRegRead(w, insn.dst);
  const regs = w.cur().regs;
  const dst = regs[insn.dst]!;
  const src = isX ? regs[insn.src]! : { ...ZERO_REG, s: scalarConst(BigInt(insn.imm)) };
  const pred = isBranchTaken(dst, src, op, is32);
  if (pred >= 0) {
    if (dst.type === 'scalar') w.markPreciseReg(insn.dst);
    if (isX && src.type === 'scalar') w.markPreciseReg(insn.src);
  }
  const target = w.pc + insn.off + 1;
  if (pred === 1) return target;
  if (pred === 0) return w.pc + 1;
  const other = cloneState(w.st);
  const oregs = other.frames[other.frames.length - 1]!.regs;
  if (dst.type === 'scalar' && src.type === 'scalar') refineScalars(w, insn, op, is32, isX, other);
  if (isX && src.type === 'scalar' && src.id) {
    syncLinkedRegs(w.st, regs[insn.src]!);
    syncLinkedRegs(other, oregs[insn.src]!);
  }
  if (dst.type === 'scalar' && dst.id) {
    syncLinkedRegs(w.st, regs[insn.dst]!);
    syncLinkedRegs(other, oregs[insn.dst]!);
  }
  if (!is32 && !isX && insn.imm === 0 && (op === 'jeq' || op === 'jne') && mayBeNull(dst)) {
    markPtrOrNullRegs(w.st, dst, op === 'jne');
    markPtrOrNullRegs(other, dst, op === 'jeq');
  } else if (isX && !is32) {
    tryMatchPktPointers(op, insn, dst, src, w.st, other);
  }
  w.pushBranch(other, target);
  return w.pc + 1;
}

function refineScalars(w: Walker, insn: Insn, op: JmpOp, is32: boolean, isX: boolean, other: VState): void {
  const regs = w.cur().regs;
  const oregs = other.frames[other.frames.length - 1]!.regs;
  const a = regs[insn.dst]!;
  const b = isX ? regs[insn.src]! : undefined;
  const bs: Scalar = b ? b.s : scalarConst(BigInt(insn.imm));
  const r = setMinMax(op, is32, a.s, bs, isX && insn.src === insn.dst);
  const strict = ((w.env.prog.flags ?? 0) & PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS) !== 0;
  if (strict && (r.taken.violation || r.fallthrough.violation)) {
    // reg_set_min_max checks true_reg1, true_reg2, false_reg1, false_reg2 in that order
    const side = r.taken.violation ? r.taken : r.fallthrough;
    const ctx = `${side === r.taken ? 'true' : 'false'}_reg${side.bad!.reg}`;
    reject(`verifier bug: ${regInvariantsViolation(ctx, side.violation!, side.bad!.s)}`, 14);
  }
  oregs[insn.dst] = withReg(a, { s: r.taken.pair[0] });
  regs[insn.dst] = withReg(a, { s: r.fallthrough.pair[0] });
  if (b && isX) {
    oregs[insn.src] = withReg(oregs[insn.src]!, { s: r.taken.pair[1] });
    regs[insn.src] = withReg(regs[insn.src]!, { s: r.fallthrough.pair[1] });
    if (insn.src === insn.dst) {
      oregs[insn.dst] = withReg(a, { s: r.taken.pair[1] });
      regs[insn.dst] = withReg(a, { s: r.fallthrough.pair[1] });
    }
  }
}

/** sync_linked_regs: every scalar sharing known's base id takes known's value (+ its delta). */
export function syncLinkedRegs(st: VState, known: Reg): void {
  const base = (known.id & ~BPF_ADD_CONST) >>> 0;
  if (!base) return;
  mapAllRegs(st, (r) => {
    if (r === known || r.type !== 'scalar' || ((r.id & ~BPF_ADD_CONST) >>> 0) !== base) return undefined;
    const rc = (r.id & BPF_ADD_CONST) !== 0;
    const kc = (known.id & BPF_ADD_CONST) !== 0;
    if ((!rc && !kc) || r.off === known.off) return withReg(known, { id: r.id, off: r.off });
    const delta = BigInt(r.off) - BigInt(known.off);
    return withReg(known, { id: r.id, off: r.off, s: scalarAlu('add', true, known.s, scalarConst(delta)) });
  });
}

/** mark_ptr_or_null_regs: a null check of one register decides every register with its id. */
export function markPtrOrNullRegs(st: VState, reg: Reg, isNull: boolean): void {
  const id = reg.id;
  if (!id) return;
  if (isNull && reg.refObjId && reg.refObjId === id) st.refs = st.refs.filter((r) => r.id !== id);
  mapAllRegs(st, (r) => {
    if (!mayBeNull(r) || r.id !== id) return undefined;
    if (isNull) return ZERO_REG;
    return withReg(r, { flags: r.flags & ~PTR_MAYBE_NULL, id: 0 });
  });
}

const MAX_PACKET_OFF = 0xffffn;

function findGoodPktPointers(st: VState, dst: Reg, rightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rightOpen)) return;
  if (dst.s.umax > MAX_PACKET_OFF || dst.s.umax + BigInt(dst.off) > MAX_PACKET_OFF) return;
  const newRange = dst.off + (rightOpen ? 1 : 0);
  mapAllRegs(st, (r) => (r.type === dst.type && r.id === dst.id && r.range < newRange ? withReg(r, { range: Math.max(r.range, newRange) }) : undefined));
}

function markPktEnd(st: VState, regno: number, open: boolean): void {
  const regs = st.frames[st.frames.length - 1]!.regs;
  const r = regs[regno]!;
  if (r.type !== 'pkt') return;
  regs[regno] = withReg(r, { range: open ? BEYOND_PKT_END : AT_PKT_END });
}

const isInitPkt = (r: Reg): boolean => r.type === 'pkt' && r.off === 0 && tnumIsConst(r.s.varOff) && r.s.varOff.value === 0n;

/** try_match_pkt_pointers: comparisons of a packet pointer with pkt_end (or meta with data). */
function tryMatchPktPointers(op: JmpOp, insn: Insn, dst: Reg, src: Reg, thisB: VState, otherB: VState): void {
  const left = (dst.type === 'pkt' && src.type === 'pkt_end') || (dst.type === 'pkt_meta' && isInitPkt(src));
  const right = (dst.type === 'pkt_end' && src.type === 'pkt') || (isInitPkt(dst) && src.type === 'pkt_meta');
  if (!left && !right) return;
  switch (op) {
    case 'jgt':
      if (left) { findGoodPktPointers(thisB, dst, false); markPktEnd(otherB, insn.dst, true); }
      else { findGoodPktPointers(otherB, src, true); markPktEnd(thisB, insn.src, false); }
      break;
    case 'jlt':
      if (left) { findGoodPktPointers(otherB, dst, true); markPktEnd(thisB, insn.dst, false); }
      else { findGoodPktPointers(thisB, src, false); markPktEnd(otherB, insn.src, true); }
      break;
    case 'jge':
      if (left) { findGoodPktPointers(thisB, dst, true); markPktEnd(otherB, insn.dst, false); }
      else { findGoodPktPointers(otherB, src, false); markPktEnd(thisB, insn.src, true); }
      break;
    case 'jle':
      if (left) { findGoodPktPointers(otherB, dst, false); markPktEnd(thisB, insn.dst, true); }
      else { findGoodPktPointers(thisB, src, true); markPktEnd(otherB, insn.src, false); }
      break;
    default:
  }
}

export { EXIT_PATH };
