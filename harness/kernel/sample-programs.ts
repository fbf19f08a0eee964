/**
 * Known-safe sample programs of kernel-facts.md section 3, shared by tests and bench/kernel.ts:
 * (a) 2 instructions, (b) 50 straight-line ALU instructions, (c) ~196 branchy instructions
 * (38 diamonds on a random value: ~3,050 instructions processed, ~370 states).
 *
 * Invariant: every program here is accepted by Linux 6.18 as SOCKET_FILTER and is safe to
 * run (pure scalar computation, no memory access besides the helper call).
 */
import type { Program } from '../isa/program.ts';
import {
  Add32, Add64, And64, CallHelper, Exit, Ja, JGT, Label, Lsh64, Mov32, Mov64, Mul64, Or64, Rsh64, Sub64,
  Xor32, Xor64, resolve, type SymItem, R0, R1, R2, R3, R4, R5, R6, R7, R8,
} from '../isa/builder.ts';

const prog = (items: SymItem[]): Program => ({ progType: 'socket_filter', insns: resolve(items), maps: [] });

/** (a) `r0 = 0; exit`. */
export function tinyProgram(): Program {
  return prog([Mov64.Imm(R0, 0), Exit()]);
}

/** (b) 6 movs + 43 ALU64/ALU32 reg/imm ops + exit = 50 instructions. */
export function straightProgram(): Program {
  const regs = [R0, R1, R2, R3, R4, R5];
  const items: SymItem[] = regs.map((r, i) => Mov64.Imm(r, i + 1));
  const ops = [Add64, Sub64, Xor64, Or64, And64, Mul64, Add32, Xor32, Lsh64, Rsh64, Mov32];
  for (let i = 0; i < 43; i++) {
    const op = ops[i % ops.length]!;
    const dst = regs[i % regs.length]!;
    const shift = op === Lsh64 || op === Rsh64;
    items.push(i % 2 === 0 || shift ? op.Imm(dst, shift ? (i % 7) + 1 : i + 3) : op.Reg(dst, regs[(i + 1) % regs.length]!));
  }
  items.push(Exit());
  return prog(items);
}

/** (c) a random value, then `diamonds` diamonds `if r6 > K goto A; r7 += i; ja B; A: r7 ^= 3i; B: r8 += r7`. */
export function branchyProgram(diamonds = 38): Program {
  const items: SymItem[] = [CallHelper('get_prandom_u32'), Mov64.Reg(R6, R0), Mov64.Imm(R7, 0), Mov64.Imm(R8, 0)];
  for (let i = 0; i < diamonds; i++) {
    items.push(
      JGT.Imm(R6, (i + 1) * 50_000_000, `a${i}`), Add64.Imm(R7, i), Ja(`b${i}`),
      Label(`a${i}`), Xor64.Imm(R7, 3 * i), Label(`b${i}`), Add64.Reg(R8, R7),
    );
  }
  items.push(Mov64.Reg(R0, R8), Exit());
  return prog(items);
}
