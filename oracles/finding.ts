/**
 * A finding: an oracle saw a target break a promise on a program. The bucket key groups findings
 * that are the same bug: a hash of the oracle, the target, the shape of the first diverging
 * instruction (opcode class and operation, never registers or constants) and the error class
 * (the error text with numbers and register names normalised). Invariant: two findings that
 * differ only in registers, constants, offsets or program length share a bucket; findings of
 * different oracles or targets never do.
 */
import { createHash } from 'node:crypto';
import type { Evidence, Oracle, TargetName } from '../corpus/entry.gen.ts';
import type { Program } from '../harness/isa/program.ts';
import type { Insn } from '../harness/isa/insn.ts';
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, opcodeRow } from '../harness/isa/opcodes.ts';

export type { Evidence, Oracle, TargetName } from '../corpus/entry.gen.ts';

export interface Finding {
  readonly oracle: Oracle;
  readonly target: TargetName;
  readonly program: Program;
  readonly evidence: Evidence;
}

export interface BucketParts {
  readonly oracle: Oracle;
  readonly target: TargetName;
  readonly shape: string;
  readonly errorClass: string;
}

const CLASS_NAMES: Readonly<Record<number, string>> = {
  [BPF_LD]: 'ld', [BPF_LDX]: 'ldx', [BPF_ST]: 'st', [BPF_STX]: 'stx',
  [BPF_ALU]: 'alu', [BPF_JMP]: 'jmp', [BPF_JMP32]: 'jmp32', [BPF_ALU64]: 'alu64',
};

/**
 * Opcode class and operation of an instruction: 'alu64.div', 'jmp32.jsgt', 'ldx.ldxdw'. The K/X
 * source bit is left out (a register versus a constant is an operand difference). A helper call
 * keeps its helper id and an atomic keeps its operation, since there the immediate names the
 * operation rather than a value.
 */
export function insnShape(insn: Insn | undefined): string {
  if (!insn) return 'none';
  const row = opcodeRow(insn.code);
  if (!row) return `unknown.0x${insn.code.toString(16).padStart(2, '0')}`;
  const base = `${CLASS_NAMES[row.cls]}.${row.name}`;
  if (row.kind === 'call') return insn.src === 0 ? `${base}#${insn.imm}` : `${base}.src${insn.src}`;
  if (row.kind === 'atomic') return `${base}.op${insn.imm}`;
  if (row.kind === 'alu' && insn.off !== 0) return `${base}.off${insn.off}`; // sdiv/smod, movsx
  return base;
}

/**
 * Normalise an error text: register names (R1, r1, w1) become R#, numbers (hex, decimal, signed)
 * become N, whitespace collapses. "R1 invalid mem access 'scalar'" and
 * "R7 invalid mem access 'scalar'" share the class "R# invalid mem access 'scalar'".
 */
export function errorClass(text: string): string {
  return text
    .replace(/\b[Rrw](?:1[0]|[0-9])\b/g, 'R#')
    .replace(/-?\b0x[0-9a-fA-F]+\b/g, 'N')
    .replace(/-?\b\d+\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The error text a bucket is keyed on: the target's own error, else the other's, else the message. */
function errorTextOf(f: Omit<Finding, 'program'> & { program?: Program }): string {
  const errs = f.evidence.errors ?? {};
  const own = errs[f.target];
  if (typeof own === 'string') return own;
  return errs.kernel ?? errs.model ?? errs.vm ?? f.evidence.message;
}

export function bucketParts(f: Finding): BucketParts {
  const pc = f.evidence.pc;
  const insn = pc === undefined ? undefined : f.program.insns[pc];
  return { oracle: f.oracle, target: f.target, shape: insnShape(insn), errorClass: errorClass(errorTextOf(f)) };
}

/** sha256 (hex) of the bucket parts. */
export function bucketKey(f: Finding): string {
  const p = bucketParts(f);
  return createHash('sha256').update(JSON.stringify([p.oracle, p.target, p.shape, p.errorClass])).digest('hex');
}
