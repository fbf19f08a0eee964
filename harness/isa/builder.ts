/**
 * Builder DSL: programs as lists of symbolic instructions with labels, resolved to offsets at
 * the end (cilium/ebpf style: `JSGT.Imm(R1, 4, 'out')`).
 *
 * A program under construction is data: an array of `SymItem`, each either a label or an
 * instruction whose jump field may name a label instead of holding an offset. Generators and the
 * minimizer delete, insert and reorder items freely and call `resolve` again; the jumps stay
 * valid. Invariant of `resolve`: every label is defined once, and every targeted field (off of a
 * jump, imm of gotol / bpf-to-bpf call / ld_imm64 pseudo func) receives
 * `slot(label) - (slot(insn) + 1)`, checked against the field's width.
 */
import { type Insn, mkInsn, mkLdImm64, slotsOf } from './insn.ts';
import {
  BPF_ADD, BPF_ADDR_SPACE_CAST, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG,
  BPF_DIV, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IND, BPF_ABS, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JGE,
  BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT,
  BPF_K, BPF_LD, BPF_LDX, BPF_LOAD_ACQ, BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE, BPF_RSH, BPF_ST, BPF_STORE_REL,
  BPF_STX, BPF_SUB, BPF_X, BPF_XCHG, BPF_XOR, BPF_B, BPF_H, BPF_W, BPF_DW, bpfClass, bpfOp,
} from './opcodes.ts';
import { helperId } from './helpers.ts';
import { type MapDef, type Program, type ProgType } from './program.ts';

export interface SourceLoc {
  readonly line: number;
  readonly col: number;
}

export type SymItem =
  | { readonly kind: 'label'; readonly name: string; readonly loc?: SourceLoc }
  | { readonly kind: 'insn'; readonly insn: Insn; readonly target?: string; readonly loc?: SourceLoc };

/** A mistake in a symbolic program: which item, and what. */
export class BuildError extends Error {
  readonly index: number;
  readonly loc: SourceLoc | undefined;
  constructor(message: string, index: number, loc?: SourceLoc) {
    super(message);
    this.name = 'BuildError';
    this.index = index;
    this.loc = loc;
  }
}

export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
export type Size = 1 | 2 | 4 | 8;
const SIZE_BITS: Readonly<Record<Size, number>> = { 1: BPF_B, 2: BPF_H, 4: BPF_W, 8: BPF_DW };

const item = (insn: Insn, target?: string): SymItem =>
  (target === undefined ? { kind: 'insn', insn } : { kind: 'insn', insn, target });

export const Label = (name: string): SymItem => ({ kind: 'label', name });
/** A fixed instruction (any bytes, valid or not). */
export const Raw = (insn: Insn): SymItem => item(insn);

// ---- ALU ----
export interface AluOp {
  Imm(dst: number, imm: number): SymItem;
  Reg(dst: number, src: number): SymItem;
}
function aluOp(cls: number, op: number, off = 0): AluOp {
  return {
    Imm: (dst, imm) => item(mkInsn(cls | op | BPF_K, dst, 0, off, imm)),
    Reg: (dst, src) => item(mkInsn(cls | op | BPF_X, dst, src, off, 0)),
  };
}
export const Add64 = aluOp(BPF_ALU64, BPF_ADD), Add32 = aluOp(BPF_ALU, BPF_ADD);
export const Sub64 = aluOp(BPF_ALU64, BPF_SUB), Sub32 = aluOp(BPF_ALU, BPF_SUB);
export const Mul64 = aluOp(BPF_ALU64, BPF_MUL), Mul32 = aluOp(BPF_ALU, BPF_MUL);
export const Div64 = aluOp(BPF_ALU64, BPF_DIV), Div32 = aluOp(BPF_ALU, BPF_DIV);
export const SDiv64 = aluOp(BPF_ALU64, BPF_DIV, 1), SDiv32 = aluOp(BPF_ALU, BPF_DIV, 1);
export const Mod64 = aluOp(BPF_ALU64, BPF_MOD), Mod32 = aluOp(BPF_ALU, BPF_MOD);
export const SMod64 = aluOp(BPF_ALU64, BPF_MOD, 1), SMod32 = aluOp(BPF_ALU, BPF_MOD, 1);
export const Or64 = aluOp(BPF_ALU64, BPF_OR), Or32 = aluOp(BPF_ALU, BPF_OR);
export const And64 = aluOp(BPF_ALU64, BPF_AND), And32 = aluOp(BPF_ALU, BPF_AND);
export const Lsh64 = aluOp(BPF_ALU64, BPF_LSH), Lsh32 = aluOp(BPF_ALU, BPF_LSH);
export const Rsh64 = aluOp(BPF_ALU64, BPF_RSH), Rsh32 = aluOp(BPF_ALU, BPF_RSH);
export const Arsh64 = aluOp(BPF_ALU64, BPF_ARSH), Arsh32 = aluOp(BPF_ALU, BPF_ARSH);
export const Xor64 = aluOp(BPF_ALU64, BPF_XOR), Xor32 = aluOp(BPF_ALU, BPF_XOR);
export const Mov64 = aluOp(BPF_ALU64, BPF_MOV), Mov32 = aluOp(BPF_ALU, BPF_MOV);
export const Neg64 = (dst: number): SymItem => item(mkInsn(BPF_ALU64 | BPF_NEG, dst, 0, 0, 0));
export const Neg32 = (dst: number): SymItem => item(mkInsn(BPF_ALU | BPF_NEG, dst, 0, 0, 0));
/** dst = (sN)src, sign-extending move; bits 8, 16 or 32 (32 only for the 64-bit form). */
export const MovSX64 = (dst: number, src: number, bits: 8 | 16 | 32): SymItem =>
  item(mkInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, bits, 0));
export const MovSX32 = (dst: number, src: number, bits: 8 | 16): SymItem =>
  item(mkInsn(BPF_ALU | BPF_MOV | BPF_X, dst, src, bits, 0));
export const AddrSpaceCast = (dst: number, src: number, to: number, from: number): SymItem =>
  item(mkInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, BPF_ADDR_SPACE_CAST, ((to << 16) | from) | 0));
export const Le = (dst: number, bits: 16 | 32 | 64): SymItem => item(mkInsn(BPF_ALU | BPF_END | BPF_K, dst, 0, 0, bits));
export const Be = (dst: number, bits: 16 | 32 | 64): SymItem => item(mkInsn(BPF_ALU | BPF_END | BPF_X, dst, 0, 0, bits));
export const Bswap = (dst: number, bits: 16 | 32 | 64): SymItem =>
  item(mkInsn(BPF_ALU64 | BPF_END | BPF_K, dst, 0, 0, bits));

// ---- jumps ----
export interface JmpOp {
  Imm(dst: number, imm: number, label: string): SymItem;
  Reg(dst: number, src: number, label: string): SymItem;
}
function jmpOp(cls: number, op: number): JmpOp {
  return {
    Imm: (dst, imm, label) => item(mkInsn(cls | op | BPF_K, dst, 0, 0, imm), label),
    Reg: (dst, src, label) => item(mkInsn(cls | op | BPF_X, dst, src, 0, 0), label),
  };
}
export const JEq = jmpOp(BPF_JMP, BPF_JEQ), JEq32 = jmpOp(BPF_JMP32, BPF_JEQ);
export const JNe = jmpOp(BPF_JMP, BPF_JNE), JNe32 = jmpOp(BPF_JMP32, BPF_JNE);
export const JGT = jmpOp(BPF_JMP, BPF_JGT), JGT32 = jmpOp(BPF_JMP32, BPF_JGT);
export const JGE = jmpOp(BPF_JMP, BPF_JGE), JGE32 = jmpOp(BPF_JMP32, BPF_JGE);
export const JLT = jmpOp(BPF_JMP, BPF_JLT), JLT32 = jmpOp(BPF_JMP32, BPF_JLT);
export const JLE = jmpOp(BPF_JMP, BPF_JLE), JLE32 = jmpOp(BPF_JMP32, BPF_JLE);
export const JSGT = jmpOp(BPF_JMP, BPF_JSGT), JSGT32 = jmpOp(BPF_JMP32, BPF_JSGT);
export const JSGE = jmpOp(BPF_JMP, BPF_JSGE), JSGE32 = jmpOp(BPF_JMP32, BPF_JSGE);
export const JSLT = jmpOp(BPF_JMP, BPF_JSLT), JSLT32 = jmpOp(BPF_JMP32, BPF_JSLT);
export const JSLE = jmpOp(BPF_JMP, BPF_JSLE), JSLE32 = jmpOp(BPF_JMP32, BPF_JSLE);
export const JSet = jmpOp(BPF_JMP, BPF_JSET), JSet32 = jmpOp(BPF_JMP32, BPF_JSET);
export const Ja = (label: string): SymItem => item(mkInsn(BPF_JMP | BPF_JA, 0, 0, 0, 0), label);
export const Gotol = (label: string): SymItem => item(mkInsn(BPF_JMP32 | BPF_JA, 0, 0, 0, 0), label);
export const MayGoto = (label: string): SymItem => item(mkInsn(BPF_JMP | BPF_JCOND, 0, 0, 0, 0), label);
export const Exit = (): SymItem => item(mkInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));

// ---- calls ----
/** Helper call by kernel name (`bpf_map_lookup_elem` or `map_lookup_elem`) or id. */
export function CallHelper(nameOrId: string | number): SymItem {
  const id = typeof nameOrId === 'number' ? nameOrId : helperId(nameOrId);
  if (id === undefined) throw new BuildError(`unknown helper '${nameOrId}'`, -1);
  return item(mkInsn(BPF_JMP | BPF_CALL, 0, 0, 0, id));
}
/** bpf-to-bpf call to a label (src_reg = BPF_PSEUDO_CALL). */
export const CallLocal = (label: string): SymItem => item(mkInsn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0), label);
/** kfunc call by BTF id; off = index into fd_array of the module BTF (0: vmlinux). */
export const CallKfunc = (btfId: number, off = 0): SymItem =>
  item(mkInsn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, off, btfId));

// ---- 64-bit immediates ----
const ldPseudo = (dst: number, src: number, imm: number, hi: number): SymItem => {
  const base = mkLdImm64(dst, src, 0n);
  return item({ ...base, imm, hi: { ...base.hi!, imm: hi } });
};
export const LdImm64 = (dst: number, value: bigint | number): SymItem => item(mkLdImm64(dst, 0, BigInt(value)));
/** Map by index into the program's map list (src_reg = 5, BPF_PSEUDO_MAP_IDX). */
export const LdMap = (dst: number, mapIndex: number): SymItem => ldPseudo(dst, BPF_PSEUDO_MAP_IDX, mapIndex, 0);
/** Address of a map's value + off, map by index (src_reg = 6, BPF_PSEUDO_MAP_IDX_VALUE). */
export const LdMapValue = (dst: number, mapIndex: number, off = 0): SymItem =>
  ldPseudo(dst, BPF_PSEUDO_MAP_IDX_VALUE, mapIndex, off);
export const LdMapFd = (dst: number, fd: number): SymItem => ldPseudo(dst, BPF_PSEUDO_MAP_FD, fd, 0);
export const LdMapValueFd = (dst: number, fd: number, off = 0): SymItem => ldPseudo(dst, BPF_PSEUDO_MAP_VALUE, fd, off);
export const LdBtfId = (dst: number, btfId: number, btfFd = 0): SymItem => ldPseudo(dst, BPF_PSEUDO_BTF_ID, btfId, btfFd);
/** Address of a subprogram (src_reg = 4, BPF_PSEUDO_FUNC), for bpf_loop-style callbacks. */
export const LdFunc = (dst: number, label: string): SymItem =>
  ({ kind: 'insn', insn: mkLdImm64(dst, BPF_PSEUDO_FUNC, 0n), target: label });

// ---- memory ----
export const Ldx = (size: Size, dst: number, src: number, off: number): SymItem =>
  item(mkInsn(BPF_LDX | BPF_MEM | SIZE_BITS[size], dst, src, off, 0));
/** Sign-extending load (size 1, 2 or 4). */
export const Ldxs = (size: 1 | 2 | 4, dst: number, src: number, off: number): SymItem =>
  item(mkInsn(BPF_LDX | BPF_MEMSX | SIZE_BITS[size], dst, src, off, 0));
export const St = (size: Size, dst: number, off: number, imm: number): SymItem =>
  item(mkInsn(BPF_ST | BPF_MEM | SIZE_BITS[size], dst, 0, off, imm));
export const Stx = (size: Size, dst: number, off: number, src: number): SymItem =>
  item(mkInsn(BPF_STX | BPF_MEM | SIZE_BITS[size], dst, src, off, 0));
export const LdAbs = (size: 1 | 2 | 4, imm: number): SymItem => item(mkInsn(BPF_LD | BPF_ABS | SIZE_BITS[size], 0, 0, 0, imm));
export const LdInd = (size: 1 | 2 | 4, src: number, imm: number): SymItem =>
  item(mkInsn(BPF_LD | BPF_IND | SIZE_BITS[size], 0, src, 0, imm));

export type AtomicAlu = 'add' | 'and' | 'or' | 'xor';
const ATOMIC_ALU: Readonly<Record<AtomicAlu, number>> = { add: BPF_ADD, and: BPF_AND, or: BPF_OR, xor: BPF_XOR };
const atomic = (size: 4 | 8, dst: number, off: number, src: number, imm: number): SymItem =>
  item(mkInsn(BPF_STX | BPF_ATOMIC | SIZE_BITS[size], dst, src, off, imm));
/** `lock *(uN *)(dst + off) op= src`, or with fetch: src = atomic_fetch_op(...). */
export const Atomic = (size: 4 | 8, op: AtomicAlu, dst: number, off: number, src: number, fetch = false): SymItem =>
  atomic(size, dst, off, src, ATOMIC_ALU[op] | (fetch ? BPF_FETCH : 0));
export const Xchg = (size: 4 | 8, dst: number, off: number, src: number): SymItem => atomic(size, dst, off, src, BPF_XCHG);
/** r0 = cmpxchg(dst + off, r0, src). */
export const Cmpxchg = (size: 4 | 8, dst: number, off: number, src: number): SymItem =>
  atomic(size, dst, off, src, BPF_CMPXCHG);
/** dst = load_acquire((uN *)(src + off)). */
export const LoadAcquire = (size: Size, dst: number, src: number, off: number): SymItem =>
  item(mkInsn(BPF_STX | BPF_ATOMIC | SIZE_BITS[size], dst, src, off, BPF_LOAD_ACQ));
export const StoreRelease = (size: Size, dst: number, off: number, src: number): SymItem =>
  item(mkInsn(BPF_STX | BPF_ATOMIC | SIZE_BITS[size], dst, src, off, BPF_STORE_REL));

// ---- resolution ----

/** Which field of an instruction a label target fills: off (s16), imm (s32), or none. */
export function targetField(insn: Insn): 'off' | 'imm' | undefined {
  const cls = bpfClass(insn.code);
  if (insn.code === 0x18) return insn.src === BPF_PSEUDO_FUNC ? 'imm' : undefined;
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return undefined;
  const op = bpfOp(insn.code);
  if (op === BPF_EXIT) return undefined;
  if (op === BPF_CALL) return insn.src === BPF_PSEUDO_CALL ? 'imm' : undefined;
  if (insn.code === (BPF_JMP32 | BPF_JA)) return 'imm';
  return 'off';
}

const LIMITS = { off: [-0x8000, 0x7fff], imm: [-0x80000000, 0x7fffffff] } as const;

function labelSlots(items: readonly SymItem[]): Map<string, number> {
  const slots = new Map<string, number>();
  let slot = 0;
  items.forEach((it, i) => {
    if (it.kind === 'insn') {
      slot += slotsOf(it.insn);
    } else {
      if (slots.has(it.name)) throw new BuildError(`duplicate label '${it.name}'`, i, it.loc);
      slots.set(it.name, slot);
    }
  });
  return slots;
}

function patchTarget(insn: Insn, rel: number, label: string, index: number, loc?: SourceLoc): Insn {
  const field = targetField(insn);
  if (!field) throw new BuildError(`opcode 0x${insn.code.toString(16)} cannot jump to label '${label}'`, index, loc);
  const [lo, hi] = LIMITS[field];
  if (rel < lo || rel > hi) {
    const width = field === 'off' ? 's16' : 's32';
    throw new BuildError(`offset ${rel} to label '${label}' does not fit in ${width}`, index, loc);
  }
  return { ...insn, [field]: rel };
}

/** Symbolic items to instructions: labels dropped, targets turned into relative offsets. */
export function resolve(items: readonly SymItem[]): Insn[] {
  const slots = labelSlots(items);
  const out: Insn[] = [];
  let slot = 0;
  items.forEach((it, i) => {
    if (it.kind !== 'insn') return;
    let insn = it.insn;
    if (it.target !== undefined) {
      const to = slots.get(it.target);
      if (to === undefined) throw new BuildError(`undefined label '${it.target}'`, i, it.loc);
      insn = patchTarget(insn, to - (slot + 1), it.target, i, it.loc);
    }
    out.push(insn);
    slot += slotsOf(insn);
  });
  return out;
}

/** A whole Program from symbolic items (maps referenced by index with LdMap / LdMapValue). */
export function buildProgram(
  items: readonly SymItem[], opts: { progType: ProgType; maps?: readonly MapDef[]; flags?: number },
): Program {
  return { progType: opts.progType, insns: resolve(items), maps: opts.maps ?? [], ...(opts.flags ? { flags: opts.flags } : {}) };
}

/** Concrete instructions back to items, with generated labels `L<slot>` for every jump target. */
export function symbolize(insns: readonly Insn[]): SymItem[] {
  const starts = new Set<number>();
  let slot = 0;
  for (const insn of insns) {
    starts.add(slot);
    slot += slotsOf(insn);
  }
  starts.add(slot);
  const targets = new Map<number, number>(); // insn index -> target slot
  slot = 0;
  insns.forEach((insn, i) => {
    const f = targetField(insn);
    const to = f ? slot + 1 + insn[f] : -1;
    if (f && starts.has(to)) targets.set(i, to);
    slot += slotsOf(insn);
  });
  const wanted = new Set(targets.values());
  const out: SymItem[] = [];
  slot = 0;
  insns.forEach((insn, i) => {
    if (wanted.has(slot)) out.push(Label(`L${slot}`));
    const to = targets.get(i);
    out.push(to === undefined ? item(insn) : item({ ...insn, [targetField(insn)!]: 0 }, `L${to}`));
    slot += slotsOf(insn);
  });
  if (wanted.has(slot)) out.push(Label(`L${slot}`));
  return out;
}
