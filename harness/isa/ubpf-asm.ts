/**
 * Assembler for the bpf_conformance / uBPF assembly syntax (the `-- asm` sections of the
 * bpf_conformance `.data` files): `mov %r0, 1`, `add32 %r0, %r1`, `ldxw %r0, [%r1+4]`,
 * `stxdw [%r10-8], %r0`, `jeq %r1, 0x1, +2`, `jne %r0, 0, label`, `lddw %r0, 0x...`,
 * `lock fetch add32 [%r10-4], %r1`, `call local f`, `call 5`, `call %r2`, `be16 %r0`, ...
 *
 * Conventions (those of the upstream assembler, so the bytes match its output): `#` starts a
 * comment; `name:` defines a label at the next instruction; a jump to a label is relative to the
 * next instruction (in slots); an undefined `exit` label means the first `exit` instruction;
 * sdiv/smod set off = 1; movsxNM sets off = N in the class of width M; be/le/bswap put the width
 * in imm; ja32 (opcode 0x06) carries its target in imm; `call local L` has src = 1 and imm = the
 * relative target; `call %rN` is callx (opcode 0x8d, register in dst; Linux rejects it);
 * atomics are 0xdb (64) / 0xc3 (32) with the operation (| 1 for fetch) in imm.
 * Errors are UserErrors naming `file:line:col`.
 */
import { UserError } from '../errors.ts';
import { type Insn, mkInsn, mkLdImm64 } from './insn.ts';

const ALU: Record<string, number> = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70, neg: 0x80, mod: 0x90,
  xor: 0xa0, mov: 0xb0, arsh: 0xc0, sdiv: 0x30, smod: 0x90,
};
const JMP: Record<string, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70, jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0,
};
const SIZE: Record<string, number> = { w: 0x00, h: 0x08, b: 0x10, dw: 0x18 };
const ATOMIC: Record<string, number> = { add: 0x00, or: 0x40, and: 0x50, xor: 0xa0, xchg: 0xe1, cmpxchg: 0xf1 };

interface Line { readonly text: string; readonly line: number; readonly col: number }
type Pending = { insn: Insn; label?: string; kind?: 'off' | 'imm'; at: Line };

class Ctx {
  constructor(readonly file: string) {}
  fail(at: Line, msg: string): never {
    throw new UserError(`${this.file}:${at.line}:${at.col}: ${msg}`);
  }
}

function reg(c: Ctx, at: Line, s: string | undefined): number {
  const m = /^%r(\d+)$/.exec(s ?? '');
  if (!m || Number(m[1]) > 10) c.fail(at, `expected a register %r0..%r10, found '${s ?? ''}'`);
  return Number(m[1]);
}

function num(c: Ctx, at: Line, s: string | undefined, bits: 32 | 64 = 32): bigint {
  const t = (s ?? '').trim();
  if (!/^[+-]?(0x[0-9a-fA-F]+|\d+)$/.test(t)) c.fail(at, `expected a number, found '${t}'`);
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  const v = neg ? -BigInt(body) : BigInt(body);
  const lim = 1n << BigInt(bits);
  if (v < -(lim >> 1n) || v >= lim) c.fail(at, `immediate ${t} does not fit in ${bits} bits`);
  return v;
}

const imm32 = (c: Ctx, at: Line, s: string | undefined): number => Number(BigInt.asIntN(32, num(c, at, s)));

function memOperand(c: Ctx, at: Line, s: string | undefined): [number, number] {
  const m = /^\[\s*(%r\d+)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?\s*\]$/.exec(s ?? '');
  if (!m) c.fail(at, `expected a memory operand [%rN+off], found '${s ?? ''}'`);
  const off = m[3] ? Number(BigInt(m[3])) * (m[2] === '-' ? -1 : 1) : 0;
  if (off < -32768 || off > 32767) c.fail(at, `offset ${off} does not fit in 16 bits`);
  return [reg(c, at, m[1]), off];
}

/** A jump target: a signed number of slots or a label. */
function target(c: Ctx, at: Line, s: string | undefined): { off?: number; label?: string } {
  const t = (s ?? '').trim();
  if (/^[+-]?(0x[0-9a-fA-F]+|\d+)$/.test(t)) return { off: Number(num(c, at, t)) };
  if (/^[A-Za-z_.][\w.]*$/.test(t)) return { label: t };
  return c.fail(at, `expected a jump target (+N, -N or a label), found '${t}'`);
}

function splitOperands(rest: string): string[] {
  return rest.length === 0 ? [] : rest.split(',').map((x) => x.trim());
}

function alu(c: Ctx, at: Line, mn: string, ops: string[]): Insn {
  const m = /^(movsx)(8|16|32)(32|64)$/.exec(mn);
  if (m) {
    const cls = m[3] === '64' ? 0x07 : 0x04;
    return mkInsn(cls | 0xb0 | 0x08, reg(c, at, ops[0]), reg(c, at, ops[1]), Number(m[2]), 0);
  }
  const is32 = mn.endsWith('32');
  const base = is32 ? mn.slice(0, -2) : mn;
  const op = ALU[base]!;
  const cls = is32 ? 0x04 : 0x07;
  const off = base === 'sdiv' || base === 'smod' ? 1 : 0;
  const dst = reg(c, at, ops[0]);
  if (base === 'neg') return mkInsn(cls | op, dst, 0, 0, 0);
  if (ops.length !== 2) c.fail(at, `${mn} takes two operands`);
  if (ops[1]!.startsWith('%')) return mkInsn(cls | op | 0x08, dst, reg(c, at, ops[1]), off, 0);
  return mkInsn(cls | op, dst, 0, off, imm32(c, at, ops[1]));
}

function endian(c: Ctx, at: Line, mn: string, ops: string[]): Insn {
  const m = /^(be|le|bswap|swap)(16|32|64)$/.exec(mn)!;
  const code = m[1] === 'be' ? 0xdc : m[1] === 'le' ? 0xd4 : 0xd7;
  return mkInsn(code, reg(c, at, ops[0]), 0, 0, Number(m[2]));
}

function jump(c: Ctx, at: Line, mn: string, ops: string[]): Pending {
  if (mn === 'ja' || mn === 'ja32') {
    const t = target(c, at, ops[0]);
    const long = mn === 'ja32';
    const insn = mkInsn(long ? 0x06 : 0x05, 0, 0, long ? 0 : (t.off ?? 0), long ? (t.off ?? 0) : 0);
    return { insn, ...(t.label ? { label: t.label } : {}), kind: long ? 'imm' : 'off', at };
  }
  const is32 = mn.endsWith('32');
  const op = JMP[is32 ? mn.slice(0, -2) : mn]!;
  const cls = is32 ? 0x06 : 0x05;
  if (ops.length !== 3) c.fail(at, `${mn} takes three operands`);
  const dst = reg(c, at, ops[0]);
  const t = target(c, at, ops[2]);
  const insn = ops[1]!.startsWith('%')
    ? mkInsn(cls | op | 0x08, dst, reg(c, at, ops[1]), t.off ?? 0, 0)
    : mkInsn(cls | op, dst, 0, t.off ?? 0, imm32(c, at, ops[1]));
  return { insn, ...(t.label ? { label: t.label } : {}), kind: 'off', at };
}

function call(c: Ctx, at: Line, rest: string): Pending {
  const words = rest.split(/\s+/);
  if (words[0] === 'local') {
    const t = target(c, at, words[1]);
    return { insn: mkInsn(0x85, 0, 1, 0, t.off ?? 0), ...(t.label ? { label: t.label } : {}), kind: 'imm', at };
  }
  if (words[0] === 'runtime') return { insn: mkInsn(0x85, 0, 2, 0, imm32(c, at, words[1])), at };
  if (words[0]?.startsWith('%')) return { insn: mkInsn(0x8d, reg(c, at, words[0]), 0, 0, 0), at };
  return { insn: mkInsn(0x85, 0, 0, 0, imm32(c, at, words[0])), at };
}

function memInsn(c: Ctx, at: Line, mn: string, ops: string[]): Insn | undefined {
  let m = /^ldx(s?)(b|h|w|dw)$/.exec(mn);
  if (m) {
    const [src, off] = memOperand(c, at, ops[1]);
    return mkInsn(0x01 | (m[1] ? 0x80 : 0x60) | SIZE[m[2]!]!, reg(c, at, ops[0]), src, off, 0);
  }
  m = /^(st|stx)(b|h|w|dw)$/.exec(mn);
  if (m) {
    const [dst, off] = memOperand(c, at, ops[0]);
    if (m[1] === 'stx') return mkInsn(0x63 | SIZE[m[2]!]!, dst, reg(c, at, ops[1]), off, 0);
    return mkInsn(0x62 | SIZE[m[2]!]!, dst, 0, off, imm32(c, at, ops[1]));
  }
  return undefined;
}

function atomic(c: Ctx, at: Line, rest: string): Insn {
  const m = /^(fetch\s+)?(add|or|and|xor|xchg|cmpxchg)(32)?\s+(.*)$/.exec(rest);
  if (!m) c.fail(at, `expected 'lock [fetch] add|or|and|xor|xchg|cmpxchg[32] [%rN+off], %rM'`);
  const ops = splitOperands(m[4]!);
  const [dst, off] = memOperand(c, at, ops[0]);
  const imm = ATOMIC[m[2]!]! | (m[1] ? 1 : 0);
  return mkInsn(m[3] ? 0xc3 : 0xdb, dst, reg(c, at, ops[1]), off, imm);
}

function instruction(c: Ctx, at: Line): Pending {
  const sp = /^(\S+)\s*(.*)$/.exec(at.text)!;
  const mn = sp[1]!.toLowerCase();
  const rest = sp[2]!.trim();
  const ops = splitOperands(rest);
  if (mn === 'exit') return { insn: mkInsn(0x95, 0, 0, 0, 0), at };
  if (mn === 'call') return call(c, at, rest);
  if (mn === 'lock') return { insn: atomic(c, at, rest), at };
  if (mn === 'lddw') return { insn: mkLdImm64(reg(c, at, ops[0]), 0, num(c, at, ops[1], 64)), at };
  if (/^(be|le|bswap|swap)(16|32|64)$/.test(mn)) return { insn: endian(c, at, mn, ops), at };
  if (/^movsx(8|16|32)(32|64)$/.test(mn) || ALU[mn.replace(/32$/, '')] !== undefined) return { insn: alu(c, at, mn, ops), at };
  if (mn === 'ja' || mn === 'ja32' || JMP[mn.replace(/32$/, '')] !== undefined) return jump(c, at, mn, ops);
  const mem = memInsn(c, at, mn, ops);
  if (mem) return { insn: mem, at };
  return c.fail(at, `unknown mnemonic '${sp[1]}'`);
}

/** Assemble bpf_conformance / uBPF assembly. `file` names the source in error messages. */
export function assembleUbpf(text: string, file = '<asm>'): Insn[] {
  const c = new Ctx(file);
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  let slot = 0;
  let firstExit = -1;
  text.split('\n').forEach((raw, i) => {
    const body = raw.replace(/#.*$/, '');
    const col = body.length - body.trimStart().length + 1;
    let t = body.trim();
    const lm = /^([A-Za-z_.][\w.]*):\s*(.*)$/.exec(t);
    if (lm) {
      if (labels.has(lm[1]!)) c.fail({ text: t, line: i + 1, col }, `duplicate label '${lm[1]}'`);
      labels.set(lm[1]!, slot);
      t = lm[2]!.trim();
    }
    if (!t) return;
    const p = instruction(c, { text: t, line: i + 1, col });
    if (p.insn.code === 0x95 && firstExit < 0) firstExit = slot;
    pending.push({ ...p, insn: p.insn });
    slot += p.insn.code === 0x18 ? 2 : 1;
  });
  if (firstExit >= 0 && !labels.has('exit')) labels.set('exit', firstExit);
  const out: Insn[] = [];
  slot = 0;
  for (const p of pending) {
    let insn = p.insn;
    if (p.label !== undefined) {
      const t = labels.get(p.label) ?? c.fail(p.at, `undefined label '${p.label}'`);
      const rel = t - (slot + 1);
      insn = p.kind === 'imm' ? { ...insn, imm: rel } : { ...insn, off: rel };
    }
    out.push(insn);
    slot += insn.code === 0x18 ? 2 : 1;
  }
  return out;
}
