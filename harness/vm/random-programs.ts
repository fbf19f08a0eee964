/**
 * Random scalar-only programs for the execution differential and the benchmarks: every register
 * r0..r9 initialized by ld_imm64, then straight-line ALU operations (every ALU / ALU64 operation,
 * K and X forms, sdiv/smod, movsx, byte swaps) and forward conditional jumps (every JMP / JMP32
 * comparison), then all registers folded into r0 and exit. No memory, no calls: safe to run in
 * the kernel once its verifier accepts it. Shapes the verifier refuses are avoided by
 * construction: K shifts are in range, K divisors are non-zero, jumps go forward only and are
 * conditional (an unconditional jump would leave unreachable instructions).
 */
import seedrandom from 'seedrandom';
import { type Insn, mkInsn, mkLdImm64 } from '../isa/insn.ts';

type Rng = () => number;
const EDGES = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn,
  0x8000000000000000n, 0xffffffffffffffffn, 0xffffffff80000000n];
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

function value(rng: Rng): bigint {
  const r = rng();
  if (r < 0.3) return pick(rng, EDGES);
  if (r < 0.5) return BigInt(int(rng, -64, 64)) & 0xffffffffffffffffn;
  return (BigInt(Math.floor(rng() * 2 ** 32)) << 32n) | BigInt(Math.floor(rng() * 2 ** 32));
}

function imm(rng: Rng): number {
  const r = rng();
  if (r < 0.3) return pick(rng, [0, 1, -1, 0x7fffffff, -0x80000000, 2, 3, 7]);
  if (r < 0.6) return int(rng, -100, 100);
  return Math.floor(rng() * 2 ** 32) | 0;
}

function aluInsn(rng: Rng): Insn {
  const is64 = rng() < 0.5;
  const cls = is64 ? 0x07 : 0x04;
  const d = int(rng, 0, 9);
  const s = int(rng, 0, 9);
  const kind = rng();
  if (kind < 0.05) return mkInsn(cls | 0x80, d, 0, 0, 0); // neg
  if (kind < 0.1) return is64 ? mkInsn(0xd7, d, 0, 0, pick(rng, [16, 32, 64])) : mkInsn(pick(rng, [0xd4, 0xdc]), d, 0, 0, pick(rng, [16, 32, 64]));
  if (kind < 0.15) return mkInsn(cls | 0xb8, d, s, pick(rng, is64 ? [8, 16, 32] : [8, 16]), 0); // movsx
  const op = pick(rng, ALU_OPS);
  const signed = (op === 0x30 || op === 0x90) && rng() < 0.4 ? 1 : 0;
  if (rng() < 0.5) return mkInsn(cls | op | 0x08, d, s, signed, 0);
  const bits = is64 ? 64 : 32;
  let k = imm(rng);
  if (op === 0x60 || op === 0x70 || op === 0xc0) k = int(rng, 0, bits - 1);
  if ((op === 0x30 || op === 0x90) && k === 0) k = 3;
  return mkInsn(cls | op, d, 0, signed, k);
}

function jmpInsn(rng: Rng, room: number): Insn {
  const cls = rng() < 0.5 ? 0x05 : 0x06;
  const op = pick(rng, JMP_OPS);
  const off = int(rng, 0, Math.min(room, 6));
  const d = int(rng, 0, 9);
  if (rng() < 0.5) return mkInsn(cls | op | 0x08, d, int(rng, 0, 9), off, 0);
  return mkInsn(cls | op, d, 0, off, imm(rng));
}

/** A random program of `ops` body instructions (plus 10 ld_imm64, a 10-insn fold and exit). */
export function randomAluProgram(seed: number | string, ops = 24): Insn[] {
  const rng = seedrandom(String(seed));
  const out: Insn[] = [];
  for (let r = 0; r <= 9; r++) out.push(mkLdImm64(r, 0, value(rng)));
  for (let i = 0; i < ops; i++) out.push(rng() < 0.2 ? jmpInsn(rng, ops - i - 1) : aluInsn(rng));
  for (let r = 1; r <= 9; r++) out.push(mkInsn(0xaf, 0, r, 0, 0)); // r0 ^= rN
  out.push(mkInsn(0xbf, 1, 0, 0, 0), mkInsn(0x77, 1, 0, 0, 32), mkInsn(0xaf, 0, 1, 0, 0)); // fold r0's high half
  out.push(mkInsn(0x95, 0, 0, 0, 0));
  return out;
}
