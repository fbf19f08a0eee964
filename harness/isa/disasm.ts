/**
 * Disassembler: one instruction to the text of the kernel verifier log, and a program to an
 * assembly listing that `asm.ts` reads back to the very same bytes.
 *
 * `kernelInsnText` mirrors Linux 6.18 `print_bpf_insn` (kernel/bpf/disasm.c) as the verifier
 * calls it (allow_ptr_leaks, kfunc names through a callback): `(bf) r2 = r10`, what the log
 * shows after `N: `. `listingLine` is the same text without the opcode prefix, except where the
 * kernel text loses bytes: an ld_imm64 keeps its pseudo kind and a ` ll` suffix, and every
 * instruction that fails `checkInsn` (or that the text cannot carry, a kfunc call with off != 0)
 * becomes a `.raw` line with its bytes. Invariant: assemble(listing(insns)) == insns, byte for byte.
 */
import { type Insn, imm64, layoutOf } from './insn.ts';
import { encode, bytesToHex } from './codec.ts';
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM, BPF_IND, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_LD,
  BPF_LDX, BPF_LOAD_ACQ, BPF_MAY_GOTO, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_OR,
  BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_X, BPF_XCHG, BPF_XOR,
  BPF_ADDR_SPACE_CAST, bpfClass, bpfMode, bpfOp, bpfSize, bpfSrc,
} from './opcodes.ts';
import { checkInsn } from './validate.ts';
import { helperName } from './helpers.ts';
import { targetField } from './builder.ts';
import { type Program } from './program.ts';
import { directivesOf } from './asm-directives.ts';

export interface KernelTextOptions {
  /** Name of a kfunc by BTF id and fd_array index (the verifier's `disasm_kfunc_name`). */
  readonly kfuncName?: (btfId: number, off: number) => string | undefined;
  /** The value the log shows for an ld_imm64 (after map resolution: the kernel address). */
  readonly ldImm64Value?: (insn: Insn) => bigint | undefined;
}

export const CLASS_STRING = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'] as const;
export const ALU_STRING: Readonly<Record<number, string>> = {
  0x00: '+=', 0x10: '-=', 0x20: '*=', 0x30: '/=', 0x40: '|=', 0x50: '&=', 0x60: '<<=', 0x70: '>>=',
  0x80: 'neg', 0x90: '%=', 0xa0: '^=', 0xb0: '=', 0xc0: 's>>=', 0xd0: 'endian',
};
export const ALU_SIGN_STRING: Readonly<Record<number, string>> = { 0x30: 's/=', 0x90: 's%=' };
export const JMP_STRING: Readonly<Record<number, string>> = {
  0x00: 'jmp', 0x10: '==', 0x20: '>', 0xa0: '<', 0x30: '>=', 0xb0: '<=', 0x40: '&', 0x50: '!=',
  0x60: 's>', 0xc0: 's<', 0x70: 's>=', 0xd0: 's<=', 0x80: 'call', 0x90: 'exit',
};
export const LDST_STRING: Readonly<Record<number, string>> = { 0x00: 'u32', 0x08: 'u16', 0x10: 'u8', 0x18: 'u64' };
export const LDSX_STRING: Readonly<Record<number, string>> = { 0x00: 's32', 0x08: 's16', 0x10: 's8' };
const MOVSX_STRING: Readonly<Record<number, string>> = { 8: '(s8)', 16: '(s16)', 32: '(s32)' };
const ATOMIC_ALU_STRING: Readonly<Record<number, string>> = { 0x00: 'add', 0x50: 'and', 0x40: 'or', 0xa0: 'xor' };

/** C's `%+d`. */
const signed = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
/** C's `%02x` of the opcode byte. */
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const regc = (is32: boolean): string => (is32 ? 'w' : 'r');
const mem = (insn: Insn, reg: number): string => `(r${reg} ${signed(insn.off)})`;

// ---- one text function per instruction kind; each returns the text after "(op) " ----

function aluText(insn: Insn): string {
  const cls = bpfClass(insn.code);
  const w = regc(cls === BPF_ALU);
  const op = bpfOp(insn.code);
  if (op === BPF_END) {
    if (cls === BPF_ALU64) return `r${insn.dst} = bswap${insn.imm} r${insn.dst}`;
    return `r${insn.dst} = ${bpfSrc(insn.code) === BPF_X ? 'be' : 'le'}${insn.imm} r${insn.dst}`;
  }
  if (op === BPF_NEG) return `${w}${insn.dst} = -${w}${insn.dst}`;
  if (insn.code === (BPF_ALU64 | BPF_MOV | BPF_X) && insn.off === BPF_ADDR_SPACE_CAST) {
    return `r${insn.dst} = addr_space_cast(r${insn.src}, ${insn.imm >>> 16}, ${insn.imm & 0xffff})`;
  }
  if (insn.code === (BPF_ALU64 | BPF_MOV | BPF_X) && insn.off === -1) {
    return `r${insn.dst} = &(void __percpu *)(r${insn.src})`;
  }
  const sdiv = (op === BPF_DIV || op === BPF_MOD) && insn.off === 1;
  const opText = sdiv ? ALU_SIGN_STRING[op]! : ALU_STRING[op]!;
  if (bpfSrc(insn.code) === BPF_X) {
    const movsx = op === BPF_MOV ? (MOVSX_STRING[insn.off] ?? '') : '';
    return `${w}${insn.dst} ${opText} ${movsx}${w}${insn.src}`;
  }
  return `${w}${insn.dst} ${opText} ${insn.imm}`;
}

function atomicText(insn: Insn): string | undefined {
  const sz = LDST_STRING[bpfSize(insn.code)]!;
  const a64 = bpfSize(insn.code) === BPF_DW ? '64' : '';
  const at = `(${sz} *)${mem(insn, insn.dst)}`;
  const rmw = insn.imm & ~BPF_FETCH;
  if ([BPF_ADD, BPF_AND, BPF_OR, BPF_XOR].includes(insn.imm)) {
    return `lock *${at} ${ALU_STRING[insn.imm]!} r${insn.src}`;
  }
  if ((insn.imm & BPF_FETCH) && [BPF_ADD, BPF_AND, BPF_OR, BPF_XOR].includes(rmw)) {
    return `r${insn.src} = atomic${a64}_fetch_${ATOMIC_ALU_STRING[rmw]!}(${at}, r${insn.src})`;
  }
  if (insn.imm === BPF_CMPXCHG) return `r0 = atomic${a64}_cmpxchg(${at}, r0, r${insn.src})`;
  if (insn.imm === BPF_XCHG) return `r${insn.src} = atomic${a64}_xchg(${at}, r${insn.src})`;
  if (insn.imm === BPF_LOAD_ACQ) return `r${insn.dst} = load_acquire((${sz} *)${mem(insn, insn.src)})`;
  if (insn.imm === BPF_STORE_REL) return `store_release(${at}, r${insn.src})`;
  return undefined;
}

function stxText(insn: Insn): string {
  const sz = LDST_STRING[bpfSize(insn.code)]!;
  if (bpfMode(insn.code) === BPF_MEM) return `*(${sz} *)${mem(insn, insn.dst)} = r${insn.src}`;
  const text = bpfMode(insn.code) === BPF_ATOMIC ? atomicText(insn) : undefined;
  return text ?? `BUG_${hex2(insn.code)}`;
}

function stText(insn: Insn): string {
  if (bpfMode(insn.code) === BPF_MEM) {
    return `*(${LDST_STRING[bpfSize(insn.code)]!} *)${mem(insn, insn.dst)} = ${insn.imm}`;
  }
  if (bpfMode(insn.code) === 0xc0) return 'nospec';
  return `BUG_st_${hex2(insn.code)}`;
}

function ldxText(insn: Insn): string {
  const mode = bpfMode(insn.code);
  if (mode !== BPF_MEM && mode !== BPF_MEMSX) return `BUG_ldx_${hex2(insn.code)}`;
  const sz = (mode === BPF_MEM ? LDST_STRING : LDSX_STRING)[bpfSize(insn.code)] ?? '(null)';
  return `r${insn.dst} = *(${sz} *)${mem(insn, insn.src)}`;
}

function ldText(insn: Insn, opts: KernelTextOptions): string {
  const mode = bpfMode(insn.code);
  const sz = LDST_STRING[bpfSize(insn.code)]!;
  if (mode === BPF_ABS) return `r0 = *(${sz} *)skb[${insn.imm}]`;
  if (mode === BPF_IND) return `r0 = *(${sz} *)skb[r${insn.src} + ${insn.imm}]`;
  if (mode === BPF_IMM && bpfSize(insn.code) === BPF_DW) {
    // DIVERGENCE: the log shows map / BTF loads after resolution (a kernel address); without
    // `ldImm64Value` we print the unresolved 64-bit immediate (map index, fd or BTF id).
    const v = opts.ldImm64Value?.(insn) ?? imm64(insn);
    return `r${insn.dst} = 0x${v.toString(16)}`;
  }
  return `BUG_ld_${hex2(insn.code)}`;
}

function callText(insn: Insn, opts: KernelTextOptions): string {
  if (insn.src === BPF_PSEUDO_CALL) return `call pc${signed(insn.imm)}`;
  let name: string | undefined;
  if (insn.src === 0) name = helperName(insn.imm);
  if (name === undefined && insn.src === BPF_PSEUDO_KFUNC_CALL) {
    // DIVERGENCE: the verifier names a kfunc from BTF (disasm_kfunc_name); without `kfuncName`
    // we print disasm.c's own fallback, `kernel-function`.
    name = opts.kfuncName?.(insn.imm, insn.off) ?? 'kernel-function';
  }
  return `call ${name ?? 'unknown'}#${insn.imm}`;
}

function jmpText(insn: Insn, opts: KernelTextOptions): string {
  const cls = bpfClass(insn.code);
  const op = bpfOp(insn.code);
  if (op === BPF_CALL) return callText(insn, opts);
  if (insn.code === (BPF_JMP | BPF_JA)) return `goto pc${signed(insn.off)}`;
  if (insn.code === (BPF_JMP | BPF_JCOND) && insn.src === BPF_MAY_GOTO) return `may_goto pc${signed(insn.off)}`;
  if (insn.code === (BPF_JMP32 | BPF_JA)) return `gotol pc${signed(insn.imm)}`;
  if (insn.code === (BPF_JMP | BPF_EXIT)) return 'exit';
  const w = regc(cls === BPF_JMP32);
  const opText = JMP_STRING[op] ?? '(null)';
  if (bpfSrc(insn.code) === BPF_X) return `if ${w}${insn.dst} ${opText} ${w}${insn.src} goto pc${signed(insn.off)}`;
  return `if ${w}${insn.dst} ${opText} 0x${(insn.imm >>> 0).toString(16)} goto pc${signed(insn.off)}`;
}

type TextFn = (insn: Insn, opts: KernelTextOptions) => string;
/** One handler per instruction class. */
const BY_CLASS: Readonly<Record<number, TextFn>> = {
  [BPF_LD]: ldText, [BPF_LDX]: ldxText, [BPF_ST]: stText, [BPF_STX]: stxText,
  [BPF_ALU]: aluText, [BPF_ALU64]: aluText, [BPF_JMP]: jmpText, [BPF_JMP32]: jmpText,
};

/** The instruction's text without the `(op) ` prefix, as print_bpf_insn writes it. */
export function kernelInsnBody(insn: Insn, opts: KernelTextOptions = {}): string {
  return BY_CLASS[bpfClass(insn.code)]!(insn, opts);
}

/** Exactly what the verifier log shows after `N: `, e.g. `(85) call bpf_map_lookup_elem#1`. */
export function kernelInsnText(insn: Insn, opts: KernelTextOptions = {}): string {
  const body = kernelInsnBody(insn, opts);
  return body.startsWith('BUG_') ? body : `(${hex2(insn.code)}) ${body}`;
}

/**
 * The instruction lines of a verifier log, `N: (op) text`, N counting 8-byte slots as the kernel
 * does (an ld_imm64 takes two).
 */
export function kernelListing(insns: readonly Insn[], opts: KernelTextOptions = {}): string[] {
  const { slotOfPc } = layoutOf(insns);
  return insns.map((insn, i) => `${slotOfPc[i]}: ${kernelInsnText(insn, opts)}`);
}

// ---- the re-assemblable listing ----

/** ld_imm64 pseudo kinds by src_reg, as the assembler spells them (`r1 = map[0] ll`). */
export const LD_IMM64_PSEUDO: readonly string[] = ['', 'map_fd', 'map_value_fd', 'btf_id', 'func', 'map', 'map_value'];

function ldImm64Listing(insn: Insn): string {
  if (insn.src === 0) return `r${insn.dst} = 0x${imm64(insn).toString(16)} ll`;
  const hi = insn.hi?.imm ?? 0;
  const arg = insn.src === 4 ? `pc${signed(insn.imm)}` : `${insn.imm}`;
  const extra = hi === 0 ? '' : hi > 0 ? ` + ${hi}` : ` - ${-hi}`;
  return `r${insn.dst} = ${LD_IMM64_PSEUDO[insn.src]!}[${arg}]${extra} ll`;
}

/** A `.raw` line: the instruction's bytes in wire order (16 for an ld_imm64). */
export function rawLine(insn: Insn): string {
  return `.raw ${bytesToHex(encode([insn]))}`;
}

/** One listing line for an instruction (no label, no indentation). */
export function listingLine(insn: Insn): string {
  const v = checkInsn(insn);
  if (v) return `${rawLine(insn)} // invalid: ${v.message}`;
  if (insn.code === 0x18) return ldImm64Listing(insn);
  if (insn.code === (BPF_JMP | BPF_CALL) && insn.src === BPF_PSEUDO_KFUNC_CALL && insn.off !== 0) {
    return `${rawLine(insn)} // call kernel-function#${insn.imm} with off=${insn.off}`;
  }
  return kernelInsnBody(insn);
}

export interface ListingOptions {
  /** Append `// N` (the logical instruction index) to each line. */
  readonly indices?: boolean;
  /** Jump targets as labels `L<slot>:` instead of `pc+N` (where the target is an instruction). */
  readonly labels?: boolean;
}

/** For each instruction index with an in-program target, the target's slot. */
function jumpTargets(insns: readonly Insn[]): Map<number, number> {
  const { slotOfPc, pcOfSlot } = layoutOf(insns);
  const out = new Map<number, number>();
  insns.forEach((insn, i) => {
    const f = checkInsn(insn) ? undefined : targetField(insn);
    if (!f) return;
    const to = slotOfPc[i]! + 1 + insn[f];
    if (to === slotOfPc[insns.length] || (to >= 0 && to < pcOfSlot.length && pcOfSlot[to]! >= 0)) out.set(i, to);
  });
  return out;
}

/** Instructions to assembly text, one line each; re-assembles to the same bytes. */
export function listInsns(insns: readonly Insn[], opts: ListingOptions = {}): string {
  const targets = opts.labels ? jumpTargets(insns) : new Map<number, number>();
  const wanted = new Set(targets.values());
  const { slotOfPc } = layoutOf(insns);
  const out: string[] = [];
  insns.forEach((insn, i) => {
    if (wanted.has(slotOfPc[i]!)) out.push(`L${slotOfPc[i]}:`);
    const to = targets.get(i);
    let line = listingLine(insn);
    if (to !== undefined) line = line.replace(/pc[+-]\d+(?!.*pc[+-]\d)/, `L${to}`);
    out.push(opts.indices && !line.includes('//') ? `\t${line.padEnd(40)} // ${i}` : `\t${line}`);
  });
  if (wanted.has(slotOfPc[insns.length]!)) out.push(`L${slotOfPc[insns.length]}:`);
  return out.map((l) => l + '\n').join('');
}

/** A whole Program to assembly: `.prog`, `.flags`, `.map` directives, then the listing. */
export function disassembleProgram(p: Program, opts: ListingOptions = {}): string {
  return directivesOf(p).join('\n') + '\n' + listInsns(p.insns, opts);
}
