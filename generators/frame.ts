/**
 * Building blocks shared by the generator families: label names, a prologue that initializes
 * every register r0..r9 with scalars of varied precision (constants, edges, random u32 from
 * bpf_get_prandom_u32, masked values, a context load), random ALU instructions, forward
 * conditional jumps, and the epilogue. Everything is symbolic (builder SymItems with labels).
 * Invariant: after `initAllRegs`, every register r0..r9 holds a scalar.
 */
import {
  Add32, Add64, And32, And64, Arsh32, Arsh64, Be, Bswap, CallHelper, Div32, Div64, Exit, Label, Le, LdImm64,
  Lsh32, Lsh64, Mod32, Mod64, Mov32, Mov64, MovSX32, MovSX64, Mul32, Mul64, Neg32, Neg64, Or32, Or64, Rsh32,
  Rsh64, SDiv32, SDiv64, SMod32, SMod64, Sub32, Sub64, Xor32, Xor64, type AluOp, type JmpOp, type SymItem,
  JEq, JEq32, JNe, JNe32, JGT, JGT32, JGE, JGE32, JLT, JLT32, JLE, JLE32, JSGT, JSGT32, JSGE, JSGE32,
  JSLT, JSLT32, JSLE, JSLE32, JSet, JSet32, Ldx,
} from '../harness/isa/builder.ts';
import type { Draw } from './draw.ts';

/** Allocates fresh label names within one program. */
export class Labels {
  private n = 0;
  fresh(prefix = 'l'): string {
    this.n += 1;
    return `${prefix}${this.n}`;
  }
}

export const ALU64: readonly AluOp[] = [Add64, Sub64, Mul64, Div64, SDiv64, Mod64, SMod64, Or64, And64, Lsh64, Rsh64, Arsh64, Xor64, Mov64];
export const ALU32: readonly AluOp[] = [Add32, Sub32, Mul32, Div32, SDiv32, Mod32, SMod32, Or32, And32, Lsh32, Rsh32, Arsh32, Xor32, Mov32];
const SHIFTS = new Set<AluOp>([Lsh64, Rsh64, Arsh64, Lsh32, Rsh32, Arsh32]);
const DIVS = new Set<AluOp>([Div64, SDiv64, Mod64, SMod64, Div32, SDiv32, Mod32, SMod32]);

export const JMP64: readonly JmpOp[] = [JEq, JNe, JGT, JGE, JLT, JLE, JSGT, JSGE, JSLT, JSLE, JSet];
export const JMP32: readonly JmpOp[] = [JEq32, JNe32, JGT32, JGE32, JLT32, JLE32, JSGT32, JSGE32, JSLT32, JSLE32, JSet32];

export const HELPER_GET_PRANDOM_U32 = 7;

/** A scratch register (r0..r9; never r10). */
export const reg = (d: Draw, lo = 0, hi = 9): number => d.int(lo, hi);

/**
 * The immediate of an ALU op: shifts mostly in range (rarely out of it: the kernel rejects
 * "invalid shift"), divisions mostly non-zero (rarely 0: "division by zero").
 */
function aluImm(d: Draw, op: AluOp, is64: boolean): number {
  if (SHIFTS.has(op)) return d.bool(0.99) ? d.int(0, is64 ? 63 : 31) : d.pick([is64 ? 64 : 32, -1, 100]);
  if (DIVS.has(op)) return d.bool(0.99) ? (d.imm32() || 1) : 0;
  return d.imm32();
}

/** One random ALU instruction on registers in [lo, hi]. */
export function randomAlu(d: Draw, lo = 0, hi = 9): SymItem {
  const dst = reg(d, lo, hi);
  const kind = d.weighted([['op', 85], ['neg', 3], ['end', 4], ['movsx', 4], ['ldimm64', 4]] as const);
  if (kind === 'neg') return d.bool() ? Neg64(dst) : Neg32(dst);
  if (kind === 'end') {
    const bits = d.pick([16, 32, 64] as const);
    return d.pick([Le, Be, Bswap])(dst, bits);
  }
  if (kind === 'movsx') return d.bool() ? MovSX64(dst, reg(d, lo, hi), d.pick([8, 16, 32] as const)) : MovSX32(dst, reg(d, lo, hi), d.pick([8, 16] as const));
  if (kind === 'ldimm64') return LdImm64(dst, d.imm64());
  const is64 = d.bool(0.6);
  const op = d.pick(is64 ? ALU64 : ALU32);
  return d.bool(0.6) ? op.Imm(dst, aluImm(d, op, is64)) : op.Reg(dst, reg(d, lo, hi));
}

/** One random conditional jump on registers in [lo, hi] to `label`. */
export function randomCondJump(d: Draw, label: string, lo = 0, hi = 9): SymItem {
  const op = d.pick(d.bool(0.6) ? JMP64 : JMP32);
  return d.bool(0.6) ? op.Imm(reg(d, lo, hi), d.imm32(), label) : op.Reg(reg(d, lo, hi), reg(d, lo, hi), label);
}

/** One way of giving register r a scalar value (no helper call: r0..r5 are not clobbered). */
function initReg(d: Draw, r: number, ctxReg: number | undefined, randReg: number | undefined): SymItem[] {
  const way = d.weighted([['imm', 3], ['imm64', 2], ['rand', randReg === undefined ? 0 : 3], ['ctx', ctxReg === undefined ? 0 : 1]] as const);
  if (way === 'imm') return [Mov64.Imm(r, d.imm32())];
  if (way === 'imm64') return [LdImm64(r, d.imm64())];
  if (way === 'ctx') return [Ldx(4, r, ctxReg!, 0)];
  const out: SymItem[] = r === randReg ? [] : [Mov64.Reg(r, randReg!)];
  const shape = d.weighted([['as-is', 2], ['mask', 3], ['shift', 1], ['signed', 1]] as const);
  if (shape === 'mask') out.push(And64.Imm(r, d.pick([1, 3, 7, 15, 0xff, 0xfff, 0xffff, 0x7fffffff])));
  if (shape === 'shift') out.push(Lsh64.Imm(r, d.int(1, 40)));
  if (shape === 'signed') out.push(MovSX64(r, r, d.pick([8, 16, 32] as const)));
  return out;
}

/**
 * Prologue: keep ctx in r9 (when the program type has one readable at +0), draw a random u32 into
 * r8 with bpf_get_prandom_u32, then give every register r0..r9 a scalar (r9 last, r8 just before).
 */
export function initAllRegs(d: Draw, opts: { ctxLoad: boolean }): SymItem[] {
  const out: SymItem[] = [];
  const ctxReg = opts.ctxLoad ? 9 : undefined;
  if (ctxReg !== undefined) out.push(Mov64.Reg(9, 1));
  const rand = d.bool(0.8);
  if (rand) out.push(CallHelper(HELPER_GET_PRANDOM_U32), Mov64.Reg(8, 0));
  const randReg = rand ? 8 : undefined;
  for (const r of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) out.push(...initReg(d, r, ctxReg, randReg));
  return out;
}

/**
 * A straight-line body of `n` ALU instructions with forward conditional jumps to labels placed
 * later in the same body (so no loops), registers in [lo, hi].
 */
export function aluBody(d: Draw, labels: Labels, n: number, lo = 0, hi = 9, jumpRate = 0.2): SymItem[] {
  const ops: SymItem[] = [];
  const pending: { name: string; at: number }[] = [];
  for (let i = 0; i < n; i++) {
    for (const p of pending.filter((q) => q.at === i)) ops.push(Label(p.name));
    if (d.bool(jumpRate) && i < n - 1) {
      const name = labels.fresh();
      pending.push({ name, at: d.int(i + 1, n) });
      ops.push(randomCondJump(d, name, lo, hi));
    } else {
      ops.push(randomAlu(d, lo, hi));
    }
  }
  for (const p of pending.filter((q) => q.at === n)) ops.push(Label(p.name));
  return ops;
}

/** r0 = a scalar register (the program's result depends on the computation); exit. */
export function epilogue(d: Draw, lo = 0, hi = 9): SymItem[] {
  return [Mov64.Reg(0, reg(d, lo, hi)), Exit()];
}
