/**
 * BPF opcodes as data (RFC 9669 plus the Linux cpu-v4, may_goto, arena and load-acquire /
 * store-release additions).
 *
 * Every legal 8-bit opcode has exactly one row in OPCODES. A row says what the instruction is
 * (its kind, class, operation, size) and which field values are legal (dst, src, off, imm).
 * Some opcodes carry a sub-operation in a field (atomics in imm, sdiv/smod and movsx in off,
 * call kinds in src); their legality is expressed by the row's field rules, and `variantOf`
 * below names the variant. The decoder, validator, assembler, disassembler, VM, verifier and
 * generators all read this table: nothing else decides what an opcode means.
 */

// ---- instruction classes (low 3 bits) ----
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// ---- size (ld/st) ----
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// ---- mode (ld/st) ----
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

// ---- source ----
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// ---- alu operations ----
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// ---- jump operations ----
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
export const BPF_JCOND = 0xe0;

// ---- atomic operations (imm of BPF_STX | BPF_ATOMIC) ----
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

// ---- pseudo src_reg values ----
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;
export const BPF_MAY_GOTO = 0;
export const BPF_ADDR_SPACE_CAST = 1;

export const MAX_BPF_REG = 11; // r0..r10
export const BPF_REG_FP = 10;

export const bpfClass = (code: number): number => code & 0x07;
export const bpfSize = (code: number): number => code & 0x18;
export const bpfMode = (code: number): number => code & 0xe0;
export const bpfOp = (code: number): number => code & 0xf0;
export const bpfSrc = (code: number): number => code & 0x08;

export type OpcodeKind =
  | 'alu' // ALU / ALU64 two-operand arithmetic (including mov, neg)
  | 'end' // byte swap (le/be/bswap)
  | 'ja' // unconditional jump (goto / gotol)
  | 'jcond' // conditional jump
  | 'may_goto'
  | 'call'
  | 'exit'
  | 'ld_imm64'
  | 'ld_abs'
  | 'ld_ind'
  | 'ldx' // load from memory (zero- or sign-extending)
  | 'st' // store immediate
  | 'stx' // store register
  | 'atomic'; // atomic read-modify-write, load-acquire, store-release

/** A rule on one field: which values are legal. */
export type FieldRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'zero' }
  | { readonly kind: 'oneOf'; readonly values: readonly number[] }
  | { readonly kind: 'reg'; readonly writable: boolean }; // a register number 0..10 (10 read-only)

export interface OpcodeRow {
  readonly code: number;
  readonly kind: OpcodeKind;
  /** Mnemonic of the operation ('add', 'jeq', 'ldxw', ...), for tables and generators. */
  readonly name: string;
  readonly cls: number;
  /** true for ALU64 / JMP (64-bit operands); false for ALU / JMP32. */
  readonly is64: boolean;
  /** Access size in bytes for memory instructions, or 0. */
  readonly size: 0 | 1 | 2 | 4 | 8;
  readonly dst: FieldRule;
  readonly src: FieldRule;
  readonly off: FieldRule;
  readonly imm: FieldRule;
}

const ANY: FieldRule = { kind: 'any' };
const ZERO: FieldRule = { kind: 'zero' };
const REG_W: FieldRule = { kind: 'reg', writable: true };
const REG_R: FieldRule = { kind: 'reg', writable: false };
const oneOf = (...values: number[]): FieldRule => ({ kind: 'oneOf', values });

const ALU_OPS: ReadonlyArray<readonly [number, string]> = [
  [BPF_ADD, 'add'], [BPF_SUB, 'sub'], [BPF_MUL, 'mul'], [BPF_DIV, 'div'], [BPF_OR, 'or'],
  [BPF_AND, 'and'], [BPF_LSH, 'lsh'], [BPF_RSH, 'rsh'], [BPF_MOD, 'mod'], [BPF_XOR, 'xor'],
  [BPF_MOV, 'mov'], [BPF_ARSH, 'arsh'],
];
const JMP_CONDS: ReadonlyArray<readonly [number, string]> = [
  [BPF_JEQ, 'jeq'], [BPF_JGT, 'jgt'], [BPF_JGE, 'jge'], [BPF_JSET, 'jset'], [BPF_JNE, 'jne'],
  [BPF_JSGT, 'jsgt'], [BPF_JSGE, 'jsge'], [BPF_JLT, 'jlt'], [BPF_JLE, 'jle'], [BPF_JSLT, 'jslt'],
  [BPF_JSLE, 'jsle'],
];
const SIZES: ReadonlyArray<readonly [number, 1 | 2 | 4 | 8, string]> = [
  [BPF_B, 1, 'b'], [BPF_H, 2, 'h'], [BPF_W, 4, 'w'], [BPF_DW, 8, 'dw'],
];

/** Legal imm values of the atomic opcodes, by size. */
export const ATOMIC_RMW_OPS: readonly number[] = [
  BPF_ADD, BPF_ADD | BPF_FETCH, BPF_OR, BPF_OR | BPF_FETCH, BPF_AND, BPF_AND | BPF_FETCH,
  BPF_XOR, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
];

function buildTable(): OpcodeRow[] {
  const rows: OpcodeRow[] = [];
  for (const is64 of [false, true]) {
    const cls = is64 ? BPF_ALU64 : BPF_ALU;
    const sfx = is64 ? '64' : '32';
    for (const [op, name] of ALU_OPS) {
      // K form: src must be 0. off: 1 for sdiv/smod (div/mod), else 0; movsx has no K form.
      const kOff = op === BPF_DIV || op === BPF_MOD ? oneOf(0, 1) : ZERO;
      const shiftImm = ANY; // out-of-range shifts are a verifier rule ("invalid shift"), not an encoding rule
      rows.push({ code: cls | op | BPF_K, kind: 'alu', name: name + sfx, cls, is64, size: 0,
        dst: REG_W, src: ZERO, off: kOff, imm: op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH ? shiftImm : ANY });
      let xOff: FieldRule = ZERO;
      let xImm: FieldRule = ZERO;
      if (op === BPF_DIV || op === BPF_MOD) xOff = oneOf(0, 1);
      if (op === BPF_MOV) {
        xOff = is64 ? oneOf(0, 8, 16, 32, BPF_ADDR_SPACE_CAST) : oneOf(0, 8, 16);
        if (is64) xImm = oneOf(0, 1, 1 << 16); // addr_space_cast carries the address spaces in imm
      }
      rows.push({ code: cls | op | BPF_X, kind: 'alu', name: name + sfx, cls, is64, size: 0,
        dst: REG_W, src: REG_R, off: xOff, imm: xImm });
    }
    rows.push({ code: cls | BPF_NEG, kind: 'alu', name: 'neg' + sfx, cls, is64, size: 0,
      dst: REG_W, src: ZERO, off: ZERO, imm: ZERO });
    // END: ALU le (0xd4) and be (0xdc); ALU64 bswap (0xd7) only with the K bit.
    rows.push({ code: cls | BPF_END | BPF_K, kind: 'end', name: is64 ? 'bswap' : 'le', cls, is64, size: 0,
      dst: REG_W, src: ZERO, off: ZERO, imm: oneOf(16, 32, 64) });
    if (!is64) {
      rows.push({ code: cls | BPF_END | BPF_X, kind: 'end', name: 'be', cls, is64, size: 0,
        dst: REG_W, src: ZERO, off: ZERO, imm: oneOf(16, 32, 64) });
    }
  }
  for (const is64 of [true, false]) {
    const cls = is64 ? BPF_JMP : BPF_JMP32;
    const sfx = is64 ? '' : '32';
    for (const [op, name] of JMP_CONDS) {
      rows.push({ code: cls | op | BPF_K, kind: 'jcond', name: name + sfx, cls, is64, size: 0,
        dst: REG_R, src: ZERO, off: ANY, imm: ANY });
      rows.push({ code: cls | op | BPF_X, kind: 'jcond', name: name + sfx, cls, is64, size: 0,
        dst: REG_R, src: REG_R, off: ANY, imm: ZERO });
    }
  }
  rows.push({ code: BPF_JMP | BPF_JA, kind: 'ja', name: 'ja', cls: BPF_JMP, is64: true, size: 0,
    dst: ZERO, src: ZERO, off: ANY, imm: ZERO });
  rows.push({ code: BPF_JMP32 | BPF_JA, kind: 'ja', name: 'gotol', cls: BPF_JMP32, is64: false, size: 0,
    dst: ZERO, src: ZERO, off: ZERO, imm: ANY });
  rows.push({ code: BPF_JMP | BPF_JCOND, kind: 'may_goto', name: 'may_goto', cls: BPF_JMP, is64: true, size: 0,
    dst: ZERO, src: oneOf(BPF_MAY_GOTO), off: ANY, imm: ZERO });
  rows.push({ code: BPF_JMP | BPF_CALL, kind: 'call', name: 'call', cls: BPF_JMP, is64: true, size: 0,
    dst: ZERO, src: oneOf(0, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL), off: ANY, imm: ANY });
  rows.push({ code: BPF_JMP | BPF_EXIT, kind: 'exit', name: 'exit', cls: BPF_JMP, is64: true, size: 0,
    dst: ZERO, src: ZERO, off: ZERO, imm: ZERO });

  rows.push({ code: BPF_LD | BPF_IMM | BPF_DW, kind: 'ld_imm64', name: 'lddw', cls: BPF_LD, is64: true, size: 8,
    dst: REG_W, src: oneOf(0, 1, 2, 3, 4, 5, 6), off: ZERO, imm: ANY });
  for (const [sz, bytes, s] of SIZES) {
    if (sz === BPF_DW) continue;
    rows.push({ code: BPF_LD | BPF_ABS | sz, kind: 'ld_abs', name: 'ldabs' + s, cls: BPF_LD, is64: true, size: bytes,
      dst: ZERO, src: ZERO, off: ZERO, imm: ANY });
    rows.push({ code: BPF_LD | BPF_IND | sz, kind: 'ld_ind', name: 'ldind' + s, cls: BPF_LD, is64: true, size: bytes,
      dst: ZERO, src: REG_R, off: ZERO, imm: ANY });
  }
  for (const [sz, bytes, s] of SIZES) {
    rows.push({ code: BPF_LDX | BPF_MEM | sz, kind: 'ldx', name: 'ldx' + s, cls: BPF_LDX, is64: true, size: bytes,
      dst: REG_W, src: REG_R, off: ANY, imm: ZERO });
    if (sz !== BPF_DW) {
      rows.push({ code: BPF_LDX | BPF_MEMSX | sz, kind: 'ldx', name: 'ldxs' + s, cls: BPF_LDX, is64: true, size: bytes,
        dst: REG_W, src: REG_R, off: ANY, imm: ZERO });
    }
    rows.push({ code: BPF_ST | BPF_MEM | sz, kind: 'st', name: 'st' + s, cls: BPF_ST, is64: true, size: bytes,
      dst: REG_R, src: ZERO, off: ANY, imm: ANY });
    rows.push({ code: BPF_STX | BPF_MEM | sz, kind: 'stx', name: 'stx' + s, cls: BPF_STX, is64: true, size: bytes,
      dst: REG_R, src: REG_R, off: ANY, imm: ZERO });
    const atomicImm = sz === BPF_W || sz === BPF_DW
      ? oneOf(...ATOMIC_RMW_OPS, BPF_LOAD_ACQ, BPF_STORE_REL)
      : oneOf(BPF_LOAD_ACQ, BPF_STORE_REL);
    rows.push({ code: BPF_STX | BPF_ATOMIC | sz, kind: 'atomic', name: 'atomic' + s, cls: BPF_STX, is64: true, size: bytes,
      dst: REG_R, src: REG_R, off: ANY, imm: atomicImm });
  }
  return rows;
}

export const OPCODES: readonly OpcodeRow[] = buildTable();

const BY_CODE: ReadonlyArray<OpcodeRow | undefined> = (() => {
  const arr: Array<OpcodeRow | undefined> = new Array(256).fill(undefined);
  for (const row of OPCODES) {
    if (arr[row.code]) throw new Error(`duplicate opcode row 0x${row.code.toString(16)}`);
    arr[row.code] = row;
  }
  return arr;
})();

/** The row of an opcode, or undefined when the opcode is not part of the ISA. */
export function opcodeRow(code: number): OpcodeRow | undefined {
  return BY_CODE[code & 0xff];
}

/** Does a field value satisfy a rule? (`value` is the decoded, signed field value.) */
export function fieldOk(rule: FieldRule, value: number): boolean {
  switch (rule.kind) {
    case 'any': return true;
    case 'zero': return value === 0;
    case 'oneOf': return rule.values.includes(value);
    case 'reg': return value >= 0 && value < MAX_BPF_REG;
  }
}

/** Text of a field rule for error messages: "must be 0", "must be one of 16, 32, 64", ... */
export function describeRule(rule: FieldRule): string {
  switch (rule.kind) {
    case 'any': return 'any value';
    case 'zero': return 'must be 0';
    case 'oneOf': return `must be one of ${rule.values.join(', ')}`;
    case 'reg': return 'must be a register r0..r10';
  }
}
