/**
 * Reference semantics of every ALU and JMP operation, in `bigint`.
 *
 * This is the specification the fast interpreter (interp.ts, 32-bit halves in typed arrays) is
 * tested against: slow, obviously correct, one small function per operation. Every value in and
 * out is an unsigned 64-bit bigint (`BigInt.asUintN(64, x)`). ALU32 operations work on the low
 * 32 bits and zero-extend the result, as the kernel does.
 *
 * Kernel-defined corner cases (include/linux/filter.h, kernel/bpf/core.c): division by zero gives
 * 0; modulo by zero leaves dst unchanged (ALU32: its low half, zero-extended); sdiv of INT_MIN by
 * -1 gives INT_MIN and smod gives 0; shift amounts are masked (& 63 / & 31).
 */
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_DIV, BPF_END, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT,
  BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LSH, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_RSH, BPF_SUB, BPF_X, BPF_XOR, bpfClass, bpfOp, bpfSrc,
} from '../isa/opcodes.ts';

const M64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const M32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const S64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const S32 = (x: bigint): bigint => BigInt.asIntN(32, x);

/** The fields of an instruction the semantics reads. */
export interface RefInsn {
  readonly code: number;
  readonly off: number;
  readonly imm: number;
}

type Bin = (a: bigint, b: bigint, bits: 32 | 64, signed: boolean) => bigint;
const wrap = (x: bigint, bits: 32 | 64): bigint => (bits === 64 ? M64(x) : M32(x));
const sx = (x: bigint, bits: 32 | 64): bigint => (bits === 64 ? S64(x) : S32(x));

function div(a: bigint, b: bigint, bits: 32 | 64, signed: boolean): bigint {
  if (b === 0n) return 0n;
  if (!signed) return a / b;
  return wrap(sx(a, bits) / sx(b, bits), bits); // bigint division truncates toward zero
}

function mod(a: bigint, b: bigint, bits: 32 | 64, signed: boolean): bigint {
  if (b === 0n) return a;
  if (!signed) return a % b;
  return wrap(sx(a, bits) % sx(b, bits), bits); // sign of the dividend, as C
}

/** Two-operand ALU operations on already-truncated unsigned operands. */
const BINOPS: Record<number, Bin> = {
  [BPF_ADD]: (a, b, n) => wrap(a + b, n),
  [BPF_SUB]: (a, b, n) => wrap(a - b, n),
  [BPF_MUL]: (a, b, n) => wrap(a * b, n),
  [BPF_DIV]: div,
  [BPF_MOD]: mod,
  [BPF_OR]: (a, b) => a | b,
  [BPF_AND]: (a, b) => a & b,
  [BPF_XOR]: (a, b) => a ^ b,
  [BPF_LSH]: (a, b, n) => wrap(a << (b & BigInt(n - 1)), n),
  [BPF_RSH]: (a, b, n) => a >> (b & BigInt(n - 1)),
  [BPF_ARSH]: (a, b, n) => wrap(sx(a, n) >> (b & BigInt(n - 1)), n),
};

function bswap(v: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** le16/32/64, be16/32/64 (host is little-endian, so `le` truncates and `be` swaps), bswap. */
function endOp(insn: RefInsn, dst: bigint): bigint {
  const bits = BigInt(insn.imm);
  const low = BigInt.asUintN(Number(bits), dst);
  const swap = bpfClass(insn.code) === BPF_ALU64 || bpfSrc(insn.code) === BPF_X;
  return swap ? bswap(low, Number(bits) / 8) : low;
}

/** mov, including movsx (off = 8, 16, 32): sign-extend the low `off` bits of the source. */
function movOp(insn: RefInsn, src: bigint, bits: 32 | 64): bigint {
  if (insn.off === 0) return wrap(src, bits);
  return wrap(BigInt.asIntN(insn.off, src), bits);
}

/**
 * The value of dst after an ALU or ALU64 instruction. `src` is the source register's value (for
 * the K form it is ignored and the immediate is used: sign-extended to 64 bits for ALU64).
 */
export function refAlu(insn: RefInsn, dst: bigint, src: bigint): bigint {
  const cls = bpfClass(insn.code);
  if (cls !== BPF_ALU && cls !== BPF_ALU64) throw new Error(`refAlu: not an ALU opcode 0x${insn.code.toString(16)}`);
  const bits: 32 | 64 = cls === BPF_ALU64 ? 64 : 32;
  const op = bpfOp(insn.code);
  if (op === BPF_END) return endOp(insn, dst);
  const operand = wrap(bpfSrc(insn.code) === BPF_X ? src : BigInt(insn.imm), bits);
  const a = wrap(dst, bits);
  if (op === BPF_NEG) return wrap(-a, bits);
  if (op === BPF_MOV) return bpfSrc(insn.code) === BPF_X ? movOp(insn, src, bits) : operand;
  const f = BINOPS[op];
  if (!f) throw new Error(`refAlu: unknown operation 0x${op.toString(16)}`);
  return f(a, operand, bits, insn.off === 1);
}

type Cmp = (a: bigint, b: bigint, bits: 32 | 64) => boolean;
const CMPS: Record<number, Cmp> = {
  [BPF_JEQ]: (a, b) => a === b,
  [BPF_JNE]: (a, b) => a !== b,
  [BPF_JGT]: (a, b) => a > b,
  [BPF_JGE]: (a, b) => a >= b,
  [BPF_JLT]: (a, b) => a < b,
  [BPF_JLE]: (a, b) => a <= b,
  [BPF_JSET]: (a, b) => (a & b) !== 0n,
  [BPF_JSGT]: (a, b, n) => sx(a, n) > sx(b, n),
  [BPF_JSGE]: (a, b, n) => sx(a, n) >= sx(b, n),
  [BPF_JSLT]: (a, b, n) => sx(a, n) < sx(b, n),
  [BPF_JSLE]: (a, b, n) => sx(a, n) <= sx(b, n),
};

/** Is a conditional jump taken? (JMP compares 64 bits, JMP32 the low 32 bits.) */
export function refJmp(insn: RefInsn, dst: bigint, src: bigint): boolean {
  const bits: 32 | 64 = bpfClass(insn.code) === BPF_JMP32 ? 32 : 64;
  const f = CMPS[bpfOp(insn.code)];
  if (!f) throw new Error(`refJmp: not a conditional jump 0x${insn.code.toString(16)}`);
  const b = wrap(bpfSrc(insn.code) === BPF_X ? src : BigInt(insn.imm), bits);
  return f(wrap(dst, bits), b, bits);
}

/** Sign- or zero-extension of a loaded value of `size` bytes (ldx / ldsx). */
export function refExtendLoad(v: bigint, size: number, signed: boolean): bigint {
  const low = BigInt.asUintN(size * 8, v);
  return signed ? M64(BigInt.asIntN(size * 8, low)) : low;
}
