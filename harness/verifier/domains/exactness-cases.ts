/**
 * Random small programs for the kernel-exactness test: a few instructions that build abstract
 * values in r6..r8 (from bpf_get_prandom_u32, then masks, shifts, ALU32 ops, branches) and
 * combine them, each step mirrored on our domains. Every step says which registers the kernel log
 * should show after it, with the value the model predicts.
 *
 * Invariant: the model state is driven only through the public domain API (scalarAlu, scalarNeg,
 * scalarEnd, scalarMovsx, isScalarBranchTaken, regSetMinMaxKernel), exactly as the model verifier
 * will drive it; nothing here computes a domain result by other means.
 */
import type { PRNG } from 'seedrandom';
import {
  BPF_ALU, BPF_ALU64, BPF_B, BPF_CALL, BPF_END, BPF_EXIT, BPF_H, BPF_JMP, BPF_JMP32, BPF_K, BPF_LDX, BPF_MEM, BPF_MOV,
  BPF_MEMSX, BPF_NEG, BPF_STX, BPF_DW, BPF_W, BPF_X,
} from '../../isa/opcodes.ts';
import { type Insn, mkInsn, mkLdImm64 } from '../../isa/insn.ts';
import { type AluOp, type Scalar, scalarAlu, scalarAluFork, scalarCoerceToSize, scalarConst, scalarSextLoad, scalarEnd, scalarMovsx, scalarNeg, scalarUnknown } from './scalar.ts';
import { type JmpOp, isScalarBranchTaken, regSetMinMaxKernel } from './branch.ts';

const SIZE_CODE = { 1: BPF_B, 2: BPF_H, 4: BPF_W } as const;

const ALU_CODE: Record<Exclude<AluOp, 'mov'>, { op: number; off: number }> = {
  add: { op: 0x00, off: 0 }, sub: { op: 0x10, off: 0 }, mul: { op: 0x20, off: 0 },
  div: { op: 0x30, off: 0 }, sdiv: { op: 0x30, off: 1 }, or: { op: 0x40, off: 0 },
  and: { op: 0x50, off: 0 }, lsh: { op: 0x60, off: 0 }, rsh: { op: 0x70, off: 0 },
  mod: { op: 0x90, off: 0 }, smod: { op: 0x90, off: 1 }, xor: { op: 0xa0, off: 0 },
  arsh: { op: 0xc0, off: 0 },
};
const JMP_CODE: Record<JmpOp, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70,
  jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0,
};
const ALU_OPS = Object.keys(ALU_CODE) as (keyof typeof ALU_CODE)[];
const JMP_OPS = Object.keys(JMP_CODE) as JmpOp[];
const REGS = [6, 7, 8] as const;
type Reg = (typeof REGS)[number];

/** A register value the kernel log should show at a point, per the model. */
export interface Expect { readonly reg: number; readonly model: Scalar }

/** What one step expects from the kernel's log. */
export interface StepCheck {
  readonly slot: number;
  readonly text: string;
  /** States after the insn (`N: (..) insn ; R6=...`). */
  readonly after: readonly Expect[];
  /** For a conditional jump: the model's prediction and the taken-side states. */
  readonly branch?: { readonly pred: 1 | 0 | -1; readonly target: number; readonly taken: readonly Expect[] };
}

export interface ExactnessCase {
  readonly insns: Insn[];
  readonly checks: StepCheck[];
  readonly exitSlot: number;
}

interface Builder { insns: Insn[]; slot: number; regs: Map<number, Scalar>; checks: StepCheck[]; pendingJumps: number[]; dead: boolean }

const pick = <T>(rng: PRNG, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: PRNG, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

function emit(b: Builder, insn: Insn): number {
  const at = b.slot;
  b.insns.push(insn);
  b.slot += insn.code === 0x18 ? 2 : 1;
  return at;
}

/** A random 32-bit immediate of an interesting kind (as a signed JS number). */
function randImm(rng: PRNG): number {
  const k = rng();
  if (k < 0.3) return int(rng, -4, 16);
  if (k < 0.55) return 2 ** int(rng, 0, 31) - 1 | 0; // low-bit masks
  if (k < 0.7) return -(2 ** int(rng, 0, 31)) | 0; // high-bit masks
  if (k < 0.85) return int(rng, -(2 ** 16), 2 ** 16);
  return (rng() * 2 ** 32) | 0;
}

/** A value near the register's range (so that both branch sides are often possible). */
function nearRange(rng: PRNG, s: Scalar, is32: boolean): bigint {
  const [lo, hi] = is32 ? [s.u32min, s.u32max] : [s.umin, s.umax];
  const span = hi - lo;
  const f = BigInt(Math.floor(rng() * 1000));
  const v = lo + (span * f) / 1000n + BigInt(int(rng, -2, 2));
  return v;
}

function aluStep(b: Builder, rng: PRNG, dst: Reg, src: Reg | undefined, op: keyof typeof ALU_CODE, is64: boolean): void {
  const c = ALU_CODE[op];
  const cls = is64 ? BPF_ALU64 : BPF_ALU;
  const d = b.regs.get(dst)!;
  let imm = 0;
  let srcVal: Scalar;
  if (src === undefined) {
    const w = is64 ? 64 : 32;
    imm = op === 'lsh' || op === 'rsh' || op === 'arsh' ? int(rng, 0, w - 1) : randImm(rng);
    if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && imm === 0) imm = 3;
    srcVal = scalarConst(BigInt(imm));
  } else {
    srcVal = b.regs.get(src)!;
  }
  const at = emit(b, mkInsn(cls | c.op | (src === undefined ? BPF_K : BPF_X), dst, src ?? 0, c.off, imm));
  const fork = scalarAluFork(op, is64, d, srcVal); // the kernel prints the current (-1) path first
  const r = scalarAlu(op, is64, fork ? fork.current : d, srcVal);
  b.regs.set(dst, r);
  b.checks.push({ slot: at, text: `${is64 ? 'r' : 'w'}${dst} ${op}= ${src === undefined ? imm : `r${src}`}`, after: [{ reg: dst, model: r }] });
}

function unaryStep(b: Builder, rng: PRNG, dst: Reg): void {
  const d = b.regs.get(dst)!;
  const k = int(rng, 0, 5);
  if (k === 5) return spillFillStep(b, rng, dst);
  let insn: Insn;
  let r: Scalar;
  let text: string;
  if (k === 0) {
    const is64 = rng() < 0.5;
    insn = mkInsn((is64 ? BPF_ALU64 : BPF_ALU) | BPF_NEG, dst, 0, 0, 0);
    r = scalarNeg(is64, d);
    text = `neg${is64 ? 64 : 32} r${dst}`;
  } else if (k === 1) {
    const bits = pick(rng, [16, 32, 64] as const);
    const kind = pick(rng, ['le', 'be', 'bswap'] as const);
    const code = kind === 'bswap' ? BPF_ALU64 | BPF_END : BPF_ALU | BPF_END | (kind === 'be' ? BPF_X : BPF_K);
    insn = mkInsn(code, dst, 0, 0, bits);
    r = scalarEnd(kind, bits, d);
    text = `${kind}${bits} r${dst}`;
  } else if (k === 2) {
    const is64 = rng() < 0.5;
    const bits = is64 ? pick(rng, [8, 16, 32] as const) : pick(rng, [8, 16] as const);
    insn = mkInsn((is64 ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_X, dst, dst, bits, 0);
    r = scalarMovsx(bits, is64, d);
    text = `${is64 ? 'r' : 'w'}${dst} = (s${bits})${is64 ? 'r' : 'w'}${dst}`;
  } else if (k === 3) {
    insn = mkInsn(BPF_ALU | BPF_MOV | BPF_X, dst, dst, 0, 0);
    r = scalarAlu('mov', false, d, d);
    text = `w${dst} = w${dst}`;
  } else {
    const is64 = rng() < 0.5;
    const imm = randImm(rng);
    insn = mkInsn((is64 ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_K, dst, 0, 0, imm);
    r = scalarAlu('mov', is64, d, scalarConst(BigInt(imm)));
    text = `${is64 ? 'r' : 'w'}${dst} = ${imm}`;
  }
  const at = emit(b, insn);
  b.regs.set(dst, r);
  b.checks.push({ slot: at, text, after: [{ reg: dst, model: r }] });
}

/** Spill to fp-8 and fill back narrow, zero- or sign-extending (coerce_reg_to_size(_sx)). */
function spillFillStep(b: Builder, rng: PRNG, dst: Reg): void {
  const size = pick(rng, [1, 2, 4] as const);
  const signed = rng() < 0.5;
  emit(b, mkInsn(BPF_STX | BPF_MEM | BPF_DW, 10, dst, -8, 0));
  const at = emit(b, mkInsn(BPF_LDX | (signed ? BPF_MEMSX : BPF_MEM) | SIZE_CODE[size], dst, 10, -8, 0));
  const d = b.regs.get(dst)!;
  const r = signed ? scalarSextLoad(d, size) : scalarCoerceToSize(d, size);
  b.regs.set(dst, r);
  b.checks.push({ slot: at, text: `r${dst} = *(${signed ? 's' : 'u'}${size * 8} *)(r10 - 8) (after a spill)`, after: [{ reg: dst, model: r }] });
}

function jmpStep(b: Builder, rng: PRNG, dst: Reg, src: Reg | undefined): void {
  const op = pick(rng, JMP_OPS);
  const is32 = rng() < 0.35;
  const d = b.regs.get(dst)!;
  let imm = 0;
  let srcVal: Scalar;
  if (src === undefined) {
    imm = op === 'jset' ? randImm(rng) : Number(BigInt.asIntN(32, nearRange(rng, d, is32)));
    srcVal = scalarConst(BigInt(imm));
  } else {
    srcVal = b.regs.get(src)!;
  }
  const at = emit(b, mkInsn((is32 ? BPF_JMP32 : BPF_JMP) | JMP_CODE[op] | (src === undefined ? BPF_K : BPF_X), dst, src ?? 0, 0, imm));
  b.pendingJumps.push(b.insns.length - 1);
  const pred = isScalarBranchTaken(op, is32, d, srcVal);
  const text = `if ${is32 ? 'w' : 'r'}${dst} ${op} ${src === undefined ? imm : `r${src}`}`;
  if (pred === 1) {
    b.dead = true;
    b.checks.push({ slot: at, text, after: [], branch: { pred, target: -1, taken: [] } });
    return;
  }
  if (pred === 0) {
    b.checks.push({ slot: at, text, after: [], branch: { pred, target: -1, taken: [] } });
    return;
  }
  const same = src === dst;
  const { taken, fallthrough } = regSetMinMaxKernel(op, is32, d, srcVal, same);
  const exp = (pair: [Scalar, Scalar]): Expect[] => (src === undefined || same
    ? [{ reg: dst, model: pair[0] }]
    : [{ reg: dst, model: pair[0] }, { reg: src, model: pair[1] }]);
  if (src !== undefined && !same) b.regs.set(src, fallthrough.pair[1]);
  b.regs.set(dst, fallthrough.pair[0]);
  b.checks.push({ slot: at, text, after: exp(fallthrough.pair), branch: { pred, target: -1, taken: exp(taken.pair) } });
}

/** Constrain, combine, and compare: one random program. */
export function randomCase(rng: PRNG, steps = 6 + Math.floor(rng() * 8)): ExactnessCase {
  const b: Builder = { insns: [], slot: 0, regs: new Map(), checks: [], pendingJumps: [], dead: false };
  emit(b, mkInsn(BPF_ALU64 | BPF_MOV | BPF_X, 9, 1, 0, 0)); // keep ctx in r9
  for (const r of REGS) {
    if (rng() < 0.25) {
      // a narrow load of __sk_buff->len (offset 0): unknown, then coerce_reg_to_size
      const size = pick(rng, [1, 2, 4] as const);
      const at = emit(b, mkInsn(BPF_LDX | BPF_MEM | SIZE_CODE[size], r, 9, 0, 0));
      b.regs.set(r, scalarCoerceToSize(scalarUnknown(), size));
      b.checks.push({ slot: at, text: `r${r} = *(u${size * 8} *)(r9 + 0)`, after: [{ reg: r, model: b.regs.get(r)! }] });
      continue;
    }
    emit(b, mkInsn(BPF_JMP | BPF_CALL, 0, 0, 0, 7)); // bpf_get_prandom_u32
    emit(b, mkInsn(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0));
    b.regs.set(r, scalarUnknown());
  }
  emit(b, mkInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)); // r0 = 0 for the exits
  if (rng() < 0.3) {
    const r = pick(rng, REGS);
    const v = BigInt.asUintN(64, BigInt(Math.floor(rng() * 2 ** 32)) << BigInt(int(rng, 0, 32)));
    emit(b, mkLdImm64(r, 0, v));
    b.regs.set(r, scalarConst(v));
  }
  for (let i = 0; i < steps && !b.dead; i++) {
    const dst = pick(rng, REGS);
    const other = pick(rng, REGS.filter((r) => r !== dst));
    const k = rng();
    const useReg = i >= steps / 2 ? rng() < 0.6 : rng() < 0.15;
    if (k < 0.5) aluStep(b, rng, dst, useReg ? other : undefined, pick(rng, ALU_OPS), rng() < 0.55);
    else if (k < 0.62) unaryStep(b, rng, dst);
    else jmpStep(b, rng, dst, useReg ? (rng() < 0.1 ? dst : other) : undefined);
  }
  const exitSlot = emit(b, mkInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return finishJumps(b, exitSlot);
}

/** Give every conditional jump its own exit after the main one, so that the kernel explores
 * (and prints) each taken side instead of pruning it against an earlier visit of a shared exit. */
function finishJumps(b: Builder, exitSlot: number): ExactnessCase {
  const slotOf: number[] = [];
  let s = 0;
  for (const insn of b.insns) { slotOf.push(s); s += insn.code === 0x18 ? 2 : 1; }
  const targetOf = new Map<number, number>();
  for (const i of b.pendingJumps) {
    const target = emit(b, mkInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    targetOf.set(slotOf[i]!, target);
    b.insns[i] = { ...b.insns[i]!, off: target - (slotOf[i]! + 1) };
  }
  const checks = b.checks.map((c) => (c.branch ? { ...c, branch: { ...c.branch, target: targetOf.get(c.slot)! } } : c));
  return { insns: b.insns, checks, exitSlot };
}
