/**
 * A reference interpreter for scalar-only programs (ALU, JMP, ld_imm64 constants, exit), built
 * directly on the bigint semantics of reference.ts: registers are bigints, one instruction at a
 * time, no memory, no calls. It is the slow, obviously-correct twin of the fast interpreter for
 * the programs both can run (differential property in reference-run.test.ts; bench/vm.ts column).
 */
import { type Insn, imm64, layoutOf } from '../isa/insn.ts';
import { opcodeRow } from '../isa/opcodes.ts';
import { refAlu, refJmp } from './reference.ts';

export type RefRunResult = { kind: 'ok'; r0: bigint; insnCount: number } | { kind: 'error'; message: string; pc: number };

export function refRun(insns: readonly Insn[], init: readonly bigint[] = [], budget = 100_000_000): RefRunResult {
  const { slotOfPc, pcOfSlot } = layoutOf(insns);
  const regs: bigint[] = Array.from({ length: 11 }, (_, i) => init[i] ?? 0n);
  const target = (pc: number, rel: number): number => pcOfSlot[slotOfPc[pc]! + 1 + rel] ?? -1;
  let pc = 0;
  for (let n = 1; n <= budget; n++) {
    const insn = insns[pc];
    const row = insn && opcodeRow(insn.code);
    if (!insn || !row) return { kind: 'error', message: insn ? `unsupported opcode 0x${insn.code.toString(16)}` : 'fell off the end', pc };
    switch (row.kind) {
      case 'alu': case 'end': regs[insn.dst] = refAlu(insn, regs[insn.dst]!, regs[insn.src]!); pc++; break;
      case 'ld_imm64':
        if (insn.src !== 0) return { kind: 'error', message: 'ld_imm64 pseudo forms need maps', pc };
        regs[insn.dst] = imm64(insn); pc++; break;
      case 'ja': pc = target(pc, row.is64 ? insn.off : insn.imm); break;
      case 'jcond': pc = refJmp(insn, regs[insn.dst]!, regs[insn.src]!) ? target(pc, insn.off) : pc + 1; break;
      case 'exit': return { kind: 'ok', r0: regs[0]!, insnCount: n };
      default: return { kind: 'error', message: `${row.kind} is outside the reference interpreter`, pc };
    }
    if (pc < 0) return { kind: 'error', message: 'jump out of range', pc };
  }
  return { kind: 'error', message: 'budget exhausted', pc };
}
