/**
 * Instruction validity, read from the opcode table.
 *
 * `checkInsn` answers "is this instruction part of the ISA, with legal fields?" and names the rule
 * it breaks. It knows nothing of program context (jump targets, map indices, registers read
 * before written): those are verifier checks.
 */
import { type Insn } from './insn.ts';
import {
  BPF_ADDR_SPACE_CAST, BPF_ALU64, BPF_MOV, BPF_PSEUDO_KFUNC_CALL, BPF_X, type FieldRule, bpfOp, bpfSrc, describeRule,
  fieldOk, opcodeRow, type OpcodeRow,
} from './opcodes.ts';

export interface InsnViolation {
  /** Which field or rule: 'opcode', 'dst', 'src', 'off', 'imm', 'ld_imm64 second slot'. */
  readonly field: string;
  /** One line: what is wrong and what the rule says. */
  readonly message: string;
}

const FIELDS = ['dst', 'src', 'off', 'imm'] as const;

function fieldViolation(row: OpcodeRow, insn: Insn, field: (typeof FIELDS)[number]): InsnViolation | undefined {
  const rule: FieldRule = row[field];
  const value = insn[field];
  if (fieldOk(rule, value)) return undefined;
  return {
    field,
    message: `opcode 0x${row.code.toString(16).padStart(2, '0')} (${row.name}): ${field}=${value} ${describeRule(rule)}`,
  };
}

/** Rules that tie two fields together (the table rows hold single-field rules). */
function crossFieldViolation(row: OpcodeRow, insn: Insn): InsnViolation | undefined {
  if (row.kind === 'call' && insn.src !== BPF_PSEUDO_KFUNC_CALL && insn.off !== 0) {
    return { field: 'off', message: `call: off=${insn.off} must be 0 (only kfunc calls, src=2, use off)` };
  }
  if (row.cls === BPF_ALU64 && bpfOp(row.code) === BPF_MOV && bpfSrc(row.code) === BPF_X) {
    if (insn.off === BPF_ADDR_SPACE_CAST && insn.imm !== 1 && insn.imm !== 1 << 16) {
      return { field: 'imm', message: `addr_space_cast: imm=${insn.imm} must be 1 or 65536` };
    }
    if (insn.off !== BPF_ADDR_SPACE_CAST && insn.imm !== 0) {
      return { field: 'imm', message: `opcode 0x${row.code.toString(16)} (${row.name}): imm=${insn.imm} must be 0` };
    }
  }
  return undefined;
}

export function checkInsn(insn: Insn): InsnViolation | undefined {
  const row = opcodeRow(insn.code);
  if (!row) {
    return { field: 'opcode', message: `unknown opcode 0x${insn.code.toString(16).padStart(2, '0')}` };
  }
  for (const f of FIELDS) {
    const v = fieldViolation(row, insn, f);
    if (v) return v;
  }
  const cross = crossFieldViolation(row, insn);
  if (cross) return cross;
  if (row.kind === 'ld_imm64') {
    const hi = insn.hi;
    if (!hi || hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
      return { field: 'ld_imm64 second slot', message: 'ld_imm64: the second slot must have code, dst, src and off 0' };
    }
  }
  return undefined;
}

export interface ProgramViolation extends InsnViolation {
  /** Logical instruction index. */
  readonly pc: number;
}

/** Every invalid instruction of a program, in order. */
export function checkInsns(insns: readonly Insn[]): ProgramViolation[] {
  const out: ProgramViolation[] = [];
  insns.forEach((insn, i) => {
    const v = checkInsn(insn);
    if (v) out.push({ pc: i, ...v });
  });
  return out;
}
