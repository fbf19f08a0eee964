/**
 * Loading: a Program decoded once into flat typed arrays (`Code`) the interpreter indexes by
 * logical pc, validated once so the hot loop never validates.
 *
 * Invariants of a Code: every instruction passed `checkInsn` (or is an enabled extension);
 * every jump and bpf-to-bpf call target is a logical pc inside the program; every ld_imm64 is
 * resolved to its 64-bit constant (map handles and map value addresses included), so the
 * interpreter treats them all alike; index `n` holds the XOP_END sentinel.
 *
 * Two paths build the same words: the numeric one (load-fast.ts) takes every program it is sure
 * of, straight from the bytes; this module's Insn-based path is the reference, takes the rest
 * and words every refusal.
 */
import type { Insn } from '../isa/insn.ts';
import { checkInsn } from '../isa/validate.ts';
import { opcodeRow, type OpcodeRow } from '../isa/opcodes.ts';
import * as rules from './load-rules.ts';
import * as fast from './load-fast.ts';
import type { ProgType } from '../isa/program.ts';
import type { LoadError } from './fault.ts';
import { XOP_CALLX, XOP_END, xopOf } from './xop.ts';
import { analyzeInit } from './init-analysis.ts';
import * as slab from './slab.ts';
import { FUNC_RID, ptrHi, ptrLo } from './memory.ts';

export { F_IMM, F_IMM2, F_MASK, F_OP, F_TGT, STRIDE } from './code-layout.ts';
import * as layout from './code-layout.ts';
import type { CodeWords } from './code-layout.ts';

// Module-local copies (a read through an import binding can compile to a getter call).
const { F_IMM, F_IMM2, F_MASK, F_OP, F_TGT, STRIDE, newCodeWords, wordsFor } = layout;
const { scratchWords } = slab;

export interface Code {
  readonly n: number;
  /**
   * Every register read (and every exit's r0) is proven initialized statically (init-analysis.ts),
   * computed on first use. Informational: the run tracks initialized registers either way (the
   * code words carry every read and write mask), which costs the interpreter the same per
   * instruction as running without tracking, and the soundness of the proof is tested against
   * that tracking (init-analysis.test.ts).
   */
  readonly staticInit: boolean;
  /** Code words (code-layout.ts): STRIDE per pc, pc n the XOP_END sentinel. */
  readonly c: CodeWords;
  readonly insns: readonly Insn[];
  readonly progType: ProgType;
  readonly flags: number;
  /** The slot (the kernel's instruction number) of pc 0..n (n: the slot count), computed on first use. */
  slotOf(pc: number): number;
}

/**
 * The one shape of Code objects (both load paths): `insns` decoded from `bytes` on first use when
 * absent, `staticInit` analysed on first use (a class: no per-load closures).
 */
class CodeImpl implements Code {
  private decoded: readonly Insn[] | undefined;
  private proven: boolean | undefined;
  private slots: Int32Array | undefined;
  constructor(readonly n: number, readonly c: CodeWords, readonly progType: ProgType, readonly flags: number,
    private readonly opts: LoadOptions, insns: readonly Insn[] | undefined,
    private readonly bytes?: Uint8Array, private readonly decodeBytes?: (b: Uint8Array) => readonly Insn[]) {
    this.decoded = insns;
  }
  get insns(): readonly Insn[] {
    return (this.decoded ??= this.decodeBytes!(this.bytes!));
  }
  slotOf(pc: number): number {
    return (this.slots ??= this.slotTable())[pc]!;
  }
  /** Slots of pcs 0..n from the bytes (an ld_imm64, opcode 0x18, takes two) or the instructions. */
  private slotTable(): Int32Array {
    const t = new Int32Array(this.n + 1);
    const b = this.decoded === undefined ? this.bytes : undefined;
    for (let pc = 0, s = 0; pc <= this.n; pc++) {
      t[pc] = s;
      if (pc < this.n) s += (b ? b[s << 3] : this.insns[pc]!.code) === 0x18 ? 2 : 1;
    }
    return t;
  }
  get staticInit(): boolean {
    const o = this.opts;
    return (this.proven ??= !o.dynamicInit && analyzeInit(this.c, this.n, o.entryInit ?? 0x402, o.knownHelper ?? (() => false)).allProven);
  }
}

export const slotAt = (code: Code, pc: number): number => code.slotOf(pc);
export const srcAt = (code: Code, pc: number): number => (code.c[pc * STRIDE + F_OP]! >>> 12) & 15;
export const dstAt = (code: Code, pc: number): number => (code.c[pc * STRIDE + F_OP]! >>> 8) & 15;
export const immAt = (code: Code, pc: number): number => code.c[pc * STRIDE + F_IMM]!;
export const targetAt = (code: Code, pc: number): number => code.c[pc * STRIDE + F_TGT]!;

/** How ld_imm64 map references resolve: a handle (map pointer) and element-0 value address. */
export interface MapRef {
  readonly handleRid: number;
  /** Region id of the value an ld_imm64 src=2/6 points into (array maps), or 0. */
  readonly directValueRid: number;
}

export interface LoadOptions {
  /** Maps of the program by index (src = 5 / 6). */
  readonly maps: readonly MapRef[];
  /** fd -> map for the fd forms (src = 1 / 2), e.g. the kernel selftests' fixups. */
  readonly fdMaps?: ReadonlyMap<number, MapRef>;
  /** Accept bpf_conformance's callx (0x8d). */
  readonly callx?: boolean;
  /** Registers initialized at entry (bit i = ri); default r1 and r10. */
  readonly entryInit?: number;
  /** staticInit is false without analysis (every run tracks registers anyway). */
  readonly dynamicInit?: boolean;
  /** Is a helper id implemented (for the static init analysis: does r0 get a value)? */
  readonly knownHelper?: (id: number) => boolean;
}

// The pseudo src_reg values (opcodes.ts names them; local numbers keep the hot loop free of
// cross-module reads).
const BPF_PSEUDO_MAP_FD = 1, BPF_PSEUDO_MAP_VALUE = 2, BPF_PSEUDO_FUNC = 4, BPF_PSEUDO_MAP_IDX = 5;
const BPF_PSEUDO_MAP_IDX_VALUE = 6, BPF_PSEUDO_CALL = 1;

const err = (pc: number, message: string): LoadError => ({ kind: 'load_error', pc, message });

// Module-local snapshots of the opcode table (one row per byte) so the per-instruction work
// below does no cross-module lookups.
const ROWS: ReadonlyArray<OpcodeRow | undefined> = Array.from({ length: 256 }, (_, c) => opcodeRow(c));
const { masksOf, ruleOk: ok } = rules;
const { fastLoadBytes, fastLoadInsns } = fast;
const check = checkInsn;
const xopOfLocal = xopOf;

/** Fast accept of the common case; anything else goes to checkInsn for the verdict and message. */
function valid(insn: Insn, row: OpcodeRow | undefined): boolean {
  const i = insn.code * 4;
  return row !== undefined && ok(i, insn.dst) && ok(i + 1, insn.src) && ok(i + 2, insn.off) && ok(i + 3, insn.imm)
    && (row.kind !== 'ld_imm64' || (insn.hi !== undefined && insn.hi.code === 0 && insn.hi.dst === 0 && insn.hi.src === 0 && insn.hi.off === 0))
    && !(row.kind === 'call' && insn.off !== 0) && !(row.code === 0xbf && (insn.imm !== 0 || insn.off === 1));
}
function resolveMap(insn: Insn, opts: LoadOptions, pc: number): MapRef | LoadError {
  const byIdx = insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_IDX_VALUE;
  const m = byIdx ? opts.maps[insn.imm] : opts.fdMaps?.get(insn.imm);
  if (!m) return err(pc, byIdx ? `map index ${insn.imm} is not in the program's map list` : `fd ${insn.imm} is not bound to a map`);
  return m;
}

/** Store the 64-bit constant of an ld_imm64 as lo / hi halves into words `b`; a LoadError when refused. */
function ldImm64(insn: Insn, opts: LoadOptions, pc: number, target: number, c: CodeWords, b: number): LoadError | undefined {
  const hiImm = insn.hi?.imm ?? 0;
  let lo: number, hi: number;
  switch (insn.src) {
    case 0: lo = insn.imm; hi = hiImm; break;
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX: {
      const m = resolveMap(insn, opts, pc);
      if ('kind' in m) return m;
      lo = ptrLo(0); hi = ptrHi(m.handleRid);
      break;
    }
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE: {
      const m = resolveMap(insn, opts, pc);
      if ('kind' in m) return m;
      if (!m.directValueRid) return err(pc, 'map value address (ld_imm64 src 2/6) needs an array map with one element');
      lo = ptrLo(hiImm); hi = ptrHi(m.directValueRid);
      break;
    }
    case BPF_PSEUDO_FUNC: lo = ptrLo(target); hi = ptrHi(FUNC_RID); break;
    default: return err(pc, `ld_imm64 src=${insn.src} (BTF id) is not supported by the VM`);
  }
  c[b + F_IMM] = lo | 0; // int32 as an Int32Array would store it
  c[b + F_IMM2] = hi | 0;
  return undefined;
}

/** The logical target pc of a jump, call or ld_imm64 src=4; -1 when the instruction has none. */
function jumpTarget(insn: Insn, row: OpcodeRow | undefined, pc: number, slotOf: Int32Array, pcOf: Int32Array, slots: number): number | LoadError {
  let rel: number | undefined;
  if (row?.kind === 'jcond' || row?.kind === 'may_goto' || (row?.kind === 'ja' && row.is64)) rel = insn.off;
  else if (row?.kind === 'ja') rel = insn.imm; // gotol
  else if (row?.kind === 'call' && insn.src === BPF_PSEUDO_CALL) rel = insn.imm;
  else if (row?.kind === 'ld_imm64' && insn.src === BPF_PSEUDO_FUNC) rel = insn.imm;
  if (rel === undefined) return -1;
  const from = slotOf[pc]! + 1; // relative to the next slot (for ld_imm64 src=4: its second slot, as the kernel counts)
  const to = from + rel;
  if (to < 0 || to >= slots) return err(pc, `jump out of range from insn ${slotOf[pc]} to ${to}`);
  const t = pcOf[to]!;
  if (t < 0) return err(pc, `jump into the middle of ldimm64 insn ${to - 1}`);
  return t;
}

/** Fill the words of one instruction; a LoadError when it is refused. */
function fillInsn(c: CodeWords, pc: number, insn: Insn, slotOfPc: Int32Array, pcOfSlot: Int32Array, slots: number, opts: LoadOptions): LoadError | undefined {
  const row = ROWS[insn.code];
  const bad = valid(insn, row) ? undefined : check(copyInsn(insn));
  if (bad && !(opts.callx && insn.code === XOP_CALLX && insn.src === 0 && insn.off === 0 && insn.imm === 0 && insn.dst < 10)) {
    return err(pc, bad.message);
  }
  if (insn.code === 0xbf && insn.off === 1) return err(pc, 'addr_space_cast (arena memory) is not supported by the VM');
  if (((insn.off << 16) >> 16) !== insn.off) return err(pc, `off=${insn.off} does not fit the 16-bit field`);
  const t = jumpTarget(insn, row, pc, slotOfPc, pcOfSlot, slots);
  if (typeof t === 'object') return t;
  const b = pc * STRIDE;
  c[b + F_OP] = xopOfLocal(insn.code, insn.off) | (insn.dst << 8) | (insn.src << 12) | (insn.off << 16);
  c[b + F_IMM] = insn.imm | 0; // int32 as a typed array would store it (an Insn may hold any number)
  c[b + F_TGT] = t;
  c[b + F_MASK] = masksOf(insn.code, insn.dst, insn.src, insn.imm);
  return row?.kind === 'ld_imm64' ? ldImm64(insn, opts, pc, t, c, b) : undefined;
}

const copyInsn = (i: Insn): Insn => ({ code: i.code, dst: i.dst, src: i.src, off: i.off, imm: i.imm, ...(i.hi ? { hi: { ...i.hi } } : {}) });

/** The end sentinel. */
function finish(c: CodeWords, n: number): void {
  c[n * STRIDE + F_OP] = XOP_END;
  c[n * STRIDE + F_TGT] = -1;
}

/** pc of each slot (-1 for the second slot of an ld_imm64); scratch, valid for indexes below `slots`. */
function pcTables(n: number, slotOfPc: Int32Array, slots: number): Int32Array {
  const pcOfSlot = scratchWords(slots + 1, 1).fill(-1, 0, slots + 1);
  for (let i = 0; i < n; i++) pcOfSlot[slotOfPc[i]!] = i;
  return pcOfSlot;
}

/**
 * Load Insn objects: the numeric path (load-fast.ts) when it accepts, else this module's
 * Insn-based path, which decides and words every refusal.
 */
export function loadCode(insns: readonly Insn[], progType: ProgType, flags: number, opts: LoadOptions): Code | LoadError {
  const f = fastLoadInsns(insns, opts);
  if (f !== null) return new CodeImpl(f.n, f.c, progType, flags, opts, insns);
  return loadCodeSlow(insns, progType, flags, opts);
}

/** The Insn-based path alone: the reference the numeric path is tested against. */
export function loadCodeSlow(insns: readonly Insn[], progType: ProgType, flags: number, opts: LoadOptions): Code | LoadError {
  const n = insns.length;
  if (n === 0) return err(-1, 'empty program');
  const slotOfPc = scratchWords(n + 1, 0); // scratch: indexes 0..n are this program's
  let slots = 0;
  for (let i = 0; i < n; i++) { slotOfPc[i] = slots; slots += insns[i]!.code === 0x18 ? 2 : 1; }
  slotOfPc[n] = slots;
  const pcOfSlot = pcTables(n, slotOfPc, slots);
  const c = newCodeWords(wordsFor(slots)); // sized by slots, as load-fast.ts sizes them
  for (let pc = 0; pc < n; pc++) {
    const e = fillInsn(c, pc, insns[pc]!, slotOfPc, pcOfSlot, slots, opts);
    if (e) return e;
  }
  finish(c, n);
  return new CodeImpl(n, c, progType, flags, opts, insns);
}

interface MutSlot { code: number; dst: number; src: number; off: number; imm: number }
interface MutInsn extends MutSlot { hi?: MutSlot }

function readSlot(bytes: Uint8Array, at: number, into: MutSlot): void {
  const regs = bytes[at + 1]!;
  into.code = bytes[at]!;
  into.dst = regs & 0x0f;
  into.src = regs >> 4;
  into.off = ((bytes[at + 2]! | (bytes[at + 3]! << 8)) << 16) >> 16;
  into.imm = bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24);
}

/**
 * Load straight from bytecode: the bytes are read into the code words without building Insn
 * objects (one scratch object is reused); `insns` is decoded on first use (fault reports,
 * traces). Errors: a length not a multiple of 8, an ld_imm64 cut at the end, or any refusal
 * of loadCode.
 */
export function loadCodeBytes(bytes: Uint8Array, progType: ProgType, flags: number, opts: LoadOptions,
  decodeInsns: (b: Uint8Array) => Insn[]): Code | LoadError {
  if (bytes.length % 8 !== 0) return err(-1, `bytecode length ${bytes.length} is not a multiple of 8`);
  const f = fastLoadBytes(bytes, opts);
  if (f !== null) return new CodeImpl(f.n, f.c, progType, flags, opts, undefined, bytes, decodeInsns);
  const total = bytes.length >> 3;
  const slotOfPcAll = scratchWords(total + 1, 0);
  let n = 0;
  for (let s = 0; s < total; n++) {
    slotOfPcAll[n] = s;
    if (bytes[s << 3] === 0x18) {
      if (s + 1 >= total) return err(n, 'ld_imm64 (opcode 0x18) is missing its second slot');
      s += 2;
    } else s += 1;
  }
  if (n === 0) return err(-1, 'empty program');
  slotOfPcAll[n] = total;
  const slotOfPc = slotOfPcAll; // scratch: indexes 0..n are this program's
  const pcOfSlot = pcTables(n, slotOfPc, total);
  const c = newCodeWords(wordsFor(total));
  const hi: MutSlot = { code: 0, dst: 0, src: 0, off: 0, imm: 0 };
  const insn: MutInsn = { code: 0, dst: 0, src: 0, off: 0, imm: 0 };
  for (let pc = 0; pc < n; pc++) {
    const at = slotOfPc[pc]! << 3;
    readSlot(bytes, at, insn);
    if (insn.code === 0x18) { readSlot(bytes, at + 8, hi); insn.hi = hi; } else insn.hi = undefined;
    const e = fillInsn(c, pc, insn, slotOfPc, pcOfSlot, total, opts);
    if (e) return e;
  }
  finish(c, n);
  return new CodeImpl(n, c, progType, flags, opts, undefined, bytes, decodeInsns);
}
