/**
 * The opcode table (isa/opcodes.ts) as numbers, for the load paths: one kind code per opcode
 * byte, four field rules (dst, src, off, imm) per opcode (the Insn path's quick check), and an
 * INFO word per opcode (registers read and written, where a jump target comes from) for the
 * numeric path: array reads and integer tests, no strings and no objects.
 *
 * Invariant: the tables say what the rows of isa/opcodes.ts say: `ruleOk` is `fieldOk` of the
 * row; the register masks built from INFO equal `masksOf` (load-rules.test.ts checks every
 * opcode). Cross-field rules (validate.ts) are the caller's.
 */
import { type FieldRule, opcodeRow, type OpcodeKind } from '../isa/opcodes.ts';

/** Kind codes (0: not an opcode of the ISA). */
export const K_NONE = 0, K_ALU = 1, K_END = 2, K_JA = 3, K_JCOND = 4, K_MAY_GOTO = 5, K_CALL = 6, K_EXIT = 7,
  K_LD_IMM64 = 8, K_LD_ABS = 9, K_LD_IND = 10, K_LDX = 11, K_ST = 12, K_STX = 13, K_ATOMIC = 14;

const KIND_CODES: Record<OpcodeKind, number> = {
  alu: K_ALU, end: K_END, ja: K_JA, jcond: K_JCOND, may_goto: K_MAY_GOTO, call: K_CALL, exit: K_EXIT,
  ld_imm64: K_LD_IMM64, ld_abs: K_LD_ABS, ld_ind: K_LD_IND, ldx: K_LDX, st: K_ST, stx: K_STX, atomic: K_ATOMIC,
};

/** Kind code of each opcode byte. */
export const KIND = new Uint8Array(256);
/** 1 for the 64-bit ja (off-relative), 0 for gotol (imm-relative) and every other opcode. */
export const IS64 = new Uint8Array(256);

const R_ANY = 0, R_ZERO = 1, R_REG = 2, R_ONE_OF = 3;
const ruleCode = (rule: FieldRule): number =>
  rule.kind === 'any' ? R_ANY : rule.kind === 'zero' ? R_ZERO : rule.kind === 'reg' ? R_REG : R_ONE_OF;
/** 4 rules per opcode (dst, src, off, imm). */
const RULES = new Uint8Array(256 * 4);
const RULE_VALUES: Array<readonly number[] | undefined> = new Array<readonly number[] | undefined>(256 * 4).fill(undefined);

for (let code = 0; code < 256; code++) {
  const row = opcodeRow(code);
  if (!row) continue;
  KIND[code] = KIND_CODES[row.kind];
  IS64[code] = row.is64 ? 1 : 0;
  [row.dst, row.src, row.off, row.imm].forEach((rule, f) => {
    RULES[code * 4 + f] = ruleCode(rule);
    if (rule.kind === 'oneOf') RULE_VALUES[code * 4 + f] = rule.values;
  });
}

/** Does value `v` satisfy rule `i` (opcode * 4 + field)? */
export function ruleOk(i: number, v: number): boolean {
  const k = RULES[i]!;
  return k === R_ANY || (k === R_ZERO ? v === 0 : k === R_REG ? v >= 0 && v < 11 : RULE_VALUES[i]!.includes(v));
}

const bit = (r: number): number => 1 << r;
const pack = (read: number, write: number): number => read | (write << 16);

/** Registers read (bits 0-10) | registers written << 16, of a valid instruction (callx: dst read). */
export function masksOf(code: number, dst: number, src: number, imm: number): number {
  const d = bit(dst);
  const s = bit(src);
  const x = (code & 0x08) !== 0; // BPF_X
  switch (KIND[code]) {
    case K_ALU: return pack(((code & 0xf0) === 0xb0 ? 0 : d) | (x ? s : 0), d); // mov does not read dst
    case K_END: return pack(d, d);
    case K_JCOND: return pack(d | (x ? s : 0), 0);
    case K_LD_IMM64: return pack(0, d);
    case K_LDX: return pack(s, d);
    case K_ST: return pack(d, 0);
    case K_STX: return pack(d | s, 0);
    case K_ATOMIC: return pack(d | s | (imm === 0xf1 ? 1 : 0), imm === 0xf1 ? 1 : (imm & 1 ? s : 0));
    case K_LD_ABS: return pack(bit(6), 1);
    case K_LD_IND: return pack(bit(6) | s, 1);
    case K_NONE: return pack(code === 0x8d ? d : 0, 0); // bpf_conformance's callx reads its register
    default: return 0; // exit (r0 is checked by doExit: a subprogram may return void), ja, call, may_goto
  }
}

// ---- INFO: everything the numeric load path needs to know of an opcode, in one word ----
/** Registers read and written (bits 4-6): dst read, src read, dst written; masks depend on imm (atomics). */
export const I_READ_DST = 1 << 4, I_READ_SRC = 1 << 5, I_WRITE_DST = 1 << 6, I_MASKS_BY_IMM = 1 << 7;
/** Jump target (bits 9-11): none, pc-relative off, pc-relative imm, imm when src = 1, imm when src = 4. */
export const I_TGT_SHIFT = 9, TGT_NONE = 0, TGT_OFF = 1, TGT_IMM = 2, TGT_IMM_SRC1 = 3, TGT_IMM_SRC4 = 4;
/** Fixed registers read (bits 16-26) by ld_abs / ld_ind (r6). */
export const I_FIXED_READ_SHIFT = 16;
/** r0 written (ld_abs / ld_ind). */
export const I_WRITE_R0 = 1 << 27;
/** A valid opcode of the ISA. */
export const I_VALID = 1 << 30;

/** INFO word of each opcode byte (0: not an opcode of the ISA). */
export const INFO = new Int32Array(256);

function infoOf(code: number): number {
  const row = opcodeRow(code);
  if (!row) return 0;
  const k = KIND[code]!;
  const x = (code & 0x08) !== 0;
  const isMov = k === K_ALU && (code & 0xf0) === 0xb0;
  const reads = k === K_ALU ? (isMov ? 0 : I_READ_DST) | (x ? I_READ_SRC : 0) : k === K_END || k === K_ST ? I_READ_DST
    : k === K_JCOND ? I_READ_DST | (x ? I_READ_SRC : 0) : k === K_LDX || k === K_LD_IND ? I_READ_SRC
      : k === K_STX ? I_READ_DST | I_READ_SRC : 0;
  const writes = k === K_ALU || k === K_END || k === K_LD_IMM64 || k === K_LDX ? I_WRITE_DST : 0;
  const tgt = k === K_JCOND || k === K_MAY_GOTO || (k === K_JA && row.is64) ? TGT_OFF : k === K_JA ? TGT_IMM
    : k === K_CALL ? TGT_IMM_SRC1 : k === K_LD_IMM64 ? TGT_IMM_SRC4 : TGT_NONE;
  return I_VALID | reads | writes | (k === K_ATOMIC ? I_MASKS_BY_IMM : 0) | (tgt << I_TGT_SHIFT)
    | (k === K_LD_ABS || k === K_LD_IND ? ((1 << 6) << I_FIXED_READ_SHIFT) | I_WRITE_R0 : 0);
}

for (let code = 0; code < 256; code++) INFO[code] = infoOf(code);

/** The register masks of a valid instruction: reads (bits 0-10) | writes << 16. */
export function masksFromInfo(info: number, code: number, dst: number, src: number, imm: number): number {
  if ((info & I_MASKS_BY_IMM) !== 0) return masksOf(code, dst, src, imm);
  // Shifts of 0/1 flags instead of branches: opcodes come in random order, branches mispredict.
  const reads = (((info >>> 4) & 1) << dst) | (((info >>> 5) & 1) << src) | ((info >>> I_FIXED_READ_SHIFT) & 0x7ff);
  const writes = (((info >>> 6) & 1) << dst) | ((info >>> 27) & 1);
  return reads | (writes << 16);
}
