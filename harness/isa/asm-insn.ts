/**
 * The assembler's instruction grammar: one statement (comment, label and log prefix already
 * stripped) to one symbolic instruction. The syntax is the kernel verifier log's
 * (kernel/bpf/disasm.c), plus the llvm-objdump / progs/verifier_*.c spellings of the same
 * instructions (`goto +2`, `(r10 - 8)`, `xchg_64(r1 + 0, r0)`, `call bpf_map_lookup_elem`,
 * labels as jump targets). ld_imm64 pseudo operands: `map[I]` (src 5), `map_value[I] + OFF`
 * (src 6), `map_fd[FD]` (1), `map_value_fd[FD] + OFF` (2), `btf_id[ID] + FD` (3), `func[label]`
 * or `func[pc+N]` (4), each followed by `ll`; llvm's `r2 = label ll` is `func[label]`.
 * Immediates: an ALU or jump immediate may be written as s32, as u32 (stored as is, the CPU
 * sign-extends it), or as the 64-bit sign extension of an s32; `rN = V` with V outside s32 is an
 * ld_imm64 (the log prints resolved map addresses that way), and `ll` forces one.
 *
 * Invariant: a statement either yields an instruction whose fields came from the text, or throws
 * SyntaxFail at the column where the text stopped matching.
 */
import { type Insn, mkInsn, mkLdImm64 } from './insn.ts';
import { Cursor, SyntaxFail, type Reg } from './asm-cursor.ts';
import {
  BPF_ABS, BPF_ADDR_SPACE_CAST, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DW,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IND, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_K, BPF_LD,
  BPF_LDX, BPF_LOAD_ACQ, BPF_MEM, BPF_MEMSX, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL,
  BPF_ST, BPF_STORE_REL, BPF_STX, BPF_W, BPF_X, BPF_XCHG,
} from './opcodes.ts';
import { ALU_STRING, ALU_SIGN_STRING, JMP_STRING, LD_IMM64_PSEUDO } from './disasm.ts';
import { helperId } from './helpers.ts';

export interface ParsedInsn {
  readonly insn: Insn;
  /** A label the jump field refers to (resolved by builder.resolve). */
  readonly target?: string;
}

const SIZE_OF: Readonly<Record<string, number>> = { 8: BPF_B, 16: BPF_H, 32: BPF_W, 64: BPF_DW };
const sizeBits = (tok: string): number => SIZE_OF[tok.slice(1)]!;
const invert = (m: Readonly<Record<number, string>>): Map<string, number> =>
  new Map(Object.entries(m).map(([k, v]) => [v, Number(k)]));
const ALU_OPS = invert(ALU_STRING);
const SIGN_OPS = invert(ALU_SIGN_STRING);
const JMP_OPS = invert(JMP_STRING);
const ATOMIC_OPS: Readonly<Record<string, number>> = { add: 0x00, and: 0x50, or: 0x40, xor: 0xa0 };

function sameWidth(c: Cursor, a: Reg, b: Reg): void {
  if (a.w !== b.w) throw new SyntaxFail(`expected ${a.w ? 'w' : 'r'}${b.n} (same width as ${a.w ? 'w' : 'r'}${a.n})`, b.col);
  void c;
}

function sameReg(a: Reg, b: Reg, why: string): void {
  if (a.n !== b.n || a.w !== b.w) throw new SyntaxFail(`expected ${a.w ? 'w' : 'r'}${a.n} (${why})`, b.col);
}

/** A jump target: `pc+N`, `+N`, `-N`, or a label; an llvm `<sym>` annotation is skipped. */
function target(c: Cursor, lo: number, hi: number): { rel?: number; label?: string } {
  c.tryRe(/pc(?=\s*[+-])/);
  let out: { rel?: number; label?: string };
  const numeric = c.tryRe(/(\d+[fb])(?![\w])/);
  if (numeric) out = { label: numeric[1]! }; // GNU-style local label, resolved by asm.ts
  else if (c.peekRe(/[+-]/)) out = { rel: c.signedOff(false, lo, hi, 'a jump offset') };
  else out = { label: c.ident('a jump target (pc+N, +N, -N or a label)') };
  if (c.peekRe(/</)) c.tryRe(/<[^>]*>/);
  return out;
}

function jumpInsn(insn: Insn, field: 'off' | 'imm', t: { rel?: number; label?: string }): ParsedInsn {
  if (t.label !== undefined) return { insn, target: t.label };
  return { insn: { ...insn, [field]: t.rel! } };
}

function parseIf(c: Cursor): ParsedInsn {
  const dst = c.reg();
  const at = c.here();
  const m = c.tryRe(/(s>=|s<=|s>|s<|==|!=|>=|<=|>|<|&)/);
  if (!m) c.fail('expected a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)', at);
  const op = JMP_OPS.get(m[0])!;
  const cls = dst.w ? BPF_JMP32 : BPF_JMP;
  let insn: Insn;
  if (c.peekReg()) {
    const src = c.reg();
    sameWidth(c, dst, src);
    insn = mkInsn(cls | op | BPF_X, dst.n, src.n, 0, 0);
  } else {
    insn = mkInsn(cls | op | BPF_K, dst.n, 0, 0, c.imm32(true, 'a register or an immediate'));
  }
  c.expect('goto', "'goto'");
  return jumpInsn(insn, 'off', target(c, -0x8000, 0x7fff));
}

function parseCall(c: Cursor): ParsedInsn {
  const call = (src: number, imm: number, off = 0): Insn => mkInsn(BPF_JMP | BPF_CALL, 0, src, off, imm);
  if (c.peekRe(/pc[+-]/)) {
    c.expect('pc');
    return { insn: call(BPF_PSEUDO_CALL, c.signedOff(false, -0x80000000, 0x7fffffff, 'a call offset')) };
  }
  if (c.peekInt()) return { insn: call(0, c.imm32(false, 'a helper id')) };
  const at = c.here();
  const name = c.ident('a helper name, a label, pc+N, or NAME#ID');
  if (c.try('#')) {
    const idAt = c.here();
    const id = c.imm32(false, 'a helper or BTF id');
    if (name === 'unknown') return { insn: call(0, id) };
    const known = helperId(name);
    if (known === undefined || !name.startsWith('bpf_')) return { insn: call(BPF_PSEUDO_KFUNC_CALL, id) };
    if (known !== id) c.fail(`expected id ${known} for helper ${name}, got ${id}`, idAt);
    return { insn: call(0, id) };
  }
  if (name.startsWith('bpf_')) {
    const id = helperId(name);
    if (id === undefined) c.fail(`expected a helper name, got unknown helper '${name}'`, at);
    return { insn: call(0, id) };
  }
  return { insn: call(BPF_PSEUDO_CALL, 0), target: name };
}

/** `lock *(u64 *)(r1 +0) += r2`. */
function parseLock(c: Cursor): ParsedInsn {
  c.expect('*', "'*'");
  const sz = c.sizeCast(false);
  const m = c.memOperand();
  const at = c.here();
  const op = c.tryRe(/(\+=|&=|\|=|\^=)/);
  if (!op) c.fail("expected '+=', '&=', '|=' or '^='", at);
  const src = c.reg();
  return { insn: mkInsn(BPF_STX | BPF_ATOMIC | sizeBits(sz), m.base, src.n, m.off, ALU_OPS.get(op[0])!) };
}

/** `*(u32 *)(r10 -4) = 0` or `= r1`. */
function parseStore(c: Cursor): ParsedInsn {
  const sz = c.sizeCast(false);
  const m = c.memOperand();
  c.expect('=', "'='");
  if (c.peekReg()) {
    const src = c.reg();
    return { insn: mkInsn(BPF_STX | BPF_MEM | sizeBits(sz), m.base, src.n, m.off, 0) };
  }
  return { insn: mkInsn(BPF_ST | BPF_MEM | sizeBits(sz), m.base, 0, m.off, c.imm32(true, 'a register or an immediate')) };
}

function parseStoreRelease(c: Cursor): ParsedInsn {
  c.expect('(', "'('");
  const sz = c.sizeCast(false);
  const m = c.memOperand();
  c.expect(',', "','");
  const src = c.reg();
  c.expect(')', "')'");
  return { insn: mkInsn(BPF_STX | BPF_ATOMIC | sizeBits(sz), m.base, src.n, m.off, BPF_STORE_REL) };
}

/** The right-hand side of `dst = atomic*_...(...)`, `xchg_64(...)`, `cmpxchg_64(...)`, `load_acquire(...)`. */
function parseAtomicCall(c: Cursor, dst: Reg, fn: string): ParsedInsn {
  c.expect('(', "'('");
  const llvm = /^(xchg|cmpxchg)(32)?_(32|64)$/.exec(fn);
  let sz: string;
  let mem;
  if (llvm) {
    sz = `u${llvm[3]}`;
    mem = { base: c.reg64(), off: c.signedOff(true) };
  } else {
    sz = c.sizeCast(false);
    mem = c.memOperand();
  }
  const atomic = (src: number, imm: number): ParsedInsn =>
    ({ insn: mkInsn(BPF_STX | BPF_ATOMIC | sizeBits(sz), mem.base, src, mem.off, imm) });
  if (fn === 'load_acquire') {
    c.expect(')', "')'");
    return { insn: mkInsn(BPF_STX | BPF_ATOMIC | sizeBits(sz), dst.n, mem.base, mem.off, BPF_LOAD_ACQ) };
  }
  c.expect(',', "','");
  const a = c.reg();
  const kind = llvm ? llvm[1]! : /^atomic(?:64)?_(fetch_(add|and|or|xor)|xchg|cmpxchg)$/.exec(fn)?.[1];
  if (kind === 'cmpxchg') {
    if (a.n !== 0) throw new SyntaxFail('expected r0 (cmpxchg compares with r0)', a.col);
    if (dst.n !== 0) throw new SyntaxFail('expected r0 as the destination of cmpxchg', dst.col);
    c.expect(',', "','");
    const src = c.reg();
    c.expect(')', "')'");
    return atomic(src.n, BPF_CMPXCHG);
  }
  c.expect(')', "')'");
  sameReg(dst, a, 'an atomic fetch writes back to its source register');
  if (kind === 'xchg') return atomic(a.n, BPF_XCHG);
  return atomic(a.n, ATOMIC_OPS[kind!.slice(6)]! | BPF_FETCH);
}

/** `rD = map[I] ll` and the other pseudo ld_imm64 forms (src_reg 1..6). */
function parsePseudoLd(c: Cursor, dst: Reg, kind: string): ParsedInsn {
  const src = LD_IMM64_PSEUDO.indexOf(kind);
  c.expect('[', "'['");
  let t: { rel?: number; label?: string } = {};
  let imm = 0;
  if (src === 4) t = target(c, -0x80000000, 0x7fffffff);
  else imm = c.imm32(true, 'an index, fd or id');
  c.expect(']', "']'");
  const hiAt = c.here();
  const hi = c.signedOff(true, -0x80000000, 0xffffffff, 'an offset');
  if (hi > 0x7fffffff) c.fail('expected an offset that fits in s32', hiAt);
  c.expect('ll', "'ll'");
  const base = mkLdImm64(dst.n, src, 0n);
  const insn: Insn = { ...base, imm: t.rel ?? imm, hi: { ...base.hi!, imm: hi } };
  return t.label !== undefined ? { insn, target: t.label } : { insn };
}

function parseLoad(c: Cursor, dst: Reg): ParsedInsn {
  const sz = c.sizeCast(true);
  if (c.try('skb')) {
    if (dst.n !== 0 || dst.w) throw new SyntaxFail('expected r0 (packet loads write r0)', dst.col);
    if (sz[0] === 's' || sz === 'u64') c.fail('expected a u8, u16 or u32 packet load');
    c.expect('[', "'['");
    if (c.peekReg()) {
      const src = c.reg64();
      const imm = c.signedOff(false, -0x80000000, 0x7fffffff, 'an offset');
      c.expect(']', "']'");
      return { insn: mkInsn(BPF_LD | BPF_IND | sizeBits(sz), 0, src, 0, imm) };
    }
    const imm = c.imm32(false, 'a packet offset');
    c.expect(']', "']'");
    return { insn: mkInsn(BPF_LD | BPF_ABS | sizeBits(sz), 0, 0, 0, imm) };
  }
  const m = c.memOperand();
  const mode = sz[0] === 's' ? BPF_MEMSX : BPF_MEM;
  if (dst.w && sz === 'u64') throw new SyntaxFail('expected a 64-bit register for a u64 load', dst.col);
  return { insn: mkInsn(BPF_LDX | mode | sizeBits(sz), dst.n, m.base, m.off, 0) };
}

function parseMovImm(c: Cursor, dst: Reg): ParsedInsn {
  const at = c.here();
  if (!dst.w && c.peekRe(/[A-Za-z_.$][\w.$]*(?:%=)?\s+ll(?![\w])/)) {
    const label = c.ident(); // llvm's `r2 = callback ll`: the address of a subprogram
    c.expect('ll');
    return { insn: mkLdImm64(dst.n, BPF_PSEUDO_FUNC, 0n), target: label };
  }
  const v = c.int('a register, an immediate or an expression');
  const ll = c.try('ll');
  if (!dst.w && (ll || v < -0x80000000n || v > 0x7fffffffn)) {
    if (v < -(1n << 63n) || v >= 1n << 64n) c.fail('expected a value that fits in 64 bits', at);
    return { insn: mkLdImm64(dst.n, 0, v) };
  }
  if (ll) c.fail("expected a 64-bit register for an 'll' constant", at);
  c.pos = at;
  const imm = c.imm32(dst.w, 'an immediate');
  return { insn: mkInsn((dst.w ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_K, dst.n, 0, 0, imm) };
}

const ASSIGN_FNS = /(atomic(?:64)?_(?:fetch_(?:add|and|or|xor)|xchg|cmpxchg)|(?:xchg|cmpxchg)(?:32)?_(?:32|64)|load_acquire|addr_space_cast|map_value_fd|map_value|map_fd|map|btf_id|func|be16|be32|be64|le16|le32|le64|bswap16|bswap32|bswap64)(?![\w])/;

/** `dst = <rhs>`: mov, neg, movsx, loads, byte swaps, atomics with a result, ld_imm64. */
function parseAssign(c: Cursor, dst: Reg): ParsedInsn {
  const cls = dst.w ? BPF_ALU : BPF_ALU64;
  if (c.peekRe(/-\s*[rw](10|[0-9])(?![\w])/)) {
    c.expect('-');
    const r = c.reg();
    sameReg(dst, r, 'negation is in place');
    return { insn: mkInsn(cls | BPF_NEG, dst.n, 0, 0, 0) };
  }
  const sx = c.tryRe(/\(\s*s(8|16|32)\s*\)/);
  if (sx) {
    const src = c.reg();
    sameWidth(c, dst, src);
    return { insn: mkInsn(cls | BPF_MOV | BPF_X, dst.n, src.n, Number(sx[1]), 0) };
  }
  if (c.try('*')) return parseLoad(c, dst);
  const fn = c.tryRe(ASSIGN_FNS);
  if (fn) return parseAssignFn(c, dst, fn[1]!);
  if (c.peekReg()) {
    const src = c.reg();
    sameWidth(c, dst, src);
    return { insn: mkInsn(cls | BPF_MOV | BPF_X, dst.n, src.n, 0, 0) };
  }
  return parseMovImm(c, dst);
}

function parseAssignFn(c: Cursor, dst: Reg, fn: string): ParsedInsn {
  const end = /^(be|le|bswap)(16|32|64)$/.exec(fn);
  if (end) {
    const r = c.reg();
    sameReg({ ...dst, w: false }, { ...r, w: false }, 'byte swaps are in place');
    const code = end[1] === 'bswap' ? BPF_ALU64 | BPF_END | BPF_K : BPF_ALU | BPF_END | (end[1] === 'be' ? BPF_X : BPF_K);
    return { insn: mkInsn(code, dst.n, 0, 0, Number(end[2])) };
  }
  if (LD_IMM64_PSEUDO.includes(fn)) return parsePseudoLd(c, dst, fn);
  if (fn === 'addr_space_cast') {
    c.expect('(', "'('");
    const src = c.reg64();
    c.expect(',', "','");
    const to = c.intIn(0, 0xffff, 'an address space');
    c.expect(',', "','");
    const from = c.intIn(0, 0xffff, 'an address space');
    c.expect(')', "')'");
    return { insn: mkInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst.n, src, BPF_ADDR_SPACE_CAST, ((to << 16) | from) | 0) };
  }
  return parseAtomicCall(c, dst, fn);
}

/** `dst op= src|imm` for every ALU operator. */
function parseAluOp(c: Cursor, dst: Reg, opTok: string): ParsedInsn {
  const signedOp = SIGN_OPS.get(opTok);
  const op = signedOp ?? ALU_OPS.get(opTok)!;
  const off = signedOp !== undefined ? 1 : 0;
  const cls = dst.w ? BPF_ALU : BPF_ALU64;
  if (c.peekReg()) {
    const src = c.reg();
    sameWidth(c, dst, src);
    return { insn: mkInsn(cls | op | BPF_X, dst.n, src.n, off, 0) };
  }
  return { insn: mkInsn(cls | op | BPF_K, dst.n, 0, off, c.imm32(true, 'a register or an immediate')) };
}

function parseRegStatement(c: Cursor): ParsedInsn {
  const dst = c.reg();
  const at = c.here();
  const m = c.tryRe(/(s>>=|s\/=|s%=|<<=|>>=|\+=|-=|\*=|\/=|%=|\|=|&=|\^=|=)/);
  if (!m) c.fail("expected an assignment operator ('=', '+=', '-=', ...)", at);
  return m[0] === '=' ? parseAssign(c, dst) : parseAluOp(c, dst, m[0]);
}

type StatementFn = (c: Cursor) => ParsedInsn;
/** Statements that start with a keyword, one handler each. */
const BY_KEYWORD: ReadonlyArray<readonly [RegExp, StatementFn]> = [
  [/exit(?![\w])/, () => ({ insn: mkInsn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) })],
  [/gotol(?![\w])/, (c) => jumpInsn(mkInsn(BPF_JMP32 | BPF_JA, 0, 0, 0, 0), 'imm', target(c, -0x80000000, 0x7fffffff))],
  [/goto(?![\w])/, (c) => jumpInsn(mkInsn(BPF_JMP | BPF_JA, 0, 0, 0, 0), 'off', target(c, -0x8000, 0x7fff))],
  [/may_goto(?![\w])/, (c) => jumpInsn(mkInsn(BPF_JMP | BPF_JCOND, 0, 0, 0, 0), 'off', target(c, -0x8000, 0x7fff))],
  [/call(?![\w])/, parseCall],
  [/if(?![\w])/, parseIf],
  [/lock(?![\w])/, parseLock],
  [/store_release(?![\w])/, parseStoreRelease],
  [/\*/, parseStore],
];

/** One instruction statement; the cursor is at its first character. */
export function parseInsnStatement(c: Cursor): ParsedInsn {
  for (const [re, fn] of BY_KEYWORD) {
    if (c.tryRe(re)) {
      const out = fn(c);
      c.end();
      return out;
    }
  }
  const bad = c.peekRe(/[rw][0-9]+(?![\w])/) && !c.peekReg();
  if (bad) c.fail('expected a register r0..r10 or w0..w10');
  if (!c.peekReg()) c.fail('expected an instruction (a register, if, goto, call, exit, lock, *(...) = ...) or a directive');
  const out = parseRegStatement(c);
  c.end();
  return out;
}
