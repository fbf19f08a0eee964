/**
 * Operand simplification candidates for the minimizer: simpler constants (toward 0 and small
 * powers of two) for the fields that hold values, and register renamings toward low numbers.
 * Pure. Invariant: every candidate value is strictly simpler than the value it replaces (smaller
 * magnitude, or the same magnitude but non-negative), so repeated simplification terminates.
 * Fields whose number is not a value are never touched: jump targets (symbolic), helper ids,
 * atomic operations, byte-swap widths, sdiv/movsx variants in off, map indices of ld_imm64.
 */
import { type Insn, imm64, mkLdImm64 } from '../harness/isa/insn.ts';
import { BPF_K, bpfSrc, opcodeRow, type FieldRule } from '../harness/isa/opcodes.ts';

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** Is `c` strictly simpler than `v`? */
export function simpler(c: bigint, v: bigint): boolean {
  return abs(c) < abs(v) || (abs(c) === abs(v) && c >= 0n && v < 0n);
}

/** Simpler values for `v`, simplest first: 0, 1, -1, powers of two below |v| (with v's sign), v/2. */
export function valueCandidates(v: bigint): bigint[] {
  const sign = v < 0n ? -1n : 1n;
  const out: bigint[] = [0n, 1n, -1n];
  for (let p = 2n; p < abs(v) && p <= 1n << 62n; p <<= 1n) out.push(sign * p);
  out.push(v / 2n, -v);
  const seen = new Set<bigint>();
  return out.filter((c) => simpler(c, v) && !seen.has(c) && (seen.add(c), true));
}

type ValueField = 'imm' | 'off' | 'imm64';

/** Which fields of an instruction hold plain values the minimizer may simplify. */
export function valueFields(insn: Insn): ValueField[] {
  const row = opcodeRow(insn.code);
  if (!row) return [];
  switch (row.kind) {
    case 'alu': return bpfSrc(insn.code) === BPF_K && row.name.slice(0, 3) !== 'neg' ? ['imm'] : [];
    case 'jcond': return bpfSrc(insn.code) === BPF_K ? ['imm'] : [];
    case 'ld_abs': case 'ld_ind': return ['imm'];
    case 'st': return ['off', 'imm'];
    case 'ldx': case 'stx': case 'atomic': return ['off'];
    case 'ld_imm64': return insn.src === 0 ? ['imm64'] : [];
    default: return [];
  }
}

const fitsS16 = (v: bigint): boolean => v >= -0x8000n && v <= 0x7fffn;

/** The instruction with one field simplified to each candidate, simplest first. */
export function fieldVariants(insn: Insn, field: ValueField): Insn[] {
  if (field === 'imm64') {
    const v = BigInt.asIntN(64, imm64(insn));
    return valueCandidates(v).map((c) => mkLdImm64(insn.dst, 0, c));
  }
  const v = BigInt(insn[field]);
  return valueCandidates(v)
    .filter((c) => (field === 'off' ? fitsS16(c) : c >= -0x80000000n && c <= 0x7fffffffn))
    .map((c) => ({ ...insn, [field]: Number(c) }));
}

const isRegRule = (r: FieldRule): boolean => r.kind === 'reg';

/** Registers an instruction names in register fields (dst, src), per the opcode table. */
export function regsOf(insn: Insn): number[] {
  const row = opcodeRow(insn.code);
  if (!row) return [];
  const out: number[] = [];
  if (isRegRule(row.dst)) out.push(insn.dst);
  if (isRegRule(row.src)) out.push(insn.src);
  return out;
}

/** The instruction with register `from` renamed to `to` in its register fields. */
export function renameReg(insn: Insn, from: number, to: number): Insn {
  const row = opcodeRow(insn.code);
  if (!row) return insn;
  return {
    ...insn,
    dst: isRegRule(row.dst) && insn.dst === from ? to : insn.dst,
    src: isRegRule(row.src) && insn.src === from ? to : insn.src,
  };
}
